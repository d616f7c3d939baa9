import { Errors } from '@oclif/core';

import { EcspocError, EXIT_CODES, InterruptedError } from '../lib/errors.js';

/** What went wrong, as one line, what to try next, and the exit code: the same for text and JSON. */
export interface Failure {
  exitCode: number;
  code: string;
  message: string;
  suggestions: string[];
}

/** The bits of an oclif flag definition the messages use. */
export interface FlagFacts {
  name?: string;
  char?: string;
  min?: number;
  max?: number;
  default?: unknown;
  options?: readonly string[];
  type?: string;
}

/** Where the error happened: the command as typed and its flags, to name valid values and neighbours. */
export interface FailureContext {
  /** `ecspoc deploy`, `ecspoc bastion start`. */
  command?: string;
  flags?: Readonly<Record<string, FlagFacts>>;
}

type Thrown = Error & { exitCode?: number; oclif?: { exit?: number }; flags?: unknown; args?: unknown };

// oclif 4 wraps whatever a flag's parse threw as `Parsing --NAME \n\t<reason>\nSee more help with --help`
// (lib/parser/parse.js); the reason, on the second line, is the part the operator needs.
const PARSING = /^Parsing --([\w-]+) \n\t([\s\S]*?)(?:\nSee more help with --help)?$/;
const SEE_HELP = /\nSee more help with --help$/;

/** The one-line message, suggestions, code and exit code for anything a command throws. */
export function describeFailure(error: Thrown, context: FailureContext = {}): Failure {
  const help = context.command ? `${context.command} --help` : 'add --help to see the flags and arguments';
  const parsing = PARSING.exec(error.message);
  if (parsing) return describeFlagValue(error, parsing[1], parsing[2], context, help);
  if (error instanceof EcspocError) {
    return {
      exitCode: error.exitCode,
      code: error.code,
      message: error.message,
      suggestions: error.suggestions,
    };
  }
  if (error.name === 'ExitPromptError' || error.name === 'AbortPromptError') {
    return describeFailure(new InterruptedError(), context);
  }
  if (error instanceof Errors.CLIError) return describeCliError(error, context, help);
  return {
    exitCode: EXIT_CODES.failure,
    code: 'FAILED',
    message: firstLine(error.message),
    suggestions: ['run again with --debug for details.'],
  };
}

/** The lines a person reads on stderr: `Error: …` then `Try: …` lines. */
export function failureLines(failure: Failure): string[] {
  return [`Error: ${failure.message}`, ...failure.suggestions.map((s) => `Try: ${s}`)];
}

/** The `--json` form of a failure, printed on stdout (the README's `{"error": …}` contract). */
export function failureJson(failure: Failure): {
  error: { code: string; message: string; suggestions: string[] };
} {
  return { error: { code: failure.code, message: failure.message, suggestions: failure.suggestions } };
}

function describeFlagValue(
  error: Thrown,
  name: string,
  reason: string,
  context: FailureContext,
  help: string,
): Failure {
  const flag = context.flags?.[name];
  const usage = (message: string, suggestions: string[], code = 'INVALID_FLAG_VALUE'): Failure => ({
    exitCode: EXIT_CODES.usage,
    code,
    message,
    suggestions: [...suggestions, help],
  });
  // A value our own flags refused (durations, times) already says what is valid.
  if (error instanceof EcspocError) {
    return {
      exitCode: error.exitCode,
      code: error.code,
      // oclif rewrote the message in place; the reason is what the flag's parser said.
      message: oneLine(reason),
      suggestions: [...error.suggestions, help],
    };
  }
  const range = integerRange(flag);
  const example = `--${name} ${exampleInteger(flag)}`;
  let match = /^Expected an integer but received: ([\s\S]*)$/.exec(reason);
  if (match) {
    return usage(`--${name} "${match[1]}" is not a whole number${range ? `: give one ${range}` : ''}.`, [
      example,
    ]);
  }
  match = /^Expected an integer greater than or equal to (-?\d+) but received: ([\s\S]*)$/.exec(reason);
  if (match) {
    return usage(
      `--${name} ${match[2]} is too small: it must be at least ${match[1]}${flag?.max !== undefined ? ` (${range})` : ''}.`,
      [example],
    );
  }
  match = /^Expected an integer less than or equal to (-?\d+) but received: ([\s\S]*)$/.exec(reason);
  if (match) {
    return usage(
      `--${name} ${match[2]} is too large: it must be at most ${match[1]}${flag?.min !== undefined ? ` (${range})` : ''}.`,
      [example],
    );
  }
  return usage(`--${name}: ${oneLine(reason)}`, []);
}

