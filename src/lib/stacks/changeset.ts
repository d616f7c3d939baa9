/**
 * One stack through one change set, as a small state machine:
 * inspect (wait while in progress) → create change set → wait → describe every page
 * → (empty: delete, no-op) → execute → follow the stack events from the change set's creation time
 * → the outcome, with the first failed resource when it failed.
 *
 * Every call goes through `callCloudFormation`, which retries throttling with backoff on the
 * injected clock (the SDK retries too, but a wide parallel deploy can exhaust its attempts) and
 * turns anything else into an EcspocError.
 */
import {
  type Change,
  type CloudFormationClient,
  CreateChangeSetCommand,
  type CreateChangeSetCommandInput,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';

import { toAwsError } from '../aws/clients.js';
import { EcspocError, OperationError, TimeoutError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { isStackMissing } from './reader.js';
import type {
  ActivitySink,
  ChangeAction,
  FailedResource,
  Replacement,
  ResourceChange,
  ResourceEvent,
} from './events.js';

/** The CloudFormation calls this module makes (a CloudFormationClient, or a fake in tests). */
export type CloudFormationApi = Pick<CloudFormationClient, 'send'>;

/** Timing of the state machine; injected so that tests never sleep. */
export interface EngineTiming {
  clock: Clock;
  /** Pause between two polls of a change set or a stack (default 2 s, see DEFAULT_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  /** Give up waiting for one stack operation after this long (default 1 h). */
  timeoutMs?: number;
}

/** Polling interval used when the caller does not choose one. */
export const DEFAULT_POLL_INTERVAL_MS = 2_000;
/** How long one stack operation may take before ecspoc stops waiting (CloudFormation carries on). */
export const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;

/** A stack as CloudFormation describes it, reduced to what ecspoc uses. */
export interface StackSnapshot {
  stackId: string;
  stackName: string;
  status: string;
  statusReason?: string;
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  /** What SSM parameter types resolved to at the last deploy (CloudFormation's ResolvedValue). */
  resolved?: Record<string, string>;
  tags?: Record<string, string>;
  createdAt?: string;
  lastUpdatedAt?: string;
}

/** What must happen before a stack can take a change set. */
export type StackCondition =
  | { state: 'missing' }
  | { state: 'ready'; stack: StackSnapshot }
  | { state: 'recreate'; stack: StackSnapshot; why: string }
  | { state: 'blocked'; stack: StackSnapshot; why: string; suggestion: string }
  | { state: 'busy'; stack: StackSnapshot };

/** Statuses from which a stack can only be deleted and created again, with the reason in words. */
const RECREATE: Record<string, string> = {
  ROLLBACK_COMPLETE: 'its creation failed and was rolled back; such a stack can only be deleted',
  ROLLBACK_FAILED: 'its creation failed and so did the rollback',
  CREATE_FAILED: 'its creation failed (with rollback disabled)',
  REVIEW_IN_PROGRESS: 'a change set that would create it was never executed; it holds no resources',
};

/** Successful end states of an executed change set. */
const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

/** Classifies a stack by its status: ready for a change set, to recreate, blocked, or busy. */
export function classifyStack(stack: StackSnapshot | undefined): StackCondition {
  if (!stack || stack.status === 'DELETE_COMPLETE') return { state: 'missing' };
  const status = stack.status;
  if (RECREATE[status]) return { state: 'recreate', stack, why: RECREATE[status] };
  if (status.endsWith('_IN_PROGRESS')) return { state: 'busy', stack };
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    return {
      state: 'blocked',
      stack,
      why:
        'an update failed and so did its rollback; CloudFormation accepts no change until the rollback is continued' +
        (stack.statusReason ? ` (${stack.statusReason})` : ''),
      suggestion:
        `aws cloudformation continue-update-rollback --stack-name ${stack.stackName}` +
        ' (add --resources-to-skip LogicalId for resources that cannot roll back), then deploy again',
    };
  }
  if (status === 'DELETE_FAILED') {
    return {
      state: 'blocked',
      stack,
      why: `its deletion failed${stack.statusReason ? ` (${stack.statusReason})` : ''}`,
      suggestion: `ecspoc destroy, or: aws cloudformation delete-stack --stack-name ${stack.stackName} --retain-resources LogicalId`,
    };
  }
  if (status === 'IMPORT_ROLLBACK_FAILED') {
    return {
      state: 'blocked',
      stack,
      why: 'a resource import failed and so did its rollback',
      suggestion: `aws cloudformation describe-stack-events --stack-name ${stack.stackName}`,
    };
  }
  return { state: 'ready', stack };
}

/**
 * Describes one stack, retrying throttling; undefined when it does not exist (the reader's one
 * rule). A DELETE_COMPLETE stack described by id is returned as such: waits follow it to its end.
 */
export async function describeStack(
  cfn: CloudFormationApi,
  stackName: string,
  timing: EngineTiming,
): Promise<StackSnapshot | undefined> {
  try {
    const response = await callCloudFormation(
      () => cfn.send(new DescribeStacksCommand({ StackName: stackName })),
      `describing stack ${stackName}`,
      timing,
      { passThrough: isStackMissing },
    );
    const stack = response.Stacks?.[0];
    return stack ? toSnapshot(stack) : undefined;
  } catch (error) {
    if (isStackMissing(error)) return undefined;
    throw error;
  }
}

/**
 * Waits while the stack is in an `*_IN_PROGRESS` status (someone else's deploy, a rollback, a
 * deletion), reporting each status once. Returns the settled stack, or undefined when it is gone.
 */
export async function waitUntilSettled(
  cfn: CloudFormationApi,
  stackName: string,
  timing: EngineTiming,
  sink: ActivitySink,
  first?: StackSnapshot,
): Promise<StackSnapshot | undefined> {
  const started = timing.clock.now();
  let stack = first ?? (await describeStack(cfn, stackName, timing));
  let reported = '';
  // A deleted stack can only be described by id, so follow the id once we have it.
  const id = stack?.stackId ?? stackName;
  while (stack && classifyStack(stack).state === 'busy') {
    if (stack.status !== reported) {
      sink({ kind: 'waiting', status: stack.status });
      reported = stack.status;
    }
    checkTimeout(started, timing, `${stackName} to leave ${stack.status}`, stackName);
    await timing.clock.sleep(timing.pollIntervalMs);
    stack = await describeStack(cfn, id, timing);
  }
  return stack && stack.status !== 'DELETE_COMPLETE' ? stack : undefined;
}

/** The template a stack was last deployed with, as it was submitted. */
export async function deployedTemplate(
  cfn: CloudFormationApi,
  stackId: string,
  timing: EngineTiming,
): Promise<string | undefined> {
  const response = await callCloudFormation(
    () => cfn.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' })),
    `reading the deployed template of ${stackId}`,
    timing,
  );
  return response.TemplateBody;
}

/** One parameter of a change set: a value, or the stack's current value (for NoEcho parameters). */
export type ParameterValue = { key: string; value: string } | { key: string; usePrevious: true };

/** Everything needed to create one change set. */
export interface ChangeSetRequest {
  stackName: string;
  changeSetName: string;
  type: 'CREATE' | 'UPDATE';
  template: { body: string } | { url: string };
  parameters: ParameterValue[];
  capabilities: string[];
  tags?: Record<string, string>;
  description?: string;
}

/** A created and described change set. An empty one has already been deleted. */
export interface ChangeSetPlan {
  id: string;
  name: string;
  stackName: string;
  stackId: string;
  type: 'CREATE' | 'UPDATE';
  /** CloudFormation's creation time of the change set: stack events are followed from here. */
  createdAt: string;
  /** Nothing to execute: CloudFormation found no difference. */
  empty: boolean;
  changes: ResourceChange[];
}

/**
 * Creates a change set, waits until CloudFormation has computed it, and reads every page of its
 * changes. When there is nothing to change the change set is deleted and `empty` is true.
 */
export async function createChangeSet(
  cfn: CloudFormationApi,
  request: ChangeSetRequest,
  timing: EngineTiming,
  sink: ActivitySink,
): Promise<ChangeSetPlan> {
  sink({ kind: 'planning' });
  const input: CreateChangeSetCommandInput = {
    StackName: request.stackName,
    ChangeSetName: request.changeSetName,
    ChangeSetType: request.type,
    ...('body' in request.template
      ? { TemplateBody: request.template.body }
      : { TemplateURL: request.template.url }),
    Parameters: request.parameters.map((p) =>
      'usePrevious' in p
        ? { ParameterKey: p.key, UsePreviousValue: true }
        : { ParameterKey: p.key, ParameterValue: p.value },
    ),
    ...(request.capabilities.length > 0 ? { Capabilities: request.capabilities as never } : {}),
    ...(request.tags ? { Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
    ...(request.description ? { Description: request.description } : {}),
  };
  const started = timing.clock.now();
  let created;
  try {
    created = await callCloudFormation(
      () => cfn.send(new CreateChangeSetCommand(input)),
      `creating a change set for ${request.stackName}`,
      timing,
      { passThrough: isNoChangeError },
    );
  } catch (error) {
    // Some emulators refuse an identical update at creation time instead of failing the change set.
    if (isNoChangeError(error)) {
      sink({ kind: 'planned', changes: [], empty: true });
      return emptyPlan(request, '', '', new Date(timing.clock.now()));
    }
    throw error;
  }
  const id = created.Id ?? request.changeSetName;
  const stackId = created.StackId ?? request.stackName;

  let page: DescribeChangeSetCommandOutput;
  for (;;) {
    page = await callCloudFormation(
      () => cfn.send(new DescribeChangeSetCommand({ ChangeSetName: id, StackName: stackId })),
      `describing change set ${request.changeSetName} of ${request.stackName}`,
      timing,
    );
    const status = page.Status ?? 'CREATE_PENDING';
    if (status !== 'CREATE_PENDING' && status !== 'CREATE_IN_PROGRESS') break;
    checkTimeout(
      started,
      timing,
      `change set ${request.changeSetName} of ${request.stackName}`,
      request.stackName,
    );
    await timing.clock.sleep(timing.pollIntervalMs);
  }
  const createdAt = (page.CreationTime ?? new Date(timing.clock.now())).toISOString();

  if (page.Status === 'FAILED') {
    if (isNoChangeReason(page.StatusReason)) {
      await deleteChangeSetQuietly(cfn, id, stackId, timing);
      sink({ kind: 'planned', changes: [], empty: true });
      return emptyPlan(request, id, stackId, new Date(createdAt));
    }
    await deleteChangeSetQuietly(cfn, id, stackId, timing);
    throw new OperationError(
      'CHANGE_SET_FAILED',
      `CloudFormation could not create a change set for ${request.stackName}: ${page.StatusReason ?? 'no reason given'}`,
      { suggestions: [`aws cloudformation describe-stack-events --stack-name ${request.stackName}`] },
    );
  }

  const changes = (page.Changes ?? []).flatMap(toResourceChange);
  let next = page.NextToken;
  while (next) {
    const token = next;
    const more = await callCloudFormation(
      () =>
        cfn.send(new DescribeChangeSetCommand({ ChangeSetName: id, StackName: stackId, NextToken: token })),
      `reading the changes of ${request.stackName}`,
      timing,
    );
    changes.push(...(more.Changes ?? []).flatMap(toResourceChange));
    next = more.NextToken;
  }
  const plan: ChangeSetPlan = {
    id,
    name: request.changeSetName,
    stackName: request.stackName,
    stackId,
    type: request.type,
    createdAt,
    empty: false,
    changes,
  };
  sink({ kind: 'planned', changes, empty: false });
  return plan;
}

/**
 * Deletes a change set that will not be executed. A CREATE change set leaves its stack in
 * REVIEW_IN_PROGRESS with no resources; that stack is deleted too, so nothing is left behind.
 */
export async function discardChangeSet(
  cfn: CloudFormationApi,
  plan: ChangeSetPlan,
  timing: EngineTiming,
): Promise<void> {
  if (plan.empty || !plan.id) return;
  await deleteChangeSetQuietly(cfn, plan.id, plan.stackId, timing);
  if (plan.type === 'CREATE') {
    await callCloudFormation(
      () => cfn.send(new DeleteStackCommand({ StackName: plan.stackId })),
      `deleting the unexecuted stack ${plan.stackName}`,
      timing,
    );
  }
}

/** How an executed change set or a deletion ended. */
export interface StackOutcome {
  ok: boolean;
  status: string;
  statusReason?: string;
  outputs: Record<string, string>;
  /** The first resource that failed, when the operation failed. */
  failure?: FailedResource;
  /** Every event seen during the operation, oldest first. */
  events: ResourceEvent[];
}

/**
 * Executes a change set and follows the stack's events (only those since the change set was
 * created) until the stack settles. Never throws for a failed deployment: the outcome says so.
 */
export async function executeChangeSet(
  cfn: CloudFormationApi,
  plan: ChangeSetPlan,
  timing: EngineTiming,
  sink: ActivitySink,
): Promise<StackOutcome> {
  sink({ kind: 'executing', changeSetType: plan.type });
  await callCloudFormation(
    () => cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: plan.id, StackName: plan.stackId })),
    `executing the change set of ${plan.stackName}`,
    timing,
  );
  return followStack(cfn, plan.stackId, plan.stackName, new Date(plan.createdAt), timing, sink, SUCCESS);
}

