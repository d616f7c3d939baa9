import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  EC2Client,
  type Instance,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';

import { type AwsClients, toAwsError } from '../aws/clients.js';
import { OperationError, TimeoutError } from '../errors.js';
import { stackName } from '../stacks/names.js';
import { type DescribeStacksApi, readStack } from '../stacks/reader.js';
import { type Clock, systemClock } from '../time/clock.js';
import { deadlineAfter, waitFor } from '../time/wait.js';

/** The calls the bastion engine makes. */
export interface BastionClients {
  cloudformation: DescribeStacksApi;
  ec2: Pick<EC2Client, 'send'>;
}

/** The bastion engine's clients, from the one factory. */
export function bastionClients(aws: AwsClients): BastionClients {
  return { cloudformation: aws.client(CloudFormationClient), ec2: aws.client(EC2Client) };
}

/** An EC2 instance state, or `missing` when there is no bastion to describe. */
export type BastionState =
  'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated' | 'missing';

/**
 * The one view of an environment's bastion: what `bastion status --json` prints and what
 * `status --json` carries as `bastion` (documented in the README's bastion section).
 */
export interface BastionStatus {
  env: string;
  stackName: string;
  state: BastionState;
  /** Why the bastion is `missing` (no stack, no output, no instance). */
  missingReason?: string;
  instanceId?: string;
  publicIp?: string;
  publicDnsName?: string;
  privateIp?: string;
  instanceType?: string;
  /** When the instance last started (ISO 8601). */
  launchTime?: string;
  /** Seconds since the last start, while running. */
  uptimeSeconds?: number;
  /** When the instance last stopped (ISO 8601), from EC2's state transition reason, while stopped. */
  lastStopped?: string;
  /** Parking: the idle-stop alarm the bastion stack has with IdleStopMinutes; absent when it is off. */
  idleStop?: BastionIdleStop;
}

/** The bastion stack's idle-stop alarm (templates/bastion.yml, outputs IdleStopMinutes and IdleStopAlarmName). */
export interface BastionIdleStop {
  /** Minutes without SSH traffic after which the alarm stops the bastion. */
  minutes: number;
  alarmName: string;
  /** The alarm's state, read by `bastion status` only; `missing` when the output names no alarm CloudWatch has. */
  alarm?: import('./parking.js').IdleAlarmState | { state: 'missing' };
}

/** What starting or stopping reports while it works; the command draws these. */
export type BastionEvent =
  | { type: 'requested'; action: 'start' | 'stop'; instanceId: string; from: BastionState }
  | { type: 'state'; instanceId: string; state: BastionState }
  | { type: 'status-checks'; instanceId: string; status: string };

/** How `startBastion` / `stopBastion` behave. */
export interface BastionActionOptions {
  /** Wait for the state change (and, for start, for the EC2 status checks); default true. */
  wait?: boolean;
  /** Between two polls; default 5 s (EC2 state changes take 10–60 s, status checks a few minutes). */
  pollIntervalMs?: number;
  /** Give up waiting after this long, for the whole start or stop however many steps it takes; default 10 minutes. */
  timeoutMs?: number;
  /** The absolute end (epoch ms) of the whole action; set by startBastion / stopBastion for their steps. */
  deadline?: number;
  clock?: Clock;
  /** Ctrl-C: stops a wait at once with InterruptedError (exit 130), leaving the instance as it is. */
  signal?: AbortSignal;
  onEvent?: (event: BastionEvent) => void;
  /** Asked before stopping a running bastion; throws to refuse (AbortedError). */
  confirm?: (bastion: BastionStatus) => Promise<void>;
}

/** What a start or stop did. */
export interface BastionActionResult {
  action: 'start' | 'stop';
  /** False when the bastion already was in (or on its way to) the wanted state. */
  changed: boolean;
  /** True when the command waited for the state change. */
  waited: boolean;
  bastion: BastionStatus;
}

/** Between two polls of the instance state. */
export const DEFAULT_POLL_INTERVAL_MS = 5_000;
/** How long start and stop wait at most. */
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** The command that brings a missing bastion back. */
export function deployBastionHint(env: string): string {
  return `ecspoc deploy bastion --env ${env}`;
}

/** The command that starts a stopped bastion. */
export function startBastionHint(env: string): string {
  return `ecspoc bastion start --env ${env}`;
}

