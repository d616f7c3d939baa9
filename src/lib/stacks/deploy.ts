/**
 * Deploying the bundle: plan every stack, let the operator confirm once, then walk the dependency
 * graph with independent stacks in parallel, feeding each stack the outputs of the stacks it
 * depends on as they complete.
 *
 * Confirming once when downstream inputs are not known yet. The plan is made with what exists now:
 * - an existing stack gets a real change set, made with the current outputs of its upstream stacks;
 * - a stack that does not exist yet is shown as its template's resources, all to add: its change
 *   set needs outputs that a first deploy has not produced yet;
 * - a stack to recreate (ROLLBACK_COMPLETE, CREATE_FAILED, REVIEW_IN_PROGRESS) is named, with why;
 * - a stack CloudFormation will not touch (UPDATE_ROLLBACK_FAILED…) is named with the fix.
 * The confirmation covers that plan. During the walk, when an upstream stack's outputs come back
 * different from those the plan used, the downstream change set is made again with the new values.
 * Such a late change set is executed when it only adds or modifies in place; when it would remove
 * or replace a resource the operator has not seen, it is not executed and the stack is reported as
 * "held" (deploy again to review it). With --yes nothing is held: the operator approved whatever
 * the templates and parameters lead to, as in CI.
 *
 * Parameters: the catalog's resolution (defaults < discovered < config < upstream outputs <
 * --parameter), and, for an existing stack, a parameter left at its default keeps the value the
 * stack has now (UsePreviousValue), as `aws cloudformation deploy` does: a value once given with
 * --parameter is not silently undone, and the image a service's pipeline deployed is kept.
 */
import type { Catalog, ComponentSpec } from './catalog.js';
import {
  type ChangeSetPlan,
  type CloudFormationApi,
  type EngineTiming,
  type ParameterValue,
  type StackSnapshot,
  classifyStack,
  createChangeSet,
  deleteStack,
  deployedTemplate,
  describeStack,
  discardChangeSet,
  executeChangeSet,
  waitUntilSettled,
} from './changeset.js';
import { type FailedResource, type ResourceChange, type StackActivity, isDestructive } from './events.js';
import { subgraph, walkGraph } from './graph.js';
import {
  type ParameterLayer,
  type ParameterSource,
  resolveParameters,
  type StackOutputs,
} from './parameters.js';
import { templateResources } from './resources.js';
import { MAX_INLINE_TEMPLATE_BYTES, parseTemplate, type StackTemplate } from './templates.js';
import { EcspocError, InterruptedError, OperationError } from '../errors.js';

/** Where the bootstrap bucket's name comes from, for templates too large to pass inline. */
const TEMPLATE_BUCKET = { component: 'bootstrap', output: 'BucketName' } as const;

/** What a deploy works on: the selected components (dependencies included) and their inputs. */
export interface DeployInput {
  catalog: Catalog;
  /** The components to deploy, dependencies included, in catalog order. */
  components: ComponentSpec[];
  templates: ReadonlyMap<string, StackTemplate>;
  config: ParameterLayer;
  overrides: ParameterLayer;
  /** The command the operator ran (`deploy`, `diff`), named again in hints; default `deploy`. */
  command?: string;
}

/** Where a parameter's value comes from, as the plan shows it. */
export type ParameterOrigin = ParameterSource | 'previous' | 'image' | 'template' | 'pending' | 'required';

/** One parameter of a planned stack. */
export interface PlannedParameter {
  key: string;
  value: string;
  origin: ParameterOrigin;
  /** For `upstream` and `pending`: `component.Output`. */
  from?: string;
}

/** A parameter of an existing stack whose value changes. */
export interface ParameterChange {
  key: string;
  before?: string;
  after: string;
}

/** The image a service's first deploy runs, and why. */
export interface ImageChoice {
  uri: string;
  source: 'pushed' | 'placeholder' | 'previous' | 'override';
  detail: string;
}

/** What the plan says will happen to one stack. */
export type PlannedAction = 'create' | 'update' | 'none' | 'recreate' | 'blocked';

/** The plan of one stack. */
export interface StackPlan {
  component: string;
  stackName: string;
  dependsOn: string[];
  action: PlannedAction;
  /** CloudFormation's status of the stack now; undefined when it does not exist. */
  stackStatus?: string;
  /** From a change set when `exact`; otherwise the template's resources to add. */
  changes: ResourceChange[];
  exact: boolean;
  parameters: PlannedParameter[];
  /** Parameters of an existing stack that get a new value. */
  parameterChanges: ParameterChange[];
  /** Upstream components whose outputs are not known yet: the change set is made after them. */
  waitsFor: string[];
  /** Upstream components changed by this deploy: this stack is planned again if their outputs change. */
  replannedAfter: string[];
  why?: string;
  suggestion?: string;
  image?: ImageChoice;
}