/**
 * Deletes a stack and follows it until it is gone, reporting only events newer than the stack's
 * latest event before the call. Never throws for a failed deletion: the outcome says so.
 */
export async function deleteStack(
  cfn: CloudFormationApi,
  stack: StackSnapshot,
  timing: EngineTiming,
  sink: ActivitySink,
  options: { retainResources?: string[] } = {},
): Promise<StackOutcome> {
  const latest = await callCloudFormation(
    () => cfn.send(new DescribeStackEventsCommand({ StackName: stack.stackId })),
    `reading the events of ${stack.stackName}`,
    timing,
  );
  const since = latest.StackEvents?.[0]?.Timestamp ?? new Date(0);
  const seen = new Set((latest.StackEvents ?? []).map((e) => e.EventId ?? ''));
  await callCloudFormation(
    () =>
      cfn.send(
        new DeleteStackCommand({
          StackName: stack.stackId,
          ...(options.retainResources?.length ? { RetainResources: options.retainResources } : {}),
        }),
      ),
    `deleting stack ${stack.stackName}`,
    timing,
  );
  return followStack(
    cfn,
    stack.stackId,
    stack.stackName,
    since,
    timing,
    sink,
    new Set(['DELETE_COMPLETE']),
    seen,
  );
}

async function followStack(
  cfn: CloudFormationApi,
  stackId: string,
  stackName: string,
  since: Date,
  timing: EngineTiming,
  sink: ActivitySink,
  success: Set<string>,
  seen = new Set<string>(),
): Promise<StackOutcome> {
  const started = timing.clock.now();
  const events: ResourceEvent[] = [];
  for (;;) {
    const stack = await describeStack(cfn, stackId, timing);
    const fresh = await newEvents(cfn, stackId, since, seen, timing);
    for (const event of fresh) {
      events.push(event);
      sink({ kind: 'resource', event });
    }
    const status = stack?.status ?? 'DELETE_COMPLETE';
    if (!status.endsWith('_IN_PROGRESS')) {
      const ok = success.has(status);
      return {
        ok,
        status,
        ...(stack?.statusReason ? { statusReason: stack.statusReason } : {}),
        outputs: stack?.outputs ?? {},
        ...(ok ? {} : { failure: firstFailure(events, stackName, status, stack?.statusReason) }),
        events,
      };
    }
    checkTimeout(started, timing, `${stackName} to finish (${status})`, stackName);
    await timing.clock.sleep(timing.pollIntervalMs);
  }
}

