/**
 * `ecspoc instances cycle`: replaces container instances without losing capacity. Surge first (raise
 * the group's desired capacity by a batch and wait for the new instances to register ACTIVE), drain
 * a batch, wait until its tasks are gone and every service is steady, terminate it through the group
 * (decrementing desired capacity back), repeat.
 *
 * Every decision is derived from what AWS says now, so a run can stop anywhere and the next one
 * carries on: the instances to replace carry an EC2 tag with the run id, the group carries the
 * capacity it had before the cycle (tag `ecspoc:cycle`), DRAINING instances of the run are a batch in
 * progress, and desired capacity above the original is a surge already made.
 */
import {
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import type { Instance } from '@aws-sdk/client-ec2';

import { toAwsError } from '../aws/clients.js';
import { groupRequired } from '../clusters/adopt.js';
import { type AdoptRequest, targetFlags } from '../clusters/target.js';
import {
  AwsError,
  EcspocError,
  InterruptedError,
  OperationError,
  TimeoutError,
  UsageError,
} from '../errors.js';
import type { InstanceClients } from './clients.js';
import { ServiceWatch } from '../events/stuck.js';
import { EXPLAIN_INTERVAL_MS, setInstanceStatus, waitUntilDrained, type RunDeps } from './drain.js';
import {
  CYCLE_TAG,
  describeContainerInstances,
  describeFleet,
  type Fleet,
  type FleetInstance,
  type GroupState,
  isLeaving,
  isServing,
  observeGroupAndInstances,
  readGroup,
  type Resources,
} from './fleet.js';
import {
  chooseBatch,
  countByAz,
  keptByAz,
  type CyclePlan,
  describeUnplaced,
  hostOf,
  movingTasks,
  placeTasks,
  planCycle,
  standaloneTasks,
} from './plan.js';
import {
  clearCycleState,
  type CycleState,
  decodeCycleState,
  markInstances,
  saveCycleState,
  setProcesses,
} from './state.js';
import { waitFor } from '../time/wait.js';
import { chunk, listContainerInstanceArns } from './reader.js';
import {
  describeRunningTasks,
  describeServices,
  describeTaskRequirements,
  listServiceArns,
  serviceUnsteadiness,
  stopTasks,
  type WorkloadTask,
} from './workload.js';

/** Which instances a cycle replaces. */
export type CycleSelection = { kind: 'all' } | { kind: 'outdated' } | { kind: 'ids'; ids: string[] };

/** How `instances cycle` runs. */
export interface CycleOptions {
  env: string;
  /** A cluster ecspoc did not deploy: found by the discovery rules instead of the cluster stack. */
  adopt?: AdoptRequest;
  selection: CycleSelection;
  /**
   * Instances drained at once; the surge adds as many first. Undefined: about 10 % of the group
   * (see defaultBatchSize).
   */
  batchSize?: number;
  /** Instances that may be out of service at once, counted against the desired capacity. */
  maxUnavailable: number;
  /** The operator agreed to raise the group's max size for the surge (restored at the end). */
  raiseMax: boolean;
  stopStandaloneTasks: boolean;
  /** Limit of each wait (registration, drain, services). */
  stepTimeoutMs: number;
  pollIntervalMs: number;
  /** Print the plan, change nothing. */
  planOnly: boolean;
}

/** Time, Ctrl-C, events, and the questions the cycle may have to ask. */
export interface CycleDeps extends RunDeps {
  /** Asked once, after the plan passed its checks and before anything changes; throws to abort. */
  confirm(prepared: PreparedCycle, question: string): Promise<void>;
  /** Asked when only a larger max size lets the surge cover a batch; resolves true to raise it. */
  agreeToRaiseMax?(from: number, to: number): Promise<boolean>;
  /** API calls made so far by this process, to report calls per poll. */
  apiCallCount?: () => number;
}

/** A cycle ready to run: what AWS says, what to replace, the plan. */
export interface PreparedCycle {
  fleet: Fleet;
  group: GroupState;
  /** The state of a cycle in progress, when this run carries one on. */
  state?: CycleState;
  replace: FleetInstance[];
  plan: CyclePlan;
  /** Services scheduled as DAEMON. */
  daemonServices: Set<string>;
  requirements: Map<string, Resources>;
}

/** What `instances cycle` returns (its `--json`). */
export interface CycleResult {
  env: string;
  cluster: string;
  autoScalingGroup: string;
  runId?: string;
  resumed: boolean;
  planOnly: boolean;
  plan: CyclePlan;
  replaced: Array<{ instanceId: string; batch: number }>;
  launched: string[];
  desired: { before: number; after: number };
  max: { before: number; after: number };
  durationMs: number;
  stats: {
    fleetSize: number;
    polls: number;
    apiCallsInPolls: number;
    maxApiCallsPerPoll: number;
    /** Per batch: how long each wait took and the whole batch, in ms. */
    batches: BatchTiming[];
  };
}

/**
 * How long one batch waited for its surge (from when it was asked for, often by the previous batch's
 * terminations), its drain and the services, and took in all (from the same start).
 */
export interface BatchTiming {
  batch: number;
  surgeMs: number;
  drainMs: number;
  servicesMs: number;
  totalMs: number;
}

const REBALANCE = 'AZRebalance';
/** Instance ids per SetInstanceProtection call: the API takes at most 50. */
export const PROTECTION_BATCH = 50;

/** The command that carries a stopped cycle on, with the flags that shape its batches. */
export function resumeCommand(options: CycleOptions): string {
  return [
    `ecspoc instances cycle ${targetFlags(options.env, options.adopt)}`,
    // Given explicitly, it is repeated: the default depends on the group, which the cycle changes.
    options.batchSize !== undefined ? `--batch-size ${options.batchSize}` : '',
    options.maxUnavailable !== 0 ? `--max-unavailable ${options.maxUnavailable}` : '',
    options.raiseMax ? '--raise-max' : '',
    options.stopStandaloneTasks ? '--stop-standalone-tasks' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** Share of the group replaced per batch by default, as an ASG instance refresh does (90 % kept healthy). */
export const DEFAULT_BATCH_SHARE = 0.1;

/**
 * The default batch size: about 10 % of the group's desired capacity, at least 1, at most the
 * instances to replace, and, unless the operator lets the cycle raise the max size, no more than the
 * surge the max size leaves room for (plus what --max-unavailable allows out of service), so the
 * default never makes a cycle refuse for want of room.
 */
export function defaultBatchSize(input: {
  desired: number;
  max: number;
  maxUnavailable: number;
  raiseMax: boolean;
  toReplace: number;
}): number {
  let size = Math.max(1, Math.round(input.desired * DEFAULT_BATCH_SHARE));
  if (!input.raiseMax) size = Math.min(size, Math.max(1, input.max - input.desired + input.maxUnavailable));
  return Math.max(1, Math.min(size, input.toReplace));
}

/** Reads everything, decides what to replace and plans it; changes nothing. */
export async function prepareCycle(
  clients: InstanceClients,
  options: CycleOptions,
  deps: Pick<CycleDeps, 'emit' | 'agreeToRaiseMax'>,
): Promise<PreparedCycle> {
  const fleet = await describeFleet(clients, options.env, options.adopt);
  const group = fleet.group;
  if (!group && fleet.refs.adopted) throw groupRequired(fleet.refs.clusterName, fleet.refs.adopted.groups);
  if (!group) {
    throw new OperationError(
      'NO_GROUP',
      `Stack ${fleet.refs.stackName} names no Auto Scaling Group (output AutoScalingGroupName): cycle replaces instances through it.`,
      { suggestions: [`Redeploy the cluster stack: ecspoc deploy cluster --env ${options.env}`] },
    );
  }
  const state = decodeCycleState(group.tags[CYCLE_TAG]);
  const members = fleet.instances.filter((i) => i.lifecycleState && !isLeaving(i));
  let replace: FleetInstance[];
  if (state) {
    replace = members.filter((i) => i.cycleMark === state.runId);
    deps.emit({
      type: 'note',
      message:
        `Carrying on the cycle started ${state.runId} (desired capacity was ${state.desired}, max ${state.max}): ` +
        `${replace.length} instance(s) left to replace.` +
        (options.selection.kind === 'all'
          ? ''
          : ' It replaces the instances it marked when it started; the selection given now is not applied.'),
    });
  } else {
    replace = selectInstances(fleet, members, options.selection);
  }
  const original = state ?? { desired: group.desired, max: group.max };

  // Independent reads, made at once.
  const [tasks, services] = await Promise.all([
    describeRunningTasks(clients, fleet.refs.clusterName),
    listServiceArns(clients, fleet.refs.clusterName).then((arns) =>
      describeServices(clients, fleet.refs.clusterName, arns),
    ),
  ]);
  const daemonServices = new Set(
    services.filter((s) => s.schedulingStrategy === 'DAEMON').map((s) => s.name),
  );
  const requirements = await describeTaskRequirements(
    clients,
    tasks.filter((t) => t.service).map((t) => t.taskDefinitionArn),
  );
  const planFor = (raiseMax: boolean) =>
    planCycle({
      instances: fleet.instances,
      replace: replace.map((i) => i.instanceId),
      tasks,
      requirements,
      daemonServices,
      desired: original.desired,
      max: original.max,
      currentDesired: group.desired,
      batchSize:
        options.batchSize ??
        defaultBatchSize({
          desired: original.desired,
          max: original.max,
          maxUnavailable: options.maxUnavailable,
          raiseMax,
          toReplace: replace.length,
        }),
      maxUnavailable: options.maxUnavailable,
      raiseMax,
      stopStandaloneTasks: options.stopStandaloneTasks,
      availabilityZones: group.availabilityZones,
    });
  let plan = planFor(options.raiseMax || (state !== undefined && group.max > state.max));
  if (
    !plan.raiseMax &&
    !options.planOnly &&
    plan.problems.some((p) => p.code === 'TOO_UNAVAILABLE') &&
    deps.agreeToRaiseMax
  ) {
    const wider = planFor(true);
    if (await deps.agreeToRaiseMax(original.max, wider.maxNeeded)) plan = wider;
  }
  return { fleet, group, state, replace, plan, daemonServices, requirements };
}

/** The instances a selection names, all members of the group; unknown or foreign ids are a usage error. */
export function selectInstances(
  fleet: Fleet,
  members: FleetInstance[],
  selection: CycleSelection,
): FleetInstance[] {
  if (selection.kind === 'all') return members;
  if (selection.kind === 'outdated') return members.filter((i) => i.outdated);
  const chosen: FleetInstance[] = [];
  const problems: string[] = [];
  for (const id of selection.ids) {
    const instance = fleet.instances.find(
      (i) =>
        i.instanceId === id ||
        (i.containerInstanceArn ?? '').endsWith(`/${id}`) ||
        i.containerInstanceArn === id,
    );
    if (!instance) problems.push(`${id} is not an instance of ${fleet.refs.clusterName}`);
    else if (!members.includes(instance))
      problems.push(`${instance.instanceId} is not in service in Auto Scaling Group ${fleet.group?.name}`);
    else if (!chosen.includes(instance)) chosen.push(instance);
  }
  if (problems.length > 0) {
    throw new UsageError('NOT_IN_GROUP', `Cannot cycle: ${problems.join('; ')}.`, {
      suggestions: [
        `See the instances with: ecspoc instances list ${targetFlags(fleet.refs.env, fleet.refs.adopted)}`,
        'Instances outside the group can be drained (ecspoc instances drain) but not replaced.',
      ],
    });
  }
  return chosen;
}

/** The question asked before a cycle starts. */
export function confirmationQuestion(prepared: PreparedCycle): string {
  const { plan } = prepared;
  const count = plan.batches.reduce((n, b) => n + b.instances.length, 0);
  if (prepared.state) {
    return `Carry on the cycle of ${prepared.fleet.refs.clusterName} started ${prepared.state.runId}: ${count} instance(s) left in ${plan.batches.length} batch(es)?`;
  }
  const surge =
    plan.peakDesired > plan.desired
      ? `, desired capacity ${plan.desired} → ${plan.peakDesired} during each batch`
      : '';
  const max = plan.raiseMax ? `, max size ${plan.max} → ${plan.maxNeeded} until the end` : '';
  return `Replace ${count} instance(s) of ${prepared.fleet.refs.clusterName} in ${plan.batches.length} batch(es)${surge}${max}?`;
}

/**
 * Plans and runs a cycle (or only plans it with `planOnly`). Refuses before changing anything when
 * the plan has problems (tasks that would not fit, standalone tasks, too much unavailable).
 */
export async function cycleInstances(
  clients: InstanceClients,
  options: CycleOptions,
  deps: CycleDeps,
): Promise<CycleResult> {
  const started = deps.clock.now();
  const prepared = await prepareCycle(clients, options, deps);
  const { fleet, group, plan } = prepared;
  const base: CycleResult = {
    env: options.env,
    cluster: fleet.refs.clusterName,
    autoScalingGroup: group.name,
    runId: prepared.state?.runId,
    resumed: prepared.state !== undefined,
    planOnly: options.planOnly,
    plan,
    replaced: [],
    launched: [],
    desired: { before: prepared.state?.desired ?? group.desired, after: group.desired },
    max: { before: prepared.state?.max ?? group.max, after: group.max },
    durationMs: 0,
    stats: {
      fleetSize: fleet.instances.length,
      polls: 0,
      apiCallsInPolls: 0,
      maxApiCallsPerPoll: 0,
      batches: [],
    },
  };
  if (options.planOnly) return base;
  if (plan.problems.length > 0) {
    throw new OperationError(
      'CYCLE_REFUSED',
      `Refusing to cycle, nothing was changed: ${plan.problems.map((p) => p.message).join(' ')}`,
      { suggestions: plan.problems.map((p) => p.suggestion) },
    );
  }
  if (!prepared.state && prepared.replace.length === 0) {
    deps.emit({ type: 'note', message: 'Nothing to replace: every instance is up to date.' });
    return { ...base, durationMs: deps.clock.now() - started };
  }
  await deps.confirm(prepared, confirmationQuestion(prepared));
  const run = new CycleRun(clients, options, deps, prepared);
  const result = await run.execute();
  return { ...base, ...result, durationMs: deps.clock.now() - started };
}

/** The running cycle: one batch after another, each step derived from what AWS reports. */
class CycleRun {
  private readonly cluster: string;
  private readonly groupName: string;
  private readonly knownAtStart: Set<string>;
  private state: CycleState;
  private readonly replaced: CycleResult['replaced'] = [];
  private readonly stats = {
    polls: 0,
    apiCallsInPolls: 0,
    maxApiCallsPerPoll: 0,
    batches: [] as BatchTiming[],
  };
  private timing: BatchTiming = { batch: 0, surgeMs: 0, drainMs: 0, servicesMs: 0, totalMs: 0 };
  private readonly registry = new Map<string, { instanceId: string; status?: string; connected: boolean }>();
  /** EC2 descriptions of the latest full read, reused by the read between a surge and its drain. */
  private readonly ec2 = new Map<string, Instance>();
  private batchNo = 0;
  /** When the surge of the batch to come was asked for (SetDesiredCapacity, or terminations that carry it over). */
  private surgeSince?: number;

  constructor(
    private readonly clients: InstanceClients,
    private readonly options: CycleOptions,
    private readonly deps: CycleDeps,
    private readonly prepared: PreparedCycle,
  ) {
    this.cluster = prepared.fleet.refs.clusterName;
    this.groupName = prepared.group.name;
    this.knownAtStart = new Set(prepared.fleet.instances.map((i) => i.instanceId));
    this.state = prepared.state ?? {
      runId: new Date(deps.clock.now()).toISOString(),
      desired: prepared.group.desired,
      max: prepared.group.max,
      suspended: prepared.group.suspendedProcesses.includes(REBALANCE) ? [] : [REBALANCE],
    };
  }

  async execute(): Promise<Partial<CycleResult>> {
    try {
      await this.begin();
      // A fresh run asks for the first batch's surge at once: its instances boot while the fleet is
      // read again below. Later surges are launched by the previous batch's terminations.
      const first = this.prepared.plan.batches[0];
      if (!this.prepared.state && first && first.surge > 0 && !first.instances.some((i) => i.draining))
        await this.surge(this.prepared.group, first.instances.length, 1);
      for (;;) {
        this.checkpoint();
        const { group, instances } = await this.observe();
        const remaining = this.remaining(instances);
        if (remaining.length === 0) break;
        this.batchNo += 1;
        // A batch starts when its surge was asked for: by the previous batch's terminations, often.
        const batchStarted = this.surgeSince ?? this.deps.clock.now();
        this.timing = { batch: this.batchNo, surgeMs: 0, drainMs: 0, servicesMs: 0, totalMs: 0 };
        const inProgress = remaining.filter((i) => i.ecsStatus === 'DRAINING');
        const batch = inProgress.length > 0 ? inProgress : await this.surgeAndDrain(group, remaining.length);
        const inBatch = new Set(batch.map((i) => i.instanceId));
        const leftAfter = remaining.filter((i) => !inBatch.has(i.instanceId)).length;
        await this.finishBatch(batch, inProgress.length > 0, leftAfter);
        this.stats.batches.push({ ...this.timing, totalMs: this.deps.clock.now() - batchStarted });
        // Marks are only ever set when a run starts: with none left after this batch, none are left.
        if (leftAfter === 0) break;
      }
      await this.removeSurplus();
      return await this.end();
    } catch (error) {
      throw await this.explainStop(error);
    }
  }

  /** Marks the instances, records the original capacity, keeps AZRebalance from terminating undrained instances. */
  private async begin(): Promise<void> {
    const ids = this.prepared.replace.map((i) => i.instanceId);
    if (!this.prepared.state) {
      // Marks first: a run that dies before the group tag leaves marks no later run follows.
      await markInstances(this.clients, ids, this.state.runId);
      await saveCycleState(this.clients, this.groupName, this.state);
      await setProcesses(this.clients, this.groupName, this.state.suspended, true);
    }
    this.deps.emit({
      type: 'cycle-started',
      runId: this.state.runId,
      resumed: this.prepared.state !== undefined,
      instances: ids,
      desired: this.state.desired,
      max: this.state.max,
    });
  }

  private checkpoint(): void {
    if (this.deps.signal?.aborted) throw new InterruptedError();
  }

  /**
   * The group and its instances now. A full read describes every instance in EC2 and keeps the
   * descriptions; with `reuseEc2`, only instances not seen before are (the ECS and group facts are
   * always fresh, and they say whether an instance is going).
   */
  private async observe(reuseEc2 = false): Promise<{ group: GroupState; instances: FleetInstance[] }> {
    return observeGroupAndInstances(this.clients, this.cluster, this.groupName, this.prepared.fleet.target, {
      instances: this.ec2,
      reuse: reuseEc2,
    });
  }

  private remaining(instances: FleetInstance[]): FleetInstance[] {
    return instances.filter((i) => i.cycleMark === this.state.runId && i.lifecycleState && !isLeaving(i));
  }

  /** Surge, then pick and drain the next batch. Returns the batch. */
  private async surgeAndDrain(group: GroupState, left: number): Promise<FleetInstance[]> {
    const size = Math.min(this.prepared.plan.batchSize, left);
    this.checkpoint();
    const surgeStarted = this.surgeSince ?? this.deps.clock.now();
    await this.surge(group, size, this.batchNo);
    await this.waitForGroup();
    this.timing.surgeMs = this.deps.clock.now() - surgeStarted;
    this.surgeSince = undefined;
    this.checkpoint();
    // The fleet (EC2 read only for the instances the surge added) and the tasks, read at once.
    const [{ instances }, tasks] = await Promise.all([
      this.observe(true),
      describeRunningTasks(this.clients, this.cluster),
    ]);
    const remaining = this.remaining(instances);
    const zones = this.prepared.group.availabilityZones.length || countByAz(instances).size;
    let batch = chooseBatch(
      remaining,
      size,
      countByAz(instances),
      keptByAz(instances, new Set(remaining.map((i) => i.instanceId))),
      this.state.desired / Math.max(1, zones),
    );
    batch = this.withinUnavailability(instances, batch);
    await this.checkFit(instances, batch, tasks);
    this.checkpoint();
    await setInstanceStatus(this.clients, this.cluster, batch, 'DRAINING');
    this.deps.emit({
      type: 'batch-started',
      batch: this.batchNo,
      of:
        this.batchNo +
        Math.ceil((this.remaining(instances).length - batch.length) / this.prepared.plan.batchSize),
      instances: batch.map((i) => i.instanceId),
    });
    for (const instance of batch) {
      this.deps.emit({
        type: 'instance-draining',
        instanceId: instance.instanceId,
        tasks: instance.runningTasks + instance.pendingTasks,
        batch: this.batchNo,
      });
    }
    return batch;
  }

  /** Raises desired capacity to the original plus the batch (raising max first when agreed). */
  private async surge(group: GroupState, size: number, batch: number): Promise<void> {
    let target = this.state.desired + size;
    if (group.desired >= target) return;
    if (target > group.max) {
      if (this.prepared.plan.raiseMax || this.options.raiseMax) {
        await this.send(
          () =>
            this.clients.autoscaling.send(
              new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: this.groupName, MaxSize: target }),
            ),
          `raising the max size of ${this.groupName}`,
        );
        this.deps.emit({ type: 'max-raised', from: group.max, to: target });
      } else {
        target = group.max;
      }
    }
    if (target <= group.desired) return;
    this.surgeSince ??= this.deps.clock.now();
    await this.send(
      () =>
        this.clients.autoscaling.send(
          new SetDesiredCapacityCommand({
            AutoScalingGroupName: this.groupName,
            DesiredCapacity: target,
            HonorCooldown: false,
          }),
        ),
      `raising the desired capacity of ${this.groupName}`,
    );
    this.deps.emit({ type: 'surge-requested', batch, from: group.desired, to: target });
  }

  /**
   * Waits until the group holds its desired capacity and every instance that is not being replaced is
   * registered ACTIVE with a connected agent. Per poll: one DescribeAutoScalingGroups, the container
   * instance list (n/100 calls) and a describe of the instances not known ready yet.
   */
  private async waitForGroup(final = false): Promise<void> {
    const batch = this.batchNo;
    let lastDetail = '';
    const newcomers = await waitFor(
      async () =>
        this.measure(async () => {
          // The group and the cluster's ARNs are independent reads: made at once, a poll takes the
          // longer of the two rather than their sum, and sees a registration that much sooner.
          const [group, arns] = await Promise.all([
            readGroup(this.clients, this.groupName),
            listContainerInstanceArns(this.clients, this.cluster),
          ]);
          const members = group.instances.filter(
            (m) =>
              !(m.lifecycleState ?? '').startsWith('Terminat') &&
              !(m.lifecycleState ?? '').startsWith('Detach'),
          );
          await this.refreshRegistry(arns ?? [], new Set(members.map((m) => m.instanceId)));
          const byInstance = new Map([...this.registry.values()].map((r) => [r.instanceId, r]));
          const marked = new Set(this.prepared.replace.map((i) => i.instanceId));
          const waiting: string[] = [];
          const fresh: string[] = [];
          for (const member of members) {
            if (marked.has(member.instanceId)) continue;
            const registration = byInstance.get(member.instanceId);
            if (!this.knownAtStart.has(member.instanceId)) fresh.push(member.instanceId);
            if (member.lifecycleState !== 'InService')
              waiting.push(`${member.instanceId} ${member.lifecycleState ?? 'launching'}`);
            else if (!registration) waiting.push(`${member.instanceId} not registered`);
            else if (registration.status === 'DRAINING') continue;
            else if (registration.status !== 'ACTIVE')
              waiting.push(`${member.instanceId} ${registration.status}`);
            else if (!registration.connected) waiting.push(`${member.instanceId} agent disconnected`);
          }
          const missing = group.desired - members.length;
          if (missing > 0) waiting.push(`${missing} instance(s) not launched yet`);
          const detail = waiting.length ? `waiting for ${waiting.join(', ')}` : '';
          if (detail && detail !== lastDetail) {
            lastDetail = detail;
            if (final)
              this.deps.emit({ type: 'note', message: `Waiting for the group to be whole: ${detail}` });
            else this.deps.emit({ type: 'surge-waiting', batch, detail });
          }
          return { done: waiting.length === 0, value: fresh, detail: waiting.join(', ') };
        }),
      {
        what: `the group's instances to register ACTIVE with ${this.cluster}`,
        timeoutMs: this.options.stepTimeoutMs,
        intervalMs: this.options.pollIntervalMs,
        clock: this.deps.clock,
        signal: this.deps.signal,
      },
    );
    const added = newcomers.filter((id) => !this.announced.has(id));
    for (const id of added) this.announced.add(id);
    if (!final) this.deps.emit({ type: 'surge-ready', batch, instances: added });
  }

  /** New instances already reported ready. */
  private readonly announced = new Set<string>();

  /** Keeps the ARN → instance registry current from the listed ARNs: describes only those not known ready. */
  private async refreshRegistry(arns: string[], members: Set<string>): Promise<void> {
    const listed = new Set(arns);
    for (const arn of this.registry.keys()) if (!listed.has(arn)) this.registry.delete(arn);
    const unsettled = arns.filter((arn) => {
      const known = this.registry.get(arn);
      if (!known) return true;
      const ready = known.status === 'ACTIVE' && known.connected;
      return members.has(known.instanceId) && !ready;
    });
    if (unsettled.length === 0) return;
    for (const ci of await describeContainerInstances(this.clients, this.cluster, unsettled)) {
      this.registry.set(ci.containerInstanceArn ?? '', {
        instanceId: ci.ec2InstanceId ?? '',
        status: ci.status,
        connected: ci.agentConnected ?? false,
      });
    }
  }

  /** Trims the batch so no more than --max-unavailable instances are out of service; refuses when none can go. */
  private withinUnavailability(instances: FleetInstance[], batch: FleetInstance[]): FleetInstance[] {
    const serving = instances.filter((i) => i.lifecycleState && isServing(i)).length;
    const floor = this.state.desired - this.options.maxUnavailable;
    let allowed = serving - floor;
    const kept = batch.filter((i) => {
      if (!isServing(i)) return true;
      if (allowed <= 0) return false;
      allowed -= 1;
      return true;
    });
    if (kept.length === 0) {
      throw new OperationError(
        'NOT_ENOUGH_IN_SERVICE',
        `Only ${serving} instances are in service; draining one more would leave fewer than ${floor} ` +
          `(desired ${this.state.desired}, --max-unavailable ${this.options.maxUnavailable}).`,
        {
          suggestions: [
            'Check the instances with: ecspoc instances list',
            'Or allow more with --max-unavailable.',
          ],
        },
      );
    }
    if (kept.length < batch.length) {
      this.deps.emit({
        type: 'note',
        message: `Batch ${this.batchNo} drains ${kept.length} instead of ${batch.length}: only ${serving} instances are in service.`,
      });
    }
    return kept;
  }

  /** The live capacity check of a batch, just before draining it; refuses (surge in place, nothing drained) when it fails. */
  private async checkFit(
    instances: FleetInstance[],
    batch: FleetInstance[],
    tasks?: WorkloadTask[],
  ): Promise<void> {
    tasks ??= await describeRunningTasks(this.clients, this.cluster);
    const unknown = tasks.filter((t) => t.service && !this.prepared.requirements.has(t.taskDefinitionArn));
    if (unknown.length > 0) {
      const more = await describeTaskRequirements(
        this.clients,
        unknown.map((t) => t.taskDefinitionArn),
      );
      for (const [arn, need] of more) this.prepared.requirements.set(arn, need);
    }
    const leaving = new Set(batch.map((i) => i.instanceId));
    const hosts = instances.filter((i) => isServing(i) && !leaving.has(i.instanceId)).map(hostOf);
    const moving = batch.flatMap((i) =>
      movingTasks(i, tasks, this.prepared.requirements, this.prepared.daemonServices),
    );
    const unplaced = placeTasks(hosts, moving);
    if (unplaced.length > 0) {
      throw new OperationError(
        'WONT_FIT',
        `Batch ${this.batchNo} was not drained: ${unplaced.length} of ${moving.length} tasks would not fit; ${describeUnplaced(unplaced[0], hosts)}.`,
        { suggestions: ['Add capacity or lower --batch-size, then run the cycle again.'] },
      );
    }
    const standalone = batch.flatMap((i) => standaloneTasks(i, tasks));
    if (standalone.length > 0 && !this.options.stopStandaloneTasks) {
      throw new OperationError(
        'STANDALONE_TASKS',
        `Batch ${this.batchNo} was not drained: ${standalone.length} standalone task(s) run on it and draining never stops them.`,
        { suggestions: ['Run again with --stop-standalone-tasks, or stop them yourself.'] },
      );
    }
    this.pendingStandalone = standalone.map((t) => ({
      taskArn: t.taskArn,
      containerInstanceArn: t.containerInstanceArn,
    }));
  }

  private pendingStandalone: Array<{ taskArn: string; containerInstanceArn?: string }> = [];

  /**
   * Waits for the batch to drain and the services to settle, then terminates it through the group;
   * `leftAfter` instances are still to replace after it (their surge is carried over).
   */
  private async finishBatch(
    batch: FleetInstance[],
    leftByEarlierRun: boolean,
    leftAfter: number,
  ): Promise<void> {
    if (leftByEarlierRun) {
      this.deps.emit({
        type: 'note',
        message: `Carrying on with ${batch.map((i) => i.instanceId).join(', ')}, left DRAINING by an earlier run.`,
      });
      this.deps.emit({
        type: 'batch-started',
        batch: this.batchNo,
        of: this.batchNo,
        instances: batch.map((i) => i.instanceId),
      });
      if (this.options.stopStandaloneTasks) {
        const tasks = await describeRunningTasks(this.clients, this.cluster);
        this.pendingStandalone = batch.flatMap((i) => standaloneTasks(i, tasks));
      }
    }
    if (this.pendingStandalone.length > 0) {
      await stopTasks(
        this.clients,
        this.cluster,
        this.pendingStandalone.map((t) => t.taskArn),
        'Stopped by ecspoc instances cycle',
      );
      for (const instance of batch) {
        const count = this.pendingStandalone.filter(
          (t) => t.containerInstanceArn === instance.containerInstanceArn,
        ).length;
        if (count > 0)
          this.deps.emit({
            type: 'standalone-stopped',
            instanceId: instance.instanceId,
            count,
            batch: this.batchNo,
          });
      }
      this.pendingStandalone = [];
    }
    const drainStarted = this.deps.clock.now();
    await waitUntilDrained(
      this.clients,
      this.cluster,
      batch,
      {
        timeoutMs: this.options.stepTimeoutMs,
        pollIntervalMs: this.options.pollIntervalMs,
        batch: this.batchNo,
        around: (poll) => this.measure(poll),
        requirements: this.prepared.requirements,
      },
      { ...this.deps, emit: this.deps.emit },
    );
    this.timing.drainMs = this.deps.clock.now() - drainStarted;
    const servicesStarted = this.deps.clock.now();
    // The group's desired capacity decides the decrements; read beside the services' first look and
    // used only when that look found them steady (a longer wait reads it again, afterwards).
    const groupNow = readGroup(this.clients, this.groupName);
    groupNow.catch(() => undefined);
    const polls = await this.waitForServices();
    this.timing.servicesMs = this.deps.clock.now() - servicesStarted;
    this.checkpoint();
    await this.terminate(batch, leftAfter, polls <= 1 ? await groupNow : undefined);
    this.deps.emit({ type: 'batch-done', batch: this.batchNo, instances: batch.map((i) => i.instanceId) });
  }

  /**
   * Waits until every service of the cluster runs its desired count with one completed deployment;
   * resolves with the number of looks it took.
   */
  private async waitForServices(): Promise<number> {
    const arns = await listServiceArns(this.clients, this.cluster);
    if (arns.length === 0) return 1;
    let looks = 0;
    const batch = this.batchNo;
    let lastDetail = '';
    // Why each unsteady service is not steady (its events, rollout, last stopped task), read apart
    // from the measured poll and at most every EXPLAIN_INTERVAL_MS, as the drain's explanation is.
    const watches = new Map<string, ServiceWatch>();
    const since = new Date(this.deps.clock.now());
    let explainAt = 0;
    return waitFor(
      async () => {
        looks += 1;
        const unsteady = await this.measure(async () =>
          (await describeServices(this.clients, this.cluster, arns))
            .map((s) => [s.name, serviceUnsteadiness(s)] as const)
            .filter(([, why]) => why !== undefined),
        );
        const detail = unsteady.map(([name, why]) => `${name} ${why}`).join(', ');
        if (detail && detail !== lastDetail) {
          lastDetail = detail;
          this.deps.emit({ type: 'services-waiting', batch, detail: `waiting for services: ${detail}` });
        }
        if (unsteady.length > 0 && this.deps.clock.now() >= explainAt) {
          explainAt = this.deps.clock.now() + Math.max(this.options.pollIntervalMs, EXPLAIN_INTERVAL_MS);
          for (const [name] of unsteady) {
            let watch = watches.get(name);
            if (!watch)
              watches.set(name, (watch = new ServiceWatch(this.clients.ecs, this.cluster, name, since)));
            // Advice only: a failed read must not stop the cycle; the next look tries again.
            const waiting = await watch.poll().catch(() => undefined);
            if (waiting) this.deps.emit({ type: 'service-watch', waiting, batch });
          }
        }
        return { done: unsteady.length === 0, value: looks, detail };
      },
      {
        what: `the services of ${this.cluster} to be steady`,
        timeoutMs: this.options.stepTimeoutMs,
        intervalMs: this.options.pollIntervalMs,
        clock: this.deps.clock,
        signal: this.deps.signal,
      },
    );
  }

  /**
   * Terminates the batch through the group. Desired capacity comes down only as far as the next
   * batch's surge allows: the rest of the batch is terminated without decrementing, so the group
   * launches the next surge in its place at once, instead of a decrement now and a raise after. That
   * is the same surge, within the same max size, started a step sooner; the batch is drained by now,
   * so the instances in service stay at the desired capacity before the cycle throughout. AWS: "If
   * you do not specify the option to decrement the desired capacity, Amazon EC2 Auto Scaling launches
   * instances to replace the ones that are terminated" (TerminateInstanceInAutoScalingGroup, API
   * reference); those launch into the emptiest AZ, as a surge does. After the last batch every
   * surged instance is given back. Any instance no surge covered is replaced by the group.
   *
   * One call per instance, one after another: the API takes a single instance, and overlapping
   * activities on one group can be refused (ScalingActivityInProgress, ResourceContention; moto_server
   * answers concurrent calls on one group with HTTP 500). The instances the group replaces go first,
   * so the next surge starts booting as early as it can.
   */
  private async terminate(batch: FleetInstance[], leftAfter: number, read?: GroupState): Promise<void> {
    const group = read ?? (await readGroup(this.clients, this.groupName));
    const next = Math.min(this.prepared.plan.batchSize, leftAfter);
    const keep = next > 0 ? Math.min(this.state.desired + next, group.max) : this.state.desired;
    const decrement = Math.min(batch.length, Math.max(0, group.desired - Math.max(keep, this.state.desired)));
    // The bundle's capacity provider runs with managed termination protection, so every instance
    // carries scale-in protection (expected, not an error). The batch is drained by now: lift the
    // protection first, so the termination is not refused or held whatever the group's policy, and
    // the group's own decrement cannot fall on an unprotected instance that still runs tasks.
    // SetInstanceProtection takes up to 50 instance ids a call (EC2 Auto Scaling API reference).
    for (const ids of chunk(
      batch.map((instance) => instance.instanceId),
      PROTECTION_BATCH,
    ))
      await this.send(
        () =>
          this.clients.autoscaling.send(
            new SetInstanceProtectionCommand({
              AutoScalingGroupName: this.groupName,
              InstanceIds: ids,
              ProtectedFromScaleIn: false,
            }),
          ),
        `lifting scale-in protection of ${ids.join(', ')}`,
      );
    // Terminations the group replaces are the next batch's surge: its clock starts with them.
    if (next > 0 && decrement < batch.length) this.surgeSince = this.deps.clock.now();
    for (const [index, instance] of batch.entries()) {
      const shouldDecrement = index >= batch.length - decrement;
      await this.send(
        () =>
          this.clients.autoscaling.send(
            new TerminateInstanceInAutoScalingGroupCommand({
              InstanceId: instance.instanceId,
              ShouldDecrementDesiredCapacity: shouldDecrement,
            }),
          ),
        `terminating ${instance.instanceId}`,
      );
      this.replaced.push({ instanceId: instance.instanceId, batch: this.batchNo });
      this.deps.emit({ type: 'instance-terminated', instanceId: instance.instanceId, batch: this.batchNo });
    }
  }

  /**
   * An earlier run may have surged more than this run drains (a larger --batch-size, fewer instances
   * left): drain and terminate the extra instances so desired capacity ends where it started.
   */
  private async removeSurplus(): Promise<void> {
    // The group alone says whether there is a surplus; the fleet is read only when there is one.
    if ((await readGroup(this.clients, this.groupName)).desired <= this.state.desired) return;
    const { group, instances } = await this.observe();
    const surplus = group.desired - this.state.desired;
    if (surplus <= 0) return;
    this.batchNo += 1;
    const candidates = instances
      .filter((i) => i.lifecycleState === 'InService' && !isLeaving(i) && isServing(i))
      .sort((a, b) => a.runningTasks + a.pendingTasks - (b.runningTasks + b.pendingTasks));
    const extra = candidates.slice(0, surplus);
    if (extra.length === 0) return;
    this.deps.emit({
      type: 'note',
      message: `Desired capacity is ${group.desired}, ${surplus} above the ${this.state.desired} before the cycle: draining ${extra.map((i) => i.instanceId).join(', ')} to give it back.`,
    });
    await this.checkFit(instances, extra);
    await setInstanceStatus(this.clients, this.cluster, extra, 'DRAINING');
    for (const instance of extra) {
      this.deps.emit({
        type: 'instance-draining',
        instanceId: instance.instanceId,
        tasks: instance.runningTasks,
        batch: this.batchNo,
      });
    }
    await this.finishBatch(extra, false, 0);
  }

  /** Waits for the group to be whole, restores max size and processes, removes the cycle tag. */
  private async end(): Promise<Partial<CycleResult>> {
    await this.waitForGroup(true);
    const group = await readGroup(this.clients, this.groupName);
    if (group.max > this.state.max && group.desired <= this.state.max) {
      await this.send(
        () =>
          this.clients.autoscaling.send(
            new UpdateAutoScalingGroupCommand({
              AutoScalingGroupName: this.groupName,
              MaxSize: this.state.max,
            }),
          ),
        `restoring the max size of ${this.groupName}`,
      );
    }
    await setProcesses(this.clients, this.groupName, this.state.suspended, false);
    await clearCycleState(this.clients, this.groupName);
    const final = await readGroup(this.clients, this.groupName);
    this.deps.emit({
      type: 'cycle-finished',
      replaced: this.replaced.length,
      desired: final.desired,
      max: final.max,
    });
    return {
      runId: this.state.runId,
      replaced: this.replaced,
      launched: final.instances.map((i) => i.instanceId).filter((id) => !this.knownAtStart.has(id)),
      desired: { before: this.state.desired, after: final.desired },
      max: { before: this.state.max, after: final.max },
      stats: { fleetSize: this.prepared.fleet.instances.length, ...this.stats },
    };
  }

  private async send(call: () => Promise<unknown>, what: string): Promise<void> {
    try {
      await call();
    } catch (error) {
      throw toAwsError(error, what, this.clients.settings);
    }
  }

  /** Runs one poll and records how many API calls it made. */
  private async measure<T>(poll: () => Promise<T>): Promise<T> {
    const before = this.deps.apiCallCount?.() ?? 0;
    const result = await poll();
    const calls = (this.deps.apiCallCount?.() ?? 0) - before;
    this.stats.polls += 1;
    this.stats.apiCallsInPolls += calls;
    this.stats.maxApiCallsPerPoll = Math.max(this.stats.maxApiCallsPerPoll, calls);
    return result;
  }

  /** Adds where the cycle stopped and how to carry on to any failure, timeout or interruption. */
  private async explainStop(error: unknown): Promise<unknown> {
    if (!(error instanceof EcspocError)) return error;
    let where = '';
    const suggestions = [`Carry on where it stopped: ${resumeCommand(this.options)}`];
    try {
      const { group, instances } = await this.observe();
      const draining = instances
        .filter((i) => i.ecsStatus === 'DRAINING' && !isLeaving(i))
        .map((i) => i.instanceId);
      const left = this.remaining(instances).length;
      where =
        ` The cycle stopped in a safe state: desired capacity ${group.desired} (${this.state.desired} before the cycle), ` +
        `max size ${group.max}; ${draining.length ? `${draining.join(', ')} left DRAINING` : 'no instance left DRAINING'}; ` +
        `${left} instance(s) still to replace.`;
      if (draining.length) {
        suggestions.push(
          `Or put the DRAINING ones back in service: ecspoc instances activate ${draining.join(' ')} ${targetFlags(this.options.env, this.options.adopt)}`,
        );
      }
    } catch {
      where = ' The cycle stopped; run it again to see where it is.';
    }
    const message = (error instanceof InterruptedError ? 'Interrupted.' : error.message) + where;
    const all = [...suggestions, ...error.suggestions];
    const options = { cause: error, suggestions: all };
    if (error instanceof InterruptedError) return new InterruptedError(message, options);
    if (error instanceof TimeoutError) return new TimeoutError(message, options);
    if (error instanceof AwsError) return new AwsError(error.code, message, options);
    return new OperationError(error.code, message, options);
  }
}
