/** The interactive side of `instances cycle`: questions, the plan shown before them, live progress. */
import type { CycleDeps, PreparedCycle } from '../lib/instances/cycle.js';
import { AbortedError } from '../lib/errors.js';
import type { InstanceEvent } from '../lib/instances/events.js';
import { cycleProgress, type InstanceProgress, noteSink, planView, renderPlan } from './instances.js';
import { canPrompt, confirm } from './prompt.js';

/** What the engine needs from the terminal, and a way to close the display whatever happened. */
export interface CycleSession extends Pick<CycleDeps, 'emit' | 'confirm' | 'agreeToRaiseMax'> {
  end(error?: unknown): Promise<void>;
}

/**
 * Notes go to stderr until the cycle is confirmed; then a progress display per batch and instance.
 * The plan is shown before the question. Raising the max size is asked only on a terminal without
 * `--yes` (otherwise `--raise-max` decides); Ctrl-C at a question is an interruption, not a "no".
 */
export function cycleSession(options: { json: boolean; yes: boolean }): CycleSession {
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
        : async (from: number, to: number) => {
            try {
              await confirm(`The surge needs max size ${to} (now ${from}). Raise it during the cycle?`, {
                yes: false,
                action: 'raise max size',
              });
              return true;
            } catch (error) {
              if (error instanceof AbortedError) return false;
              throw error;
            }
          },
    end: async (error?: unknown) => {
      await progress?.end(error);
    },
  };
}