/** Events newer than `since` not seen before, oldest first; reads only as many pages as needed. */
async function newEvents(
  cfn: CloudFormationApi,
  stackId: string,
  since: Date,
  seen: Set<string>,
  timing: EngineTiming,
): Promise<ResourceEvent[]> {
  const fresh: StackEvent[] = [];
  let token: string | undefined;
  pages: do {
    const pageToken = token;
    const page = await callCloudFormation(
      () => cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: pageToken })),
      `reading the events of ${stackId}`,
      timing,
    );
    for (const event of page.StackEvents ?? []) {
      const id = event.EventId ?? `${event.LogicalResourceId}-${event.Timestamp?.toISOString()}`;
      if ((event.Timestamp && event.Timestamp < since) || seen.has(id)) break pages;
      seen.add(id);
      fresh.push(event);
    }
    token = page.NextToken;
  } while (token);
  return fresh.reverse().map(toResourceEvent);
}

/**
 * The first resource that failed, skipping the ones CloudFormation merely cancelled because
 * another failed; the stack's own reason when no resource failed.
 */
export function firstFailure(
  events: ResourceEvent[],
  stackName: string,
  status: string,
  statusReason?: string,
): FailedResource {
  const failed = events.filter(
    (e) =>
      e.status.endsWith('_FAILED') &&
      !(e.resourceType === 'AWS::CloudFormation::Stack' && e.logicalId === stackName),
  );
  const cause = failed.find((e) => !/cancell?ed/i.test(e.reason ?? '')) ?? failed[0];
  if (cause) {
    return {
      logicalId: cause.logicalId,
      resourceType: cause.resourceType,
      status: cause.status,
      reason: cause.reason ?? 'no reason given',
    };
  }
  const stackEvent = [...events].reverse().find((e) => e.reason && e.logicalId === stackName);
  return {
    logicalId: stackName,
    resourceType: 'AWS::CloudFormation::Stack',
    status,
    reason: statusReason ?? stackEvent?.reason ?? 'no reason given',
  };
}

