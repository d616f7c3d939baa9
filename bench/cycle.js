#!/usr/bin/env node
// `instances cycle` against moto_server with the rig's stand-ins simulating a boot time (ECS agent)
// and a drain time (scheduler): total cycle time against the ideal, batches × (boot + drain), and the
// API calls each poll makes against the fleet size (they must grow with instances / 100); then a fleet
// of 100 instances cycled with the default batch size (about 10 % of the group) against its ideal.
// Usage: npm run bench:cycle [-- --boot 5 --drain 5 --poll 250ms --large 150 --fleet 100]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { keepTasksRunning, startMoto } from '../scripts/moto.js';
import { loadStandIns } from '../scripts/standins.js';
import { apiCallsOf, clientConfig, cliEnv } from './stacks.js';

const { values } = parseArgs({
  options: {
    boot: { type: 'string', default: '5' },
    drain: { type: 'string', default: '5' },
    poll: { type: 'string', default: '250ms' },
    large: { type: 'string', default: '150' },
    fleet: { type: 'string', default: '100' },
  },
});
const bootMs = Number(values.boot) * 1000;
const drainMs = Number(values.drain) * 1000;
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '0' });
await keepTasksRunning(moto.endpoint);
// The rig's helpers find moto through the variable the e2e global set-up sets.
process.env.ECSPOC_TEST_MOTO_ENDPOINT = moto.endpoint;
const config = clientConfig(moto.endpoint);
const childEnv = cliEnv(moto.endpoint);
const { 'ecs-agent': agentLib, scheduler: schedulerLib, cluster } = await loadStandIns();

/** Runs the CLI; resolves with its exit code, output, wall time and API call counts (--debug). */
function run(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...args], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ended = performance.now();
      resolve({
        code,
        stdout,
        stderr,
        wallMs: ended - started,
        apiCalls: apiCallsOf(stderr),
      });
    });
  });
}

/** A cluster of `instances` with services, the stand-ins running, and a new AMI rolled out. */
async function environment(env, instances, options) {
  const stack = await cluster.createClusterStack(env, {
    desired: instances,
    max: options.max ?? instances + 2,
  });
  const agent = agentLib.startEcsAgent({
    config,
    cluster: stack.clusterName,
    autoScalingGroupName: stack.autoScalingGroupName,
    bootDelayMs: options.bootMs,
    // 100 ms: each look describes the whole group (110 instances of XML); a boot's clock starts when
    // the stand-in first sees the instance, so a slower look only lengthens the surge measured.
    pollIntervalMs: 100,
  });
  await agent.waitForRegistered(instances, 120_000);
  await cluster.createServices(config, stack.clusterName, options.services);
  const scheduler = schedulerLib.startScheduler({
    config,
    cluster: stack.clusterName,
    drainDelayMs: options.drainMs,
    // Every 150 ms, not 50: each look reads every service, instance and task (at 100 instances ~6
    // describes), and at 50 ms the stand-in kept moto_server's single core 80-100 % busy, so every call
    // of the CLI queued behind it (on AWS the scheduler's work slows no API). A drain's clock starts
    // when the stand-in sees the instance DRAINING, so a slower look only lengthens the drain measured
    // against the CLI: one cycle of 100 took 119.5 s with 50 ms looks, 115.5 s with 150 ms.
    pollIntervalMs: 150,
  });
  await scheduler.waitForSteady(120_000);
  await cluster.rollNewImage(config, stack, 'ami-1812c061');
  return {
    stack,
    async stop() {
      await scheduler.stop();
      await agent.stop();
      if (agent.errors.length || scheduler.errors.length)
        throw new Error(`stand-in errors: ${[...agent.errors, ...scheduler.errors].join('; ')}`);
    },
  };
}

