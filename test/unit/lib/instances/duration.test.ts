import { describe, expect, it } from '@jest/globals';

import { formatDuration, parseDuration } from '../../../../src/lib/instances/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2', 2_000],
    ['0.5s', 500],
    ['1d', 86_400_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text, '--timeout')).toBe(ms));

  it.each(['', 'soon', '10 minutes', '5x', 'm5', '-1s'])(
    'refuses %p with a usage error naming the flag',
    (text) => {
      expect(() => parseDuration(text, '--timeout')).toThrow(`--timeout "${text}" is not a duration.`);
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [42_000, '42s'],
    [185_000, '3m05s'],
    [3_720_000, '1h02m'],
  ])('formats %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
