#!/usr/bin/env node
// `ecspoc logs tail` against `aws logs tail` (AWS CLI v2), in the same run, against a moto_server this
// script starts (and, for the client-side cost, a stub endpoint that serves pages from memory):
//   1. backfill: events per second printed from 100,000 events in one group (median of interleaved runs);
//   2. follow: median latency from a finished PutLogEvents to the line on stdout;
//   3. a long follow under steady writes: resident memory sampled every second (should stay flat).
// Usage: npm run bench:logs [-- --runs 3 --events 100000 --latency-events 40 --rss-seconds 60 --only backfill|groups|quota|latency|memory]
// AWS CLI v2 is Debian's `awscli` package (/usr/bin/aws); the `aws` of pip is v1, without `logs tail`.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';

import { startMoto } from '../scripts/moto.js';
import { startThrottleProxy } from '../scripts/throttle-proxy.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(args[index + 1]);
};
const RUNS = option('runs', 3);
const EVENTS = option('events', 100_000);
const LATENCY_EVENTS = option('latency-events', 40);
const RSS_SECONDS = option('rss-seconds', 60);
const onlyIndex = args.indexOf('--only');
const ONLY = onlyIndex === -1 ? undefined : args[onlyIndex + 1];
const part = (name) => !ONLY || ONLY === name;

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The AWS CLI v2 binary, if there is one. */
function findAwsV2() {
  for (const candidate of ['/usr/bin/aws', 'aws']) {
    const result = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (result.status === 0 && /^aws-cli\/2\./.test(result.stdout + result.stderr)) return candidate;
  }
  return undefined;
}

function baseEnv(endpoint) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    NO_COLOR: '1',
    // Python block-buffers stdout into a pipe; a terminal would see each line at once.
    PYTHONUNBUFFERED: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

const tools = (aws, endpoint, group, extra = []) => ({
  ecspoc: [process.execPath, [bin, 'logs', 'tail', '--group', group, ...extra]],
  ...(aws ? { 'aws logs tail': [aws, ['--endpoint-url', endpoint, 'logs', 'tail', group, ...extra]] } : {}),
});

/** The peak resident set of a live process so far (VmHWM), in MiB. */
function peakMiB(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Runs a command to completion, counting stdout lines; wall time, time to the first line, peak RSS. */
function timeRun([command, commandArgs], env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakMiB(child.pid))), 20);
    let lines = 0;
    let firstMs;
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      if (firstMs === undefined) firstMs = Number(process.hrtime.bigint() - start) / 1e6;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines += 1;
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', () => clearInterval(sampler));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${command} exited ${code}: ${stderr}`));
      else resolve({ ms, firstMs, lines, peak });
    });
  });
}

async function writeBackfill(client, group, count, start, perSecond = 20) {
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'i-0bench' }));
  for (let offset = 0; offset < count; offset += 10_000) {
    const logEvents = [];
    for (let i = offset; i < Math.min(count, offset + 10_000); i++)
      logEvents.push({
        timestamp: start + Math.floor(i / perSecond),
        message: `event ${i} level=info component=agent some payload to make it a realistic line`,
      });
    await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'i-0bench', logEvents }));
  }
}

