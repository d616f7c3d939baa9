import { TimeoutError } from '../errors.js';
import type { Clock } from './clock.js';
import { formatDuration } from './duration.js';

/** One look at the thing being waited for. */
export interface PollResult<T> {
  done: boolean;
  value: T;
  /** What is still missing, for progress lines and the timeout message ("3 tasks left"). */
  detail?: string;
}

/** How long and how often to poll, and what may stop the wait early. */
export interface WaitOptions<T> {
  /** Names the wait in the timeout message: "i-0abc to drain". */
  what: string;
  /** The budget of this wait, counted from its first poll. */
  timeoutMs: number;
  /**
   * An absolute end (epoch ms) shared by several waits of one operation, so that a budget is spent
   * once across all of them and never starts again per step; the earlier of this and `timeoutMs` wins.
   */
  deadline?: number;
  intervalMs: number;
  clock: Clock;
  signal?: AbortSignal;
  /** Called after every poll that is not yet done. */
  onPoll?: (detail: string | undefined) => void;
  /** The error to throw at the deadline (default: "Timed out after … waiting for …"). */
  timeoutError?: (last: PollResult<T>) => TimeoutError;
}

/** The absolute end of a wait of `timeoutMs` that starts now; pass it as `deadline` to every step. */
export function deadlineAfter(clock: Clock, timeoutMs: number): number {
  return clock.now() + timeoutMs;
}

/**
 * Polls until `poll` says done, sleeping `intervalMs` between looks. Throws TimeoutError (exit 5)
 * once the single deadline of the whole wait has passed (one last look at the deadline itself), and
 * InterruptedError as soon as `signal` aborts; both leave whatever is being waited for as it is,
 * which is always a safe place to stop.
 */
export async function waitFor<T>(poll: () => Promise<PollResult<T>>, options: WaitOptions<T>): Promise<T> {
  const { clock, signal } = options;
  const deadline = Math.min(clock.now() + options.timeoutMs, options.deadline ?? Infinity);
  for (;;) {
    const started = clock.now();
    const result = await poll();
    if (result.done) return result.value;
    options.onPoll?.(result.detail);
    if (clock.now() >= deadline) {
      throw (
        options.timeoutError?.(result) ??
        new TimeoutError(
          `Timed out after ${formatDuration(options.timeoutMs)} waiting for ${options.what}` +
            (result.detail ? ` (${result.detail}).` : '.'),
        )
      );
    }
    // A steady cadence: the time a poll took counts towards the interval.
    const pause = Math.max(0, options.intervalMs - (clock.now() - started));
    await clock.sleep(Math.min(pause, Math.max(0, deadline - clock.now())), signal);
  }
}
