import type { Clock } from '../../../src/lib/stacks/clock.js';

/** A clock whose time moves only when the code under test sleeps; records every sleep. */
export function fakeClock(start = Date.parse('2026-01-01T10:00:00Z')): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}
