import { describe, expect, it } from '@jest/globals';

import { runCli } from './helpers/cli.js';

// Every mistake here must be caught while parsing, before any AWS setting is resolved or any call
// made: no region, and an endpoint where nothing listens, so a call would fail differently.
const NO_AWS = {
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
};

/** A command (its words), the mistaken arguments, and what the message must name. */
type Mistake = [command: string[], args: string[], names: RegExp];

const MISTAKES: Mistake[] = [
  // values checked against the settings, still before the region or any call
  [['ssh-config'], ['--via', 'bogus'], /--via must be bastion, ssm or eice, not "bogus"/],
  [
    ['instances', 'list'],
    ['--asg', 'web'],
    /--asg applies to a cluster ecspoc did not deploy: add --cluster NAME/,
  ],
  // integers: not a number, below min, above max
  [['deploy'], ['--concurrency', 'abc'], /--concurrency "abc" is not a whole number: give one from 1 to 50/],
  [['deploy'], ['--concurrency', '0'], /--concurrency 0 is too small: it must be at least 1/],
  [['deploy'], ['--concurrency', '51'], /--concurrency 51 is too large: it must be at most 50/],
  [['deploy'], ['--concurrency='], /--concurrency "" is not a whole number/],
  [['diff'], ['--concurrency', '1.5'], /--concurrency "1.5" is not a whole number/],
  [['destroy'], ['--concurrency', 'lots'], /--concurrency "lots" is not a whole number/],
  [['destroy'], ['--concurrency', '0'], /--concurrency 0 is too small/],
  [['instances', 'cycle'], ['--batch-size', '0'], /--batch-size 0 is too small: it must be at least 1/],
  [
    ['instances', 'cycle'],
    ['--max-unavailable=-1'],
    /--max-unavailable -1 is too small: it must be at least 0/,
  ],
  [['instances', 'cycle'], ['--max-unavailable', 'lots'], /--max-unavailable "lots" is not a whole number/],
  // durations
  [
    ['instances', 'cycle'],
    ['--timeout', 'soon'],
    /--timeout "soon" is not a duration\. Give .*90s, 10m, 1h30m/,
  ],
  [['instances', 'cycle'], ['--poll-interval', '5x'], /--poll-interval "5x" is not a duration/],
  [['instances', 'drain'], ['--timeout', '10 minutes'], /--timeout "10 minutes" is not a duration/],
  [['instances', 'drain'], ['--poll-interval=-1s'], /--poll-interval "-1s" is not a duration/],
  [['instances', 'drain'], ['--timeout', '1h30m', '--poll-interval', 'nope'], /--poll-interval "nope"/],
  [['bastion', 'stop'], ['--timeout', '5x'], /--timeout "5x" is not a duration/],
  [['bastion', 'start'], ['--timeout', '10ms'], /--timeout "10ms" is too short: it must be at least 1s/],
  [['bastion', 'start'], ['--timeout', '1h30x'], /--timeout "1h30x" is not a duration/],
  // --since / --until
  [['logs', 'tail'], ['--since', 'yesterday'], /Cannot read --since "yesterday" as a time/],
  [['logs', 'tail'], ['--until', '2024-02-30'], /Cannot read --until "2024-02-30" as a time/],
  [['logs', 'tail'], ['--since', '10'], /Cannot read --since "10" as a time/],
  [['logs', 'tail'], ['--since', '2024-13-01'], /Cannot read --since "2024-13-01"/],
  [
    ['logs', 'tail'],
    ['--file', 'ecs-agent', '--until', 'last tuesday'],
    /Cannot read --until "last tuesday"/,
  ],
  // options
  [['logs', 'tail'], ['--format', 'xml'], /--format "xml" is not one of: short, detailed, json/],
  [['ssh-config'], ['--proxy', 'socks'], /--proxy "socks" is not one of: command, jump/],
  [['ssh-config'], ['--write', '--proxy=jumpy'], /--proxy "jumpy" is not one of: command, jump/],
  // missing values
  [['logs', 'tail'], ['--since'], /--since needs a value/],
  [['deploy'], ['--env'], /--env needs a value/],
  [['ssh-config'], ['--user'], /--user needs a value/],
  [['ssh-config'], ['--proxy'], /--proxy needs a value, one of: command, jump/],
  // unknown flags
  [['deploy'], ['--frobnicate'], /Unknown flag --frobnicate for ecspoc deploy/],
  [['status'], ['--verbose'], /Unknown flag --verbose for ecspoc status/],
  [['instances', 'list'], ['--outdatd'], /Unknown flag --outdatd for ecspoc instances list/],
  [['bastion', 'status'], ['--follow'], /Unknown flag --follow for ecspoc bastion status/],
  [['doctor'], ['--region-name', 'x'], /Unknown flag --region-name for ecspoc doctor/],
  // unexpected arguments
  [
    ['status'],
    ['--env', 'dev', 'extra'],
    /Unexpected argument "extra": ecspoc status takes no more arguments/,
  ],
  [['instances', 'list'], ['--outdated', 'extra'], /Unexpected argument "extra"/],
  [['bastion', 'status'], ['--env', 'dev', 'a', 'b'], /Unexpected arguments "a", "b"/],
  [['doctor'], ['--env', 'dev', 'extra'], /Unexpected argument "extra"/],
  // environment names
  [['status'], ['--env', 'Bad_Name'], /Invalid environment name "Bad_Name"/],
  [['doctor'], ['--env', 'has space'], /Invalid environment name "has space"/],
  [['instances', 'list'], ['--env', 'UPPER'], /Invalid environment name "UPPER"/],
];