try {
  // 1. Six instances, batches of two: time against the ideal.
  const small = await environment('bench', 6, {
    bootMs,
    drainMs,
    services: [
      { name: 'web', desired: 6, cpu: 512, memory: 1024, hostPort: 8080 },
      { name: 'worker', desired: 6, cpu: 256, memory: 512 },
    ],
  });
  const cycle = await run([
    'instances',
    'cycle',
    '--outdated',
    '--batch-size',
    '2',
    '--yes',
    '--poll-interval',
    values.poll,
    '--env',
    'bench',
    '--json',
    '--debug',
  ]);
  await small.stop();
  if (cycle.code !== 0) throw new Error(`cycle exited ${cycle.code}: ${cycle.stderr}`);
  const result = JSON.parse(cycle.stdout);
  const batches = result.plan.batches.length;
  const ideal = batches * (bootMs + drainMs);

  // 2. A large fleet: two instances replaced, to see what one poll costs with many instances.
  const large = Number(values.large);
  const big = await environment('large', large, {
    bootMs: 500,
    drainMs: 500,
    services: [{ name: 'worker', desired: large, cpu: 128, memory: 128 }],
  });
  const list = await run(['instances', 'list', '--env', 'large', '--json', '--debug']);
  const ids = JSON.parse(list.stdout)
    .instances.slice(0, 2)
    .map((i) => i.instanceId);
  const bigCycle = await run([
    'instances',
    'cycle',
    ...ids,
    '--batch-size',
    '2',
    '--yes',
    '--poll-interval',
    values.poll,
    '--env',
    'large',
    '--json',
    '--debug',
  ]);
  await big.stop();
  if (bigCycle.code !== 0) throw new Error(`large cycle exited ${bigCycle.code}: ${bigCycle.stderr}`);
  const bigResult = JSON.parse(bigCycle.stdout);
  const smallList = await (async () => {
    const env = await environment('list6', 6, { bootMs: 0, drainMs: 0, services: [] });
    const r = await run(['instances', 'list', '--env', 'list6', '--json', '--debug']);
    await env.stop();
    return r;
  })();

  // 3. A fleet cycled whole with the default batch size: time against the ideal.
  const fleetSize = Number(values.fleet);
  // Room for a surge of 10 % above the desired capacity, as a group sized for instance refresh has.
  const fleet = await environment('fleet', fleetSize, {
    max: fleetSize + Math.ceil(fleetSize / 10),
    bootMs,
    drainMs,
    services: [{ name: 'worker', desired: fleetSize, cpu: 128, memory: 128 }],
  });
  const fleetCycle = await run([
    'instances',
    'cycle',
    '--outdated',
    '--yes',
    '--poll-interval',
    values.poll,
    '--env',
    'fleet',
    '--json',
    '--debug',
  ]);
  await fleet.stop();
  if (fleetCycle.code !== 0) throw new Error(`fleet cycle exited ${fleetCycle.code}: ${fleetCycle.stderr}`);
  const fleetResult = JSON.parse(fleetCycle.stdout);
  const fleetBatches = fleetResult.plan.batches.length;
  const fleetIdeal = fleetBatches * (bootMs + drainMs);

  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const perPoll = (r) => (r.stats.polls ? r.stats.apiCallsInPolls / r.stats.polls : 0);
  const bound = (n) => 1 + 2 * Math.ceil(n / 100);
  console.log(
    `cycle of 6 instances, batch size 2 (${batches} batches), boot ${s(bootMs)}, drain ${s(drainMs)}, poll ${values.poll}`,
  );
  console.log(`  ideal  batches × (boot + drain)      ${s(ideal)}`);
  console.log(
    `  cycle  pre-flight to last step        ${s(result.durationMs)}   ratio ${(result.durationMs / ideal).toFixed(3)} (overhead ${pct(result.durationMs / ideal - 1)}, goal ≤ 15%)`,
  );
  console.log(
    `  total  CLI process, start-up included ${s(cycle.wallMs)}   ratio ${(cycle.wallMs / ideal).toFixed(3)} (overhead ${pct(cycle.wallMs / ideal - 1)})`,
  );
  console.log(
    `  API calls: ${cycle.apiCalls.total.operations} in all; ${result.stats.polls} polls, ${perPoll(result).toFixed(2)} calls per poll on average, ${result.stats.maxApiCallsPerPoll} at most (bound 1 + 2·⌈n/100⌉ = ${bound(6)})`,
  );
  for (const b of result.stats.batches) {
    console.log(
      `  batch ${b.batch}: surge wait ${s(b.surgeMs)} (boot ${s(bootMs)}), drain wait ${s(b.drainMs)} (drain ${s(drainMs)}), services ${s(b.servicesMs)}, batch ${s(b.totalMs)}`,
    );
  }
  console.log(`fleet of ${large} instances, 2 replaced`);
  console.log(
    `  API calls: ${bigResult.stats.polls} polls, ${perPoll(bigResult).toFixed(2)} calls per poll on average, ${bigResult.stats.maxApiCallsPerPoll} at most (bound ${bound(large)})`,
  );
  console.log(
    `instances list: ${smallList.apiCalls.total.operations} calls for 6 instances, ${list.apiCalls.total.operations} for ${large}`,
  );
  console.log(
    `cycle of ${fleetSize} instances, default batch size ${fleetResult.plan.batchSize} (${fleetBatches} batches), boot ${s(bootMs)}, drain ${s(drainMs)}`,
  );
  console.log(`  ideal  batches × (boot + drain)      ${s(fleetIdeal)}`);
  console.log(
    `  cycle  pre-flight to last step        ${s(fleetResult.durationMs)}   ratio ${(fleetResult.durationMs / fleetIdeal).toFixed(3)} (overhead ${pct(fleetResult.durationMs / fleetIdeal - 1)}, goal ≤ 15%)`,
  );
  console.log(
    `  total  CLI process, start-up included ${s(fleetCycle.wallMs)}   ratio ${(fleetCycle.wallMs / fleetIdeal).toFixed(3)}`,
  );
  console.log(
    `  API calls: ${fleetCycle.apiCalls.total.operations} in all; ${perPoll(fleetResult).toFixed(2)} per poll on average, ${fleetResult.stats.maxApiCallsPerPoll} at most (bound ${bound(fleetSize + fleetResult.plan.batchSize)}, the surge included)`,
  );
  for (const b of fleetResult.stats.batches) {
    console.log(
      `  batch ${b.batch}: surge wait ${s(b.surgeMs)}, drain wait ${s(b.drainMs)}, services ${s(b.servicesMs)}, batch ${s(b.totalMs)}`,
    );
  }
  console.log(
    `  one batch at a time instead: ${fleetSize} × (boot + drain) = ${s(fleetSize * (bootMs + drainMs))}, ${(fleetSize / fleetBatches).toFixed(1)}× longer`,
  );
  const ok =
    result.durationMs / ideal <= 1.15 &&
    fleetResult.durationMs / fleetIdeal <= 1.15 &&
    fleetResult.plan.batchSize === Math.max(1, Math.round(fleetSize / 10)) &&
    fleetResult.stats.maxApiCallsPerPoll <= bound(fleetSize + fleetResult.plan.batchSize) &&
    result.stats.maxApiCallsPerPoll <= bound(6) &&
    bigResult.stats.maxApiCallsPerPoll <= bound(large);
  console.log(ok ? 'goals met' : 'GOALS MISSED');
} finally {
  await moto.stop();
}
