import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../../src/lib/errors.js';
import { parseDuration, parseIsoTime, parseTimeSpec } from '../../../../src/lib/logs/time.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

describe('parseDuration', () => {
  it.each([
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['1w', 604_800_000],
    ['1h1m1s', 3_661_000],
    ['2H', 7_200_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 'm', '10x', '1.5h', '-10m', '10m ago', '1h 30m', '2024-05-01'])('rejects %p', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('parseIsoTime', () => {
  it.each([
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    ['2024-05-01T10:00', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01T10:00:30Z', Date.UTC(2024, 4, 1, 10, 0, 30)],
    ['2024-05-01 10:00:30', Date.UTC(2024, 4, 1, 10, 0, 30)],
    ['2024-05-01T10:00:00.5Z', Date.UTC(2024, 4, 1, 10, 0, 0, 500)],
    ['2024-05-01T10:00:00.123456Z', Date.UTC(2024, 4, 1, 10, 0, 0, 123)],
    ['2024-05-01T10:00:00+02:00', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T10:00:00-0530', Date.UTC(2024, 4, 1, 15, 30)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('%s', (text, ms) => expect(parseIsoTime(text)).toBe(ms));

  it.each([
    '2024-02-30',
    '2023-02-29',
    '2024-13-01',
    '2024-05-01T24:00',
    '2024-05-01T10:60',
    '2024/05/01',
    'yesterday',
  ])('rejects %p', (text) => expect(parseIsoTime(text)).toBeUndefined());
});

describe('parseTimeSpec', () => {
  it('reads durations as before now, ISO times as given, and now', () => {
    expect(parseTimeSpec('10m', NOW, 'since')).toBe(NOW - 600_000);
    expect(parseTimeSpec('2024-05-01T11:00:00Z', NOW, 'since')).toBe(NOW - 3_600_000);
    expect(parseTimeSpec('now', NOW, 'until')).toBe(NOW);
  });

  it('names the flag and the accepted forms when it cannot read the value', () => {
    expect(() => parseTimeSpec('last tuesday', NOW, 'until')).toThrow(UsageError);
    try {
      parseTimeSpec('last tuesday', NOW, 'until');
    } catch (error) {
      expect((error as UsageError).message).toBe('Cannot read --until "last tuesday" as a time.');
      expect((error as UsageError).suggestions[0]).toContain('--until 10m');
    }
  });
});
