/**
 * The shell around the deploy engine, shared by `deploy`, `deploy --dry-run` and `diff`: live
 * progress, the plan on screen, the one confirmation, Ctrl-C, the results and the exit code.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { EnvironmentConfig, ServiceDeclaration } from '../lib/config/index.js';
import { EXIT_CODES, InterruptedError, OperationError } from '../lib/errors.js';
import type { DeployPlan, DeployResult, StackPlan } from '../lib/stacks/deploy.js';
import type { DestroyStackResult } from '../lib/stacks/destroy.js';
import type { UndeclaredStack } from '../lib/stacks/prune.js';
import { DeployProgress, renderPlan, renderResults } from '../ui/deploy-view.js';
import { confirm } from '../ui/prompt.js';
import { createProgress } from '../ui/progress.js';
import { isLiveTerminal } from '../ui/terminal.js';
import { onInterrupt } from './interrupt.js';
import { type FlowOutcome, failed, succeeded } from './outcome.js';
import { executePrune, survey, undeclaredNote } from './prune.js';

/** What the operator asked for. */
export interface DeployRequest {
  aws: AwsClients;
  env: string;
  region: string;
  environment: EnvironmentConfig;
  selection: string[];
  parameters: string[];
  concurrency?: number;
  dryRun: boolean;
  yes: boolean;
  /** Make change sets even for stacks whose template and parameters are as deployed. */
  force?: boolean;
  json: boolean;
  /** The command the operator ran, named again in hints (`diff` runs this flow as a dry run). */
  command?: 'deploy' | 'diff';
  /** Services declared in the config file for this environment; none: the samples. */
  services?: ServiceDeclaration[];
  /** Delete the stacks of services no longer declared (after one confirmation). */
  prune?: boolean;
  /** Empty a pruned service's ECR repository without asking. */
  emptyRepositories?: boolean;
}

/** `--json` of a dry run: the plan, without the engine's internals. */
export interface PlanOutput {
  env: string;
  dryRun: true;
  durationMs: number;
  hasChanges: boolean;
  stacks: StackPlan[];
  /** Stacks of services no longer declared (`--prune` deletes them). */
  undeclared: UndeclaredStack[];
}

/** `--json` of a deploy: the engine's result, the stacks no longer declared and what prune deleted. */
export type DeployOutput = DeployResult & { undeclared: UndeclaredStack[]; pruned?: DestroyStackResult[] };

/** What `deploy` and `diff` return: the plan of a dry run, the result of a deploy. */
export type DeployOutcome = FlowOutcome<PlanOutput | DeployOutput>;

