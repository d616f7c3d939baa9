/**
 * What keeps a draining instance busy. ECS moves a DRAINING instance's service tasks elsewhere, but
 * (ECS Developer Guide, "Draining Amazon ECS container instances") draining does not touch standalone
 * tasks (RunTask/StartTask: nothing replaces them, they run until they end or are stopped), a daemon
 * service's task is stopped only after the other tasks of the instance have gone ("Daemon scheduling
 * strategy"), and a replacement that fits on no ACTIVE instance (CPU, memory, or a static host port
 * already taken there) is never placed, which ECS reports only as a service event, so the old task
 * keeps running while the service waits.
 */
import { ServiceWatch } from '../events/stuck.js';
import { arnId } from '../events/parse.js';
import { EcspocError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import type { InstanceClients } from './clients.js';
import type { EventSink } from './events.js';
import {
  describeContainerInstances,
  fromContainerInstance,
  type FleetInstance,
  type Resources,
} from './fleet.js';
import { describeUnplaced, hostOf, movingTasks, placeTasks, standaloneTasks } from './plan.js';
import { describeRunningTasks, describeTaskRequirements, type WorkloadTask } from './workload.js';

/** One task that keeps an instance from draining, and why. */
export interface DrainBlocker {
  instanceId: string;
  taskArn: string;
  kind: 'standalone' | 'daemon' | 'fits-nowhere';
  /** The task for a person: `standalone task family:nightly-report (6f3c…)`. */
  task: string;
  /** One sentence for a person, saying what to do. */
  detail: string;
}

const taskLabel = (task: WorkloadTask, what: string) => `${what} (${arnId(task.taskArn)})`;

/**
 * The tasks that keep `draining` instances busy: standalone tasks, daemon tasks, and service tasks
 * whose replacement fits on none of `active` (the instances that stay ACTIVE).
 */
export function drainBlockers(
  draining: FleetInstance[],
  active: FleetInstance[],
  tasks: WorkloadTask[],
  requirements: Map<string, Resources>,
  daemonServices: Set<string>,
): DrainBlocker[] {
  const blockers: DrainBlocker[] = [];
  const hosts = active.map(hostOf);
  for (const instance of draining) {
    for (const task of standaloneTasks(instance, tasks))
      blockers.push({
        instanceId: instance.instanceId,
        taskArn: task.taskArn,
        kind: 'standalone',
        task: taskLabel(task, `standalone task ${task.group ?? 'without a group'}`),
        detail: `standalone task ${task.group ?? task.taskArn} is not moved by draining: stop it (--stop-standalone-tasks) or wait for it to end`,
      });
    for (const task of tasks.filter(
      (t) =>
        t.containerInstanceArn === instance.containerInstanceArn &&
        t.service &&
        daemonServices.has(t.service),
    ))
      blockers.push({
        instanceId: instance.instanceId,
        taskArn: task.taskArn,
        kind: 'daemon',
        task: taskLabel(task, `daemon task of ${task.service}`),
        detail: `daemon task of ${task.service} stops only after every other task of the instance has gone`,
      });
  }
  const moving = draining.flatMap((i) => movingTasks(i, tasks, requirements, daemonServices));
  // Place against copies: placeTasks spends the hosts' free capacity as it goes.
  const unplaced = placeTasks(
    hosts.map((h) => ({ ...h, ports: new Set(h.ports) })),
    moving,
  );
  for (const task of unplaced)
    blockers.push({
      instanceId: task.from,
      taskArn: task.taskArn,
      kind: 'fits-nowhere',
      task: `${task.label} task (${arnId(task.taskArn)})`,
      detail: `${describeUnplaced(task, hosts)}; add capacity (raise the group's desired count) or free the port`,
    });
  return blockers;
}

/** One line naming which task keeps which instance: `i-0abc is kept by a web task (6f3c…) that fits nowhere`. */
export function describeBlockers(blockers: DrainBlocker[]): string {
  const byInstance = new Map<string, string[]>();
  for (const blocker of blockers) {
    const phrase =
      blocker.kind === 'fits-nowhere' ? `a ${blocker.task} that fits on no ACTIVE instance` : blocker.task;
    byInstance.set(blocker.instanceId, [...(byInstance.get(blocker.instanceId) ?? []), phrase]);
  }
  return [...byInstance].map(([id, phrases]) => `${id} is kept by ${phrases.join(', ')}`).join('; ');
}

/** How often a drain wait reads why it still waits, and where it reports. */
export interface DrainWatchOptions {
  /** At most one explanation per this many ms (each costs a task listing and a read per service). */
  intervalMs: number;
  clock: Clock;
  emit: EventSink;
  batch?: number;
  /** Task requirements already read (the cycle's), shared so each definition is described once. */
  requirements?: Map<string, Resources>;
}

/**
 * Says, while a drain waits, why the instances still run tasks: the ServiceWatch view of each service
 * with a task on them (its events once each, rollout state, counts, last stopped task), and the
 * blockers (standalone, daemon, fits nowhere: by capacity and host ports, or because the service's
 * newest event says ECS could place no task). Reports only what changed.
 */
export class DrainWatch {
  private readonly watches = new Map<string, ServiceWatch>();
  private readonly requirements: Map<string, Resources>;
  private readonly said = new Map<string, string>();
  private readonly since: Date;
  private nextAt = 0;
  private warned = false;
  /** The blockers found last, for the timeout's message. */
  blockers: DrainBlocker[] = [];

  constructor(
    private readonly clients: InstanceClients,
    private readonly cluster: string,
    private readonly options: DrainWatchOptions,
  ) {
    this.requirements = options.requirements ?? new Map();
    this.since = new Date(options.clock.now());
    // A drain that ends within one interval needs no explanation: the first look (a listing of the
    // cluster's tasks and a read per service) waits that long, so a cycle's quick drains pay nothing.
    this.nextAt = options.clock.now() + options.intervalMs;
  }

  /**
   * Explains `busy` (the instances still running tasks) unless the last explanation is recent;
   * `immediately` looks at once (the wait is over and has not looked yet).
   */
  async explain(busy: FleetInstance[], immediately = false): Promise<void> {
    const now = this.options.clock.now();
    if (busy.length === 0 || (!immediately && now < this.nextAt)) return;
    this.nextAt = now + this.options.intervalMs;
    try {
      await this.read(busy);
    } catch (error) {
      // Why it waits is advice: a failed read must not end the drain itself.
      if (!(error instanceof EcspocError) || this.warned) return;
      this.warned = true;
      this.options.emit({
        type: 'note',
        message: `warning: could not read why the instances still run tasks: ${error.message}`,
      });
    }
  }

  private async read(busy: FleetInstance[]): Promise<void> {
    const { emit, batch } = this.options;
    const tasks = await describeRunningTasks(this.clients, this.cluster);
    const arns = new Set(busy.map((i) => i.containerInstanceArn));
    const onBusy = tasks.filter((t) => arns.has(t.containerInstanceArn));
    const daemons = new Set<string>();
    const unplaceable = new Map<string, string>();
    for (const service of new Set(onBusy.flatMap((t) => (t.service ? [t.service] : [])))) {
      let watch = this.watches.get(service);
      if (!watch) {
        watch = new ServiceWatch(this.clients.ecs, this.cluster, service, this.since);
        this.watches.set(service, watch);
      }
      const waiting = await watch.poll();
      if (waiting) emit({ type: 'service-watch', waiting, batch });
      if (watch.daemon) daemons.add(service);
      if (watch.placementProblem) unplaceable.set(service, watch.placementProblem);
    }
    const moving = onBusy.filter((t) => t.service && !daemons.has(t.service));
    let active: FleetInstance[] = [];
    if (moving.length > 0) {
      const unknown = moving.map((t) => t.taskDefinitionArn).filter((arn) => !this.requirements.has(arn));
      for (const [arn, need] of await describeTaskRequirements(this.clients, unknown))
        this.requirements.set(arn, need);
      active = (await describeContainerInstances(this.clients, this.cluster))
        .filter((ci) => ci.status === 'ACTIVE' && !arns.has(ci.containerInstanceArn))
        .map(fromContainerInstance);
    }
    const blockers = drainBlockers(busy, active, onBusy, this.requirements, daemons);
    // What the capacity model cannot see (placement constraints, ENIs), ECS's own event says.
    for (const task of moving) {
      const problem = unplaceable.get(task.service as string);
      if (!problem || blockers.some((b) => b.taskArn === task.taskArn)) continue;
      const instance = busy.find((i) => i.containerInstanceArn === task.containerInstanceArn);
      blockers.push({
        instanceId: instance?.instanceId ?? '?',
        taskArn: task.taskArn,
        kind: 'fits-nowhere',
        task: taskLabel(task, `${task.service} task`),
        detail: `ECS says: ${problem}`,
      });
    }
    this.blockers = blockers;
    for (const instance of busy) {
      const own = blockers.filter((b) => b.instanceId === instance.instanceId);
      const signature = own.map((b) => `${b.kind} ${b.taskArn} ${b.detail}`).join('\n');
      if (signature === (this.said.get(instance.instanceId) ?? '')) continue;
      this.said.set(instance.instanceId, signature);
      emit({ type: 'drain-blocked', instanceId: instance.instanceId, blockers: own, batch });
    }
  }
}
