import { UpdateContainerInstancesStateCommand } from '@aws-sdk/client-ecs';

import { toAwsError } from '../aws/clients.js';
import { type AdoptRequest, targetFlags } from '../clusters/target.js';
import { InterruptedError, OperationError, TimeoutError, UsageError } from '../errors.js';
import { chunk, type InstanceClients } from './clients.js';
import type { Clock } from '../time/clock.js';
import type { EventSink } from './events.js';
import { describeBlockers, DrainWatch, type DrainBlocker } from './blockers.js';
import { describeFleet, type Fleet, type FleetInstance, isServing, type Resources } from './fleet.js';
import * as reader from './reader.js';
import { describeUnplaced, hostOf, movingTasks, placeTasks, standaloneTasks } from './plan.js';
import { waitFor } from '../time/wait.js';
import { describeRunningTasks, describeTaskRequirements, stopTasks, type WorkloadTask } from './workload.js';

/** How `instances drain` runs. */
export interface DrainOptions {
  env: string;
  /** A cluster ecspoc did not deploy: found by the discovery rules instead of the cluster stack. */
  adopt?: AdoptRequest;
  /** Instance ids, container instance ids or ARNs. */
  ids: string[];
  stopStandaloneTasks: boolean;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
}

/** Time, Ctrl-C and the event sink of a drain or cycle. */
export interface RunDeps {
  clock: Clock;
  signal?: AbortSignal;
  emit: EventSink;
}

/** One drained (or activated) instance in the result. */
export interface InstanceOutcome {
  instanceId: string;
  containerInstanceArn: string;
  status: string;
  runningTasks: number;
  pendingTasks: number;
  standaloneTasksStopped: number;
}

/** What `instances drain` returns (its `--json`). */
export interface DrainResult {
  cluster: string;
  instances: InstanceOutcome[];
  /** False with `--no-wait`. */
  waited: boolean;
  /** True when every instance runs no task any more. */
  drained: boolean;
  warnings: string[];
}

/** Finds the named instances (instance id, container instance id or ARN) in the fleet, or says which are unknown. */
export function resolveInstances(fleet: Fleet, ids: string[]): FleetInstance[] {
  const found: FleetInstance[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const instance = fleet.instances.find(
      (i) =>
        i.instanceId === id ||
        (i.containerInstanceArn !== undefined &&
          (i.containerInstanceArn === id || i.containerInstanceArn.endsWith(`/${id}`))),
    );
    if (instance) {
      if (!found.includes(instance)) found.push(instance);
    } else unknown.push(id);
  }
  if (unknown.length > 0) {
    throw new UsageError(
      'UNKNOWN_INSTANCE',
      `Not a container instance of ${fleet.refs.clusterName}: ${unknown.join(', ')}.`,
      {
        suggestions: [
          `See the instances with: ecspoc instances list ${targetFlags(fleet.refs.env, fleet.refs.adopted)}`,
        ],
      },
    );
  }
  return found;
}

/** Sets ECS status (ACTIVE or DRAINING) on container instances, 10 per call (the API's limit). */
export async function setInstanceStatus(
  clients: InstanceClients,
  cluster: string,
  instances: FleetInstance[],
  status: 'ACTIVE' | 'DRAINING',
): Promise<void> {
  const arns = instances.map((i) => i.containerInstanceArn).filter((a): a is string => Boolean(a));
  for (const part of chunk(arns, 10)) {
    let failures;
    try {
      failures = (
        await clients.ecs.send(
          new UpdateContainerInstancesStateCommand({ cluster, containerInstances: part, status }),
        )
      ).failures;
    } catch (error) {
      throw toAwsError(error, `setting container instances ${status}`, clients.settings);
    }
    if (failures && failures.length > 0) {
      throw new OperationError(
        'STATUS_CHANGE_FAILED',
        `ECS refused to set ${failures.map((f) => `${f.arn} (${f.reason})`).join(', ')} ${status}.`,
        { suggestions: ['Check the instances with: ecspoc instances list'] },
      );
    }
  }
}

