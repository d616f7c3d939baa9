#!/usr/bin/env node
// The main job on a local emulator: starts moto_server on 127.0.0.1, deploys the whole bundle into
// it with ecspoc and walks through every command: status, diff, ssh-config (checked by `ssh -G`),
// bastion stop and start, logs tail of freshly written events, instances cycle, destroy. It stops
// the server by its pid however the demo ends (success, failure or Ctrl-C).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { motoAvailable, startMoto, keepTasksRunning } from './moto.js';
import { loadStandIns } from './standins.js';

// The demo loads the AWS SDK itself (to play the ECS agent): no Node-version warning for it either.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const env = process.env.DEMO_ENV ?? 'demo';

if (!motoAvailable()) {
  console.error('Error: moto_server is not on PATH.\nTry: pip install "moto[server]"');
  process.exit(1);
}

// Services report their desired two tasks running (moto launches no task itself).
const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '2' });
await keepTasksRunning(moto.endpoint);
let stopping = false;
/** The ecspoc command the demo is running now, if any. */
let running;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  // The running ecspoc command gets the same Ctrl-C, so it stops starting work before moto goes.
  if (running && running.exitCode === null) {
    running.kill('SIGINT');
    await new Promise((resolve) => running.once('close', resolve));
  }
  await Promise.allSettled([standIns?.agent.stop(), standIns?.scheduler.stop()]);
  await moto.stop();
  rmSync(workdir, { recursive: true, force: true });
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(130));

const childEnv = {
  ...process.env,
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  ECSPOC_ENV: env,
};

/** Runs one ecspoc command, echoing it first; resolves with its exit code, rejects on failure unless allowed. */
function ecspoc(...args) {
  const allowFailure = args[0] === '--allow-failure';
  if (allowFailure) args.shift();
  console.error(`\n$ ecspoc ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: childEnv,
      stdio: ['inherit', 'inherit', 'inherit'],
    });
    child.on('close', (code) =>
      code === 0 || allowFailure ? resolve(code) : reject(new Error(`ecspoc ${args[0]} exited with ${code}`)),
    );
  });
}

/** The demo environment's stacks that still exist. */
async function remainingStacks() {
  const { CloudFormationClient, ListStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient(config);
  try {
    const { StackSummaries = [] } = await cfn.send(new ListStacksCommand({}));
    return StackSummaries.filter(
      (s) => s.StackName?.startsWith(`ecspoc-${env}-`) && s.StackStatus !== 'DELETE_COMPLETE',
    ).map((s) => s.StackName);
  } finally {
    cfn.destroy();
  }
}

/** Outputs of one stack of the demo environment. */
async function stackOutputs(component) {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient(config);
  try {
    const stack = await cfn.send(new DescribeStacksCommand({ StackName: `ecspoc-${env}-${component}` }));
    return Object.fromEntries((stack.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  } finally {
    cfn.destroy();
  }
}

/** Checks every Host of the generated SSH config with the real OpenSSH client (`ssh -G`). */
function checkWithSsh(file) {
  const hosts = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^Host /.test(line))
    .map((line) => line.slice(5).trim());
  for (const host of hosts) {
    const result = spawnSync('ssh', ['-G', '-F', file, host], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`ssh -G rejected ${host}: ${result.stderr}`);
    const resolved = result.stdout.split('\n').find((line) => line.startsWith('hostname '));
    console.error(`(demo) ssh -G ${host} -> ${resolved}`);
  }
  if (hosts.length < 2)
    throw new Error(`expected the bastion and the instances in ${file}, found ${hosts.length} host(s)`);
}

const config = {
  endpoint: moto.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};
const workdir = mkdtempSync(join(tmpdir(), 'ecspoc-demo-'));
const sshConfig = join(workdir, 'ssh_config');
let standIns;

console.error(`moto_server listening on ${moto.endpoint} (pid ${moto.pid}); environment "${env}"`);
try {
  await ecspoc('doctor');
  // The bastion admits SSH from one address only; a real deploy gives the operator's own /32.
  await ecspoc('deploy', '--yes', '--parameter', 'SshCidr=127.0.0.1/32');

  // moto plays no ECS agent and no scheduler: the rig's stand-ins do, as in the end-to-end tests.
  process.env.ECSPOC_TEST_MOTO_ENDPOINT = moto.endpoint;
  const helpers = await loadStandIns();
  const cluster = await stackOutputs('cluster');
  const group = await helpers['cluster'].describeGroup(config, cluster.AutoScalingGroupName);
  standIns = {
    agent: helpers['ecs-agent'].startEcsAgent({
      config,
      cluster: cluster.ClusterName,
      autoScalingGroupName: cluster.AutoScalingGroupName,
      pollIntervalMs: 200,
    }),
    scheduler: helpers['scheduler'].startScheduler({
      config,
      cluster: cluster.ClusterName,
      pollIntervalMs: 200,
    }),
  };
  await standIns.agent.waitForRegistered(group.DesiredCapacity ?? 2, 30_000);
  console.error(`\n(demo) the ECS agent stand-in registered ${standIns.agent.registered.size} instance(s)`);

  await ecspoc('status');
  await ecspoc('diff');

  await ecspoc('ssh-config', '--write', '--file', sshConfig);
  checkWithSsh(sshConfig);
  await ecspoc('bastion', 'stop', '--yes');
  await ecspoc('bastion', 'start', '--refresh-ssh-config', '--ssh-config-file', sshConfig);
  checkWithSsh(sshConfig);

  const producer = new helpers['log-producer'].LogProducer();
  const instanceId = [...standIns.agent.registered.keys()][0];
  const now = Date.now();
  await producer.write(`/ecspoc/${env}/instances/ecs-agent`, instanceId, [
    { timestamp: now - 3000, message: 'level=info msg="Registered container instance with cluster"' },
    { timestamp: now - 1000, message: 'level=info msg="Task engine: managed task RUNNING"' },
  ]);
  await producer.write(`/ecspoc/${env}/tasks/404`, '404/404/0123456789abcdef0123456789abcdef', [
    { timestamp: now - 2000, message: 'GET /missing 404 0.3ms' },
  ]);
  producer.destroy();
  await ecspoc('logs', 'tail', '--instances', '--tasks', '--since', '5m');

  await ecspoc('instances', 'list');
  await ecspoc('instances', 'cycle', '--yes', '--batch-size', '1');
  await ecspoc('instances', 'list');

  await standIns.agent.stop();
  await standIns.scheduler.stop();
  standIns = undefined;
  const destroyed = await ecspoc('--allow-failure', 'destroy', '--yes', '--empty-buckets');
  const left = await remainingStacks();
  // moto cannot delete the VPC of the network stack (its route tables; a known emulator gap): it
  // drops the stack, keeps the VPC, and ecspoc rightly reports the failure. AWS deletes both. Any
  // other failure, or any other stack left behind, fails the demo.
  const network = `ecspoc-${env}-network`;
  if (left.some((name) => name !== network)) throw new Error(`destroy left ${left.join(', ')}`);
  if (destroyed !== 0)
    console.error(`\n(demo) moto could not delete the VPC of ${network}; on AWS destroy removes it too.`);
  console.error('\nDemo finished.');
  await stop(0);
} catch (error) {
  console.error(`\nDemo failed: ${error.message}`);
  await stop(1);
}