/** The plan of a whole deploy, in dependency order. */
export interface DeployPlan {
  env: string;
  /** Time spent planning. */
  durationMs: number;
  stacks: StackPlan[];
  /** True when executing the plan would change something. */
  hasChanges: boolean;
  /** True when a stack is blocked: the deploy cannot fully succeed. */
  hasBlocked: boolean;
}

/** How one stack ended. */
export type StackResultStatus = 'created' | 'updated' | 'unchanged' | 'failed' | 'skipped' | 'held';

/** The result of one stack (what `deploy --json` prints per stack). */
export interface StackResult {
  component: string;
  stackName: string;
  status: StackResultStatus;
  /** CloudFormation's status at the end, when the stack exists. */
  stackStatus?: string;
  changes: ResourceChange[];
  outputs: Record<string, string>;
  durationMs: number;
  failure?: FailedResource;
  reason?: string;
  suggestion?: string;
  image?: ImageChoice;
}

/** The result of a whole deploy. */
export interface DeployResult {
  env: string;
  ok: boolean;
  interrupted: boolean;
  /** Time spent executing, after the confirmation. */
  durationMs: number;
  /** Time spent planning (describing stacks, making change sets), before the confirmation. */
  planDurationMs: number;
  stacks: StackResult[];
}

/** An event of a deploy, for the renderer. */
export type DeployEvent =
  | { type: 'activity'; component: string; activity: StackActivity }
  | { type: 'started'; component: string }
  | { type: 'finished'; component: string; result: StackResult };

/** Everything the engine needs from outside: clients, timing, limits, and where to report. */
export interface DeployContext {
  env: string;
  cfn: CloudFormationApi;
  timing: EngineTiming;
  /** How many stacks are worked on at once. */
  concurrency: number;
  emit: (event: DeployEvent) => void;
  /** Prefix of this run's change set names, e.g. `ecspoc-20260101T101112`. */
  changeSetName: string;
  /** Uploads a template over 51,200 bytes to the bucket and returns its TemplateURL. */
  uploadTemplate?: (bucket: string, stackName: string, body: string) => Promise<string>;
  /** The image last pushed to an ECR repository, or undefined before any push. */
  latestImage?: (repositoryName: string) => Promise<{ uri: string; pushedAt?: string } | undefined>;
  /** Aborting starts no new stack (Ctrl-C); stacks already running are followed to their end. */
  signal?: AbortSignal;
  /**
   * Make a change set even for a stack whose template and parameters are exactly as deployed
   * (normally such a stack is known unchanged from two reads, without one).
   */
  force?: boolean;
  /**
   * Pre-flight of the stacks about to be created (preflight.ts): throws when a name they would
   * create is taken. Runs before the first change set; absent, nothing is checked.
   */
  checkNewStacks?: (components: ComponentSpec[]) => Promise<void>;
  /** Current values of SSM parameters by name (undefined when unknown), to tell whether an AMI moved. */
  resolveSsmParameters?: (names: string[]) => Promise<Record<string, string | undefined>>;
}

/** The plan with what executing it needs: the change sets made and the stacks as described. */
export interface PreparedPlan extends DeployPlan {
  readonly prepared: ReadonlyMap<
    string,
    { changeSet?: ChangeSetPlan; snapshot?: StackSnapshot; request: ParameterValue[] }
  >;
}

/**
 * Plans a deploy: describes every stack (waiting for any in progress), resolves parameters with the
 * outputs that exist now, and creates change sets for existing stacks. Nothing is executed.
 */
