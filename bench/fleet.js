#!/usr/bin/env node
// A big fleet on moto_server (2,000 container instances by default, in an Auto Scaling Group, behind
// a bastion): the AWS API calls `instances list`, `ssh-config` and `status` make (from `--debug`'s
// `ecspoc: api-calls`; design goal: 2,000 instances listed in at most 60 calls) and their wall times,
// medians of interleaved runs, as ratios to `ecspoc --version` run the same way. The rig's launcher
// pages ListContainerInstances at 100 as ECS does, so the counts are AWS's.
// Usage: npm run bench:fleet [-- RUNS [INSTANCES]]
import { spawn } from 'node:child_process';
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
const { CloudFormationClient, CreateStackCommand } = await import('@aws-sdk/client-cloudformation');
const { CreateLaunchTemplateCommand, EC2Client } = await import('@aws-sdk/client-ec2');
const { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } =
  await import('@aws-sdk/client-auto-scaling');
const { CreateClusterCommand, ECSClient } = await import('@aws-sdk/client-ecs');

const runs = Number(process.argv[2] ?? 3);
const instances = Number(process.argv[3] ?? 2000);
/** The design's budget: 2,000 container instances listed in at most 60 calls (smaller fleets need no more). */
const API_CALL_BUDGET = Math.max(60, Math.ceil((60 * instances) / 2000));
const env = 'fleet';
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'run.js');

const moto = await startMoto();
try {
  const config = clientConfig(moto.endpoint);
  const cfn = new CloudFormationClient(config);
  const ec2 = new EC2Client(config);
  const asg = new AutoScalingClient(config);
  const ecs = new ECSClient(config);
  const network = await createNetworkAndBastion(cfn, env);

  // The cluster's parts made through the API (a 2,000-instance group inside a stack would only
  // slow moto down), and a cluster stack whose outputs name them, as templates/cluster.yml's do.
  const clusterName = `ecspoc-${env}`;
  const groupName = `ecspoc-${env}-instances`;
  await ecs.send(new CreateClusterCommand({ clusterName }));
  const launchTemplate = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `ecspoc-${env}-instances`,
      LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.small' },
    }),
  );
  const launchTemplateId = launchTemplate.LaunchTemplate.LaunchTemplateId;
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: groupName,
      LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '$Latest' },
      MinSize: instances,
      MaxSize: instances + Math.ceil(instances / 10),
      DesiredCapacity: instances,
      VPCZoneIdentifier: network.PrivateSubnetIds,
    }),
  );
  await cfn.send(
    new CreateStackCommand({
      StackName: `ecspoc-${env}-cluster`,
      TemplateBody: JSON.stringify({
        Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: {
          ClusterName: { Value: clusterName },
          AutoScalingGroupName: { Value: groupName },
          LaunchTemplateId: { Value: launchTemplateId },
        },
      }),
    }),
  );
  const group = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] })))
    .AutoScalingGroups[0];
  const ids = group.Instances.map((i) => i.InstanceId);
  await registerContainerInstances(ecs, clusterName, ids);
  for (const client of [cfn, ec2, asg, ecs]) client.destroy();

  const home = mkdtempSync(join(tmpdir(), 'ecspoc-bench-home-'));
  const childEnv = cliEnv(moto.endpoint, home);
  const cases = {
    'ecspoc --version': ['--version'],
    'ecspoc instances list': ['instances', 'list', '--env', env, '--json', '--debug'],
    'ecspoc ssh-config': ['ssh-config', '--env', env, '--debug'],
    'ecspoc status': ['status', '--env', env, '--json', '--debug'],
  };
  const budgets = { 'ecspoc instances list': API_CALL_BUDGET, 'ecspoc ssh-config': API_CALL_BUDGET };
  // Asynchronous on purpose: a synchronous child would stop this process draining moto's log pipe,
  // and moto, blocked writing its log, would stop answering.
  const run = (args) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], {
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = [];
      const err = [];
      child.stdout.on('data', (c) => out.push(c));
      child.stderr.on('data', (c) => err.push(c));
      child.on('error', reject);
      child.on('close', (status) =>
        resolve({ status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
      );
    });
  const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  const calls = {};
  const seen = {};
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, args] of Object.entries(cases)) {
      const start = process.hrtime.bigint();
      const result = await run(args);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`);
      if (i === 0) {
        // The first round warms moto's first-call paths and the file cache; it is not timed.
        calls[name] = apiCallsOf(result.stderr);
        if (name === 'ecspoc instances list') seen[name] = JSON.parse(result.stdout).instances.length;
        if (name === 'ecspoc ssh-config') seen[name] = (result.stdout.match(/^Host /gm) ?? []).length - 1;
        if (name === 'ecspoc status') seen[name] = JSON.parse(result.stdout).cluster.instances.total;
        continue;
      }
      times[name].push(ms);
    }
  }

  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const versionMs = median(times['ecspoc --version']);
  console.log(
    `container instances: ${instances} registered; runs: ${runs} (interleaved, first round discarded)`,
  );
  let failed = false;
  for (const [name, values] of Object.entries(times)) {
    const m = median(values);
    let line = `${name.padEnd(24)} median ${m.toFixed(0).padStart(6)} ms   vs --version ${(m / versionMs).toFixed(2)}x`;
    if (calls[name]) {
      const { total, operations } = calls[name];
      const detail = Object.entries(operations)
        .map(([operation, count]) => `${operation} ${count.operations}`)
        .join(', ');
      const budget = budgets[name];
      const ok = budget === undefined || total.operations <= budget;
      failed ||= !ok;
      line +=
        `\n  ${total.operations} API calls${budget === undefined ? '' : ` (budget ${budget}) ${ok ? 'ok' : 'OVER BUDGET'}`}` +
        `, ${seen[name]} instances seen: ${detail}`;
      if (seen[name] !== instances) {
        failed = true;
        line += `\n  expected ${instances} instances, saw ${seen[name]}`;
      }
    }
    console.log(line);
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  await moto.stop();
}
