import { describe, expect, it } from '@jest/globals';
import { Args, Errors, Flags, Parser } from '@oclif/core';

import { durationFlag, timeSpecFlag } from '../../../src/flags/duration.js';
import {
  AbortedError,
  AwsError,
  EcspocError,
  EXIT_CODES,
  InterruptedError,
  OperationError,
  TimeoutError,
  UsageError,
} from '../../../src/lib/errors.js';
import { describeFailure, failureJson, failureLines, type FlagFacts } from '../../../src/ui/error-output.js';

const flags = {
  concurrency: Flags.integer({ default: 8, min: 1, max: 50 }),
  'batch-size': Flags.integer({ default: 1, min: 1 }),
  'max-unavailable': Flags.integer({ default: 0, min: 0 }),
  format: Flags.string({ options: ['short', 'detailed', 'json'], default: 'short' }),
  env: Flags.string({}),
  timeout: durationFlag({ description: 'wait', default: '10m', bareSeconds: true, minMs: 1_000 }),
  since: timeSpecFlag({ description: 'start', default: '10m' }),
  needed: Flags.string({ exclusive: ['env'] }),
};

/** The error oclif 4's parser really throws for this argv, described as the base command does. */
async function failureOf(argv: string[], args = {}) {
  const error = await Parser.parse(argv, { flags, args, strict: true }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeDefined();
  return describeFailure(error as Error, {
    command: 'ecspoc deploy',
    flags: flags as unknown as Record<string, FlagFacts>,
  });
}

function expectUsage(failure: Awaited<ReturnType<typeof failureOf>>, pattern: RegExp) {
  expect(failure.exitCode).toBe(EXIT_CODES.usage);
  expect(failure.message).toMatch(pattern);
  expect(failure.message).not.toContain('\n');
  expect(failure.message).not.toMatch(/^Parsing --/);
  expect(failure.suggestions.at(-1)).toBe('ecspoc deploy --help');
}

describe('describeFailure over oclif errors', () => {
  it('a non-integer value names the flag, the value and the range', async () => {
    const failure = await failureOf(['--concurrency', 'abc']);
    expectUsage(failure, /^--concurrency "abc" is not a whole number: give one from 1 to 50\.$/);
    expect(failure.suggestions[0]).toBe('--concurrency 8');
  });

  it('below the minimum', async () => {
    expectUsage(
      await failureOf(['--batch-size', '0']),
      /^--batch-size 0 is too small: it must be at least 1\.$/,
    );
    expectUsage(
      await failureOf(['--max-unavailable=-1']),
      /^--max-unavailable -1 is too small: it must be at least 0\.$/,
    );
  });

  it('above the maximum', async () => {
    expectUsage(
      await failureOf(['--concurrency', '99']),
      /^--concurrency 99 is too large: it must be at most 50 \(from 1 to 50\)\.$/,
    );
  });

  it('a missing value', async () => {
    const failure = await failureOf(['--env']);
    expectUsage(failure, /^--env needs a value\.$/);
    expect(failure.code).toBe('MISSING_FLAG_VALUE');
  });

  it('a missing value of a flag with options lists them', async () => {
    expectUsage(await failureOf(['--format']), /^--format needs a value, one of: short, detailed, json\.$/);
  });

  it('an invalid option value', async () => {
    const failure = await failureOf(['--format', 'xml']);
    expectUsage(failure, /^--format "xml" is not one of: short, detailed, json\.$/);
    expect(failure.suggestions[0]).toBe('--format short');
  });

  it('an unknown flag, with the nearest real one', async () => {
    const failure = await failureOf(['--concurency', '3']);
    expectUsage(failure, /^Unknown flag --concurency for ecspoc deploy\.$/);
    expect(failure.code).toBe('UNKNOWN_FLAG');
    expect(failure.suggestions[0]).toBe('did you mean --concurrency?');
  });

  it('an unexpected argument', async () => {
    const failure = await failureOf(['extra']);
    expectUsage(failure, /^Unexpected argument "extra": ecspoc deploy takes no more arguments\.$/);
  });

  it('a missing required argument', async () => {
    const failure = await failureOf([], { host: Args.string({ required: true, description: 'the host' }) });
    expectUsage(failure, /^Missing argument HOST \(the host\)\.$/);
  });

  it('a failed flag validation (exclusive flags) keeps its reason on the one line', async () => {
    const failure = await failureOf(['--needed', 'a', '--env', 'b']);
    expectUsage(failure, /--env=b cannot also be provided when using --needed/);
  });

  it('a bad duration keeps the grammar and examples of the duration flag', async () => {
    const failure = await failureOf(['--timeout', '5x']);
    expectUsage(
      failure,
      /^--timeout "5x" is not a duration\. Give a number with a unit .*500ms, 90s, 10m, 1h30m/,
    );
    expect(failure.code).toBe('INVALID_DURATION');
    expect(failure.suggestions[0]).toBe('--timeout 90s, --timeout 10m or --timeout 1h30m');
  });

  it('a duration below the flag minimum', async () => {
    expectUsage(
      await failureOf(['--timeout', '10ms']),
      /^--timeout "10ms" is too short: it must be at least 1s\.$/,
    );
  });

  it('accepts 10m, 90s, 1h30m and a bare 600 for --timeout', async () => {
    for (const [text, ms] of [
      ['10m', 600_000],
      ['90s', 90_000],
      ['1h30m', 5_400_000],
      ['600', 600_000],
    ] as const) {
      const parsed = await Parser.parse(['--timeout', text], { flags, strict: true });
      expect(parsed.flags.timeout).toBe(ms);
    }
  });

  it('a bad --since', async () => {
    const failure = await failureOf(['--since', 'yesterday']);
    expectUsage(failure, /^Cannot read --since "yesterday" as a time\.$/);
    expect(failure.code).toBe('INVALID_TIME');
  });

  it('a nonexistent command keeps oclif 127 and its line', () => {
    const failure = describeFailure(
      new Errors.CLIError('Run ecspoc help for a list of available commands.', { exit: 127 }),
    );
    expect(failure).toMatchObject({
      exitCode: 127,
      message: 'Run ecspoc help for a list of available commands.',
    });
  });
});

describe('describeFailure over EcspocErrors', () => {
  it.each([
    [new UsageError('BAD_ENV', 'Invalid environment name "X".', { suggestions: ['--env dev'] }), 2],
    [new AwsError('NO_REGION', 'No region.', { suggestions: ['--region eu-west-1'] }), 1],
    [new OperationError('DEPLOY_FAILED', 'The deploy failed.'), 1],
    [new AbortedError(), 4],
    [new TimeoutError('Timed out.', { suggestions: ['ecspoc bastion status'] }), 5],
    [new InterruptedError(), 130],
    [new EcspocError('CHANGES', 'There are changes.', 3), 3],
  ] as const)('%p keeps its code, message, suggestions and exit code %d', (error, exitCode) => {
    const failure = describeFailure(error);
    expect(failure).toEqual({
      exitCode,
      code: error.code,
      message: error.message,
      suggestions: error.suggestions,
    });
    expect(failureLines(failure)).toEqual([
      `Error: ${error.message}`,
      ...error.suggestions.map((s) => `Try: ${s}`),
    ]);
    expect(failureJson(failure)).toEqual({
      error: { code: error.code, message: error.message, suggestions: error.suggestions },
    });
  });

  it('an interrupted prompt is Ctrl-C (130)', () => {
    const error = Object.assign(new Error('User force closed the prompt'), { name: 'ExitPromptError' });
    expect(describeFailure(error).exitCode).toBe(130);
  });

  it('anything else is one line and a hint at --debug, never a stack', () => {
    const failure = describeFailure(new Error('boom\n    at somewhere (file.js:1:1)'));
    expect(failureLines(failure)).toEqual(['Error: boom', 'Try: run again with --debug for details.']);
  });
});
