/**
 * Why a service is not steady yet, while CloudFormation (deploy) or ecspoc (drain, cycle) waits on it:
 * the service's own events, its primary deployment's rollout state, its task counts and the reason
 * the last task stopped — read with DescribeServices, ListTasks(desiredStatus STOPPED) and
 * DescribeTasks, the calls the ECS console's "why is my deployment stuck" view makes.
 */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';

import { toAwsError } from '../aws/clients.js';
import { arnId } from './parse.js';
import { describeStopped, type ServiceWaiting, type StoppedTask } from './waiting.js';

export {
  describeStopped,
  describeWaiting,
  serviceFromArn,
  type ServiceWaiting,
  type StoppedTask,
} from './waiting.js';

/** The one client the watch uses; an ECSClient or a fake. */
export type ServiceWatchClient = Pick<ECSClient, 'send'>;

/**
 * Follows one service. Each `poll` reads it once and returns what changed since the previous poll
 * (undefined when nothing did): each ECS service event is reported once, and only events from `since`
 * on (a service keeps its last 100 events, most of them about earlier deployments).
 */
export class ServiceWatch {
  private readonly seen = new Set<string>();
  private lastSignature = '';
  private last?: ServiceWaiting;
  /** True when the service runs one task per instance (DAEMON): draining stops it last, nothing moves it. */
  daemon = false;
  /**
   * The service's newest event when it says ECS could place no task (undefined otherwise): the only
   * place ECS reports that no instance has the CPU, memory or free host port a task needs.
   */
  placementProblem?: string;

  constructor(
    private readonly client: ServiceWatchClient,
    readonly cluster: string,
    readonly service: string,
    private readonly since: Date,
  ) {}

  /** Reads the service, its primary deployment and its latest stopped task; returns what is new. */
  async poll(): Promise<ServiceWaiting | undefined> {
    let described;
    try {
      described = await this.client.send(
        new DescribeServicesCommand({ cluster: this.cluster, services: [this.service] }),
      );
    } catch (error) {
      throw toAwsError(error, `describing service ${this.service}`);
    }
    const service = described.services?.[0];
    if (!service) return undefined;
    const primary = service.deployments?.find((d) => d.status === 'PRIMARY') ?? service.deployments?.[0];
    this.daemon = service.schedulingStrategy === 'DAEMON';
    this.placementProblem = placementProblem(service.events ?? [], this.since);
    const events = (service.events ?? [])
      .filter((e) => e.id && !this.seen.has(e.id) && (e.createdAt ?? new Date(0)) >= this.since)
      .map((e) => ({
        id: e.id!,
        createdAt: (e.createdAt ?? new Date(0)).toISOString(),
        message: e.message ?? '',
      }))
      .reverse();
    for (const event of events) this.seen.add(event.id);
    const lastStopped = await readLastStoppedTask(this.client, this.cluster, this.service);
    const waiting: ServiceWaiting = {
      cluster: this.cluster,
      service: this.service,
      events,
      rolloutState: primary?.rolloutState,
      rolloutStateReason: primary?.rolloutStateReason,
      running: primary?.runningCount ?? service.runningCount ?? 0,
      desired: primary?.desiredCount ?? service.desiredCount ?? 0,
      pending: primary?.pendingCount ?? service.pendingCount ?? 0,
      failed: primary?.failedTasks ?? 0,
      ...(lastStopped ? { lastStopped } : {}),
    };
    this.last = waiting;
    const signature = JSON.stringify({ ...waiting, events: [] });
    if (events.length === 0 && signature === this.lastSignature) return undefined;
    this.lastSignature = signature;
    return waiting;
  }

  /**
   * Why the service failed, when its deployment failed: the circuit breaker's rollback reason and the
   * stopped task behind it, which say more than CloudFormation's "resource failed to stabilize".
   */
  failureReason(): string | undefined {
    const last = this.last;
    if (!last || last.rolloutState !== 'FAILED') return undefined;
    const stopped = last.lastStopped ? `; last stopped task: ${describeStopped(last.lastStopped)}` : '';
    return `${last.service}: ${last.rolloutStateReason ?? 'deployment failed'}${stopped}`;
  }
}

/**
 * The service's most recently stopped task and why it stopped (ListTasks desiredStatus STOPPED, then
 * DescribeTasks); undefined when none is left to see (ECS keeps stopped tasks visible about an hour).
 */
export async function readLastStoppedTask(
  client: ServiceWatchClient,
  cluster: string,
  service: string,
): Promise<StoppedTask | undefined> {
  try {
    // At most 10 of the newest: enough to find the latest, one DescribeTasks call (100 tasks a call).
    const listed = await client.send(
      new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: 10 }),
    );
    const arns = listed.taskArns ?? [];
    if (arns.length === 0) return undefined;
    const described = await client.send(new DescribeTasksCommand({ cluster, tasks: arns }));
    // A stand-in that ignores serviceName (moto does) must not lend another service's task.
    const tasks = (described.tasks ?? []).filter(
      (t) => (t.stoppedAt || t.stoppedReason) && (!t.group || t.group === `service:${service}`),
    );
    // Sort by stop time, not list order: the list order is not documented as a time order.
    tasks.sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0));
    const task = tasks[0];
    if (!task) return undefined;
    return {
      taskId: arnId(task.taskArn ?? ''),
      stopCode: task.stopCode,
      stoppedReason: task.stoppedReason,
      stoppedAt: task.stoppedAt?.toISOString(),
      containers: (task.containers ?? []).map((c) => ({
        name: c.name ?? '?',
        lastStatus: c.lastStatus,
        exitCode: c.exitCode,
        reason: c.reason,
      })),
    };
  } catch (error) {
    throw toAwsError(error, `reading the stopped tasks of ${service}`);
  }
}

/**
 * ECS's service event when the scheduler found no instance for a task: "(service NAME) was unable to
 * place a task because no container instance met all of its requirements. The closest matching
 * container-instance … has insufficient memory available / is already using a port required by your
 * task" (ECS Developer Guide, "Amazon ECS service event messages"). ECS reports this nowhere else, so
 * the text is read here, for display only; ECS repeats it while the problem lasts, hence the newest.
 */
function placementProblem(events: { createdAt?: Date; message?: string }[], since: Date): string | undefined {
  // ECS lists service events newest first.
  const newest = events[0];
  if (!newest?.message || (newest.createdAt ?? new Date(0)) < since) return undefined;
  return /unable to place a task/i.test(newest.message) ? newest.message : undefined;
}
