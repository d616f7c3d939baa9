/**
 * The cycle planner: pure functions that order the instances to replace into batches, keep the
 * Availability Zones balanced, size the surge, and check that the tasks of every batch fit into the
 * capacity left (CPU, memory, host ports) before anything is changed.
 */
import { isLeaving, isServing, type FleetInstance, type Resources } from './fleet.js';
import type { WorkloadTask } from './workload.js';

/** What the planner needs to know; all of it read from AWS, nothing changed. */
export interface PlanInput {
  instances: FleetInstance[];
  /** Instance ids to replace. */
  replace: string[];
  tasks: WorkloadTask[];
  /** Reservation of one task, by task definition ARN. */
  requirements: Map<string, Resources>;
  /** Services scheduled as DAEMON: their tasks stop with the instance and start on new ones. */
  daemonServices: Set<string>;
  /** The group's capacity before the cycle (from the cycle tag when resuming). */
  desired: number;
  max: number;
  /** The group's desired capacity now: above `desired` when an interrupted run surged. */
  currentDesired?: number;
  batchSize: number;
  maxUnavailable: number;
  /** The operator agreed to raise the group's max size for the surge. */
  raiseMax: boolean;
  stopStandaloneTasks: boolean;
  /** The group's Availability Zones, where the surge may land. */
  availabilityZones: string[];
}

/** One instance of a planned batch. */
export interface PlannedInstance {
  instanceId: string;
  availabilityZone?: string;
  tasks: number;
  /** Already DRAINING (left so by an interrupted run). */
  draining: boolean;
}

/** One batch: surge, drain these, terminate them. */
export interface PlannedBatch {
  index: number;
  instances: PlannedInstance[];
  /** Instances added before draining (desired capacity raised by this much). */
  surge: number;
  /** Instances out of service while the batch drains, beyond the surge. */
  unavailable: number;
}

/** Something that stops the cycle before it starts, and what to do about it. */
export interface PlanProblem {
  code: 'WONT_FIT' | 'STANDALONE_TASKS' | 'TOO_UNAVAILABLE' | 'NO_CAPACITY_SAMPLE';
  message: string;
  suggestion: string;
}

/** The order, surge and capacity check of a cycle. */
export interface CyclePlan {
  batches: PlannedBatch[];
  batchSize: number;
  maxUnavailable: number;
  desired: number;
  max: number;
  /** Highest desired capacity reached during the cycle. */
  peakDesired: number;
  /** The max size the surge needs; above `max` only when the operator agreed to raise it. */
  maxNeeded: number;
  raiseMax: boolean;
  /** The capacity a new instance is assumed to register with, and which instance it was read from. */
  newInstanceCapacity?: Resources & { sample: string };
  /** Tasks moved in total, and the least free capacity left after any batch's tasks moved. */
  tasksMoved: number;
  tightest?: { batch: number; cpu: number; memory: number };
  standaloneTasks: Array<{ instanceId: string; taskArn: string }>;
  problems: PlanProblem[];
}

/** A place tasks can go: free CPU and memory, ports in use. */
export interface Host {
  id: string;
  cpu: number;
  memory: number;
  ports: Set<string>;
}

/** A task that must find a new host. */
export interface MovingTask extends Resources {
  taskArn: string;
  label: string;
  from: string;
}

/** The instances in the order they should be replaced: DRAINING ones first, then the oldest. */
export function orderCandidates(instances: FleetInstance[]): FleetInstance[] {
  return [...instances].sort(
    (a, b) =>
      Number(b.ecsStatus === 'DRAINING') - Number(a.ecsStatus === 'DRAINING') ||
      (a.launchTime ?? '').localeCompare(b.launchTime ?? '') ||
      a.instanceId.localeCompare(b.instanceId),
  );
}

/**
 * Picks the next batch from `candidates` so the AZs end balanced. The group launches each surge into
 * its emptiest AZ, so the batch drains where new instances are most missing: the AZ furthest below
 * its share of the final capacity (`share`, per AZ) in instances that stay (`kept`), then the AZ
 * holding the most instances now (`azCounts`, surge included), then the oldest instance. DRAINING
 * candidates are always taken first: a previous run started on them.
 */