export async function planDeployment(input: DeployInput, context: DeployContext): Promise<PreparedPlan> {
  const components = input.components;
  const planStarted = context.timing.clock.now();
  const activity = (component: string) => (a: StackActivity) =>
    context.emit({ type: 'activity', component, activity: a });

  // 1. Where every stack stands, in parallel; stacks in progress are waited for.
  const snapshots = new Map<string, StackSnapshot | undefined>();
  await forEachLimited(components, context.concurrency, context.signal, async (component) => {
    const described = await describeStack(context.cfn, component.stackName, context.timing);
    snapshots.set(
      component.name,
      described && classifyStack(described).state === 'busy'
        ? await waitUntilSettled(
            context.cfn,
            component.stackName,
            context.timing,
            activity(component.name),
            described,
          )
        : described,
    );
  });
  if (context.signal?.aborted) throw new InterruptedError('Interrupted while planning: nothing was changed.');

  const outputs: Record<string, Record<string, string> | undefined> = {};
  for (const component of components) {
    const condition = classifyStack(snapshots.get(component.name));
    outputs[component.name] = condition.state === 'ready' ? condition.stack.outputs : undefined;
  }

  // Pre-flight: names the new (or recreated) stacks would take must be free, before any change set.
  if (context.checkNewStacks) {
    const fresh = components.filter((c) => {
      const state = classifyStack(snapshots.get(c.name)).state;
      return state === 'missing' || state === 'recreate';
    });
    if (fresh.length > 0) await context.checkNewStacks(fresh);
  }

  // 2. Parameters from what is known now, and the plan of each stack.
  const stacks: StackPlan[] = [];
  const prepared = new Map<
    string,
    { changeSet?: ChangeSetPlan; snapshot?: StackSnapshot; request: ParameterValue[] }
  >();
  for (const component of components) {
    const template = templateOf(input, component);
    const snapshot = snapshots.get(component.name);
    const condition = classifyStack(snapshot);
    const previous = condition.state === 'ready' ? condition.stack.parameters : undefined;
    const image = await chooseImage(component, previous, input, outputs, context);
    const resolved = resolveStackParameters(component, template, input, outputs, previous, image);
    const adds = templateResources(template).map((r): ResourceChange => ({
      action: 'add',
      logicalId: r.logicalId,
      resourceType: r.type,
    }));
    const base = {
      component: component.name,
      stackName: component.stackName,
      dependsOn: executionDependencies(component, template, input),
      ...(snapshot ? { stackStatus: snapshot.status } : {}),
      parameters: resolved.parameters,
      parameterChanges: previous ? parameterChanges(resolved.request, previous, template) : [],
      waitsFor: resolved.waitsFor,
      replannedAfter: [],
      ...(image ? { image } : {}),
    };
    prepared.set(component.name, { request: resolved.request, ...(snapshot ? { snapshot } : {}) });
    switch (condition.state) {
      case 'missing':
        stacks.push({ ...base, action: 'create', changes: adds, exact: false });
        break;
      case 'recreate':
        stacks.push({
          ...base,
          action: 'recreate',
          changes: adds,
          exact: false,
          why: `${component.stackName} is ${condition.stack.status}: ${condition.why}; it will be deleted and created again`,
        });
        break;
      case 'blocked':
        stacks.push({
          ...base,
          action: 'blocked',
          changes: [],
          exact: false,
          why: `${component.stackName} is ${condition.stack.status}: ${condition.why}`,
          suggestion: condition.suggestion,
        });
        break;
      case 'ready':
      case 'busy':
        stacks.push({ ...base, action: 'update', changes: [], exact: false });
        break;
    }
  }

  // 3. Change sets for existing stacks whose inputs are all known, in parallel.
  const made: ChangeSetPlan[] = [];
  try {
    await forEachLimited(
      stacks.filter((s) => s.action === 'update' && s.waitsFor.length === 0),
      context.concurrency,
      context.signal,
      async (stack) => {
        const component = input.components.find((c) => c.name === stack.component) as ComponentSpec;
        const entry = prepared.get(stack.component)!;
        if (!context.force && (await isUpToDate(component, templateOf(input, component), entry, context))) {
          stack.exact = true;
          stack.action = 'none';
          activity(component.name)({ kind: 'planned', changes: [], empty: true });
          return;
        }
        const changeSet = await makeChangeSet(
          component,
          templateOf(input, component),
          entry.request,
          'UPDATE',
          outputs,
          context,
        );
        stack.exact = true;
        stack.changes = changeSet.changes;
        if (changeSet.empty) {
          stack.action = 'none';
        } else {
          made.push(changeSet);
          entry.changeSet = changeSet;
        }
      },
    );
    if (context.signal?.aborted)
      throw new InterruptedError('Interrupted while planning: nothing was changed.');
  } catch (error) {
    await Promise.allSettled(made.map((c) => discardChangeSet(context.cfn, c, context.timing)));
    throw error;
  }

  // 4. Which unchanged stacks may still change once an upstream stack has.
  const changing = new Set(stacks.filter((s) => s.action !== 'none').map((s) => s.component));
  for (const stack of stacks) {
    stack.replannedAfter = upstreamOf(stack.component, stacks).filter((c) => changing.has(c));
  }
  return {
    env: context.env,
    durationMs: context.timing.clock.now() - planStarted,
    stacks,
    hasChanges: stacks.some((s) => s.action !== 'none' && s.action !== 'blocked'),
    hasBlocked: stacks.some((s) => s.action === 'blocked'),
    prepared,
  };
}

