#!/usr/bin/env node
// bench:deploy — the main job against a local moto_server, compared in the same run with the
// sequential baseline an operator would script: `aws cloudformation deploy` of the same templates
// with the same parameters, one stack after the other, reading each stack's outputs for the next.
//
// Reports (medians of RUNS rounds, each on a freshly reset moto):
//   - full deploy wall time, ecspoc vs the sequential baseline (goal: at least 2x faster);
//   - API calls per stack, from `--debug` (goal: a few dozen at most);
//   - no-op redeploy vs first deploy (goal: at most a third), wall time and engine time.
// Wall times include each process's start-up (Node and oclif for ecspoc, Python for the AWS CLI);
// engine time is ecspoc's own plan + execute time from --json.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { keepTasksRunning, motoAvailable, resetMoto, startMoto } from '../scripts/moto.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const SSH_CIDR = '127.0.0.1/32';

if (!motoAvailable()) {
  console.error('bench:deploy needs moto_server on PATH (pip install "moto[server]").');
  process.exit(1);
}
// The baseline is the AWS CLI v2 binary (Debian's awscli package, /usr/bin/aws: no Python shim in
// front of it); the `aws` a pyenv or pip puts first on PATH is often v1 behind a shim, which inflates
// every call. Each call's start-up is measured too (`aws --version`), so the baseline is also shown
// without it.
function findAwsV2() {
  for (const candidate of [process.env.BENCH_AWS, '/usr/bin/aws', 'aws'].filter(Boolean)) {
    const result = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (result.status === 0 && /^aws-cli\/2\./.test(result.stdout + result.stderr)) return candidate;
  }
  return undefined;
}
const AWS = findAwsV2();
if (!AWS) {
  console.error(
    'bench:deploy needs the AWS CLI v2 for its baseline: sudo apt-get install -y awscli (gives /usr/bin/aws).',
  );
  process.exit(1);
}
let awsCalls = 0;

const { buildCatalog } = await import('../dist/lib/stacks/catalog.js');
const { readTemplates } = await import('../dist/lib/stacks/templates.js');
const { resolveParameters } = await import('../dist/lib/stacks/parameters.js');

const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '1' });
const env = {
  ...process.env,
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NO_COLOR: '1',
};