export function chooseBatch(
  candidates: FleetInstance[],
  size: number,
  azCounts: Map<string, number>,
  kept: Map<string, number> = new Map(),
  share = 0,
): FleetInstance[] {
  const ordered = orderCandidates(candidates);
  const batch = ordered.filter((i) => i.ecsStatus === 'DRAINING').slice(0, Math.max(size, 0));
  if (batch.length > 0) return batch;
  const counts = new Map(azCounts);
  const deficit = new Map<string, number>();
  for (const instance of ordered) {
    const az = instance.availabilityZone ?? '';
    deficit.set(az, share - (kept.get(az) ?? 0));
  }
  const left = [...ordered];
  while (batch.length < size && left.length > 0) {
    const score = (x: FleetInstance): [number, number] => {
      const az = x.availabilityZone ?? '';
      return [deficit.get(az) ?? 0, counts.get(az) ?? 0];
    };
    let best = 0;
    for (let i = 1; i < left.length; i++) {
      const [d, c] = score(left[i]);
      const [bd, bc] = score(left[best]);
      if (d > bd || (d === bd && c > bc)) best = i;
    }
    const [picked] = left.splice(best, 1);
    const az = picked.availabilityZone ?? '';
    counts.set(az, (counts.get(az) ?? 0) - 1);
    deficit.set(az, (deficit.get(az) ?? 0) - 1);
    batch.push(picked);
  }
  return batch;
}

/** How many instances each AZ holds among group members that stay (not in `replace`, not leaving). */
export function keptByAz(instances: FleetInstance[], replace: Set<string>): Map<string, number> {
  return countByAz(instances.filter((i) => !replace.has(i.instanceId)));
}

/** Where the group launches `count` new instances: each into the AZ with the fewest (as EC2 Auto Scaling does). */
export function placeSurge(azCounts: Map<string, number>, zones: string[], count: number): string[] {
  const counts = new Map(azCounts);
  for (const zone of zones) if (!counts.has(zone)) counts.set(zone, 0);
  const placed: string[] = [];
  for (let i = 0; i < count; i++) {
    const zone = [...counts.entries()]
      .filter(([z]) => zones.length === 0 || zones.includes(z))
      .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]?.[0];
    if (zone === undefined) break;
    counts.set(zone, (counts.get(zone) ?? 0) + 1);
    placed.push(zone);
  }
  return placed;
}

/** How many instances each AZ holds among those still in service or draining (not leaving). */
export function countByAz(instances: FleetInstance[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const instance of instances) {
    if (isLeaving(instance) || !instance.lifecycleState) continue;
    const az = instance.availabilityZone ?? '';
    counts.set(az, (counts.get(az) ?? 0) + 1);
  }
  return counts;
}

/** Instances the surge can add: all of the batch within max, or within the max the operator agreed to raise. */
export function surgeFor(batch: number, desired: number, max: number, raiseMax: boolean): number {
  if (raiseMax) return batch;
  return Math.max(0, Math.min(batch, max - desired));
}

/**
 * Places `tasks` on `hosts` (largest memory first, each on the host with the most free memory that
 * has the CPU, memory and host ports), updating the hosts. Returns the tasks that found no room.
 */
export function placeTasks(hosts: Host[], tasks: MovingTask[]): MovingTask[] {
  const unplaced: MovingTask[] = [];
  const ordered = [...tasks].sort((a, b) => b.memory - a.memory || b.cpu - a.cpu);
  for (const task of ordered) {
    let best: Host | undefined;
    for (const host of hosts) {
      if (host.cpu < task.cpu || host.memory < task.memory) continue;
      if (task.ports.some((p) => host.ports.has(p))) continue;
      if (!best || host.memory > best.memory || (host.memory === best.memory && host.cpu > best.cpu))
        best = host;
    }
    if (!best) {
      unplaced.push(task);
      continue;
    }
    best.cpu -= task.cpu;
    best.memory -= task.memory;
    for (const port of task.ports) best.ports.add(port);
  }
  return unplaced;
}