/** Deletes the change sets of a plan that will not be executed (dry run, declined, interrupted). */
export async function discardPlan(
  plan: PreparedPlan,
  context: Pick<DeployContext, 'cfn' | 'timing'>,
): Promise<void> {
  await Promise.allSettled(
    [...plan.prepared.values()]
      .filter((entry) => entry.changeSet)
      .map((entry) => discardChangeSet(context.cfn, entry.changeSet as ChangeSetPlan, context.timing)),
  );
}

/**
 * Executes a confirmed plan: walks the graph, at most `concurrency` stacks at a time, each as soon
 * as the stacks it depends on have succeeded. A failed stack's dependents are skipped and the rest
 * carries on. Aborting the signal starts nothing new and lets running stacks finish.
 */
export async function executeDeployment(
  plan: PreparedPlan,
  input: DeployInput,
  context: DeployContext & { approvedAll: boolean },
): Promise<DeployResult> {
  const started = context.timing.clock.now();
  const outputs: Record<string, Record<string, string> | undefined> = {};
  const results = new Map<string, StackResult>();
  const byName = new Map(plan.stacks.map((s) => [s.component, s]));
  const finish = (result: StackResult) => {
    results.set(result.component, result);
    context.emit({ type: 'finished', component: result.component, result });
  };
  const nodes = subgraph(
    plan.stacks.map((s) => ({ name: s.component, dependsOn: s.dependsOn })),
    plan.stacks.map((s) => s.component),
  );
  await walkGraph(
    nodes,
    async (name) => {
      const stack = byName.get(name)!;
      const component = input.components.find((c) => c.name === name) as ComponentSpec;
      context.emit({ type: 'started', component: name });
      const result = await runStack(stack, component, plan, input, outputs, context);
      if (result.status === 'created' || result.status === 'updated' || result.status === 'unchanged') {
        outputs[name] = result.outputs;
      }
      finish(result);
      if (!outputs[name]) throw new OperationError('STACK_NOT_DEPLOYED', `${name} ${result.status}`);
    },
    {
      concurrency: context.concurrency,
      ...(context.signal ? { signal: context.signal } : {}),
      onSkip: ({ name, reason, blockedBy }) => {
        const stack = byName.get(name)!;
        const why =
          reason === 'aborted'
            ? 'interrupted before it started'
            : blockedBy.map((b) => `${b} ${describeBlocker(results.get(b))}`).join(', ');
        finish({
          component: name,
          stackName: stack.stackName,
          status: 'skipped',
          ...(stack.stackStatus ? { stackStatus: stack.stackStatus } : {}),
          changes: [],
          outputs: {},
          durationMs: 0,
          reason: why,
        });
      },
    },
  );
  const stacks = plan.stacks.map((s) => results.get(s.component) as StackResult);
  return {
    env: plan.env,
    ok: stacks.every((s) => s.status === 'created' || s.status === 'updated' || s.status === 'unchanged'),
    interrupted: Boolean(context.signal?.aborted),
    durationMs: context.timing.clock.now() - started,
    planDurationMs: plan.durationMs,
    stacks,
  };
}

function describeBlocker(result: StackResult | undefined): string {
  switch (result?.status) {
    case 'held':
      return 'is held';
    case 'skipped':
      return 'was skipped';
    default:
      return 'failed';
  }
}

