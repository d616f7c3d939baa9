import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;

/** The grammar in one sentence, for help texts and error messages. */
export const DURATION_GRAMMAR =
  'a number with a unit (ms, s, m, h, d, w), e.g. 500ms, 90s, 10m, 1h30m, 2d, 2w';

/** How a flag reads durations. */
export interface DurationRules {
  /** A bare number is seconds (`90` = 90 s); only where the flag's help says so. */
  bareSeconds?: boolean;
}

/**
 * Reads a duration such as `500ms`, `90s`, `10m`, `1h30m`, `2d` or `2w` into milliseconds (units may
 * be combined, in any case); undefined when the text is none.
 */
export function readDuration(text: string, rules: DurationRules = {}): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (rules.bareSeconds && BARE_SECONDS.test(trimmed)) return Math.round(Number(trimmed) * 1_000);
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(DURATION_PART)) total += Number(amount) * UNIT_MS[unit];
  return Math.round(total);
}

/** Reads a duration for `flag` (e.g. `--timeout`), or throws a UsageError naming the flag, the value and the grammar. */
export function parseDuration(text: string, flag: string, rules: DurationRules = {}): number {
  const ms = readDuration(text, rules);
  if (ms !== undefined) return ms;
  const bare = rules.bareSeconds ? '; a bare number is seconds' : '';
  throw new UsageError(
    'INVALID_DURATION',
    `${flag} "${text}" is not a duration. Give ${DURATION_GRAMMAR}${bare}.`,
    { suggestions: [`${flag} 90s, ${flag} 10m or ${flag} 1h30m`] },
  );
}

/** Formats milliseconds for people: `850ms`, `42s`, `3m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