function timed(command, args) {
  const started = performance.now();
  const result = spawnSync(command, args, { env, cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stderr}`);
  }
  return { ms, stdout: result.stdout, stderr: result.stderr };
}

function ecspocDeploy(envName) {
  const run = timed(process.execPath, [
    bin,
    'deploy',
    '--env',
    envName,
    '--yes',
    '--json',
    '--debug',
    `--parameter=SshCidr=${SSH_CIDR}`,
  ]);
  const result = JSON.parse(run.stdout);
  if (!result.ok) throw new Error(`ecspoc deploy failed: ${run.stdout}`);
  const line = run.stderr.split('\n').find((l) => l.startsWith('ecspoc: api-calls '));
  const calls = JSON.parse(line.slice('ecspoc: api-calls '.length));
  return {
    wallMs: run.ms,
    engineMs: result.planDurationMs + result.durationMs,
    stacks: result.stacks.length,
    executed: result.stacks.filter((s) => s.status === 'created' || s.status === 'updated').length,
    calls: calls.total.operations,
    operations: calls.operations,
  };
}

/** The baseline: one `aws cloudformation deploy` per stack, in dependency order, outputs read in between. */
async function sequentialBaseline(envName) {
  const catalog = buildCatalog(envName);
  const templates = await readTemplates(catalog.components);
  const outputs = {};
  const started = performance.now();
  for (const component of catalog.components) {
    const template = templates.get(component.template);
    const { values } = resolveParameters(component, template, {
      outputs,
      overrides: { global: { SshCidr: SSH_CIDR } },
    });
    awsCalls += 1;
    timed(AWS, [
      'cloudformation',
      'deploy',
      '--endpoint-url',
      moto.endpoint,
      '--stack-name',
      component.stackName,
      '--template-file',
      template.path,
      '--capabilities',
      'CAPABILITY_NAMED_IAM',
      '--no-fail-on-empty-changeset',
      '--parameter-overrides',
      ...Object.entries(values).map(([key, value]) => `${key}=${value}`),
    ]);
    awsCalls += 1;
    const described = timed(AWS, [
      'cloudformation',
      'describe-stacks',
      '--endpoint-url',
      moto.endpoint,
      '--stack-name',
      component.stackName,
      '--query',
      'Stacks[0].Outputs',
      '--output',
      'json',
    ]);
    outputs[component.name] = Object.fromEntries(
      (JSON.parse(described.stdout) ?? []).map((o) => [o.OutputKey, o.OutputValue]),
    );
  }
  return { wallMs: performance.now() - started, stacks: catalog.components.length };
}

/** Median start-up of one AWS CLI process (`aws --version`), to show the baseline without it. */
function awsStartMs() {
  const samples = [];
  for (let i = 0; i < 7; i++) samples.push(timed(AWS, ['--version']).ms);
  return [...samples].sort((a, b) => a - b)[3];
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

try {
  await keepTasksRunning(moto.endpoint);
  // Warm moto up (its first call per service costs about a second) so neither side pays for it.
  ecspocDeploy('warm');
  const rounds = [];
  for (let round = 0; round < RUNS; round++) {
    await resetMoto(moto.endpoint);
    await keepTasksRunning(moto.endpoint);
    const first = ecspocDeploy(`b${round}`);
    const noop = ecspocDeploy(`b${round}`);
    await resetMoto(moto.endpoint);
    await keepTasksRunning(moto.endpoint);
    awsCalls = 0;
    const baseline = await sequentialBaseline(`s${round}`);
    baseline.startMs = awsCalls * awsStartMs();
    rounds.push({ first, noop, baseline });
    console.error(
      `round ${round + 1}/${RUNS}: ecspoc ${seconds(first.wallMs)}, no-op ${seconds(noop.wallMs)}, sequential aws cloudformation deploy ${seconds(baseline.wallMs)}`,
    );
  }
  const first = median(rounds.map((r) => r.first.wallMs));
  const firstEngine = median(rounds.map((r) => r.first.engineMs));
  const noop = median(rounds.map((r) => r.noop.wallMs));
  const noopEngine = median(rounds.map((r) => r.noop.engineMs));
  const baseline = median(rounds.map((r) => r.baseline.wallMs));
  const baselineNoStart = median(rounds.map((r) => r.baseline.wallMs - r.baseline.startMs));
  const stacks = rounds[0].first.stacks;
  const callsFirst = median(rounds.map((r) => r.first.calls));
  const callsNoop = median(rounds.map((r) => r.noop.calls));
  const lines = [
    `bench:deploy — ${stacks} stacks, ${RUNS} rounds on moto_server, medians`,
    '',
    `full deploy, ecspoc (parallel)              ${seconds(first).padStart(9)}   engine ${seconds(firstEngine)}`,
    `full deploy, aws cloudformation deploy x${stacks}   ${seconds(baseline).padStart(9)}   (sequential baseline)`,
    `  speed-up                                  ${(baseline / first).toFixed(1).padStart(7)}x   goal >= 2x`,
    `  baseline without the AWS CLI's start-up   ${seconds(baselineNoStart).padStart(9)}   speed-up ${(baselineNoStart / first).toFixed(1)}x (${AWS})`,
    '',
    `API calls, first deploy                     ${String(callsFirst).padStart(7)}    ${(callsFirst / stacks).toFixed(1)} per stack`,
    `API calls, no-op redeploy                   ${String(callsNoop).padStart(7)}    ${(callsNoop / stacks).toFixed(1)} per stack   goal: a few dozen at most`,
    `  by operation, first deploy: ${Object.entries(rounds[0].first.operations)
      .map(([name, count]) => `${name.replace('CloudFormation.', '')} ${count.operations}`)
      .join(', ')}`,
    '',
    `no-op redeploy                              ${seconds(noop).padStart(9)}   engine ${seconds(noopEngine)}   change sets executed: ${rounds[0].noop.executed}`,
    `  no-op / first deploy, wall                ${(noop / first).toFixed(2).padStart(7)}    goal <= 0.33`,
    `  no-op / first deploy, engine              ${(noopEngine / firstEngine).toFixed(2).padStart(7)}`,
  ];
  console.log(lines.join('\n'));
} finally {
  await moto.stop();
}