async function runStack(
  stack: StackPlan,
  component: ComponentSpec,
  plan: PreparedPlan,
  input: DeployInput,
  outputs: Record<string, Record<string, string> | undefined>,
  context: DeployContext & { approvedAll: boolean },
): Promise<StackResult> {
  const started = context.timing.clock.now();
  const sink = (activity: StackActivity) =>
    context.emit({ type: 'activity', component: stack.component, activity });
  const entry = plan.prepared.get(stack.component)!;
  const result = (fields: Partial<StackResult> & Pick<StackResult, 'status'>): StackResult => ({
    component: stack.component,
    stackName: stack.stackName,
    changes: [],
    outputs: {},
    durationMs: context.timing.clock.now() - started,
    ...(stack.image ? { image: stack.image } : {}),
    ...fields,
  });
  try {
    if (stack.action === 'blocked') {
      return result({
        status: 'failed',
        stackStatus: stack.stackStatus,
        reason: stack.why,
        suggestion: stack.suggestion,
      });
    }
    let snapshot = entry.snapshot;
    if (stack.action === 'recreate' && snapshot) {
      sink({ kind: 'deleting', status: snapshot.status });
      const deleted = await deleteStack(context.cfn, snapshot, context.timing, sink);
      if (!deleted.ok) {
        return result({
          status: 'failed',
          stackStatus: deleted.status,
          ...(deleted.failure ? { failure: deleted.failure } : {}),
          reason: `could not delete ${stack.stackName} to create it again`,
          suggestion: `aws cloudformation delete-stack --stack-name ${stack.stackName} --retain-resources ${deleted.failure?.logicalId ?? 'LogicalId'}`,
        });
      }
      snapshot = undefined;
    }
    const exists = snapshot !== undefined;
    const template = templateOf(input, component);
    const resolved = resolveStackParameters(
      component,
      template,
      input,
      outputs,
      exists ? snapshot?.parameters : undefined,
      stack.image,
    );
    if (resolved.waitsFor.length > 0) {
      return result({
        status: 'failed',
        reason: `the outputs of ${resolved.waitsFor.join(', ')} are not available`,
        suggestion: `ecspoc status --env ${plan.env}`,
      });
    }
    if (stack.image && !exists)
      sink({ kind: 'note', message: `image ${stack.image.uri} (${stack.image.detail})` });

    const sameInputs = sameRequest(entry.request, resolved.request);
    let changeSet: ChangeSetPlan;
    // Late: made after the confirmation, from inputs the operator did not see.
    let late = false;
    if (entry.changeSet && sameInputs) {
      changeSet = entry.changeSet;
    } else if (stack.action === 'none' && sameInputs) {
      return result({ status: 'unchanged', stackStatus: snapshot?.status, outputs: snapshot?.outputs ?? {} });
    } else {
      if (entry.changeSet) {
        const changed = changedKeys(entry.request, resolved.request);
        sink({ kind: 'note', message: `inputs changed upstream (${changed.join(', ')}): planning again` });
        await discardChangeSet(context.cfn, entry.changeSet, context.timing);
      }
      late = exists;
      changeSet = await makeChangeSet(
        component,
        template,
        resolved.request,
        exists ? 'UPDATE' : 'CREATE',
        outputs,
        context,
        sink,
      );
    }
    if (changeSet.empty) {
      return result({ status: 'unchanged', stackStatus: snapshot?.status, outputs: snapshot?.outputs ?? {} });
    }
    if (late && !context.approvedAll && changeSet.changes.some(isDestructive)) {
      await discardChangeSet(context.cfn, changeSet, context.timing);
      return result({
        status: 'held',
        stackStatus: snapshot?.status,
        changes: changeSet.changes,
        outputs: snapshot?.outputs ?? {},
        reason:
          'with the new upstream outputs it would remove or replace resources the confirmed plan did not show',
        suggestion: `review and apply it: ecspoc deploy ${stack.component} --env ${plan.env}`,
      });
    }
    const outcome = await executeChangeSet(context.cfn, changeSet, context.timing, sink);
    if (!outcome.ok) {
      return result({
        status: 'failed',
        stackStatus: outcome.status,
        changes: changeSet.changes,
        ...(outcome.failure ? { failure: outcome.failure } : {}),
        reason: outcome.failure
          ? `${outcome.failure.logicalId} (${outcome.failure.resourceType}) ${outcome.failure.status}: ${outcome.failure.reason}`
          : (outcome.statusReason ?? outcome.status),
        suggestion: failureSuggestion(outcome.status, stack, plan.env),
      });
    }
    return result({
      status: changeSet.type === 'CREATE' ? 'created' : 'updated',
      stackStatus: outcome.status,
      changes: changeSet.changes,
      outputs: outcome.outputs,
    });
  } catch (error) {
    if (!(error instanceof EcspocError)) throw error;
    return result({
      status: 'failed',
      reason: error.message,
      ...(error.suggestions[0] ? { suggestion: error.suggestions[0] } : {}),
    });
  }
}

function failureSuggestion(status: string, stack: StackPlan, env: string): string {
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    return `aws cloudformation continue-update-rollback --stack-name ${stack.stackName}, then deploy again`;
  }
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED' || status === 'CREATE_FAILED') {
    return `fix the cause, then: ecspoc deploy ${stack.component} --env ${env} (the stack is deleted and created again)`;
  }
  return `fix the cause, then: ecspoc deploy ${stack.component} --env ${env}`;
}

/** A stack's parameters: shown (with origins), passed to CloudFormation, and the upstreams awaited. */
interface StackParameters {
  parameters: PlannedParameter[];
  request: ParameterValue[];
  waitsFor: string[];
}

