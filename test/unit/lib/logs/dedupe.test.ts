import { describe, expect, it } from '@jest/globals';

import { LookbackWindow, RecentLines, SeenEvents } from '../../../../src/lib/logs/dedupe.js';

describe('SeenEvents', () => {
  it('reports repeats and forgets ids older than the cutoff', () => {
    const seen = new SeenEvents();
    expect(seen.add('a', 100)).toBe(true);
    expect(seen.add('b', 200)).toBe(true);
    expect(seen.add('a', 100)).toBe(false);
    seen.forgetBefore(150);
    expect(seen.size).toBe(1);
    expect(seen.add('b', 200)).toBe(false);
    expect(seen.add('a', 100)).toBe(true);
  });
});

describe('LookbackWindow', () => {
  it('starts at its base and grows to twice the worst lateness seen, within its ceiling', () => {
    const window = new LookbackWindow(5_000, 60_000, 150_000, 0);
    expect(window.ms(0)).toBe(5_000);
    window.observe(10_000, 8_000, 11_000); // 2 s late: inside the base
    expect(window.ms(11_000)).toBe(5_000);
    window.observe(20_000, 14_000, 21_000); // 6 s late
    expect(window.ms(21_000)).toBe(13_000);
    window.observe(30_000, -100_000, 31_000);
    expect(window.ms(31_000)).toBe(60_000);
  });

  it('forgets lateness once its bucket has aged out', () => {
    const window = new LookbackWindow(5_000, 60_000, 100, 0);
    window.observe(10_000, 0, 50); // 10 s late
    expect(window.ms(50)).toBe(21_000);
    expect(window.ms(150)).toBe(21_000); // still in the previous bucket
    expect(window.ms(260)).toBe(5_000);
  });
});

describe('RecentLines', () => {
  it('counts copies, so identical lines are matched one for one', () => {
    const recent = new RecentLines(1_000);
    const key = RecentLines.key('g', 's', 1, 'same');
    recent.add(key, 0);
    recent.add(key, 0);
    expect(recent.take(key)).toBe(true);
    expect(recent.take(key)).toBe(true);
    expect(recent.take(key)).toBe(false);
  });

  it('forgets copies after their time to live, and not consumed copies twice', () => {
    const recent = new RecentLines(1_000);
    const a = RecentLines.key('g', 's', 1, 'a');
    recent.add(a, 0);
    recent.add(a, 500);
    expect(recent.take(a)).toBe(true); // consumes the copy from 0
    recent.expire(1_200); // the entry from 0 is due, but its copy was consumed
    expect(recent.size).toBe(1);
    expect(recent.take(a)).toBe(true);
    recent.add(a, 2_000);
    recent.expire(3_001);
    expect(recent.size).toBe(0);
    expect(recent.take(a)).toBe(false);
  });
});