/** Running and pending tasks per container instance ARN, through the fleet reader (100 per call, in parallel). */
export async function countTasks(
  clients: InstanceClients,
  cluster: string,
  arns: string[],
): Promise<Map<string, { running: number; pending: number; status?: string }>> {
  const counts = new Map<string, { running: number; pending: number; status?: string }>();
  for (const ci of await reader.describeContainerInstances(clients, cluster, arns)) {
    counts.set(ci.containerInstanceArn ?? '', {
      running: ci.runningTasksCount ?? 0,
      pending: ci.pendingTasksCount ?? 0,
      status: ci.status,
    });
  }
  return counts;
}

/**
 * Waits until none of `instances` runs or starts a task, reporting each instance's count as it falls.
 * Throws TimeoutError after `timeoutMs` (the instances stay DRAINING) and InterruptedError on abort.
 */
export async function waitUntilDrained(
  clients: InstanceClients,
  cluster: string,
  instances: FleetInstance[],
  options: {
    timeoutMs: number;
    pollIntervalMs: number;
    batch?: number;
    /** Wraps each poll (the cycle counts its API calls). */
    around?: <T>(poll: () => Promise<T>) => Promise<T>;
    /** Task requirements already read, shared with the explanation of why the drain waits. */
    requirements?: Map<string, Resources>;
  },
  deps: RunDeps,
): Promise<Map<string, { running: number; pending: number; status?: string }>> {
  const registered = instances.filter((i) => i.containerInstanceArn);
  // Why it still waits, read at most every EXPLAIN_INTERVAL_MS and outside `around`: the poll's own
  // cost stays what it was (one describe per 100 instances), the explanation is counted apart.
  const watch = new DrainWatch(clients, cluster, {
    intervalMs: Math.max(options.pollIntervalMs, EXPLAIN_INTERVAL_MS),
    clock: deps.clock,
    emit: deps.emit,
    batch: options.batch,
    requirements: options.requirements,
  });
  const drained = new Set<string>();
  // What the draining event already said; only changes are reported.
  const reported = new Map(instances.map((i) => [i.instanceId, i.runningTasks + i.pendingTasks]));
  const around = options.around ?? (<T>(poll: () => Promise<T>) => poll());
  let stillHeld: FleetInstance[] = [];
  return waitFor(
    async () => {
      const counts = await around(() =>
        countTasks(
          clients,
          cluster,
          registered.map((i) => i.containerInstanceArn as string),
        ),
      );
      const busy: string[] = [];
      const held: FleetInstance[] = [];
      for (const instance of registered) {
        const count = counts.get(instance.containerInstanceArn as string) ?? { running: 0, pending: 0 };
        const tasks = count.running + count.pending;
        if (tasks > 0) {
          held.push(instance);
          busy.push(`${instance.instanceId}: ${tasks} task${tasks === 1 ? '' : 's'}`);
          if (reported.get(instance.instanceId) !== tasks) {
            reported.set(instance.instanceId, tasks);
            deps.emit({
              type: 'instance-tasks',
              instanceId: instance.instanceId,
              tasks,
              batch: options.batch,
            });
          }
        } else if (!drained.has(instance.instanceId)) {
          drained.add(instance.instanceId);
          deps.emit({ type: 'instance-drained', instanceId: instance.instanceId, batch: options.batch });
        }
      }
      stillHeld = held;
      await watch.explain(held);
      return {
        done: busy.length === 0,
        value: counts,
        detail: busy.length ? `${busy.join(', ')} left` : undefined,
      };
    },
    {
      what: `${instances.map((i) => i.instanceId).join(', ')} to drain`,
      timeoutMs: options.timeoutMs,
      intervalMs: options.pollIntervalMs,
      clock: deps.clock,
      signal: deps.signal,
    },
  ).catch(async (error: unknown) => {
    if (!(error instanceof TimeoutError)) throw error;
    // A wait shorter than the explanation's interval still says what keeps the instances.
    if (watch.blockers.length === 0) await watch.explain(stillHeld, true);
    if (watch.blockers.length === 0) throw error;
    throw new TimeoutError(`${error.message.replace(/\.$/, '')}: ${describeBlockers(watch.blockers)}.`, {
      cause: error,
      suggestions: blockerSuggestions(watch.blockers),
    });
  });
}

/** The least time between two explanations of a drain's wait (a task listing and a read per service). */
export const EXPLAIN_INTERVAL_MS = 15_000;