function resolveStackParameters(
  component: ComponentSpec,
  template: StackTemplate,
  input: DeployInput,
  outputs: Record<string, Record<string, string> | undefined>,
  previous: Record<string, string> | undefined,
  image: ImageChoice | undefined,
): StackParameters {
  const declared = new Set(template.parameters.map((p) => p.key));
  const overridden = new Set([
    ...Object.keys(input.overrides.global ?? {}).filter((key) => declared.has(key)),
    ...Object.keys(input.overrides.components?.[component.name] ?? {}),
  ]);
  // Outputs not known yet stand in as `<component.Output>` so the rest can be shown.
  const waiting = new Map<string, string>();
  const known: Record<string, Record<string, string> | undefined> = { ...outputs };
  for (const [key, ref] of Object.entries(component.wiring)) {
    if (overridden.has(key) || outputs[ref.component] !== undefined) continue;
    waiting.set(key, ref.component);
    known[ref.component] = { ...known[ref.component], [ref.output]: `<${ref.component}.${ref.output}>` };
  }
  // A parameter only the operator can give (the bastion's SshCidr) keeps the stack's value once given.
  const kept = Object.fromEntries(
    operatorOwed(component, template, input)
      .filter((key) => previous?.[key] !== undefined)
      .map((key) => [key, previous![key]]),
  );
  const discovered = {
    ...kept,
    ...(image?.source === 'pushed' && component.image ? { [component.image.parameter]: image.uri } : {}),
  };
  const { values, sources } = resolveParameters(component, template, {
    outputs: known as StackOutputs,
    config: input.config,
    overrides: input.overrides,
    discovered,
    command: input.command,
  });

  const parameters: PlannedParameter[] = [];
  const request: ParameterValue[] = [];
  for (const parameter of template.parameters) {
    const key = parameter.key;
    const source = sources[key];
    const ref = component.wiring[key];
    if (waiting.has(key)) {
      parameters.push({ key, value: values[key], origin: 'pending', from: `${ref.component}.${ref.output}` });
      continue;
    }
    // An SSM parameter is resolved again on every deploy (the latest AMI): never pinned.
    const fallback =
      (source === undefined || source === 'default' || (source === 'discovered' && key in kept)) &&
      !parameter.type.startsWith('AWS::SSM::');
    const stays = previous?.[key];
    if (fallback && stays !== undefined && (key in kept || stays !== (values[key] ?? parameter.default))) {
      parameters.push({ key, value: parameter.noEcho ? '****' : stays, origin: 'previous' });
      request.push({ key, usePrevious: true });
      continue;
    }
    if (source === undefined) {
      parameters.push({
        key,
        value: parameter.noEcho ? '****' : (parameter.default ?? ''),
        origin: 'template',
      });
      continue;
    }
    const origin: ParameterOrigin = source === 'discovered' ? 'image' : source;
    parameters.push({
      key,
      value: parameter.noEcho ? '****' : values[key],
      origin,
      ...(source === 'upstream' && ref ? { from: `${ref.component}.${ref.output}` } : {}),
    });
    request.push({ key, value: values[key] });
  }
  return { parameters, request, waitsFor: [...new Set(waiting.values())] };
}

/**
 * True when a stack is exactly as this deploy would leave it: a successful status, the same
 * template, parameters and tags, and every SSM parameter type still resolving to the value it had
 * at the last deploy (a new AMI is a change only a change set shows). Costs one read per stack,
 * plus one SSM read shared by all stacks. Dynamic references (`{{resolve:…}}`) always get a
 * change set: only CloudFormation can evaluate them.
 */
async function isUpToDate(
  component: ComponentSpec,
  template: StackTemplate,
  entry: { snapshot?: StackSnapshot; request: ParameterValue[] },
  context: DeployContext,
): Promise<boolean> {
  const stack = entry.snapshot;
  if (!stack || !['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE'].includes(stack.status))
    return false;
  if (template.body.includes('{{resolve:')) return false;
  const passed = new Map(entry.request.map((p) => [p.key, p]));
  const ssm: Array<{ name: string; resolved: string | undefined }> = [];
  for (const parameter of template.parameters) {
    const given = passed.get(parameter.key);
    const current = stack.parameters[parameter.key];
    if (given && 'usePrevious' in given) continue;
    if (parameter.noEcho) return false;
    const value = given ? given.value : parameter.default;
    if (value !== current) return false;
    if (parameter.type.startsWith('AWS::SSM::')) {
      if (!context.resolveSsmParameters || value === undefined) return false;
      ssm.push({ name: value, resolved: stack.resolved?.[parameter.key] });
    }
  }
  if (Object.keys(stack.parameters).some((key) => !template.parameters.some((p) => p.key === key)))
    return false;
  const tags = deployTags(context.env, component.name);
  if (Object.entries(tags).some(([key, value]) => stack.tags?.[key] !== value)) return false;
  if (ssm.length > 0) {
    if (ssm.some((p) => p.resolved === undefined)) return false;
    const now = await context.resolveSsmParameters!(ssm.map((p) => p.name));
    if (ssm.some((p) => now[p.name] !== p.resolved)) return false;
  }
  const deployed = await deployedTemplate(context.cfn, stack.stackId, context.timing);
  if (deployed === undefined) return false;
  if (deployed.trim() === template.body.trim()) return true;
  try {
    const parsed = await parseTemplate(template.file, template.path, deployed);
    return JSON.stringify(parsed.document) === JSON.stringify(template.document);
  } catch {
    return false;
  }
}

