import { InterruptedError } from '../../../src/lib/errors.js';
import type { Clock } from '../../../src/lib/time/clock.js';

/** Sleeps in a row that move no time before the clock calls the test stuck. */
export const STUCK_AFTER = 1_000;

/**
 * The one test clock: time moves only when the code under test sleeps (or the test calls
 * `advance`), every sleep is recorded, and a loop that keeps sleeping without time moving (a zero
 * poll interval against a state that never changes) throws instead of hanging the test run.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private stalled = 0;

  constructor(private time = 0) {}

  // Arrow properties: callers pass `clock.now` and `clock.sleep` around unbound.
  now = (): number => this.time;

  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) throw new InterruptedError();
    this.sleeps.push(ms);
    if (ms > 0) {
      this.stalled = 0;
      this.time += ms;
      return;
    }
    if (++this.stalled >= STUCK_AFTER) {
      throw new Error(
        `FakeClock: ${STUCK_AFTER} sleeps in a row moved no time (at ${this.time} ms); the code under test waits for something that never happens.`,
      );
    }
  };

  /** Moves time forward without a sleep (something else took time). */
  readonly advance = (ms: number): void => {
    if (ms > 0) this.stalled = 0;
    this.time += ms;
  };
}

/** A FakeClock starting at a fixed wall-clock time, for code that prints or compares dates. */
export function fakeClock(start = Date.parse('2026-01-01T10:00:00Z')): FakeClock {
  return new FakeClock(start);
}