/** A host built from an instance's remaining resources. */
export function hostOf(instance: FleetInstance): Host {
  const remaining = instance.remaining ?? { cpu: 0, memory: 0, ports: [] };
  return {
    id: instance.instanceId,
    cpu: remaining.cpu,
    memory: remaining.memory,
    ports: new Set(remaining.ports),
  };
}

/** The tasks on `instance` that must move elsewhere when it drains (service tasks, not daemons). */
export function movingTasks(
  instance: FleetInstance,
  tasks: WorkloadTask[],
  requirements: Map<string, Resources>,
  daemonServices: Set<string>,
): MovingTask[] {
  return tasks
    .filter((t) => t.containerInstanceArn && t.containerInstanceArn === instance.containerInstanceArn)
    .filter((t) => t.service !== undefined && !daemonServices.has(t.service))
    .map((t) => {
      const need = requirements.get(t.taskDefinitionArn) ?? { cpu: 0, memory: 0, ports: [] };
      return {
        ...need,
        taskArn: t.taskArn,
        label: t.service ?? t.group ?? t.taskArn,
        from: instance.instanceId,
      };
    });
}

/** Standalone tasks on `instance`: draining does not move them, only stopping does. */
export function standaloneTasks(instance: FleetInstance, tasks: WorkloadTask[]): WorkloadTask[] {
  return tasks.filter(
    (t) => t.containerInstanceArn && t.containerInstanceArn === instance.containerInstanceArn && !t.service,
  );
}

/** One sentence on a task that found no room: what it needs and what the best host had. */
export function describeUnplaced(task: MovingTask, hosts: Host[]): string {
  const needs = `${task.cpu} CPU units, ${task.memory} MiB${task.ports.length ? `, port ${task.ports.join(', ')}` : ''}`;
  const roomiest = [...hosts].sort((a, b) => b.memory - a.memory)[0];
  const best = roomiest
    ? `the roomiest instance left has ${roomiest.cpu} CPU units and ${roomiest.memory} MiB free`
    : 'no instance is left to take it';
  return `a ${task.label} task from ${task.from} (${needs}) fits nowhere: ${best}`;
}

/** The capacity a new instance will likely register with: an up-to-date serving instance's, else the smallest. */
export function newInstanceCapacity(
  instances: FleetInstance[],
  replace: Set<string>,
  daemonLoad: Resources,
): (Resources & { sample: string }) | undefined {
  const serving = instances.filter((i) => isServing(i) && i.registered);
  const current = serving.filter((i) => !replace.has(i.instanceId) && !i.outdated);
  const pool = current.length > 0 ? current : serving;
  const sample = [...pool].sort(
    (a, b) =>
      (a.registered?.memory ?? 0) - (b.registered?.memory ?? 0) || a.instanceId.localeCompare(b.instanceId),
  )[0];
  if (!sample?.registered) return undefined;
  return {
    cpu: sample.registered.cpu - daemonLoad.cpu,
    memory: sample.registered.memory - daemonLoad.memory,
    ports: [...sample.registered.ports, ...daemonLoad.ports],
    sample: sample.instanceId,
  };
}

/**
 * Plans the whole cycle and checks it: the batches in order with their surge, the peak desired
 * capacity and max size needed, and whether every batch's tasks fit into the capacity that remains
 * (the surge included). `problems` lists what stops the cycle; empty means it may start.
 */
