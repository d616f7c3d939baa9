/**
 * The shell around the deploy engine, shared by `deploy`, `deploy --dry-run` and `diff`: live
 * progress, the plan on screen, the one confirmation, Ctrl-C, the results and the exit code.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { EnvironmentConfig } from '../lib/config/index.js';
import { EcspocError, EXIT_CODES, InterruptedError, OperationError } from '../lib/errors.js';
import type { DeployPlan, DeployResult, StackPlan } from '../lib/stacks/deploy.js';
import { confirm } from './prompt.js';
import { createProgress } from './progress.js';
import { DeployProgress, renderPlan, renderResults } from './deploy-view.js';

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
}

/** `--json` of a dry run: the plan, without the engine's internals. */
export interface PlanOutput {
  env: string;
  dryRun: true;
  durationMs: number;
  hasChanges: boolean;
  stacks: StackPlan[];
}

/** What the command returns and how the process should end. */
export interface FlowOutcome {
  output: PlanOutput | DeployResult;
  exitCode: number;
  /** For human output: the one-line error to end with. Under --json the output says it all. */
  error?: EcspocError;
}

/** Plans, shows, confirms and executes (or, for a dry run, only plans and cleans up). */
export async function runDeployFlow(request: DeployRequest): Promise<FlowOutcome> {
  const [{ loadDeployInput }, { createDeployContext }, engine] = await Promise.all([
    import('../lib/stacks/selection.js'),
    import('../lib/stacks/session.js'),
    import('../lib/stacks/deploy.js'),
  ]);
  const input = {
    ...(await loadDeployInput(request.env, request.environment, request.selection, request.parameters)),
    command: request.command ?? 'deploy',
  };
  const tasks = input.components.map((c) => ({ key: c.name, title: c.stackName }));
  const controller = new AbortController();
  let display = new DeployProgress(await createProgress(tasks, { json: request.json }));
  const context = createDeployContext(request.aws, {
    env: request.env,
    region: request.region,
    ...(request.concurrency ? { concurrency: request.concurrency } : {}),
    emit: (event) => display.onEvent(event),
    signal: controller.signal,
    ...(request.force ? { force: true } : {}),
  });

  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    const running = display.stillRunning();
    if (interrupts === 1) {
      controller.abort();
      display.note(
        `Ctrl-C: no new stack will start. ${running.length ? `Still running: ${running.join(', ')} (CloudFormation finishes them; ecspoc follows them to the end).` : ''} Press Ctrl-C again to stop following.`,
      );
      return;
    }
    process.stderr.write(
      `\nStopped following.${running.length ? ` Still running in CloudFormation: ${running.join(', ')}.` : ''}\n` +
        `Try: ecspoc status --env ${request.env}\n`,
    );
    process.exit(EXIT_CODES.interrupted);
  };
  process.on('SIGINT', onInterrupt);
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
    }

    if (request.dryRun) {
      await engine.discardPlan(plan, context);
      const output = planOutput(plan);
      if (plan.hasBlocked) {
        return { output, exitCode: EXIT_CODES.failure, error: blockedError(plan) };
      }
      return { output, exitCode: plan.hasChanges ? EXIT_CODES.changes : EXIT_CODES.success };
    }

    if (plan.hasChanges) {
      try {
        await confirm(confirmationQuestion(plan), {
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
    if (result.interrupted) {
      const skipped = result.stacks.filter((s) => s.status === 'skipped').map((s) => s.component);
      return {
        output: result,
        exitCode: EXIT_CODES.interrupted,
        error: new InterruptedError(
          `Interrupted: ${skipped.length} stack(s) not started (${skipped.join(', ')}).`,
          {
            suggestions: [`ecspoc deploy --env ${request.env} to finish the deploy`],
          },
        ),
      };
    }
    if (!result.ok) {
      const bad = result.stacks.filter((s) => s.status === 'failed' || s.status === 'held');
      const first = bad[0];
      return {
        output: result,
        exitCode: EXIT_CODES.failure,
        error: new OperationError(
          'DEPLOY_FAILED',
          `${bad.map((s) => `${s.component} ${s.status}`).join(', ')}${first?.reason ? `: ${first.reason}` : ''}`,
          { suggestions: first?.suggestion ? [first.suggestion] : [] },
        ),
      };
    }
    return { output: result, exitCode: EXIT_CODES.success };
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** Whether createProgress draws with listr2 (it ends only when every task has). */
function liveDisplay(json: boolean): boolean {
  return !json && Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb';
}

function confirmationQuestion(plan: DeployPlan): string {
  const changing = plan.stacks.filter((s) => s.action !== 'none' && s.action !== 'blocked');
  const recreate = changing.filter((s) => s.action === 'recreate').map((s) => s.component);
  return (
    `Deploy ${changing.length} stack(s) to environment "${plan.env}"?` +
    (recreate.length ? ` This deletes and recreates ${recreate.join(', ')}.` : '')
  );
}

function blockedError(plan: DeployPlan): OperationError {
  const blocked = plan.stacks.filter((s) => s.action === 'blocked');
  return new OperationError('STACK_BLOCKED', blocked.map((s) => s.why).join('; '), {
    suggestions: blocked.map((s) => s.suggestion ?? '').filter(Boolean),
  });
}

function planOutput(plan: DeployPlan): PlanOutput {
  return {
    env: plan.env,
    dryRun: true,
    durationMs: plan.durationMs,
    hasChanges: plan.hasChanges,
    stacks: plan.stacks.map((s) => ({ ...s })),
  };
}
