import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { runCli, spawnCli } from './helpers/cli.js';
import { LogProducer, type ProducedEvent } from './helpers/log-producer.js';

const producer = new LogProducer();
afterAll(() => producer.destroy());

interface JsonLine {
  timestamp: string;
  group: string;
  stream: string;
  source: { kind: string; name: string; id: string; container?: string };
  eventId?: string;
  message: string;
}

const parse = (stdout: string): JsonLine[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JsonLine);

const key = (e: { group: string; stream: string; message: string }) => `${e.group} ${e.stream} ${e.message}`;

describe('ecspoc logs tail against moto_server', () => {
  const env = 'merge';
  const now = Date.now();
  let written: ProducedEvent[] = [];

  beforeAll(async () => {
    // Two instances shipping two files, two services with two tasks each, all interleaved in time.
    const sources = [
      [`/ecspoc/${env}/instances/ecs-agent`, 'i-0aaa'],
      [`/ecspoc/${env}/instances/ecs-agent`, 'i-0bbb'],
      [`/ecspoc/${env}/instances/docker`, 'i-0aaa'],
      [`/ecspoc/${env}/tasks/404`, '404/web/task1'],
      [`/ecspoc/${env}/tasks/404`, '404/web/task2'],
      [`/ecspoc/${env}/tasks/php-hello`, 'php-hello/app/task3'],
    ];
    for (const [index, [group, stream]] of sources.entries()) {
      const events = Array.from({ length: 20 }, (_, i) => ({
        timestamp: now - 120_000 + i * 1_000 + index * 7,
        message: `${stream} line ${i}${i % 5 === 0 ? ' ERROR disk full' : ''}`,
      }));
      written.push(...(await producer.write(group, stream, events)));
    }
    // A group of another environment must never show up.
    await producer.write('/ecspoc/other/instances/ecs-agent', 'i-0zzz', [
      { timestamp: now - 60_000, message: 'other env' },
    ]);
    written = written.sort((a, b) => a.timestamp - b.timestamp);
  });

  it('merges instance and task groups in timestamp order, each line tagged with its source', async () => {
    const result = await runCli([
      'logs',
      'tail',
      '--env',
      env,
      '--instances',
      '--tasks',
      '--format',
      'json',
      '--since',
      '5m',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = parse(result.stdout);
    expect(lines.map(key)).toEqual(written.map(key));
    const times = lines.map((l) => Date.parse(l.timestamp));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const byStream = Object.fromEntries(lines.map((l) => [l.stream, l.source]));
    expect(byStream['i-0bbb']).toEqual({ kind: 'instance', name: 'ecs-agent', id: 'i-0bbb' });
    expect(byStream['404/web/task2']).toEqual({ kind: 'task', name: '404', id: 'task2', container: 'web' });
    expect(byStream['php-hello/app/task3']).toEqual({
      kind: 'task',
      name: 'php-hello',
      id: 'task3',
      container: 'app',
    });
  });

  it('prints short lines with the time, the source tag and the message; detailed adds group and stream', async () => {
    const short = await runCli(['logs', 'tail', '--env', env, '--service', '404', '--since', '5m']);
    expect(short.code).toBe(0);
    const first = written.find((e) => e.group.endsWith('/404')) as ProducedEvent;
    const time = new Date(first.timestamp).toISOString().slice(11, 23);
    expect(short.stdout.split('\n')[0]).toBe(`${time} 404/web task1 ${first.message}`);
    expect(short.stdout.split('\n').filter(Boolean)).toHaveLength(40);

    const detailed = await runCli([
      'logs',
      'tail',
      '--env',
      env,
      '--instance',
      'i-0bbb',
      '--format',
      'detailed',
      '--since',
      '5m',
    ]);
    expect(detailed.code).toBe(0);
    const lines = detailed.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(20);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ecs-agent i-0bbb \/ecspoc\/merge\/instances\/ecs-agent i-0bbb i-0bbb line 0 ERROR disk full$/,
    );
  });

  it('honours --since and --until, relative and absolute', async () => {
    // Events are at now-120 s … now-101 s (plus a few ms per source); keep the window [now-115 s, now-110 s].
    const since = new Date(now - 115_000).toISOString();
    const until = new Date(now - 110_000 + 100).toISOString();
    const result = await runCli([
      'logs',
      'tail',
      '--env',
      env,
      '--file',
      'docker',
      '--since',
      since,
      '--until',
      until,
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(parse(result.stdout).map((l) => l.message)).toEqual(
      [5, 6, 7, 8, 9, 10].map((i) => `i-0aaa line ${i}${i % 5 === 0 ? ' ERROR disk full' : ''}`),
    );

    const recent = await runCli(['logs', 'tail', '--env', env, '--instances', '--since', '30s']);
    expect(recent.code).toBe(0);
    expect(recent.stdout).toBe('');
    // A relative --until is counted from when the CLI runs, which a loaded machine delays by seconds:
    // aim the cut between docker lines 5 and 6 as of just before the run, and expect the lines up to
    // wherever the cut fell by the time the CLI read its clock (after the run, at the latest).
    const docker = written.filter((e) => e.group.endsWith('/docker'));
    const cut = (docker[5].timestamp + docker[6].timestamp) / 2;
    const before = Date.now();
    const untilSeconds = Math.ceil((before - cut) / 1_000);
    const relative = await runCli([
      'logs',
      'tail',
      '--env',
      env,
      '--file',
      'docker',
      '--since',
      '1h',
      '--until',
      `${untilSeconds}s`,
      '--json',
    ]);
    const after = Date.now();
    expect(relative.code).toBe(0);
    const printed = parse(relative.stdout).map((l) => l.message);
    const atLeast = docker.filter((e) => e.timestamp <= before - untilSeconds * 1_000).length;
    const atMost = docker.filter((e) => e.timestamp <= after - untilSeconds * 1_000).length;
    expect(atLeast).toBeGreaterThanOrEqual(5);
    expect(printed.length).toBeGreaterThanOrEqual(atLeast);
    expect(printed.length).toBeLessThanOrEqual(atMost);
    expect(printed.length).toBeLessThan(20);
    expect(printed).toEqual(docker.slice(0, printed.length).map((e) => e.message));
  });

  it('filters with a CloudWatch filter pattern: a word and a quoted phrase', async () => {
    const word = await runCli([
      'logs',
      'tail',
      '--env',
      env,
      '--instances',
      '--tasks',
      '--filter',
      'ERROR',
      '--json',
      '--since',
      '5m',
    ]);
    expect(word.code).toBe(0);
    const expected = written.filter((e) => e.message.includes('ERROR')).map(key);
    expect(parse(word.stdout).map(key)).toEqual(expected);
    expect(expected).toHaveLength(24);
    const phrase = await runCli([
      'logs',
      'tail',
      '--env',
      env,
      '--tasks',
      '--filter',
      '"disk full"',
      '--json',
      '--since',
      '5m',
    ]);
    expect(parse(phrase.stdout).map(key)).toEqual(
      written.filter((e) => e.group.includes('/tasks/') && e.message.includes('disk full')).map(key),
    );
  });

  it('with no selector and no terminal, tails every group of the environment and says so', async () => {
    const result = await runCli(['logs', 'tail', '--env', env, '--json', '--since', '5m']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `ecspoc: tailing all 4 log groups of ${env} (narrow with --instances, --tasks, --service, --instance, --file or --group).\n`,
    );
    expect(parse(result.stdout)).toHaveLength(written.length);
  });

  it.each([
    [
      ['--service', 'web'],
      'Error: Environment merge has no task logs of service web.',
      'Try: Its services with task logs are: 404, php-hello.',
    ],
    [
      ['--file', 'kernel'],
      'Error: Unknown instance log file "kernel".',
      'Try: Use one of: dmesg, messages, docker, ecs-agent, ecs-init, audit.',
    ],
    [
      ['--instance', 'i-0nope'],
      'Error: No logs of instance i-0nope in environment merge.',
      'Try: Instances with logs: i-0aaa, i-0bbb.',
    ],
    [
      ['--group', '/no/such/group'],
      'Error: Log group /no/such/group does not exist.',
      'Try: Log groups of environment merge:',
    ],
    [
      ['--instances', '--since', 'yesterday'],
      'Error: Cannot read --since "yesterday" as a time.',
      'Try: Give a duration',
    ],
    [
      ['--instances', '--follow', '--until', '5m'],
      'Error: --until cannot be combined with --follow or --live.',
      'Try: Drop --until',
    ],
  ])('rejects %p with one line saying what is valid', async (args, error, suggestion) => {
    const result = await runCli(['logs', 'tail', '--env', env, ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe(error);
    expect(lines[1].startsWith(suggestion)).toBe(true);
    expect(result.stderr).not.toMatch(/\s+at /);
  });

  it('--live says clearly when the endpoint has no Live Tail (moto does not serve it)', async () => {
    const result = await runCli(['logs', 'tail', '--env', env, '--service', '404', '--live'], {
      env: { AWS_MAX_ATTEMPTS: '1' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ecspoc: |^Error: /);
    expect(result.stderr).toContain('Drop --live to follow by polling');
    expect(result.stderr).not.toMatch(/\s+at /);
  });
});

describe('ecspoc logs tail --follow against moto_server', () => {
  it('prints every event written while it runs exactly once: several writers, identical timestamps, new streams; Ctrl-C exits 130', async () => {
    const env = 'follow';
    const agent = `/ecspoc/${env}/instances/ecs-agent`;
    const docker = `/ecspoc/${env}/instances/docker`;
    const service = `/ecspoc/${env}/tasks/404`;
    const before = await producer.write(agent, 'i-0aaa', [
      { timestamp: Date.now() - 5_000, message: 'before the follow' },
    ]);
    await producer.write(docker, 'i-0aaa', [{ timestamp: Date.now() - 4_000, message: 'docker before' }]);
    await producer.write(service, '404/web/task1', [
      { timestamp: Date.now() - 3_000, message: 'task before' },
    ]);

    const child = spawnCli([
      'logs',
      'tail',
      '--env',
      env,
      '--instances',
      '--tasks',
      '--follow',
      '--json',
      '--since',
      '1m',
      '--page-size',
      '250',
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const waitFor = async (check: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      return check();
    };
    expect(await waitFor(() => stdout.split('\n').filter(Boolean).length >= 3, 20_000)).toBe(true);

    // Five writers at once (two of them on streams that appear only now: a new instance and a new
    // task), batches of 40 events sharing one timestamp, and all writers share the same timestamps.
    const base = Date.now();
    const shared = (i: number) => base + Math.floor(i / 40) * 150;
    const during = await producer.writeConcurrently([
      { group: agent, stream: 'i-0aaa', count: 800, batchSize: 40, timestamp: shared, pauseMs: 120 },
      { group: agent, stream: 'i-0new', count: 800, batchSize: 40, timestamp: shared, pauseMs: 120 },
      { group: docker, stream: 'i-0aaa', count: 800, batchSize: 40, timestamp: shared, pauseMs: 120 },
      { group: service, stream: '404/web/task1', count: 800, batchSize: 40, timestamp: shared, pauseMs: 120 },
      { group: service, stream: '404/web/task9', count: 800, batchSize: 40, timestamp: shared, pauseMs: 120 },
    ]);
    const expected = [...before, ...during];
    const lines = () => stdout.split('\n').filter(Boolean);
    await waitFor(() => lines().length >= expected.length + 2, 30_000);
    // Let a few more polls run: a repeat would show up now.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    child.kill('SIGINT');
    const code = await exited;

    expect(code).toBe(130);
    expect(stderr).toBe('');
    const printed = parse(stdout).map(key);
    const all = [...expected, ...producer.written.filter((e) => e.message.endsWith(' before'))].map(key);
    const unique = [...new Set(all)];
    expect(during).toHaveLength(4_000);
    expect(printed).toHaveLength(unique.length); // nothing repeated
    expect(printed.sort()).toEqual(unique.sort()); // nothing dropped
  }, 90_000);
});
