import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../../src/lib/errors.js';
import { parseIsoTime, parseTimeSpec } from '../../../../src/lib/time/timespec.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

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
