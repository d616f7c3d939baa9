import { describe, expect, it } from '@jest/globals';

import { MAX_SLACK_MS, RateBudget, SLACK_MS } from '../../../../src/lib/logs/budget.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { expectWithinQuota } from '../../helpers/quota.js';

describe('RateBudget', () => {
  it('lets one second of calls go at once, then spaces them 1/rate apart, in the order they were reserved', () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    const waits = Array.from({ length: 8 }, () => budget.reserve());
    // Each wait carries SLACK_MS so a call never reaches the service the instant before its token.
    expect(waits).toEqual([0, 0, 0, 0, 0, 200, 400, 600].map((ms) => (ms ? ms + SLACK_MS : 0)));
  });

  it('refills after an idle spell up to one second of calls, no more', () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    for (let i = 0; i < 5; i++) budget.reserve();
    clock.advance(10_000);
    const waits = Array.from({ length: 7 }, () => budget.reserve());
    expect(waits).toEqual([0, 0, 0, 0, 0, 200, 400].map((ms) => (ms ? ms + SLACK_MS : 0)));
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
    // The bucket is spent: the next call waits a whole interval at the new rate, and a wider slack.
    expect(budget.reserve()).toBe(250 + 2 * SLACK_MS);
    for (let i = 0; i < 10; i++) budget.throttled();
    expect(budget.currentRate).toBe(0.5);
    for (let i = 0; i < 3; i++) budget.succeeded();
    expect(budget.currentRate).toBeCloseTo(2.9);
    for (let i = 0; i < 20; i++) budget.succeeded();
    expect(budget.currentRate).toBe(8);
  });

  it('widens the slack on each throttle, up to a ceiling, and keeps it for the rest of the run', () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    expect(budget.slackMs).toBe(SLACK_MS);
    budget.throttled();
    expect(budget.slackMs).toBe(2 * SLACK_MS);
    for (let i = 0; i < 20; i++) budget.succeeded();
    expect(budget.slackMs).toBe(2 * SLACK_MS);
    for (let i = 0; i < 10; i++) budget.throttled();
    expect(budget.slackMs).toBe(MAX_SLACK_MS);
    for (let i = 0; i < 20; i++) budget.succeeded();
    clock.advance(10_000);
    for (let i = 0; i < 5; i++) budget.reserve();
    expect(budget.msUntil(1)).toBe(200 + MAX_SLACK_MS);
  });

  it('says how long until it can pay for a burst, never more than it holds', () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    expect(budget.msUntil(8)).toBe(0); // full: five calls, all it can hold
    for (let i = 0; i < 5; i++) budget.reserve();
    expect(budget.msUntil(1)).toBe(200 + SLACK_MS);
    expect(budget.msUntil(3)).toBe(600 + SLACK_MS);
    expect(budget.msUntil(8)).toBe(1_000 + SLACK_MS); // a full bucket is one second of calls
    clock.advance(600);
    expect(budget.msUntil(3)).toBe(0);
  });

  it('is not throttled by a service bucket whose clock is a few ms off, in sweeps that spend it to the last token', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(5, clock.now);
    const arrivals: number[] = [];
    for (let sweep = 0; sweep < 20; sweep++) {
      // A sweep of 8 calls: 5 at once when the bucket is full, 3 more as it refills.
      await clock.sleep(budget.msUntil(8));
      for (let i = 0; i < 8; i++) {
        await budget.acquire(clock.sleep);
        // Seen by the service's clock, the calls made as the bucket refills come 5 ms earlier than by this one.
        arrivals.push(clock.now() - (i >= 5 ? 5 : 0));
      }
    }
    expectWithinQuota(
      arrivals.sort((a, b) => a - b),
      5,
    );
  });
});
