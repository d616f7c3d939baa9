import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d|w)/g;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Reads a duration such as `10m`, `1h30m`, `2d`, `90s` or `500ms` into milliseconds; undefined if it is none. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(DURATION_PART)) total += Number(amount) * UNIT_MS[unit];
  return total;
}

/**
 * Reads an ISO-8601 date or date-time into epoch milliseconds; undefined if it is none or names a day
 * that does not exist. A time without an offset is UTC (as CloudWatch shows times), not local time.
 */
export function parseIsoTime(text: string): number | undefined {
  const match = ISO.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  const millis = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined;
  if (zone.toUpperCase() === 'Z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return utc - sign * offsetMinutes * 60_000;
}

/**
 * Reads a `--since` / `--until` value: a duration before `now` (`10m`, `1h30m`, `2d`), an ISO-8601
 * time (`2024-05-01T10:00:00Z`, `2024-05-01`), or `now`. Anything else is a UsageError naming the flag.
 */
export function parseTimeSpec(text: string, now: number, flag: string): number {
  if (text.trim().toLowerCase() === 'now') return now;
  const duration = parseDuration(text);
  if (duration !== undefined) return now - duration;
  const absolute = parseIsoTime(text);
  if (absolute !== undefined) return absolute;
  throw new UsageError('INVALID_TIME', `Cannot read --${flag} "${text}" as a time.`, {
    suggestions: [
      `Give a duration before now such as --${flag} 10m, 1h30m or 2d, or an ISO-8601 time such as --${flag} 2024-05-01T10:00:00Z.`,
    ],
  });
}