/** Plans, shows, confirms and executes (or, for a dry run, only plans and cleans up). */
export async function runDeployFlow(request: DeployRequest): Promise<DeployOutcome> {
  const [{ loadDeployInput }, { createDeployContext }, engine] = await Promise.all([
    import('../lib/stacks/selection.js'),
    import('../lib/stacks/session.js'),
    import('../lib/stacks/deploy.js'),
  ]);
  const catalogOptions = request.services ? { declared: request.services } : {};
  const load = (pinned?: Record<string, number>) =>
    loadDeployInput(request.env, request.environment, request.selection, request.parameters, {
      ...catalogOptions,
      ...(pinned ? { pinnedPriorities: pinned } : {}),
    });
  // Checked offline first (usage mistakes before any AWS call), then again with the listener
  // priorities the deployed service stacks have, so a new service never renumbers one of them.
  let loaded = await load();
  const { deployedPriorities, planPrune } = await import('../lib/stacks/prune.js');
  const surveyed = await survey(request.aws, request.env);
  if (request.services)
    loaded = await load(deployedPriorities(request.env, surveyed.described, surveyed.listed));
  const input = { ...loaded, command: request.command ?? 'deploy' };
  const prunePlan = planPrune(input.catalog, surveyed.described, surveyed.listed);
  const pruning = Boolean(request.prune) && prunePlan.stacks.length > 0;
  const tasks = input.components.map((c) => ({ key: c.name, title: c.stackName }));
  let display = new DeployProgress(await createProgress(tasks, { json: request.json }));
  const stillRunning = () => {
    const running = display.stillRunning();
    return running.length ? running.join(', ') : undefined;
  };
  const interrupt = onInterrupt({
    first: () =>
      `Ctrl-C: no new stack will start. ${stillRunning() ? `Still running: ${stillRunning()} (CloudFormation finishes them; ecspoc follows them to the end).` : ''} Press Ctrl-C again to stop following.`,
    note: (line) => display.note(line),
    second: () =>
      `Stopped following.${stillRunning() ? ` Still running in CloudFormation: ${stillRunning()}.` : ''}\n` +
      `Try: ecspoc status --env ${request.env}`,
  });
  const context = createDeployContext(request.aws, {
    env: request.env,
    region: request.region,
    ...(request.concurrency ? { concurrency: request.concurrency } : {}),
    emit: (event) => display.onEvent(event),
    signal: interrupt.signal,
    ...(request.force ? { force: true } : {}),
  });

  try {
    let plan;
    try {
      plan = await engine.planDeployment(input, context);
    } finally {
      // A live display must see every line end; plain lines need no closing line (the plan follows).
      if (liveDisplay(request.json))
        display.endPlanning(
          plan,
          tasks.map((t) => t.key),
        );
      await display.close();
    }
    const out = request.dryRun ? process.stdout : process.stderr;
    if (!request.json) {
      out.write(renderPlan(plan, { listNewResources: request.dryRun, parameters: request.dryRun }, out));
      if (pruning)
        process.stderr.write(
          `To prune (no longer declared, dependents first): ${prunePlan.stacks.map((s) => s.stackName).join(', ')}\n`,
        );
      else process.stderr.write(undeclaredNote(prunePlan, request.command ?? 'deploy'));
    }

    if (request.dryRun) {
      await engine.discardPlan(plan, context);
      const output = planOutput(plan, prunePlan.stacks);
      if (plan.hasBlocked) {
        return failed(output, blockedError(plan));
      }
      return { output, exitCode: plan.hasChanges ? EXIT_CODES.changes : EXIT_CODES.success };
    }

    if (plan.hasChanges || pruning) {
      try {
        await confirm(confirmationQuestion(plan, pruning ? prunePlan.stacks.length : 0), {
          yes: request.yes,
          action: `deploy to environment "${request.env}"`,
        });
      } catch (error) {
        await engine.discardPlan(plan, context);
        throw error;
      }
    } else if (!plan.hasBlocked && !request.json) {
      process.stderr.write('No changes: nothing to execute.\n');
    }

    // A no-op needs no live display: the results say it all.
    display = new DeployProgress(await createProgress(tasks, { json: request.json || !plan.hasChanges }));
    let result: DeployResult;
    try {
      result = await engine.executeDeployment(plan, input, {
        ...context,
        emit: (e) => display.onEvent(e),
        approvedAll: request.yes,
      });
    } finally {
      await display.close();
    }
    if (!request.json) process.stdout.write(renderResults(result, process.stdout));
    const output: DeployOutput = { ...result, undeclared: prunePlan.stacks };
    if (pruning && result.ok && !result.interrupted) {
      const pruned = await executePrune(request.aws, prunePlan, {
        yes: request.yes,
        emptyRepositories: Boolean(request.emptyRepositories),
        json: request.json,
        ...(request.concurrency ? { concurrency: request.concurrency } : {}),
      });
      output.pruned = pruned.stacks;
      if (!pruned.ok) {
        const notPruned = pruned.stacks.filter((s) => s.status !== 'deleted');
        return failed(
          output,
          new OperationError(
            'PRUNE_FAILED',
            `Not pruned: ${notPruned.map((s) => `${s.component} ${s.status}${s.reason ? ` (${s.reason})` : ''}`).join(', ')}`,
            {
              suggestions: [
                notPruned.find((s) => s.suggestion)?.suggestion ??
                  `ecspoc deploy --env ${request.env} --prune`,
              ],
            },
          ),
        );
      }
      if (!request.json)
        process.stderr.write(`Pruned ${pruned.stacks.length} stack(s) no longer declared.\n`);
    }
    if (result.interrupted) {
      const skipped = result.stacks.filter((s) => s.status === 'skipped').map((s) => s.component);
      return failed(
        output,
        new InterruptedError(`Interrupted: ${skipped.length} stack(s) not started (${skipped.join(', ')}).`, {
          suggestions: [`ecspoc deploy --env ${request.env} to finish the deploy`],
        }),
      );
    }
    if (!result.ok) {
      const bad = result.stacks.filter((s) => s.status === 'failed' || s.status === 'held');
      const first = bad[0];
      return failed(
        output,
        new OperationError(
          'DEPLOY_FAILED',
          `${bad.map((s) => `${s.component} ${s.status}`).join(', ')}${first?.reason ? `: ${first.reason}` : ''}`,
          { suggestions: first?.suggestion ? [first.suggestion] : [] },
        ),
      );
    }
    return succeeded(output);
  } finally {
    interrupt.dispose();
  }
}

/** Whether createProgress draws with listr2 (it ends only when every task has). */
function liveDisplay(json: boolean): boolean {
  return !json && isLiveTerminal(process.stderr);
}

function confirmationQuestion(plan: DeployPlan, pruned: number): string {
  const changing = plan.stacks.filter((s) => s.action !== 'none' && s.action !== 'blocked');
  const recreate = changing.filter((s) => s.action === 'recreate').map((s) => s.component);
  const prune = pruned ? `delete ${pruned} stack(s) no longer declared` : '';
  if (changing.length === 0)
    return `${prune.charAt(0).toUpperCase()}${prune.slice(1)} of environment "${plan.env}"?`;
  return (
    `Deploy ${changing.length} stack(s) to environment "${plan.env}"${prune ? ` and ${prune}` : ''}?` +
    (recreate.length ? ` This deletes and recreates ${recreate.join(', ')}.` : '')
  );
}

function blockedError(plan: DeployPlan): OperationError {
  const blocked = plan.stacks.filter((s) => s.action === 'blocked');
  return new OperationError('STACK_BLOCKED', blocked.map((s) => s.why).join('; '), {
    suggestions: blocked.map((s) => s.suggestion ?? '').filter(Boolean),
  });
}

function planOutput(plan: DeployPlan, undeclared: UndeclaredStack[]): PlanOutput {
  return {
    undeclared,
    env: plan.env,
    dryRun: true,
    durationMs: plan.durationMs,
    hasChanges: plan.hasChanges,
    stacks: plan.stacks.map((s) => ({ ...s })),
  };
}