/** Options of one guarded call. */
interface CallOptions {
  /** Errors the caller handles itself: rethrown untouched. */
  passThrough?: (error: unknown) => boolean;
  /** Retries on throttling before giving up (default 6). */
  throttleRetries?: number;
}

/**
 * Makes one CloudFormation call: retries throttling with exponential backoff (1 s, 2 s, 4 s…
 * capped at 20 s) on the injected clock, and maps every other failure to an EcspocError.
 */
export async function callCloudFormation<T>(
  call: () => Promise<T>,
  what: string,
  timing: Pick<EngineTiming, 'clock'>,
  options: CallOptions = {},
): Promise<T> {
  const retries = options.throttleRetries ?? 6;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (error instanceof EcspocError) throw error;
      if (options.passThrough?.(error)) throw error;
      if (isThrottling(error) && attempt < retries) {
        await timing.clock.sleep(Math.min(1_000 * 2 ** attempt, 20_000));
        continue;
      }
      if (
        errorName(error) === 'ValidationError' ||
        errorName(error) === 'InsufficientCapabilitiesException'
      ) {
        throw new OperationError(
          'CLOUDFORMATION_REJECTED',
          `CloudFormation refused ${what}: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      throw toAwsError(error, what);
    }
  }
}

/** Throttling as every AWS protocol names it. */
export function isThrottling(error: unknown): boolean {
  const name = errorName(error);
  return (
    [
      'Throttling',
      'ThrottlingException',
      'TooManyRequestsException',
      'RequestLimitExceeded',
      'SlowDown',
    ].includes(name) || Boolean((error as { $retryable?: { throttling?: boolean } })?.$retryable?.throttling)
  );
}

/**
 * CloudFormation's only signal for a change set without changes is its status reason (the API
 * has no reason code): "The submitted information didn't contain changes…", or "No updates are
 * to be performed." when a transform is involved. Kept in this one place.
 */
export function isNoChangeReason(reason: string | undefined): boolean {
  return (
    reason !== undefined &&
    (reason.startsWith("The submitted information didn't contain changes") ||
      reason.startsWith('No updates are to be performed'))
  );
}

function isNoChangeError(error: unknown): boolean {
  return errorName(error) === 'ValidationError' && isNoChangeReason(errorMessage(error));
}

async function deleteChangeSetQuietly(
  cfn: CloudFormationApi,
  id: string,
  stackId: string,
  timing: EngineTiming,
): Promise<void> {
  await callCloudFormation(
    () => cfn.send(new DeleteChangeSetCommand({ ChangeSetName: id, StackName: stackId })),
    `deleting change set ${id}`,
    timing,
  );
}

function emptyPlan(request: ChangeSetRequest, id: string, stackId: string, createdAt: Date): ChangeSetPlan {
  return {
    id,
    name: request.changeSetName,
    stackName: request.stackName,
    stackId: stackId || request.stackName,
    type: request.type,
    createdAt: createdAt.toISOString(),
    empty: true,
    changes: [],
  };
}

function checkTimeout(started: number, timing: EngineTiming, waitingFor: string, stackName: string): void {
  const limit = timing.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (timing.clock.now() - started > limit) {
    throw new TimeoutError(`Stopped waiting for ${waitingFor} after ${Math.round(limit / 60_000)} min.`, {
      suggestions: [
        `CloudFormation carries on; watch it with: aws cloudformation describe-stacks --stack-name ${stackName}`,
      ],
    });
  }
}

/** Reduces the SDK's Stack to a snapshot. */
export function toSnapshot(stack: Stack): StackSnapshot {
  return {
    stackId: stack.StackId ?? stack.StackName ?? '',
    stackName: stack.StackName ?? '',
    status: stack.StackStatus ?? 'UNKNOWN',
    ...(stack.StackStatusReason ? { statusReason: stack.StackStatusReason } : {}),
    parameters: Object.fromEntries(
      // ParameterValue is what was passed (an SSM parameter's name, not the AMI it resolved to).
      (stack.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
    ),
    outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
    resolved: Object.fromEntries(
      (stack.Parameters ?? [])
        .filter((p) => p.ResolvedValue !== undefined)
        .map((p) => [p.ParameterKey ?? '', p.ResolvedValue ?? '']),
    ),
    tags: Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    ...(stack.CreationTime ? { createdAt: stack.CreationTime.toISOString() } : {}),
    ...(stack.LastUpdatedTime ? { lastUpdatedAt: stack.LastUpdatedTime.toISOString() } : {}),
  };
}

function toResourceChange(change: Change): ResourceChange[] {
  const rc = change.ResourceChange;
  if (change.Type !== 'Resource' || !rc) return [];
  const action = (rc.Action ?? 'Modify').toLowerCase() as ChangeAction;
  const properties = [
    ...new Set(
      (rc.Details ?? [])
        .map((d) => d.Target?.Name)
        .filter((name): name is string => typeof name === 'string' && name.length > 0),
    ),
  ];
  return [
    {
      action: ['add', 'modify', 'remove', 'import', 'dynamic'].includes(action) ? action : 'modify',
      logicalId: rc.LogicalResourceId ?? '?',
      resourceType: rc.ResourceType ?? '?',
      ...(rc.PhysicalResourceId ? { physicalId: rc.PhysicalResourceId } : {}),
      ...(action === 'modify' && rc.Replacement ? { replacement: rc.Replacement as Replacement } : {}),
      ...(rc.Scope?.length ? { scope: rc.Scope } : {}),
      ...(properties.length ? { properties } : {}),
    },
  ];
}

function toResourceEvent(event: StackEvent): ResourceEvent {
  return {
    timestamp: (event.Timestamp ?? new Date(0)).toISOString(),
    logicalId: event.LogicalResourceId ?? '?',
    resourceType: event.ResourceType ?? '?',
    status: event.ResourceStatus ?? '?',
    ...(event.PhysicalResourceId ? { physicalId: event.PhysicalResourceId } : {}),
    ...(event.ResourceStatusReason ? { reason: event.ResourceStatusReason } : {}),
  };
}

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? '';
}

function errorMessage(error: unknown): string {
  return (error as { message?: string })?.message ?? String(error);
}