/** What to do about each kind of blocker, once per kind. */
function blockerSuggestions(blockers: DrainBlocker[]): string[] {
  const kinds = new Set(blockers.map((b) => b.kind));
  const suggestions: string[] = [];
  if (kinds.has('standalone'))
    suggestions.push('Standalone tasks never move: stop them, or drain again with --stop-standalone-tasks.');
  if (kinds.has('fits-nowhere'))
    suggestions.push(
      "A replacement task fits on no ACTIVE instance: add capacity (raise the Auto Scaling group's desired capacity) or free the static host port.",
    );
  if (kinds.has('daemon'))
    suggestions.push('Daemon tasks stop last, once every other task of the instance has gone.');
  return suggestions;
}

/**
 * Capacity warnings for draining `drained`: the service tasks on them must fit on the instances that
 * stay ACTIVE (CPU, memory, host ports). Empty when they fit.
 */
export function drainCapacityWarnings(
  fleet: Fleet,
  drained: FleetInstance[],
  tasks: WorkloadTask[],
  requirements: Parameters<typeof movingTasks>[2],
): string[] {
  const leaving = new Set(drained.map((i) => i.instanceId));
  const hosts = fleet.instances.filter((i) => isServing(i) && !leaving.has(i.instanceId)).map(hostOf);
  const moving = drained.flatMap((i) => movingTasks(i, tasks, requirements, new Set()));
  const unplaced = placeTasks(hosts, moving);
  if (unplaced.length === 0) return [];
  return [
    `${unplaced.length} of ${moving.length} service tasks will not fit on the instances left ACTIVE: ` +
      `${describeUnplaced(unplaced[0], hosts)}. They stay PENDING until capacity is added.`,
  ];
}

/** A drain checked and ready: the instances, their tasks, and what the operator should know first. */
export interface PreparedDrain {
  fleet: Fleet;
  instances: FleetInstance[];
  /** Standalone tasks by instance id: draining does not stop them. */
  standalone: Map<string, WorkloadTask[]>;
  /** Said before anything changes: tasks that will not fit, standalone tasks that keep running. */
  warnings: string[];
}

/**
 * Finds the instances to drain and what draining them means, changing nothing: whether the service
 * tasks fit on the instances left ACTIVE, and which standalone tasks would keep running.
 */
export async function prepareDrain(
  clients: InstanceClients,
  fleet: Fleet,
  ids: string[],
  stopStandaloneTasks: boolean,
): Promise<PreparedDrain> {
  const cluster = fleet.refs.clusterName;
  const instances = resolveInstances(fleet, ids);
  const unregistered = instances.filter((i) => !i.containerInstanceArn);
  if (unregistered.length > 0) {
    throw new UsageError(
      'NOT_REGISTERED',
      `${unregistered.map((i) => i.instanceId).join(', ')} never registered with ${cluster}: there is nothing to drain.`,
      {
        suggestions: ['Check the ECS agent on the instance, or terminate it through its Auto Scaling Group.'],
      },
    );
  }
  const tasks = await describeRunningTasks(clients, cluster);
  const requirements = await describeTaskRequirements(
    clients,
    tasks.filter((t) => t.service).map((t) => t.taskDefinitionArn),
  );
  const warnings = drainCapacityWarnings(fleet, instances, tasks, requirements);
  const standalone = new Map(instances.map((i) => [i.instanceId, standaloneTasks(i, tasks)]));
  if (!stopStandaloneTasks) {
    for (const [instanceId, own] of standalone) {
      if (own.length === 0) continue;
      warnings.push(
        `${own.length} standalone task(s) keep running on ${instanceId}: draining does not stop them ` +
          '(--stop-standalone-tasks does).',
      );
    }
  }
  return { fleet, instances, standalone, warnings };
}

/**
 * Drains container instances: sets them DRAINING (ECS moves service tasks elsewhere), stops their
 * standalone tasks when asked, and waits until no task runs on them (unless `wait` is false).
 * Without `prepared`, prepares first (and reports the warnings as notes).
 */