/** The tags every stack of the bundle carries. */
function deployTags(env: string, component: string): Record<string, string> {
  return { 'ecspoc:env': env, 'ecspoc:component': component };
}

function parameterChanges(
  request: ParameterValue[],
  previous: Record<string, string>,
  template: StackTemplate,
): ParameterChange[] {
  const changes: ParameterChange[] = [];
  for (const parameter of request) {
    if ('usePrevious' in parameter || previous[parameter.key] === parameter.value) continue;
    const secret = template.parameters.find((p) => p.key === parameter.key)?.noEcho;
    const before = previous[parameter.key];
    changes.push({
      key: parameter.key,
      ...(before !== undefined ? { before: secret ? '****' : before } : {}),
      after: secret ? '****' : parameter.value,
    });
  }
  return changes;
}

/**
 * Parameters of a component that have no value unless the operator gives one: no template or
 * catalog default, not wired, not derived, and not in the config file or on the command line.
 */
export function operatorOwed(
  component: ComponentSpec,
  template: StackTemplate,
  input: DeployInput,
): string[] {
  const given = (layer: DeployInput['config'], key: string) =>
    layer.global?.[key] !== undefined || layer.components?.[component.name]?.[key] !== undefined;
  return template.parameters
    .filter(
      (p) =>
        p.default === undefined &&
        component.defaults[p.key] === undefined &&
        component.wiring[p.key] === undefined &&
        component.identity[p.key] === undefined &&
        !given(input.config, p.key) &&
        !given(input.overrides, p.key),
    )
    .map((p) => p.key);
}

function sameRequest(a: ParameterValue[], b: ParameterValue[]): boolean {
  return requestText(a) === requestText(b);
}

function requestText(list: ParameterValue[]): string {
  return JSON.stringify(
    [...list]
      .sort((x, y) => x.key.localeCompare(y.key))
      .map((p) => ('usePrevious' in p ? [p.key] : [p.key, p.value])),
  );
}

function changedKeys(before: ParameterValue[], after: ParameterValue[]): string[] {
  const text = (p: ParameterValue | undefined) =>
    p === undefined ? '' : 'usePrevious' in p ? '\u0000' : p.value;
  const keys = new Set([...before, ...after].map((p) => p.key));
  return [...keys].filter(
    (key) => text(before.find((p) => p.key === key)) !== text(after.find((p) => p.key === key)),
  );
}

async function makeChangeSet(
  component: ComponentSpec,
  template: StackTemplate,
  parameters: ParameterValue[],
  type: 'CREATE' | 'UPDATE',
  outputs: Record<string, Record<string, string> | undefined>,
  context: DeployContext,
  sink: (activity: StackActivity) => void = (a) =>
    context.emit({ type: 'activity', component: component.name, activity: a }),
): Promise<ChangeSetPlan> {
  let source: { body: string } | { url: string } = { body: template.body };
  if (template.sizeBytes > MAX_INLINE_TEMPLATE_BYTES) {
    const bucket = outputs[TEMPLATE_BUCKET.component]?.[TEMPLATE_BUCKET.output];
    if (!bucket || !context.uploadTemplate) {
      throw new OperationError(
        'TEMPLATE_TOO_LARGE',
        `The template of ${component.stackName} has ${template.sizeBytes} bytes, over CloudFormation's ${MAX_INLINE_TEMPLATE_BYTES} inline limit, and the bootstrap bucket is not deployed.`,
        { suggestions: [`ecspoc deploy bootstrap --env ${context.env}`] },
      );
    }
    sink({ kind: 'note', message: `template of ${template.sizeBytes} bytes: uploading to s3://${bucket}` });
    source = { url: await context.uploadTemplate(bucket, component.stackName, template.body) };
  }
  return createChangeSet(
    context.cfn,
    {
      stackName: component.stackName,
      changeSetName: `${context.changeSetName}-${component.name}`
        .replace(/[^a-zA-Z0-9-]/g, '-')
        .slice(0, 128),
      type,
      template: source,
      parameters,
      capabilities: component.capabilities,
      tags: deployTags(context.env, component.name),
      description: `ecspoc deploy of ${component.name}`,
    },
    context.timing,
    sink,
  );
}

