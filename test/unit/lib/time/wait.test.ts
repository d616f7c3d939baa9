import { describe, expect, it } from '@jest/globals';

import { EXIT_CODES, InterruptedError, TimeoutError } from '../../../../src/lib/errors.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { waitFor } from '../../../../src/lib/time/wait.js';

describe('waitFor', () => {
  it('polls until done, sleeping the interval between looks', async () => {
    const clock = new FakeClock();
    let polls = 0;
    const value = await waitFor(async () => ({ done: ++polls === 4, value: polls }), {
      what: 'x',
      timeoutMs: 60_000,
      intervalMs: 5_000,
      clock,
    });
    expect(value).toBe(4);
    expect(clock.now()).toBe(15_000);
  });

  it('times out with exit 5, naming what it waited for and what is missing', async () => {
    const clock = new FakeClock();
    const seen: Array<string | undefined> = [];
    const error = await waitFor(async () => ({ done: false, value: 0, detail: '3 tasks left' }), {
      what: 'i-1 to drain',
      timeoutMs: 12_000,
      intervalMs: 5_000,
      clock,
      onPoll: (detail) => seen.push(detail),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).exitCode).toBe(EXIT_CODES.timedOut);
    expect((error as Error).message).toBe('Timed out after 12s waiting for i-1 to drain (3 tasks left).');
    // Looks at 0, 5 s, 10 s and one last time at the deadline.
    expect(seen).toHaveLength(4);
    expect(clock.now()).toBe(12_000);
  });

  it('stops at once when the signal aborts (exit 130)', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let polls = 0;
    const error = await waitFor(
      async () => {
        if (++polls === 2) controller.abort();
        return { done: false, value: 0 };
      },
      { what: 'x', timeoutMs: 60_000, intervalMs: 1_000, clock, signal: controller.signal },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(polls).toBe(2);
  });
});
