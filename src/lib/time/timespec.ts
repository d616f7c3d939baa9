import { UsageError } from '../errors.js';
import { readDuration } from './duration.js';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

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
 * Reads a `--since` / `--until` value: a duration before `now` (`10m`, `1h30m`, `2d`; a bare number is
 * not one, it reads too easily as a timestamp), an ISO-8601 time (`2024-05-01T10:00:00Z`,
 * `2024-05-01`), or `now`. Anything else is a UsageError naming the flag.
 */
export function parseTimeSpec(text: string, now: number, flag: string): number {
  if (text.trim().toLowerCase() === 'now') return now;
  const duration = readDuration(text);
  if (duration !== undefined) return now - duration;
  const absolute = parseIsoTime(text);
  if (absolute !== undefined) return absolute;
  throw new UsageError('INVALID_TIME', `Cannot read --${flag} "${text}" as a time.`, {
    suggestions: [
      `Give a duration before now such as --${flag} 10m, 1h30m or 2d, or an ISO-8601 time such as --${flag} 2024-05-01T10:00:00Z.`,
    ],
  });
}
