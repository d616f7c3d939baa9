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

  it('keeps one deadline across several waits: a shared deadline is never reset per step', async () => {
    const clock = new FakeClock();
    const deadline = clock.now() + 600_000;
    const step = { what: 'x', timeoutMs: 600_000, deadline, intervalMs: 5_000, clock };
    let polls = 0;
    // The first step takes 400 s, the second would take forever: it gets the 200 s left, not 600 s.
    await waitFor(async () => ({ done: ++polls > 80, value: 0 }), step);
    expect(clock.now()).toBe(400_000);
    const error = await waitFor(async () => ({ done: false, value: 0 }), step).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(clock.now()).toBe(600_000);
  });

  it('throws the timeout error its caller describes', async () => {
    const clock = new FakeClock();
    const error = await waitFor(async () => ({ done: false, value: 'pending' }), {
      what: 'x',
      timeoutMs: 10_000,
      intervalMs: 5_000,
      clock,
      timeoutError: ({ value }) => new TimeoutError(`still ${value}`),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('still pending');
  });

  it('an abort during a sleep ends the wait at once', async () => {
    const controller = new AbortController();
    const clock = new FakeClock();
    const error = await waitFor(
      async () => {
        controller.abort();
        return { done: false, value: 0 };
      },
      { what: 'x', timeoutMs: 60_000, intervalMs: 1_000, clock, signal: controller.signal },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(clock.now()).toBe(0);
  });
});

describe('FakeClock', () => {
  it('fails loudly when a zero-interval wait loops without time moving', async () => {
    const clock = new FakeClock();
    const error = await waitFor(async () => ({ done: false, value: 0 }), {
      what: 'x',
      timeoutMs: 60_000,
      intervalMs: 0,
      clock,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/1000 sleeps in a row moved no time/);
  });

  it('records sleeps, and a sleep that moves time resets the count', async () => {
    const clock = new FakeClock(5);
    for (let i = 0; i < 999; i++) await clock.sleep(0);
    await clock.sleep(10);
    for (let i = 0; i < 999; i++) await clock.sleep(0);
    expect(clock.now()).toBe(15);
    expect(clock.sleeps).toHaveLength(1_999);
  });
});