function describeCliError(error: Thrown, context: FailureContext, help: string): Failure {
  const exit = error.oclif?.exit ?? EXIT_CODES.failure;
  const usage = (code: string, message: string, suggestions: string[] = []): Failure => ({
    exitCode: EXIT_CODES.usage,
    code,
    message,
    suggestions: [...suggestions, help],
  });
  // oclif dims the reasons of a failed validation; NO_COLOR or not, a message carries no escapes.
  // eslint-disable-next-line no-control-regex
  const message = error.message.replace(SEE_HELP, '').replace(/\u001b\[[0-9;]*m/g, '');
  const kind = error.constructor.name;
  if (kind === 'NonExistentFlagsError' && Array.isArray(error.flags)) {
    const unknown = error.flags as string[];
    const near = unknown.map((f) => closestFlag(f, context.flags)).filter((f): f is string => Boolean(f));
    return usage(
      'UNKNOWN_FLAG',
      `Unknown flag${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}${context.command ? ` for ${context.command}` : ''}.`,
      near.length ? [`did you mean ${near.join(', ')}?`] : [],
    );
  }
  if (kind === 'UnexpectedArgsError' && Array.isArray(error.args)) {
    const extra = (error.args as unknown[]).map((a) => `"${String(a)}"`).join(', ');
    return usage(
      'UNEXPECTED_ARGUMENT',
      `Unexpected argument${(error.args as unknown[]).length > 1 ? 's' : ''} ${extra}${context.command ? `: ${context.command} takes no more arguments` : ''}.`,
      ['flags start with --, e.g. --env dev'],
    );
  }
  if (kind === 'RequiredArgsError' && Array.isArray(error.args)) {
    const missing = (error.args as Array<{ name?: string; description?: string }>)
      .map((a) => (a.description ? `${a.name?.toUpperCase()} (${a.description})` : a.name?.toUpperCase()))
      .join(', ');
    return usage('MISSING_ARGUMENT', `Missing argument ${missing}.`);
  }
  let match = /^Expected --([\w-]+)=([\s\S]*) to be one of: ([\s\S]*)$/.exec(message);
  if (match) {
    const options = match[3].split(', ');
    return usage('INVALID_FLAG_VALUE', `--${match[1]} "${match[2]}" is not one of: ${options.join(', ')}.`, [
      `--${match[1]} ${options[0]}`,
    ]);
  }
  match = /^Flag --([\w-]+) expects one of these values: ([\s\S]*)$/.exec(message);
  if (match) {
    const options = match[2].split(', ');
    return usage('MISSING_FLAG_VALUE', `--${match[1]} needs a value, one of: ${options.join(', ')}.`, [
      `--${match[1]} ${options[0]}`,
    ]);
  }
  match = /^Flag --([\w-]+) expects a value$/.exec(message);
  if (match) {
    const flag = context.flags?.[match[1]];
    const example =
      flag?.type === 'option' && flag.default !== undefined ? ` ${exampleValue(flag)}` : ' VALUE';
    return usage('MISSING_FLAG_VALUE', `--${match[1]} needs a value.`, [`--${match[1]}${example}`]);
  }
  if (exit === EXIT_CODES.usage) {
    // Flag validation (required, exclusive, dependsOn) lists its reasons one per line.
    const reasons = message
      .replace(/^The following errors? occurred:\s*/, '')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    return usage('USAGE', reasons.join('; '));
  }
  return {
    exitCode: exit === 1 ? EXIT_CODES.failure : exit,
    code: 'FAILED',
    message: firstLine(message),
    suggestions: [],
  };
}

function integerRange(flag: FlagFacts | undefined): string | undefined {
  if (flag?.min !== undefined && flag.max !== undefined) return `from ${flag.min} to ${flag.max}`;
  if (flag?.min !== undefined) return `of at least ${flag.min}`;
  if (flag?.max !== undefined) return `of at most ${flag.max}`;
  return undefined;
}

function exampleInteger(flag: FlagFacts | undefined): string {
  if (typeof flag?.default === 'number') return String(flag.default);
  return String(flag?.min ?? 1);
}

function exampleValue(flag: FlagFacts): string {
  return String(flag.default);
}

/** The flag of this command closest to a mistyped one (at most two edits away), as `--name`. */
function closestFlag(typed: string, flags: FailureContext['flags']): string | undefined {
  if (!flags) return undefined;
  const bare = typed.replace(/^-+/, '').split('=')[0];
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(flags)) {
    const distance = editDistance(bare, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best ? `--${best.name}` : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length];
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}