function expectOneErrorThenTry(stderr: string, names: RegExp): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  const lines = stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^Error: /);
  expect(lines[0]).toMatch(names);
  for (const line of lines.slice(1)) expect(line).toMatch(/^Try: /);
  expect(lines.length).toBeGreaterThan(1);
}

describe('usage mistakes', () => {
  it('the set is about forty mistakes long', () => {
    expect(MISTAKES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(MISTAKES)(
    '%j %j: exit 2, one error line naming it, Try lines, no stack',
    async (command, args, names) => {
      const result = await runCli([...command, ...args], { env: NO_AWS });
      expect(result.code).toBe(2);
      expectOneErrorThenTry(result.stderr, names);
      expect(result.stderr).not.toMatch(/No AWS region|AWS_REGION/i);
    },
  );

  it.each(MISTAKES)(
    '%j %j --json: the same error as JSON on stdout, exit 2',
    async (command, args, names) => {
      const result = await runCli([...command, '--json', ...args], { env: NO_AWS });
      expect(result.code).toBe(2);
      const { error } = JSON.parse(result.stdout) as {
        error: { code: string; message: string; suggestions: string[] };
      };
      expect(error.code).toMatch(/^[A-Z_]+$/);
      expect(error.message).toMatch(names);
      expect(error.suggestions.length).toBeGreaterThan(0);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
  );

  it('--debug adds the stack trace', async () => {
    const result = await runCli(['deploy', '--concurrency', 'abc', '--debug'], { env: NO_AWS });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^\s+at /m);
  });

  it('a mistyped command under --json says so on stdout and keeps exit 127', async () => {
    const result = await runCli(['doctr', '--json'], { env: NO_AWS });
    expect(result.code).toBe(127);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: 'UNKNOWN_COMMAND',
        message: 'doctr is not an ecspoc command.',
        suggestions: ['ecspoc help lists the commands'],
      },
    });
  });

  it.each([
    [['bastion', 'stop', '--timeout', '10m']],
    [['bastion', 'start', '--timeout', '90s']],
    [['instances', 'drain', '--timeout', '1h30m']],
    [['instances', 'cycle', '--timeout', '10m', '--poll-interval', '90s']],
  ])('%j: a good duration passes parsing (and only then needs AWS)', async (args) => {
    const result = await runCli([...args, '--yes'], { env: NO_AWS });
    expect(result.stderr).not.toMatch(/is not a duration/);
    expect(result.code).not.toBe(2);
  });
});
