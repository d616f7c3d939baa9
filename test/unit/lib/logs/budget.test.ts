import { describe, expect, it } from '@jest/globals';

import { RateBudget } from '../../../../src/lib/logs/budget.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { expectWithinQuota } from '../../helpers/quota.js';

describe('RateBudget', () => {
  it('lets one second of calls go at once, then spaces them 1/rate apart, in the order they were reserved', () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    const waits = Array.from({ length: 8 }, () => budget.reserve());
    expect(waits).toEqual([0, 0, 0, 0, 0, 200, 400, 600]);
  });

  it('refills after an idle spell up to one second of calls, no more', () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    for (let i = 0; i < 5; i++) budget.reserve();
    clock.advance(10_000);
    const waits = Array.from({ length: 7 }, () => budget.reserve());
    expect(waits).toEqual([0, 0, 0, 0, 0, 200, 400]);
  });

  it('is never throttled by a quota bucket of the same rate (as AWS and the rig count) over a long run', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    const calls: number[] = [];
    for (let i = 0; i < 300; i++) {
      await budget.acquire(clock.sleep);
      calls.push(clock.now());
    }
    expectWithinQuota(calls, 5);
    // Sustained: after the first second's burst, 5 a second.
    const span = calls[calls.length - 1] - calls[0];
    expect(span).toBeGreaterThanOrEqual((300 - 5) * 200);
    for (let i = 10; i < calls.length; i++) expect(calls[i] - calls[i - 10]).toBeGreaterThanOrEqual(1_000);
  });

  it('halves the rate when throttled, down to a floor, and climbs back as calls succeed', () => {
    const clock = fakeClock();
    const budget = new RateBudget(8, clock.now);
    budget.throttled();
    expect(budget.currentRate).toBe(4);
    // The bucket is spent: the next call waits a whole interval at the new rate.
    expect(budget.reserve()).toBe(250);
    for (let i = 0; i < 10; i++) budget.throttled();
    expect(budget.currentRate).toBe(0.5);
    for (let i = 0; i < 3; i++) budget.succeeded();
    expect(budget.currentRate).toBeCloseTo(2.9);
    for (let i = 0; i < 20; i++) budget.succeeded();
    expect(budget.currentRate).toBe(8);
  });
});
