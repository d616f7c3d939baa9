import { describe, expect, it } from '@jest/globals';

import { RateBudget } from '../../../../src/lib/logs/budget.js';
import { fakeClock } from '../../helpers/fake-clock.js';

describe('RateBudget', () => {
  it('spaces calls 1/rate apart, in the order they were reserved, without a burst', () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    const waits = Array.from({ length: 8 }, () => budget.reserve());
    expect(waits).toEqual([0, 200, 400, 600, 800, 1_000, 1_200, 1_400]);
  });

  it('never lets more than the rate through in any second over a long run', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    const calls: number[] = [];
    for (let i = 0; i < 300; i++) {
      await budget.acquire(clock.sleep);
      calls.push(clock.now());
    }
    const span = calls[calls.length - 1] - calls[0];
    expect(span).toBeGreaterThanOrEqual(299 * 200);
    for (let i = 5; i < calls.length; i++) expect(calls[i] - calls[i - 5]).toBeGreaterThanOrEqual(1_000);
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