/**
 * Finds the bastion from its stack (`ecspoc-<env>-bastion`, output `BastionInstanceId`) and
 * describes its instance: one DescribeStacks and one DescribeInstances call.
 */
export async function findBastion(
  clients: BastionClients,
  env: string,
  clock: Clock = systemClock,
): Promise<BastionStatus> {
  const name = stackName(env, 'bastion');
  const stack = await readStack(clients.cloudformation, name);
  const missing = (missingReason: string, instanceId?: string) =>
    missingBastion(env, name, missingReason, instanceId);
  if (!stack) return missing(`stack ${name} does not exist`);
  const instanceId = stack.outputs.BastionInstanceId;
  if (!instanceId) return missing(`stack ${name} (${stack.status}) has no output BastionInstanceId`);
  const instance = await describeInstance(clients.ec2, instanceId);
  if (!instance) return missing(`instance ${instanceId} of stack ${name} no longer exists`, instanceId);
  const idleStop = idleStopOf(stack.outputs);
  return { ...toBastionStatus(env, name, instance, clock.now()), ...(idleStop ? { idleStop } : {}) };
}

/** The parking settings the bastion stack's outputs name; undefined when IdleStopMinutes is 0 (no alarm). */
export function idleStopOf(outputs: Readonly<Record<string, string>>): BastionIdleStop | undefined {
  const minutes = Number(outputs.IdleStopMinutes);
  const alarmName = outputs.IdleStopAlarmName;
  return alarmName && minutes > 0 ? { minutes, alarmName } : undefined;
}

/**
 * When EC2 last stopped the instance, for display only. The API documents StateTransitionReason as
 * free text that may be empty; after a stop EC2 writes "User initiated (2026-01-01 12:00:00 GMT)",
 * whoever asked (the operator or the idle-stop alarm's EC2 action). Any other text: no time is shown.
 */
function stoppedAt(instance: Instance): string | undefined {
  const match = /\((\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) GMT\)/.exec(instance.StateTransitionReason ?? '');
  return match ? `${match[1]}T${match[2]}.000Z` : undefined;
}

/**
 * The bastion of a cluster ecspoc did not deploy, named by its instance id (`--bastion`); no stack
 * then, so the view names the instance where a bundle bastion names its stack.
 */
export async function findBastionInstance(
  clients: Pick<BastionClients, 'ec2'>,
  env: string,
  instanceId: string,
  clock: Clock = systemClock,
): Promise<BastionStatus> {
  const where = `instance ${instanceId}`;
  const instance = await describeInstance(clients.ec2, instanceId);
  if (!instance)
    return missingBastion(env, where, `instance ${instanceId} (--bastion) does not exist`, instanceId);
  return toBastionStatus(env, where, instance, clock.now());
}

/** The view of a bastion that is not there, and why (no stack, no output, no instance). */
export function missingBastion(
  env: string,
  stack: string,
  missingReason: string,
  instanceId?: string,
): BastionStatus {
  return { env, stackName: stack, state: 'missing', missingReason, ...(instanceId ? { instanceId } : {}) };
}

/** Describes the bastion's instance as a BastionStatus (no stack lookup). */
export function toBastionStatus(env: string, name: string, instance: Instance, now: number): BastionStatus {
  const state = (instance.State?.Name ?? 'pending') as BastionState;
  const launched = instance.LaunchTime ? new Date(instance.LaunchTime) : undefined;
  const stopped = stoppedAt(instance);
  return {
    env,
    stackName: name,
    state,
    instanceId: instance.InstanceId,
    ...(instance.PublicIpAddress ? { publicIp: instance.PublicIpAddress } : {}),
    ...(instance.PublicDnsName ? { publicDnsName: instance.PublicDnsName } : {}),
    ...(instance.PrivateIpAddress ? { privateIp: instance.PrivateIpAddress } : {}),
    ...(instance.InstanceType ? { instanceType: instance.InstanceType } : {}),
    ...(launched ? { launchTime: launched.toISOString() } : {}),
    ...(state === 'running' && launched
      ? { uptimeSeconds: Math.max(0, Math.floor((now - launched.getTime()) / 1000)) }
      : {}),
    ...(state === 'stopped' && stopped ? { lastStopped: stopped } : {}),
  };
}

/**
 * Starts the bastion and, unless `wait` is false, waits until it runs and passes its EC2 status
 * checks, then returns its new addresses (the public one changes on every start).
 */