/** A stub CloudWatch Logs endpoint serving FilterLogEvents pages from memory: isolates the client's own cost. */
async function startStub(group, count, start) {
  const pageSize = 10_000;
  const pages = [];
  for (let offset = 0; offset < count; offset += pageSize) {
    const events = [];
    for (let i = offset; i < Math.min(count, offset + pageSize); i++) {
      events.push({
        logStreamName: 'i-0bench',
        timestamp: start + Math.floor(i / 20),
        message: `event ${i} level=info component=agent some payload to make it a realistic line`,
        ingestionTime: start + Math.floor(i / 20),
        eventId: String(i),
      });
    }
    const nextToken = offset + pageSize < count ? `page-${pages.length + 1}` : undefined;
    pages.push(JSON.stringify({ events, searchedLogStreams: [], ...(nextToken ? { nextToken } : {}) }));
  }
  const arn = `arn:aws:logs:us-east-1:123456789012:log-group:${group}`;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (body.startsWith('Action=ListStacks')) {
        // With no --env, a command first checks that the default environment exists (CloudFormation's
        // query protocol): an account with no stacks, where `dev` is taken as it is.
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(
          '<ListStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStacksResult><StackSummaries/></ListStacksResult></ListStacksResponse>',
        );
        return;
      }
      const target = String(request.headers['x-amz-target'] ?? '');
      const input = body ? JSON.parse(body) : {};
      let payload = '{}';
      if (target.endsWith('.FilterLogEvents'))
        payload = pages[input.nextToken ? Number(input.nextToken.slice(5)) : 0];
      else if (target.endsWith('.DescribeLogGroups'))
        payload = JSON.stringify({
          logGroups: group.startsWith(input.logGroupNamePrefix ?? '')
            ? [{ logGroupName: group, arn: `${arn}:*`, logGroupArn: arn }]
            : [],
        });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(payload);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** The floor: paging through the group in this process with the SDK, printing nothing. */
async function pagesOnly(endpoint, group) {
  const client = new CloudWatchLogsClient({ endpoint, region: 'us-east-1', credentials });
  const start = process.hrtime.bigint();
  let nextToken;
  let count = 0;
  do {
    const page = await client.send(
      new FilterLogEventsCommand({ logGroupName: group, startTime: 0, interleaved: true, nextToken }),
    );
    count += page.events?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  client.destroy();
  if (count !== EVENTS) throw new Error(`paged ${count} events, not ${EVENTS}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function backfill(label, endpoint, aws, group) {
  const env = baseEnv(endpoint);
  const cases = tools(aws, endpoint, group, ['--since', '1h']);
  const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  const floor = [];
  for (let run = 0; run <= RUNS; run++) {
    floor.push(await pagesOnly(endpoint, group));
    for (const [name, command] of Object.entries(cases)) {
      const result = await timeRun(command, env);
      if (result.lines !== EVENTS) throw new Error(`${name} printed ${result.lines} lines, not ${EVENTS}`);
      if (run > 0) results[name].push(result); // the first round warms caches
    }
  }
  console.log(
    `\nbackfill of ${EVENTS} events in one group, ${label} (median of ${RUNS} interleaved runs, process start to exit)`,
  );
  console.log(
    `  ${'(SDK paging only, in-process, no output)'.padEnd(14)} ${median(floor.slice(1)).toFixed(0)} ms: what the endpoint itself costs`,
  );
  const rates = {};
  for (const [name, runs] of Object.entries(results)) {
    const ms = median(runs.map((r) => r.ms));
    rates[name] = EVENTS / (ms / 1000);
    console.log(
      `  ${name.padEnd(14)} ${ms.toFixed(0).padStart(6)} ms  ${rates[name].toFixed(0).padStart(7)} events/s  first line after ${median(runs.map((r) => r.firstMs)).toFixed(0)} ms`,
    );
  }
  if (rates['aws logs tail'])
    console.log(
      `  ratio: ecspoc prints ${(rates.ecspoc / rates['aws logs tail']).toFixed(2)}x the events per second of aws logs tail`,
    );
}

/** Starts a follower; calls onLine(line, receivedAt) for every stdout line. */
function follow([command, commandArgs], env, onLine) {
  const child = spawn(command, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let partial = '';
  child.stdout.on('data', (chunk) => {
    const at = Date.now();
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop();
    for (const line of lines) onLine(line, at);
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  return { child, stderr: () => stderr };
}

async function latency(endpoint, aws, client) {
  const group = '/bench/follow';
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'i-0bench' }));
  const env = baseEnv(endpoint);
  const written = new Map();
  const seen = Object.fromEntries(Object.keys(tools(aws, endpoint, group)).map((name) => [name, new Map()]));
  const followers = Object.entries(tools(aws, endpoint, group, ['--follow', '--since', '1m'])).map(
    ([name, command]) =>
      follow(command, env, (line, at) => {
        const match = /latency-probe-(\d+)/.exec(line);
        if (match && !seen[name].has(match[1])) seen[name].set(match[1], at);
      }),
  );
  await sleep(6_000); // both have started and made their first read
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    await client.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 'i-0bench',
        logEvents: [{ timestamp: Date.now(), message: `latency-probe-${i}` }],
      }),
    );
    written.set(String(i), Date.now());
    await sleep(300 + Math.floor(Math.random() * 400));
  }
  await sleep(7_000); // the last probes reach even a 5 s poll
  for (const { child } of followers) child.kill('SIGINT');
  console.log(
    `\nfollow: latency from a finished PutLogEvents to the printed line (${LATENCY_EVENTS} probes, ~0.5 s apart)`,
  );
  const medians = {};
  for (const [name, lines] of Object.entries(seen)) {
    const delays = [...written].filter(([id]) => lines.has(id)).map(([id, at]) => lines.get(id) - at);
    medians[name] = median(delays);
    console.log(
      `  ${name.padEnd(14)} median ${String(medians[name]).padStart(5)} ms   max ${String(Math.max(...delays)).padStart(5)} ms   printed ${lines.size}/${LATENCY_EVENTS}`,
    );
  }
  if (medians['aws logs tail'])
    console.log(
      `  ratio: aws logs tail takes ${(medians['aws logs tail'] / medians.ecspoc).toFixed(1)}x as long`,
    );
}

/**
 * Backfill memory against the number of groups: peak RSS of ecspoc reading 1 and GROUPS groups of
 * EVENTS/4 events each, and of `aws logs tail` on one (it reads one group only). Goals: ecspoc on one
 * group <= 1.2x aws logs tail; each extra group <= 10 MiB more. Also one group holding all the events
 * of the GROUPS groups: against it, the extra groups' cost without the extra volume.
 */
async function groupsMemory(endpoint, aws, client) {
  const GROUPS = 4;
  const per = Math.floor(EVENTS / 4);
  const start = Date.now() - 20 * 60_000;
  const groups = Array.from({ length: GROUPS }, (_, i) => `/bench/groups/g${i}`);
  for (const group of groups) await writeBackfill(client, group, per, start);
  // The same events as all the groups together, in one group over the same minutes: the peak of a run
  // grows with how much it prints (V8 lets garbage build up longer in a longer run), so only a run of
  // the same volume shows what the groups themselves cost.
  const whole = '/bench/groups/all';
  await writeBackfill(client, whole, per * GROUPS, start, 20 * GROUPS);
  const env = baseEnv(endpoint);
  const cases = {
    'ecspoc, 1 group': [process.execPath, [bin, 'logs', 'tail', '--group', groups[0], '--since', '1h']],
    [`ecspoc, 1 group of ${per * GROUPS}`]: [
      process.execPath,
      [bin, 'logs', 'tail', '--group', whole, '--since', '1h'],
    ],
    [`ecspoc, ${GROUPS} groups`]: [
      process.execPath,
      [bin, 'logs', 'tail', ...groups.flatMap((g) => ['--group', g]), '--since', '1h'],
    ],
    ...(aws
      ? {
          'aws logs tail, 1 group': [
            aws,
            ['--endpoint-url', endpoint, 'logs', 'tail', groups[0], '--since', '1h'],
          ],
          [`aws logs tail, 1 group of ${per * GROUPS}`]: [
            aws,
            ['--endpoint-url', endpoint, 'logs', 'tail', whole, '--since', '1h'],
          ],
        }
      : {}),
  };
  const peaks = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let run = 0; run < RUNS; run++)
    for (const [name, command] of Object.entries(cases)) peaks[name].push((await timeRun(command, env)).peak);
  console.log(`\nbackfill memory: peak RSS, ${per} events per group (median of ${RUNS} interleaved runs)`);
  for (const [name, values] of Object.entries(peaks))
    console.log(`  ${name.padEnd(32)} ${median(values).toFixed(1).padStart(6)} MiB`);
  const one = median(peaks['ecspoc, 1 group']);
  const many = median(peaks[`ecspoc, ${GROUPS} groups`]);
  const same = median(peaks[`ecspoc, 1 group of ${per * GROUPS}`]);
  console.log(
    `  per extra group: ${((many - one) / (GROUPS - 1)).toFixed(1)} MiB (goal <= 10); at the same volume (${GROUPS} groups against 1 group of all their events): ${((many - same) / (GROUPS - 1)).toFixed(1)} MiB`,
  );
  if (aws)
    console.log(
      `  ratio: ecspoc on one group ${(one / median(peaks['aws logs tail, 1 group'])).toFixed(2)}x aws logs tail (goal <= 1.2x)`,
    );
}

/**
 * Following 8 groups through the rig's throttling proxy (FilterLogEvents limited to 5/s, as AWS in
 * several regions): median latency from a finished PutLogEvents to the printed line, and lines lost,
 * repeated and out of order. Goal: median <= 1.5 s, 0 / 0 / 0. The baseline is the same follow with
 * no quota in front of moto.
 */
async function quota(motoEndpoint, client) {
  const GROUPS = 8;
  const proxy = await startThrottleProxy(motoEndpoint, { rate: 5 });
  const groups = Array.from({ length: GROUPS }, (_, i) => `/bench/quota/g${i}`);
  for (const group of groups) {
    await client.send(new CreateLogGroupCommand({ logGroupName: group }));
    await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'i-0bench' }));
  }
  const results = {};
  for (const [label, endpoint, rate] of [
    ['through a 5/s quota', proxy.endpoint, '5'],
    ['no quota, --max-rate 100', motoEndpoint, '100'],
  ]) {
    const printed = [];
    const args = [
      'logs',
      'tail',
      ...groups.flatMap((g) => ['--group', g]),
      '--follow',
      '--json',
      '--since',
      '1m',
      '--max-rate',
      rate,
    ];
    const { child } = follow(
      [process.execPath, [bin, ...args]],
      { ...baseEnv(endpoint), AWS_MAX_ATTEMPTS: '1' },
      (line, at) => {
        if (line.startsWith('{')) printed.push({ ...JSON.parse(line), at });
      },
    );
    await sleep(5_000);
    const written = new Map();
    for (let round = 0; round < LATENCY_EVENTS; round++) {
      await Promise.all(
        groups.map(async (group, g) => {
          const message = `quota ${label} ${round} ${g}`;
          const timestamp = Date.now();
          await client.send(
            new PutLogEventsCommand({
              logGroupName: group,
              logStreamName: 'i-0bench',
              logEvents: [{ timestamp, message }],
            }),
          );
          written.set(message, Date.now());
        }),
      );
      await sleep(250 + Math.floor(Math.random() * 250));
    }
    await sleep(6_000);
    child.kill('SIGINT');
    const mine = printed.filter((e) => written.has(e.message));
    const delays = mine.map((e) => e.at - written.get(e.message));
    const times = printed.map((e) => Date.parse(e.timestamp));
    results[label] = {
      median: median(delays),
      lost: written.size - new Set(mine.map((e) => e.message)).size,
      repeated: mine.length - new Set(mine.map((e) => e.message)).size,
      outOfOrder: times.filter((t, i) => i > 0 && t < times[i - 1]).length,
    };
  }
  console.log(
    `\nfollow ${GROUPS} groups, ${LATENCY_EVENTS} rounds of one line per group (~0.4 s apart); throttled calls: ${proxy.stats.throttled}`,
  );
  for (const [label, r] of Object.entries(results))
    console.log(
      `  ${label.padEnd(24)} median ${String(r.median).padStart(5)} ms   lost ${r.lost}  repeated ${r.repeated}  out of order ${r.outOfOrder}`,
    );
  const [quotaLabel, freeLabel] = Object.keys(results);
  console.log(
    `  ratio: under the quota ${(results[quotaLabel].median / results[freeLabel].median).toFixed(2)}x the latency without it (goal: median <= 1,500 ms)`,
  );
  await proxy.stop();
}

function rssKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function memory(endpoint, client) {
  const groups = ['/bench/rss/a', '/bench/rss/b', '/bench/rss/c'];
  for (const group of groups) {
    await client.send(new CreateLogGroupCommand({ logGroupName: group }));
    await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'i-0bench' }));
  }
  let printed = 0;
  const args = ['logs', 'tail', ...groups.flatMap((g) => ['--group', g]), '--follow', '--since', '1m'];
  const { child } = follow([process.execPath, [bin, ...args]], baseEnv(endpoint), () => (printed += 1));
  let writing = true;
  let written = 0;
  const writer = (async () => {
    while (writing) {
      const now = Date.now();
      await Promise.all(
        groups.map((group, g) =>
          client.send(
            new PutLogEventsCommand({
              logGroupName: group,
              logStreamName: 'i-0bench',
              logEvents: Array.from({ length: 20 }, (_, i) => ({
                timestamp: now,
                message: `rss ${g} ${written + i} steady load line`,
              })),
            }),
          ),
        ),
      );
      written += 20 * groups.length;
      await sleep(100);
    }
  })();
  const samples = [];
  for (let s = 0; s < RSS_SECONDS; s++) {
    await sleep(1_000);
    samples.push(rssKb(child.pid) / 1024);
  }
  writing = false;
  await writer;
  child.kill('SIGINT');
  const warm = samples.slice(Math.min(5, samples.length - 1));
  const third = Math.max(1, Math.floor(warm.length / 3));
  const peakOf = (values) => Math.max(...values);
  console.log(
    `\nlong follow: resident memory of ecspoc over ${RSS_SECONDS} s of steady writes (3 groups, ~${Math.round(written / RSS_SECONDS)} events/s, ${printed} lines printed)`,
  );
  console.log(
    `  peak in the first third ${peakOf(warm.slice(0, third)).toFixed(1)} MiB, middle ${peakOf(warm.slice(third, 2 * third)).toFixed(1)} MiB, last ${peakOf(warm.slice(2 * third)).toFixed(1)} MiB; overall peak ${peakOf(samples).toFixed(1)} MiB`,
  );
  console.log(`  samples (MiB): ${samples.map((v) => v.toFixed(0)).join(' ')}`);
}

const aws = findAwsV2();
console.log(
  aws
    ? `baseline: ${spawnSync(aws, ['--version'], { encoding: 'utf8' }).stdout.trim()} (${aws})`
    : 'baseline: AWS CLI v2 not found (apt-get install awscli); printing ecspoc figures only',
);
// Only CloudWatch Logs is used: without the IAM policy catalogue moto's Python heap stays small and fast.
const moto = await startMoto({ MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' });
const client = new CloudWatchLogsClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
try {
  const start = Date.now() - 30 * 60_000;
  if (part('backfill')) {
    await writeBackfill(client, '/bench/backfill', EVENTS, start);
    await backfill('from moto_server', moto.endpoint, aws, '/bench/backfill');
    const stub = await startStub('/bench/backfill', EVENTS, start);
    try {
      const label = "from a stub endpoint serving pages from memory (the clients' own cost)";
      await backfill(label, stub.endpoint, aws, '/bench/backfill');
    } finally {
      stub.close();
    }
  }
  if (part('groups')) await groupsMemory(moto.endpoint, aws, client);
  if (part('quota')) await quota(moto.endpoint, client);
  if (part('latency')) await latency(moto.endpoint, aws, client);
  if (part('memory')) await memory(moto.endpoint, client);
} finally {
  client.destroy();
  await moto.stop();
}