export function planCycle(input: PlanInput): CyclePlan {
  const replace = new Set(input.replace);
  const byId = new Map(input.instances.map((i) => [i.instanceId, i]));
  const candidates = input.replace.map((id) => byId.get(id)).filter((i): i is FleetInstance => Boolean(i));
  const problems: PlanProblem[] = [];

  const daemonLoad = daemonReservation(input);
  const capacity = newInstanceCapacity(input.instances, replace, daemonLoad);

  // Hosts that can take tasks now; new instances join them batch by batch.
  const hosts = new Map<string, Host>();
  for (const instance of input.instances) {
    if (isServing(instance)) hosts.set(instance.instanceId, hostOf(instance));
  }
  // Registered group members that count against desired capacity but serve no tasks (DRAINING,
  // agent down). Members not registered yet are a surge still booting: future hosts.
  const idle = new Set(
    input.instances
      .filter((i) => i.lifecycleState && !isLeaving(i) && i.containerInstanceArn && !isServing(i))
      .map((i) => i.instanceId),
  );
  let groupDesired = Math.max(input.currentDesired ?? input.desired, input.desired);
  // Instances outside the group may take tasks, but the group's capacity does not count them.
  const outside = input.instances.filter((i) => isServing(i) && !i.lifecycleState).length;
  const azCounts = countByAz(input.instances);
  const kept = keptByAz(input.instances, replace);
  const left = [...candidates];
  const batches: PlannedBatch[] = [];
  const standalone: CyclePlan['standaloneTasks'] = [];
  let tasksMoved = 0;
  let tightest: CyclePlan['tightest'];
  let peakDesired = input.desired;
  let maxNeeded = input.max;
  let wontFit = false;
  let tooUnavailable = false;
  let index = 0;

  while (left.length > 0) {
    index += 1;
    const drainingFirst = left.some((i) => i.ecsStatus === 'DRAINING');
    const size = Math.min(Math.max(1, input.batchSize), left.length);
    const surge = drainingFirst ? 0 : surgeFor(size, input.desired, input.max, input.raiseMax);
    const raised = Math.max(0, input.desired + surge - groupDesired);
    groupDesired += raised;
    peakDesired = Math.max(peakDesired, groupDesired);
    maxNeeded = Math.max(maxNeeded, input.desired + (drainingFirst ? 0 : size));

    // The group holds its desired capacity; what is not serving yet is the surge to come (a resumed
    // run may find part of it there already, booting or registered).
    const expected = groupDesired - idle.size;
    const newHosts = Math.max(0, expected - (hosts.size - outside));
    for (const zone of placeSurge(azCounts, input.availabilityZones, newHosts)) {
      azCounts.set(zone, (azCounts.get(zone) ?? 0) + 1);
      kept.set(zone, (kept.get(zone) ?? 0) + 1);
    }
    const share = input.desired / Math.max(1, input.availabilityZones.length || azCounts.size);
    const batch = chooseBatch(left, drainingFirst ? left.length : size, azCounts, kept, share);
    for (const instance of batch) left.splice(left.indexOf(instance), 1);
    for (let n = 0; n < newHosts && capacity; n++) {
      hosts.set(`new-${index}-${n + 1}`, {
        id: `new instance ${index}.${n + 1}`,
        cpu: capacity.cpu,
        memory: capacity.memory,
        ports: new Set(capacity.ports),
      });
    }
    const servingInBatch = batch.filter((i) => hosts.has(i.instanceId)).length;
    const unavailable = Math.max(0, input.desired - (hosts.size - outside - servingInBatch));
    if (unavailable > input.maxUnavailable && !tooUnavailable) {
      tooUnavailable = true;
      problems.push({
        code: 'TOO_UNAVAILABLE',
        message:
          `Batch ${index} would leave ${unavailable} of ${input.desired} instances out of service ` +
          `(--max-unavailable ${input.maxUnavailable}): max size ${input.max} leaves room for a surge of ${surge}.`,
        suggestion:
          `Allow the surge with --raise-max (max size ${input.desired + size} during the cycle), ` +
          `or pass --max-unavailable ${unavailable}` +
          (surge > 0 ? `, or --batch-size ${surge}.` : '.'),
      });
    }

    const moving: MovingTask[] = [];
    for (const instance of batch) {
      hosts.delete(instance.instanceId);
      // An instance an earlier run left DRAINING has had its service tasks handed to the scheduler
      // already: ECS starts their replacements before it stops them, so some already run on the hosts
      // left (and hold their ports) while the draining instance still lists the originals. Placing them
      // again would count them twice; whether the rest fit, the drain's own wait tells (and nothing
      // is left to refuse: the instance is draining).
      if (instance.ecsStatus !== 'DRAINING')
        moving.push(...movingTasks(instance, input.tasks, input.requirements, input.daemonServices));
      for (const task of standaloneTasks(instance, input.tasks)) {
        standalone.push({ instanceId: instance.instanceId, taskArn: task.taskArn });
      }
    }
    const unplaced = placeTasks([...hosts.values()], moving);
    tasksMoved += moving.length - unplaced.length;
    if (unplaced.length > 0 && !wontFit) {
      wontFit = true;
      problems.push({
        code: 'WONT_FIT',
        message:
          `Batch ${index}: ${unplaced.length} of ${moving.length} tasks would not fit on the instances left; ` +
          describeUnplaced(unplaced[0], [...hosts.values()]) +
          '.',
        suggestion:
          'Use a smaller --batch-size, allow a larger surge (--raise-max), or add capacity first ' +
          '(raise the group’s desired capacity), then run the cycle again.',
      });
    }
    const free = [...hosts.values()].reduce(
      (sum, h) => ({ cpu: sum.cpu + h.cpu, memory: sum.memory + h.memory }),
      {
        cpu: 0,
        memory: 0,
      },
    );
    if (!tightest || free.memory < tightest.memory) tightest = { batch: index, ...free };
    for (const instance of batch) idle.delete(instance.instanceId);
    // Terminated with desired capacity decremented as far as the surge raised it; others are replaced.
    groupDesired = Math.max(input.desired, groupDesired - batch.length);
    batches.push({
      index,
      surge: raised,
      unavailable,
      instances: batch.map((i) => ({
        instanceId: i.instanceId,
        availabilityZone: i.availabilityZone,
        tasks: i.runningTasks + i.pendingTasks,
        draining: i.ecsStatus === 'DRAINING',
      })),
    });
    // The batch is terminated with the desired capacity decremented: its AZs lose one each.
    for (const instance of batch) {
      const az = instance.availabilityZone ?? '';
      azCounts.set(az, (azCounts.get(az) ?? 0) - 1);
    }
  }

  if (standalone.length > 0 && !input.stopStandaloneTasks) {
    const instances = [...new Set(standalone.map((s) => s.instanceId))];
    problems.push({
      code: 'STANDALONE_TASKS',
      message:
        `${standalone.length} standalone task(s) (not part of a service) run on ${instances.join(', ')}; ` +
        'draining never stops them, so the cycle would wait for them forever.',
      suggestion: 'Stop them as each batch drains with --stop-standalone-tasks, or stop them yourself first.',
    });
  }
  if (tasksMoved + (wontFit ? 1 : 0) > 0 && !capacity && batches.some((b) => b.surge > 0)) {
    problems.push({
      code: 'NO_CAPACITY_SAMPLE',
      message:
        'No serving container instance shows what a new instance registers with, so the surge cannot be sized.',
      suggestion: 'Check that the ECS agent runs on the instances (ecspoc instances list), then run again.',
    });
  }

  return {
    batches,
    batchSize: input.batchSize,
    maxUnavailable: input.maxUnavailable,
    desired: input.desired,
    max: input.max,
    peakDesired,
    maxNeeded: input.raiseMax ? maxNeeded : Math.min(maxNeeded, Math.max(input.max, input.desired)),
    raiseMax: input.raiseMax && maxNeeded > input.max,
    newInstanceCapacity: capacity,
    tasksMoved,
    tightest,
    standaloneTasks: standalone,
    problems,
  };
}

function daemonReservation(input: PlanInput): Resources {
  const seen = new Set<string>();
  const load: Resources = { cpu: 0, memory: 0, ports: [] };
  for (const task of input.tasks) {
    if (!task.service || !input.daemonServices.has(task.service) || seen.has(task.service)) continue;
    seen.add(task.service);
    const need = input.requirements.get(task.taskDefinitionArn);
    if (!need) continue;
    load.cpu += need.cpu;
    load.memory += need.memory;
    load.ports.push(...need.ports);
  }
  return load;
}