export async function startBastion(
  clients: BastionClients,
  env: string,
  options: BastionActionOptions = {},
): Promise<BastionActionResult> {
  const clock = options.clock ?? systemClock;
  const wait = options.wait ?? true;
  options = withDeadline(options, clock);
  let bastion = requirePresent(await findBastion(clients, env, clock));
  const instanceId = bastion.instanceId as string;
  if (bastion.state === 'running') return { action: 'start', changed: false, waited: false, bastion };
  let changed = false;
  if (bastion.state === 'stopping') {
    // EC2 refuses to start an instance that is still stopping.
    options.onEvent?.({ type: 'state', instanceId, state: 'stopping' });
    await waitForState(clients.ec2, instanceId, 'stopped', options);
    bastion = { ...bastion, state: 'stopped' };
  }
  if (bastion.state === 'stopped') {
    options.onEvent?.({ type: 'requested', action: 'start', instanceId, from: bastion.state });
    try {
      await clients.ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    } catch (error) {
      throw toAwsError(error, `starting the bastion ${instanceId} (ec2:StartInstances)`);
    }
    changed = true;
  }
  if (!wait)
    return { action: 'start', changed, waited: false, bastion: await findBastion(clients, env, clock) };
  await waitForState(clients.ec2, instanceId, 'running', options);
  await waitForStatusChecks(clients.ec2, instanceId, options);
  return { action: 'start', changed, waited: true, bastion: await findBastion(clients, env, clock) };
}

/**
 * Stops the bastion after `confirm` agrees and, unless `wait` is false, waits until it is stopped.
 * A bastion already stopped is left alone.
 */
export async function stopBastion(
  clients: BastionClients,
  env: string,
  options: BastionActionOptions = {},
): Promise<BastionActionResult> {
  const clock = options.clock ?? systemClock;
  const wait = options.wait ?? true;
  options = withDeadline(options, clock);
  const bastion = requirePresent(await findBastion(clients, env, clock));
  const instanceId = bastion.instanceId as string;
  if (bastion.state === 'stopped') return { action: 'stop', changed: false, waited: false, bastion };
  let changed = false;
  if (bastion.state !== 'stopping') {
    await options.confirm?.(bastion);
    if (bastion.state === 'pending') {
      // EC2 refuses to stop an instance that is still starting.
      await waitForState(clients.ec2, instanceId, 'running', options);
    }
    options.onEvent?.({ type: 'requested', action: 'stop', instanceId, from: bastion.state });
    try {
      await clients.ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    } catch (error) {
      throw toAwsError(error, `stopping the bastion ${instanceId} (ec2:StopInstances)`);
    }
    changed = true;
  }
  if (!wait)
    return { action: 'stop', changed, waited: false, bastion: await findBastion(clients, env, clock) };
  await waitForState(clients.ec2, instanceId, 'stopped', options);
  return { action: 'stop', changed, waited: true, bastion: await findBastion(clients, env, clock) };
}

function requirePresent(bastion: BastionStatus): BastionStatus {
  if (bastion.state === 'missing') {
    throw new OperationError(
      'BASTION_MISSING',
      `Environment "${bastion.env}" has no bastion: ${bastion.missingReason}.`,
      {
        suggestions: [deployBastionHint(bastion.env)],
      },
    );
  }
  if (bastion.state === 'terminated' || bastion.state === 'shutting-down') {
    throw new OperationError(
      'BASTION_TERMINATED',
      `The bastion ${bastion.instanceId} of "${bastion.env}" is ${bastion.state}; it cannot be started or stopped.`,
      { suggestions: [deployBastionHint(bastion.env)] },
    );
  }
  return bastion;
}

/**
 * States that end a wait in failure, as the SDK's InstanceRunning / InstanceStopped waiters judge
 * them. `stopped` is not among them for `running`: right after StartInstances EC2 may still report
 * it (eventual consistency); only a fall back to `stopped` after `pending` means the start failed.
 */
const FAILURES: Record<'running' | 'stopped', BastionState[]> = {
  running: ['stopping', 'shutting-down', 'terminated'],
  stopped: ['pending', 'shutting-down', 'terminated'],
};

/**
 * One deadline for the whole action: a start may wait for a stop, then for running, then for the
 * status checks, and `--timeout` bounds all of them together rather than each step anew.
 */