export async function drainInstances(
  clients: InstanceClients,
  options: DrainOptions,
  deps: RunDeps,
  prepared?: PreparedDrain,
): Promise<DrainResult> {
  if (!prepared) {
    const fleet = await describeFleet(clients, options.env, options.adopt);
    prepared = await prepareDrain(clients, fleet, options.ids, options.stopStandaloneTasks);
    for (const warning of prepared.warnings) deps.emit({ type: 'note', message: `warning: ${warning}` });
  }
  const { instances, standalone, warnings } = prepared;
  const cluster = prepared.fleet.refs.clusterName;

  await setInstanceStatus(clients, cluster, instances, 'DRAINING');
  for (const instance of instances) {
    deps.emit({
      type: 'instance-draining',
      instanceId: instance.instanceId,
      tasks: instance.runningTasks + instance.pendingTasks,
    });
  }
  const stopped = new Map<string, number>();
  for (const instance of instances) {
    const own = standalone.get(instance.instanceId) ?? [];
    if (own.length === 0 || !options.stopStandaloneTasks) continue;
    await stopTasks(
      clients,
      cluster,
      own.map((t) => t.taskArn),
      'Stopped by ecspoc instances drain',
    );
    stopped.set(instance.instanceId, own.length);
    deps.emit({ type: 'standalone-stopped', instanceId: instance.instanceId, count: own.length });
  }

  let counts = new Map<string, { running: number; pending: number; status?: string }>();
  let drained = false;
  if (options.wait) {
    try {
      counts = await waitUntilDrained(clients, cluster, instances, options, deps);
      drained = true;
    } catch (error) {
      const named = instances.map((i) => i.instanceId).join(' ');
      const suggestions = [
        `Wait again: ecspoc instances drain ${named} ${targetFlags(options.env, options.adopt)} --timeout 30m`,
        `Or put them back in service: ecspoc instances activate ${named} ${targetFlags(options.env, options.adopt)}`,
      ];
      if (error instanceof TimeoutError) {
        throw new TimeoutError(`${error.message} They stay DRAINING.`, {
          cause: error,
          suggestions: [...error.suggestions, ...suggestions],
        });
      }
      if (error instanceof InterruptedError) {
        throw new InterruptedError(
          `Interrupted: ${named.replaceAll(' ', ', ')} stay DRAINING; ECS keeps moving their service tasks.`,
          { cause: error, suggestions },
        );
      }
      throw error;
    }
  } else {
    counts = await countTasks(
      clients,
      cluster,
      instances.map((i) => i.containerInstanceArn as string),
    );
  }
  return {
    cluster,
    waited: options.wait,
    drained,
    warnings,
    instances: instances.map((instance) => {
      const count = counts.get(instance.containerInstanceArn as string);
      return {
        instanceId: instance.instanceId,
        containerInstanceArn: instance.containerInstanceArn as string,
        status: count?.status ?? 'DRAINING',
        runningTasks: count?.running ?? 0,
        pendingTasks: count?.pending ?? 0,
        standaloneTasksStopped: stopped.get(instance.instanceId) ?? 0,
      };
    }),
  };
}

/** What `instances activate` returns. */
export interface ActivateResult {
  cluster: string;
  instances: InstanceOutcome[];
}

/** Puts container instances back in service (ACTIVE). */
export async function activateInstances(
  clients: InstanceClients,
  env: string,
  ids: string[],
  emit: EventSink,
  fleet?: Fleet,
): Promise<ActivateResult> {
  fleet ??= await describeFleet(clients, env);
  const instances = resolveInstances(fleet, ids);
  const unregistered = instances.filter((i) => !i.containerInstanceArn);
  if (unregistered.length > 0) {
    throw new UsageError(
      'NOT_REGISTERED',
      `${unregistered.map((i) => i.instanceId).join(', ')} never registered with ${fleet.refs.clusterName}.`,
      { suggestions: ['Check the ECS agent on the instance.'] },
    );
  }
  const marked = instances.filter((i) => i.cycleMark);
  if (marked.length > 0) {
    emit({
      type: 'note',
      message:
        `warning: ${marked.map((i) => i.instanceId).join(', ')} belong to an unfinished cycle; ` +
        'running the cycle again drains them again.',
    });
  }
  await setInstanceStatus(clients, fleet.refs.clusterName, instances, 'ACTIVE');
  for (const instance of instances) emit({ type: 'instance-activated', instanceId: instance.instanceId });
  return {
    cluster: fleet.refs.clusterName,
    instances: instances.map((i) => ({
      instanceId: i.instanceId,
      containerInstanceArn: i.containerInstanceArn as string,
      status: 'ACTIVE',
      runningTasks: i.runningTasks,
      pendingTasks: i.pendingTasks,
      standaloneTasksStopped: 0,
    })),
  };
}
