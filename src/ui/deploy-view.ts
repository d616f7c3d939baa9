/**
 * How deploy, diff and destroy look: the plan, live progress per stack, and the results. Pure text
 * functions plus a small adapter from the engine's events to the progress display.
 */
import type {
  DeployEvent,
  DeployPlan,
  DeployResult,
  PlannedParameter,
  StackPlan,
  StackResult,
} from '../lib/stacks/deploy.js';
import { describeActivity, type ResourceChange, summariseChanges } from '../lib/stacks/events.js';
import type { OfflinePlan } from '../lib/stacks/selection.js';
import type { Progress } from './progress.js';
import { paint } from './style.js';

type Stream = NodeJS.WriteStream;

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const SYMBOL: Record<StackPlan['action'], string> = {
  create: '+',
  update: '~',
  none: '=',
  recreate: '±',
  blocked: '!',
};

/** Options of renderPlan. */
export interface PlanView {
  /** List every resource of a stack to create (diff), or only their number (deploy's confirmation). */
  listNewResources: boolean;
  /** Show the parameters of stacks that change. */
  parameters: boolean;
}

/** The plan as text: the order, then one block per stack with its changes. */
export function renderPlan(plan: DeployPlan, view: PlanView, stream: Stream): string {
  const lines: string[] = [];
  const counts = countActions(plan.stacks);
  lines.push(
    `Plan for environment "${plan.env}": ${plural(plan.stacks.length, 'stack')}` +
      (counts ? ` (${counts})` : '') +
      (plan.hasChanges ? '' : ', nothing to change'),
  );
  // Nothing to do: the headline says it all.
  if (!plan.hasChanges && !plan.hasBlocked) return lines.join('\n') + '\n';
  for (const stack of plan.stacks) {
    const colour =
      stack.action === 'none'
        ? 'dim'
        : stack.action === 'blocked'
          ? 'red'
          : stack.action === 'recreate'
            ? 'yellow'
            : 'green';
    const head = `${SYMBOL[stack.action]} ${stack.stackName}`;
    lines.push(paint(colour, `  ${head.padEnd(40)} ${headline(stack)}`, stream));
    if (stack.why) lines.push(`      ${stack.why}`);
    if (stack.suggestion) lines.push(`      Try: ${stack.suggestion}`);
    if (stack.image && stack.action !== 'none' && stack.image.source !== 'previous') {
      lines.push(`      image ${stack.image.uri} (${stack.image.detail})`);
    }
    for (const change of stack.parameterChanges) {
      lines.push(`      parameter ${change.key}: ${change.before ?? '(none)'} → ${change.after}`);
    }
    const showChanges = stack.exact || view.listNewResources;
    if (showChanges && stack.action !== 'none' && stack.action !== 'blocked') {
      for (const change of stack.changes) lines.push(`      ${renderChange(change, stream)}`);
    }
    if (view.parameters && stack.action !== 'none') {
      for (const parameter of stack.parameters.filter((p) => p.origin !== 'template')) {
        lines.push(`      ${renderParameter(parameter)}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

function headline(stack: StackPlan): string {
  const after = stack.waitsFor.length > 0 ? `, after ${stack.waitsFor.join(', ')}` : '';
  switch (stack.action) {
    case 'create':
      return `create: ${plural(stack.changes.length, 'resource')}${after}`;
    case 'recreate':
      return `delete and create again: ${plural(stack.changes.length, 'resource')}${after}`;
    case 'blocked':
      return `blocked (${stack.stackStatus})`;
    case 'none':
      return stack.replannedAfter.length > 0
        ? `no changes (planned again if ${stack.replannedAfter.join(', ')} change their outputs)`
        : 'no changes';
    case 'update':
      return stack.exact
        ? `update: ${stack.changes.length === 0 && stack.parameterChanges.length > 0 ? `${stack.parameterChanges.length} parameter(s) change, no resource changes reported` : summariseChanges(stack.changes)}`
        : `update: planned after ${stack.waitsFor.join(', ')} (its inputs come from their outputs)`;
  }
}

/** One resource change: `~ LaunchTemplate  AWS::EC2::LaunchTemplate  modify, replacement: True  [ImageId]`. */
export function renderChange(change: ResourceChange, stream: Stream): string {
  const symbol = { add: '+', modify: '~', remove: '-', import: '>', dynamic: '?' }[change.action];
  const replacement =
    change.action === 'modify' && change.replacement
      ? `, replacement: ${change.replacement === 'True' ? 'yes' : change.replacement === 'False' ? 'no' : 'conditional'}`
      : '';
  const properties = change.properties?.length ? `  [${change.properties.join(', ')}]` : '';
  const text = `${symbol} ${change.logicalId.padEnd(36)} ${change.resourceType.padEnd(40)} ${change.action}${replacement}${properties}`;
  const destructive = change.action === 'remove' || change.replacement === 'True';
  const maybe = change.replacement === 'Conditional';
  return destructive ? paint('red', text, stream) : maybe ? paint('yellow', text, stream) : text;
}

function renderParameter(parameter: PlannedParameter): string {
  const origin = parameter.from ? `${parameter.origin} ${parameter.from}` : parameter.origin;
  return `${parameter.key} = ${parameter.value}  (${origin})`;
}

function countActions(stacks: StackPlan[]): string {
  const order: StackPlan['action'][] = ['create', 'update', 'recreate', 'blocked', 'none'];
  const words: Record<StackPlan['action'], string> = {
    create: 'to create',
    update: 'to update',
    recreate: 'to recreate',
    blocked: 'blocked',
    none: 'unchanged',
  };
  return order
    .map((action) => [action, stacks.filter((s) => s.action === action).length] as const)
    .filter(([, n]) => n > 0)
    .map(([action, n]) => `${n} ${words[action]}`)
    .join(', ');
}

/** The plan made without AWS: the order in layers, and each stack's parameters. */
export function renderOfflinePlan(plan: OfflinePlan): string {
  const lines = [`Offline plan for environment "${plan.env}": ${plan.stacks.length} stacks, in this order`];
  plan.layers.forEach((layer, i) => lines.push(`  ${i + 1}. ${layer.join(', ')}`));
  for (const stack of plan.stacks) {
    lines.push(
      '',
      `${stack.stackName}${stack.dependsOn.length ? `  (after ${stack.dependsOn.join(', ')})` : ''}`,
    );
    for (const parameter of stack.parameters) lines.push(`  ${renderParameter(parameter)}`);
  }
  return lines.join('\n') + '\n';
}

/** The results of a deploy: one line per stack, the first failure of each failed stack, a summary. */
export function renderResults(result: DeployResult, stream: Stream): string {
  const lines: string[] = [];
  for (const stack of result.stacks) {
    const seconds = `${(stack.durationMs / 1000).toFixed(1)}s`;
    const status = stack.status === 'failed' ? 'FAILED' : stack.status;
    const colour =
      stack.status === 'failed'
        ? 'red'
        : stack.status === 'skipped' || stack.status === 'held'
          ? 'yellow'
          : stack.status === 'unchanged'
            ? 'dim'
            : 'green';
    const what =
      stack.reason ??
      (stack.changes.length > 0
        ? summariseChanges(stack.changes, true)
        : stack.status === 'unchanged'
          ? 'no changes'
          : 'parameters or outputs only');
    lines.push(
      paint(
        colour,
        `${stack.stackName.padEnd(38)} ${status.padEnd(10)} ${seconds.padStart(7)}  ${what}`,
        stream,
      ),
    );
    if (stack.suggestion && (stack.status === 'failed' || stack.status === 'held'))
      lines.push(`${''.padEnd(38)} Try: ${stack.suggestion}`);
    if (stack.image && stack.status === 'created')
      lines.push(`${''.padEnd(38)} image ${stack.image.uri} (${stack.image.detail})`);
  }
  const count = (status: StackResult['status']) => result.stacks.filter((s) => s.status === status).length;
  const parts = (['created', 'updated', 'unchanged', 'failed', 'held', 'skipped'] as const)
    .filter((s) => count(s) > 0)
    .map((s) => `${count(s)} ${s}`);
  const executed = count('created') + count('updated');
  lines.push(
    '',
    `${result.ok ? 'Deployed' : 'Deploy of'} environment "${result.env}" ${result.ok ? 'in' : 'ended after'} ${((result.planDurationMs + result.durationMs) / 1000).toFixed(1)}s: ${parts.join(', ')}.` +
      (result.ok && executed === 0 ? ' No changes: no change set was executed.' : ''),
  );
  const dns = result.stacks.find((s) => s.outputs.LoadBalancerDnsName)?.outputs.LoadBalancerDnsName;
  if (dns && result.ok) lines.push(`Load balancer: http://${dns}/`);
  return lines.join('\n') + '\n';
}

/** Draws engine events on a progress display, and remembers which stacks are still running. */
export class DeployProgress {
  private readonly running = new Set<string>();

  constructor(private readonly progress: Progress) {}

  /** Feeds one engine event to the display. */
  readonly onEvent = (event: DeployEvent): void => {
    const task = this.progress.task(event.component);
    if (event.type === 'started') {
      this.running.add(event.component);
      return;
    }
    if (event.type === 'activity') {
      task.update(describeActivity(event.activity));
      return;
    }
    this.running.delete(event.component);
    const result = event.result;
    switch (result.status) {
      case 'created':
      case 'updated':
        task.succeed(
          `${result.status}${result.changes.length ? `: ${summariseChanges(result.changes, true)}` : ''}`,
        );
        break;
      case 'unchanged':
        task.succeed('no changes');
        break;
      case 'failed':
        task.fail(result.reason ?? 'failed');
        break;
      case 'held':
        task.skip(`held: ${result.reason}`);
        break;
      case 'skipped':
        task.skip(result.reason ?? 'skipped');
        break;
    }
  };

  /**
   * Ends the planning display: each stack's line says what the plan will do (or that planning
   * stopped), so a live display can finish drawing.
   */
  endPlanning(plan: DeployPlan | undefined, components: string[]): void {
    for (const component of components) {
      const stack = plan?.stacks.find((s) => s.component === component);
      const task = this.progress.task(component);
      if (!stack) task.skip('not planned');
      else if (stack.action === 'blocked') task.fail(`blocked (${stack.stackStatus})`);
      else task.succeed(headline(stack));
    }
  }

  /** Components started and not finished yet. */
  stillRunning(): string[] {
    return [...this.running];
  }

  /** A line under the display (warnings, Ctrl-C). */
  note(line: string): void {
    this.progress.note(line);
  }

  /** Waits for the display to finish drawing. */
  close(): Promise<void> {
    return this.progress.close();
  }
}
