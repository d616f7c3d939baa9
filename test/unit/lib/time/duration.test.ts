import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../../src/lib/errors.js';
import { formatDuration, parseDuration, readDuration } from '../../../../src/lib/time/duration.js';

describe('the duration grammar', () => {
  it.each([
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['2w', 1_209_600_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['500ms', 500],
    ['0.5s', 500],
    // Decimals are one grammar for every flag now (logs once refused them, instances took them).
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1h1m1s', 3_661_000],
    ['2H', 7_200_000],
    [' 10m ', 600_000],
  ])('%s is %d ms', (text, ms) => expect(readDuration(text)).toBe(ms));

  it.each([
    '',
    '10',
    'm',
    '10x',
    '-10m',
    '10m ago',
    '1h 30m',
    '2024-05-01',
    'soon',
    '10 minutes',
    '5x',
    'm5',
    '-1s',
  ])('rejects %p', (text) => expect(readDuration(text)).toBeUndefined());

  it('reads a bare number as seconds only where the flag says so', () => {
    expect(readDuration('90')).toBeUndefined();
    expect(readDuration('90', { bareSeconds: true })).toBe(90_000);
    expect(readDuration('2', { bareSeconds: true })).toBe(2_000);
    expect(readDuration('0.5', { bareSeconds: true })).toBe(500);
    expect(readDuration('-5', { bareSeconds: true })).toBeUndefined();
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2', 2_000],
    ['0.5s', 500],
    ['1d', 86_400_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text, '--timeout', { bareSeconds: true })).toBe(ms));

  it.each(['', 'soon', '10 minutes', '5x', 'm5', '-1s'])(
    'refuses %p with a usage error naming the flag',
    (text) => {
      expect(() => parseDuration(text, '--timeout')).toThrow(`--timeout "${text}" is not a duration.`);
    },
  );

  it('says what is valid, in one line, and offers examples', () => {
    let error: UsageError | undefined;
    try {
      parseDuration('5x', '--timeout', { bareSeconds: true });
    } catch (e) {
      error = e as UsageError;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.exitCode).toBe(2);
    expect(error?.code).toBe('INVALID_DURATION');
    expect(error?.message).not.toContain('\n');
    expect(error?.message).toContain('500ms, 90s, 10m, 1h30m, 2d, 2w');
    expect(error?.message).toContain('a bare number is seconds');
    expect(error?.suggestions).toEqual(['--timeout 90s, --timeout 10m or --timeout 1h30m']);
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [42_000, '42s'],
    [185_000, '3m05s'],
    [3_720_000, '1h02m'],
  ])('formats %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
