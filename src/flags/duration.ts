import { Flags } from '@oclif/core';

// The grammar itself lives in src/lib/time and loads no SDK, so help and parse stay fast.
import { UsageError } from '../lib/errors.js';
import { DURATION_GRAMMAR, formatDuration, parseDuration } from '../lib/time/duration.js';
import { parseTimeSpec } from '../lib/time/timespec.js';

/** Options of a duration flag besides oclif's own. */
interface DurationFlagOptions {
  description: string;
  /** A duration in the grammar, e.g. `10m`; shown in help as written. */
  default?: string;
  /** A bare number is seconds; say so in the description. */
  bareSeconds?: boolean;
  /** The smallest value allowed, in milliseconds. */
  minMs?: number;
}

/**
 * The one duration flag (`--timeout`, `--poll-interval`): parses `500ms`, `90s`, `10m`, `1h30m`,
 * `2d`, `2w` into milliseconds at parse time, so a bad value is reported before anything else runs.
 */
export function durationFlag(options: DurationFlagOptions) {
  const parse = async (input: string, _ctx: unknown, opts: { name: string }): Promise<number> => {
    const name = `--${opts.name}`;
    const ms = parseDuration(input, name, { bareSeconds: options.bareSeconds });
    if (options.minMs !== undefined && ms < options.minMs) {
      throw new UsageError(
        'DURATION_TOO_SHORT',
        `${name} "${input}" is too short: it must be at least ${formatDuration(options.minMs)}.`,
        {
          suggestions: [`${name} ${formatDuration(Math.max(options.minMs, 1_000))}`],
        },
      );
    }
    return ms;
  };
  const description = `${options.description} (${DURATION_GRAMMAR}${options.bareSeconds ? '; a bare number is seconds' : ''})`;
  const common = { description, helpValue: '<duration>', parse };
  if (options.default === undefined) return Flags.custom<number>(common)();
  const defaultMs = parseDuration(options.default, '--default', { bareSeconds: options.bareSeconds });
  return Flags.custom<number>({ ...common, default: defaultMs, defaultHelp: async () => options.default })();
}

/**
 * A `--since` / `--until` flag: a duration before now or an ISO-8601 time. It is checked at parse
 * time (before any AWS setting is resolved) and kept as written: the engine reads it against the
 * `now` of its own request.
 */
export function timeSpecFlag(options: { description: string; default?: string }) {
  const parse = async (input: string, _ctx: unknown, opts: { name: string }): Promise<string> => {
    parseTimeSpec(input, Date.now(), opts.name);
    return input;
  };
  const common = { description: options.description, helpValue: '<time>', parse };
  if (options.default === undefined) return Flags.custom<string>(common)();
  return Flags.custom<string>({ ...common, default: options.default })();
}
