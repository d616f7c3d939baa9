/**
 * `instances cycle`: the plan shown before the question, the questions, live progress per batch,
 * Ctrl-C at a safe point, and the exit code (`--plan` exits 6 when the cycle would be refused).
 */
import type { AwsClients } from '../lib/aws/clients.js';
import { EXIT_CODES, UsageError } from '../lib/errors.js';
import type { CycleDeps, CycleOptions, CycleResult, PreparedCycle } from '../lib/instances/cycle.js';
import type { InstanceEvent } from '../lib/instances/events.js';
import {
  cycleProgress,
  type InstanceProgress,
  noteSink,
  planView,
  renderCycleSummary,
  renderPlan,
} from '../ui/instances.js';
import { agree, confirm } from '../ui/prompt.js';
import { canPrompt } from '../ui/terminal.js';
import { withInterrupt } from './interrupt.js';
import type { FlowOutcome } from './outcome.js';

/** What the operator asked of `instances cycle`: the engine's options, with the selection as typed. */
export interface CycleRequest extends Omit<CycleOptions, 'selection'> {
  aws: AwsClients;
  /** Instance ids named on the command line (none: every instance, or the outdated ones). */
  ids: string[];
  outdated: boolean;
  yes: boolean;
  json: boolean;
}

/** Plans, asks, cycles batch by batch and reports; a refused plan under --plan exits 6 (a CI gate). */
export async function runCycleFlow(request: CycleRequest): Promise<FlowOutcome<CycleResult>> {
  if (request.ids.length > 0 && request.outdated) {
    throw new UsageError('CONFLICTING_SELECTION', 'Name instances or pass --outdated, not both.', {
      suggestions: ['ecspoc instances cycle --outdated, or: ecspoc instances cycle i-0abc123 i-0def456'],
    });
  }
  const [{ instanceClients }, { cycleInstances }, { systemClock }, { apiCalls }] = await Promise.all([
    import('../lib/instances/clients.js'),
    import('../lib/instances/cycle.js'),
    import('../lib/time/clock.js'),
    import('../lib/aws/counter.js'),
  ]);
  const { aws, ids, outdated, yes, json, ...options } = request;
  const session = cycleSession({ json, yes });
  const result = await withInterrupt({}, async (signal) => {
    try {
      const cycled = await cycleInstances(
        instanceClients(aws),
        {
          ...options,
          selection: ids.length ? { kind: 'ids', ids } : { kind: outdated ? 'outdated' : 'all' },
        },
        {
          ...session,
          clock: systemClock,
          signal,
          apiCallCount: () => apiCalls.snapshot().total.operations,
        },
      );
      await session.end();
      return cycled;
    } catch (error) {
      await session.end(error);
      throw error;
    }
  });
  if (!request.json) {
    const view = { ...result, resumedRun: result.resumed ? result.runId : undefined };
    process.stdout.write(request.planOnly ? renderPlan(view) : renderCycleSummary(result));
  }
  // The plan is printed (or returned) either way; the exit code says whether the cycle would run.
  const refused = request.planOnly && result.plan.problems.length > 0;
  return { output: result, exitCode: refused ? EXIT_CODES.refused : EXIT_CODES.success };
}

/** What the engine needs from the terminal, and a way to close the display whatever happened. */
interface CycleSession extends Pick<CycleDeps, 'emit' | 'confirm' | 'agreeToRaiseMax'> {
  end(error?: unknown): Promise<void>;
}

/**
 * Notes go to stderr until the cycle is confirmed; then a progress display per batch and instance.
 * The plan is shown before the question. Raising the max size is asked only on a terminal without
 * `--yes` (otherwise `--raise-max` decides); Ctrl-C at a question is an interruption, not a "no".
 */
function cycleSession(options: { json: boolean; yes: boolean }): CycleSession {
  let progress: InstanceProgress | undefined;
  const notes = noteSink(options.json);
  return {
    emit: (event: InstanceEvent) => (progress ? progress.emit(event) : notes(event)),
    confirm: async (prepared: PreparedCycle, question: string) => {
      if (!options.json) process.stderr.write(renderPlan(planView(prepared), process.stderr));
      await confirm(question, { yes: options.yes, action: 'cycle instances' });
      progress = await cycleProgress(prepared.plan, options.json);
    },
    agreeToRaiseMax:
      options.yes || !canPrompt()
        ? undefined
        : (from: number, to: number) =>
            agree(`The surge needs max size ${to} (now ${from}). Raise it during the cycle?`, {
              yes: false,
              action: 'raise max size',
            }),
    end: async (error?: unknown) => {
      await progress?.end(error);
    },
  };
}
