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
  private timers: { at: number; wake: () => void }[] = [];
  private ticking = false;

  /**
   * `overlapping`: sleeps that run at the same time (concurrent calls, each waiting) overlap, as real
   * timers do: time moves to the earliest wake-up once every task is waiting. Without it each sleep
   * moves time on its own, which is exact for code that does one thing at a time.
   */
  constructor(
    private time = 0,
    private readonly overlapping = false,
  ) {}

  // Arrow properties: callers pass `clock.now` and `clock.sleep` around unbound.
  now = (): number => this.time;

  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) throw new InterruptedError();
    this.sleeps.push(ms);
    if (this.overlapping) return this.timer(ms, signal);
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

  private timer(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = {
        at: this.time + Math.max(0, ms),
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== entry);
        reject(new InterruptedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(entry);
      this.tick();
    });
  }

  /** Once every task waits (nothing left to run before the next macrotask), wakes the earliest sleepers. */
  private tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    setImmediate(() => {
      this.ticking = false;
      if (this.timers.length === 0) return;
      const at = Math.min(...this.timers.map((t) => t.at));
      if (at > this.time) this.time = at;
      const due = this.timers.filter((t) => t.at <= this.time);
      this.timers = this.timers.filter((t) => t.at > this.time);
      for (const t of due) t.wake();
      if (this.timers.length > 0) this.tick();
    });
  }

  /** Moves time forward without a sleep (something else took time). */
  readonly advance = (ms: number): void => {
    if (ms > 0) this.stalled = 0;
    this.time += ms;
  };
}

/** A FakeClock starting at a fixed wall-clock time, for code that prints or compares dates. */
export function fakeClock(
  start = Date.parse('2026-01-01T10:00:00Z'),
  options: { overlapping?: boolean } = {},
): FakeClock {
  return new FakeClock(start, options.overlapping);
}
