import { expect } from '@jest/globals';

/**
 * Asserts that calls at these times (ms, ascending) would all pass a service quota of `rate` a
 * second as AWS counts it: a token bucket holding `rate` tokens, refilled at `rate` a second.
 */
export function expectWithinQuota(times: number[], rate: number): void {
  let tokens = rate;
  let last = times[0] ?? 0;
  const refused: number[] = [];
  for (const at of times) {
    tokens = Math.min(rate, tokens + ((at - last) / 1_000) * rate);
    last = at;
    if (tokens < 1 - 1e-9) refused.push(at);
    else tokens -= 1;
  }
  expect(refused).toEqual([]);
}