function withDeadline(options: BastionActionOptions, clock: Clock): BastionActionOptions {
  if (options.deadline !== undefined) return options;
  return { ...options, deadline: deadlineAfter(clock, options.timeoutMs ?? DEFAULT_TIMEOUT_MS) };
}

/** The timing every wait of one action shares. */
function waitTiming(options: BastionActionOptions) {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    clock,
    timeoutMs,
    deadline: options.deadline ?? deadlineAfter(clock, timeoutMs),
    intervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    signal: options.signal,
  };
}

/**
 * Polls the instance's state until it is `target` (one DescribeInstances per poll, the first at
 * once), reporting every change. Fails when the state can no longer reach the target or time runs out.
 */
export async function waitForState(
  ec2: Pick<EC2Client, 'send'>,
  instanceId: string,
  target: 'running' | 'stopped',
  options: BastionActionOptions = {},
): Promise<void> {
  let last: BastionState | undefined;
  let sawPending = false;
  await waitFor<BastionState>(
    async () => {
      const instance = await describeInstance(ec2, instanceId);
      const state: BastionState = instance
        ? ((instance.State?.Name ?? 'pending') as BastionState)
        : 'terminated';
      if (state !== last) options.onEvent?.({ type: 'state', instanceId, state });
      last = state;
      if (state === target) return { done: true, value: state };
      const failed =
        FAILURES[target].includes(state) || (target === 'running' && state === 'stopped' && sawPending);
      if (failed) {
        throw new OperationError(
          'BASTION_STATE',
          `The bastion ${instanceId} became ${state} while waiting for it to be ${target}.`,
          { suggestions: ['See why in the EC2 console (instance state reason), then try again.'] },
        );
      }
      if (state === 'pending') sawPending = true;
      return { done: false, value: state };
    },
    {
      ...waitTiming(options),
      what: `the bastion ${instanceId} to be ${target}`,
      timeoutError: ({ value: state }) =>
        new TimeoutError(
          `The bastion ${instanceId} is still ${state}; it did not become ${target} in time.`,
          {
            suggestions: ['Check again later: ecspoc bastion status'],
          },
        ),
    },
  );
}

/**
 * Polls the EC2 status checks (reachability) until both pass; one DescribeInstanceStatus per poll.
 * A failed ("impaired") check is an error: the instance runs but cannot be reached.
 */
export async function waitForStatusChecks(
  ec2: Pick<EC2Client, 'send'>,
  instanceId: string,
  options: BastionActionOptions = {},
): Promise<void> {
  let last: string | undefined;
  await waitFor<string>(
    async () => {
      let response;
      try {
        response = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [instanceId] }));
      } catch (error) {
        throw toAwsError(error, `reading the status checks of ${instanceId} (ec2:DescribeInstanceStatus)`);
      }
      const status = response.InstanceStatuses?.[0];
      const checks = [status?.InstanceStatus?.Status, status?.SystemStatus?.Status];
      const summary = checks.every((c) => c === 'ok')
        ? 'ok'
        : checks.includes('impaired')
          ? 'impaired'
          : (checks.find((c) => c && c !== 'ok') ?? 'initializing');
      if (summary !== last) options.onEvent?.({ type: 'status-checks', instanceId, status: summary });
      last = summary;
      if (summary === 'impaired') {
        throw new OperationError(
          'BASTION_IMPAIRED',
          `The bastion ${instanceId} runs but fails its EC2 status checks.`,
          {
            suggestions: ['Stop and start it again: ecspoc bastion stop, then ecspoc bastion start'],
          },
        );
      }
      return { done: summary === 'ok', value: summary };
    },
    {
      ...waitTiming(options),
      what: `the status checks of the bastion ${instanceId}`,
      timeoutError: ({ value: summary }) =>
        new TimeoutError(
          `The bastion ${instanceId} runs but its status checks have not passed yet (${summary}).`,
          { suggestions: ['Check again in a minute: ecspoc bastion status'] },
        ),
    },
  );
}

async function describeInstance(
  ec2: Pick<EC2Client, 'send'>,
  instanceId: string,
): Promise<Instance | undefined> {
  try {
    const response = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return response.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
  } catch (error) {
    if ((error as { name?: string }).name === 'InvalidInstanceID.NotFound') return undefined;
    throw toAwsError(error, `describing the bastion ${instanceId} (ec2:DescribeInstances)`);
  }
}
