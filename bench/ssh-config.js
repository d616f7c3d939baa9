#!/usr/bin/env node
// `ecspoc ssh-config` for an environment of 200 container instances on moto_server: the AWS API calls
// it makes (from `--debug`'s `ecspoc: api-calls`, budget 8) and its wall time as a ratio to baselines
// run the same way in the same script, interleaved, medians: `ecspoc --version` (a no-op CLI start)
// and `ecspoc bastion status` (start-up plus two AWS calls). Usage: npm run bench:ssh-config [-- RUNS [INSTANCES]]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startMoto } from '../scripts/moto.js';
import {
  apiCallsOf,
  clientConfig,
  cliEnv,
  createNetworkAndBastion,
  registerContainerInstances,
} from './stacks.js';

// Set before the SDK loads (hence the dynamic imports): users never see its Node 20 warning, nor should this report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
const { EC2Client, RunInstancesCommand } = await import('@aws-sdk/client-ec2');
const { CreateClusterCommand, ECSClient } = await import('@aws-sdk/client-ecs');

const runs = Number(process.argv[2] ?? 7);
const instances = Number(process.argv[3] ?? 200);
const API_CALL_BUDGET = 8;
const env = 'bench';
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'run.js');

const moto = await startMoto();
try {
  const config = clientConfig(moto.endpoint);
  const cfn = new CloudFormationClient(config);
  const ec2 = new EC2Client(config);
  const ecs = new ECSClient(config);

  // The real network and bastion stacks; the cluster itself without its stack (ssh-config then
  // falls back to the cluster name ecspoc gives it, at the same cost of one DescribeStacks).
  const network = await createNetworkAndBastion(cfn, env);
  await ecs.send(new CreateClusterCommand({ clusterName: `ecspoc-${env}` }));
  const launched = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: instances,
      MaxCount: instances,
      InstanceType: 't3.small',
      SubnetId: network.PrivateSubnetIds.split(',')[0],
    }),
  );
  const ids = launched.Instances.map((i) => i.InstanceId);
  await registerContainerInstances(ecs, `ecspoc-${env}`, ids);
  cfn.destroy();
  ec2.destroy();
  ecs.destroy();

  const home = mkdtempSync(join(tmpdir(), 'ecspoc-bench-home-'));
  const childEnv = cliEnv(moto.endpoint, home);
  const cases = {
    'ecspoc --version': ['--version'],
    'ecspoc bastion status': ['bastion', 'status', '--env', env],
    'ecspoc ssh-config': ['ssh-config', '--env', env, '--debug'],
    'ecspoc ssh-config --write': [
      'ssh-config',
      '--env',
      env,
      '--write',
      '--file',
      join(home, 'config'),
      '--debug',
    ],
  };
  const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  const calls = {};
  let hosts = 0;
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, args] of Object.entries(cases)) {
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [bin, ...args], { env: childEnv, encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`);
      if (i === 0) {
        // The first round warms moto's first-call paths and the file cache; it is not timed.
        calls[name] = apiCallsOf(result.stderr);
        if (name === 'ecspoc ssh-config') hosts = (result.stdout.match(/^Host /gm) ?? []).length;
        continue;
      }
      times[name].push(ms);
    }
  }

  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const versionMs = median(times['ecspoc --version']);
  const statusMs = median(times['ecspoc bastion status']);
  console.log(`container instances: ${instances} registered, ${hosts - 1} in the config (+ the bastion)`);
  console.log(`runs: ${runs} (interleaved, first round discarded)`);
  for (const [name, values] of Object.entries(times)) {
    const m = median(values);
    console.log(
      `${name.padEnd(28)} median ${m.toFixed(0).padStart(5)} ms   ` +
        `vs --version ${(m / versionMs).toFixed(2)}x   vs bastion status ${(m / statusMs).toFixed(2)}x`,
    );
  }
  let failed = false;
  for (const name of ['ecspoc ssh-config', 'ecspoc ssh-config --write']) {
    const { total, operations } = calls[name];
    const detail = Object.entries(operations)
      .map(([operation, count]) => `${operation} ${count.operations}`)
      .join(', ');
    const ok = total.operations <= API_CALL_BUDGET;
    failed ||= !ok;
    console.log(
      `${name}: ${total.operations} API calls (budget ${API_CALL_BUDGET}) ${ok ? 'ok' : 'OVER BUDGET'}: ${detail}`,
    );
  }
  if (hosts !== instances + 1) {
    console.log(`expected ${instances + 1} Host entries, found ${hosts}`);
    failed = true;
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  await moto.stop();
}
