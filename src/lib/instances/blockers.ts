/**
 * What keeps a draining instance busy. ECS moves a DRAINING instance's service tasks elsewhere, but
 * (ECS Developer Guide, "Draining Amazon ECS container instances") it does not stop standalone tasks
 * (RunTask/StartTask), a daemon service's task stays until the others have gone, and a replacement
 * that fits on no ACTIVE instance (CPU, memory, or a host port already taken there) is never placed,
 * so the old task keeps running while the service waits.
 */
import type { FleetInstance, Resources } from './fleet.js';
import { describeUnplaced, hostOf, movingTasks, placeTasks, standaloneTasks } from './plan.js';
import type { WorkloadTask } from './workload.js';

/** One task that keeps an instance from draining, and why. */
export interface DrainBlocker {
  instanceId: string;
  taskArn: string;
  kind: 'standalone' | 'daemon' | 'fits-nowhere';
  /** One sentence for a person, saying what to do. */
  detail: string;
}

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
      detail: `${describeUnplaced(task, hosts)}; add capacity (raise the group's desired count) or free the port`,
    });
  return blockers;
}