/**
 * The image of a service: an override if the operator gave one, the image the stack runs now when
 * it exists (the pipeline owns it from then on), else the image its pipeline pushed last, else the
 * placeholder. Undefined for stacks without an image parameter.
 */
async function chooseImage(
  component: ComponentSpec,
  previous: Record<string, string> | undefined,
  input: DeployInput,
  outputs: Record<string, Record<string, string> | undefined>,
  context: DeployContext,
): Promise<ImageChoice | undefined> {
  const spec = component.image;
  if (!spec) return undefined;
  const override =
    input.overrides.components?.[component.name]?.[spec.parameter] ??
    input.overrides.global?.[spec.parameter] ??
    input.config.components?.[component.name]?.[spec.parameter] ??
    input.config.global?.[spec.parameter];
  if (override !== undefined) return { uri: override, source: 'override', detail: 'given by the operator' };
  const current = previous?.[spec.parameter];
  if (current !== undefined)
    return { uri: current, source: 'previous', detail: 'the image the service runs now' };
  const repository = outputs[spec.repository.component]?.[spec.repository.output];
  if (repository === undefined) {
    return {
      uri: spec.placeholder,
      source: 'placeholder',
      detail: 'placeholder: the repository is created by this deploy',
    };
  }
  const latest = context.latestImage ? await context.latestImage(repository) : undefined;
  if (latest) {
    return {
      uri: latest.uri,
      source: 'pushed',
      detail: `pushed last to ${repository}${latest.pushedAt ? ` at ${latest.pushedAt}` : ''}`,
    };
  }
  return {
    uri: spec.placeholder,
    source: 'placeholder',
    detail: `placeholder: nothing pushed to ${repository} yet`,
  };
}

/** The stacks a component waits for in the walk: its catalog dependencies, plus bootstrap for a large template. */
function executionDependencies(
  component: ComponentSpec,
  template: StackTemplate,
  input: DeployInput,
): string[] {
  const selected = new Set(input.components.map((c) => c.name));
  const deps = component.dependsOn.filter((d) => selected.has(d));
  if (
    template.sizeBytes > MAX_INLINE_TEMPLATE_BYTES &&
    component.name !== TEMPLATE_BUCKET.component &&
    selected.has(TEMPLATE_BUCKET.component)
  ) {
    deps.push(TEMPLATE_BUCKET.component);
  }
  return [...new Set(deps)];
}

/**
 * The components to deploy for a selection: the catalog's closure, plus bootstrap when a selected
 * template is too large to pass inline (it travels through the bootstrap bucket).
 */
export function withTemplateBucket(
  catalog: Catalog,
  selected: ComponentSpec[],
  templates: ReadonlyMap<string, StackTemplate>,
): ComponentSpec[] {
  const large = selected.some((c) => (templates.get(c.template)?.sizeBytes ?? 0) > MAX_INLINE_TEMPLATE_BYTES);
  if (!large || selected.some((c) => c.name === TEMPLATE_BUCKET.component)) return selected;
  const bootstrap = catalog.components.find((c) => c.name === TEMPLATE_BUCKET.component);
  return bootstrap ? [bootstrap, ...selected] : selected;
}

function templateOf(input: DeployInput, component: ComponentSpec): StackTemplate {
  const template = input.templates.get(component.template);
  if (!template) {
    throw new OperationError('TEMPLATE_MISSING', `No template ${component.template} for ${component.name}.`);
  }
  return template;
}

/** Every component upstream of `component` (transitively), among the planned stacks. */
function upstreamOf(component: string, stacks: StackPlan[]): string[] {
  const byName = new Map(stacks.map((s) => [s.component, s]));
  const seen = new Set<string>();
  const visit = (name: string) => {
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!seen.has(dep)) {
        seen.add(dep);
        visit(dep);
      }
    }
  };
  visit(component);
  return [...seen];
}

/** Runs `work` over `items`, at most `limit` at a time; stops taking new items once `signal` aborts. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length && !signal?.aborted && errors.length === 0) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
}
