import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateLaunchTemplateCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { runCli } from './helpers/cli.js';
import { createServices, describeGroup } from './helpers/cluster.js';
import { type EcsAgent, startEcsAgent } from './helpers/ecs-agent.js';
import { clientConfig } from './helpers/env.js';
import { startSampler } from './helpers/sampler.js';
import { type Scheduler, startScheduler } from './helpers/scheduler.js';
import { sshG } from './helpers/ssh.js';

/**
 * A cluster ecspoc did not deploy, built directly through the AWS APIs as Terraform or the console
 * would (VPC, subnet, launch template, Auto Scaling group of 3, cluster, a service logging to its own
 * group), with the rig's agent and scheduler stand-ins; every day-two command finds it by --cluster.
 */
const CLUSTER = 'shop';
const GROUP = 'shop-instances';
const LOG_GROUP = '/shop/api';
const SERVICES = [{ name: 'api', desired: 3, cpu: 256, memory: 512, logGroup: LOG_GROUP }];

// The project's testTimeout does not reach hooks: stand-ins and CLI runs need more than 5 s.
jest.setTimeout(120_000);

describe('day-two commands on a cluster ecspoc did not deploy (--cluster)', () => {
  let agent: EcsAgent;
  let scheduler: Scheduler;
  const config = clientConfig();
  const ec2 = new EC2Client(config);
  const asg = new AutoScalingClient(config);
  const ecs = new ECSClient(config);
  const logs = new CloudWatchLogsClient(config);
  const work = mkdtempSync(join(tmpdir(), 'ecspoc-foreign-e2e-'));

  beforeAll(async () => {
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpc.Vpc?.VpcId,
        CidrBlock: '10.42.1.0/24',
        AvailabilityZone: 'us-east-1a',
      }),
    );
    const template = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'shop-ecs',
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.medium' },
      }),
    );
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: GROUP,
        LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId, Version: '$Latest' },
        MinSize: 0,
        MaxSize: 4,
        DesiredCapacity: 3,
        VPCZoneIdentifier: subnet.Subnet?.SubnetId,
      }),
    );
    agent = startEcsAgent({ config, cluster: CLUSTER, autoScalingGroupName: GROUP, bootDelayMs: 300 });
    await agent.waitForRegistered(3);
    await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
    await createServices(config, CLUSTER, SERVICES);
    scheduler = startScheduler({ config, cluster: CLUSTER, drainDelayMs: 300 });
    await scheduler.waitForSteady();
  });

  afterAll(async () => {
    await scheduler?.stop();
    await agent?.stop();
    for (const client of [ec2, asg, ecs, logs]) client.destroy();
  });

  it('instances list --cluster: the group found from the instances, every instance with its state', async () => {
    const result = await runCli(['instances', 'list', '--cluster', CLUSTER, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout);
    expect(list.cluster).toBe(CLUSTER);
    expect(list.autoScalingGroups).toEqual([GROUP]);
    expect(list.autoScalingGroup).toMatchObject({ name: GROUP, desired: 3, max: 4 });
    expect(list.instances).toHaveLength(3);
    for (const instance of list.instances)
      expect(instance).toMatchObject({ ec2State: 'running', ecsStatus: 'ACTIVE', agentConnected: true });
    expect(list.instances.reduce((n: number, i: { runningTasks: number }) => n + i.runningTasks, 0)).toBe(3);
  });

  it('status --cluster: instances and services of the cluster, no stacks; events tail says it has no ecspoc rules', async () => {
    const result = await runCli(['status', '--cluster', CLUSTER, '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.stacks).toEqual([]);
    expect(status.cluster).toMatchObject({ name: CLUSTER, found: true, instances: { active: 3, total: 3 } });
    expect(status.services).toEqual([expect.objectContaining({ name: 'api', desired: 3, running: 3 })]);
    expect(status.attention).toEqual([]);
    const events = await runCli(['events', 'tail', '--cluster', CLUSTER]);
    expect(events.code).toBe(2);
    expect(events.stderr.split('\n')[0]).toBe(
      `Error: Cluster ${CLUSTER} has none of ecspoc's event rules (they come with its cluster stack): events tail cannot read its events.`,
    );
  });

  it('logs tail --cluster --service: the group comes from the task definition', async () => {
    const stream = 'api/api/0123456789abcdef';
    await logs.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: stream }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: LOG_GROUP,
        logStreamName: stream,
        logEvents: [{ timestamp: Date.now() - 1_000, message: 'GET /basket 200' }],
      }),
    );
    const result = await runCli(['logs', 'tail', '--cluster', CLUSTER, '--service', 'api', '--since', '5m']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('GET /basket 200');
    const unknown = await runCli(['logs', 'tail', '--cluster', CLUSTER, '--service', 'web']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no task logs of service web');
    expect(unknown.stderr).toContain('api');
  });

  it('ssh-config --cluster --via ssm: a host per instance, resolved by ssh -G; without --via or --bastion one line', async () => {
    const result = await runCli([
      'ssh-config',
      '--cluster',
      CLUSTER,
      '--via',
      'ssm',
      '--region',
      'us-east-1',
    ]);
    expect(result.code).toBe(0);
    const file = join(work, 'ssm');
    writeFileSync(file, result.stdout);
    const reservations = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [...agent.registered.keys()] }),
    );
    const running = (reservations.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.State?.Name === 'running');
    expect(running).toHaveLength(3);
    for (const instance of running) {
      const host = sshG(file, `ecspoc-${CLUSTER}-${instance.InstanceId}`);
      expect(host.hostname).toEqual([instance.PrivateIpAddress]);
      expect(host.proxycommand?.[0]).toMatch(
        new RegExp(
          `^aws ssm start-session --target ${instance.InstanceId} --document-name AWS-StartSSHSession `,
        ),
      );
    }
    const noWay = await runCli(['ssh-config', '--cluster', CLUSTER]);
    expect(noWay.code).toBe(2);
    expect(noWay.stderr.split('\n')[0]).toBe(
      `Error: Cluster ${CLUSTER} has no bastion ecspoc knows: pass --bastion INSTANCE_ID, or --via ssm or --via eice.`,
    );
  });

  it('instances cycle --cluster --yes: every old instance replaced, capacity never below desired', async () => {
    const refused = await runCli(['instances', 'cycle', '--cluster', CLUSTER, '--asg', 'other', '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`other launches no instance of cluster ${CLUSTER}`);

    const original = (await describeGroup(config, GROUP)).instances;
    expect(original).toHaveLength(3);
    const sampler = startSampler({
      config,
      cluster: CLUSTER,
      autoScalingGroupName: GROUP,
      services: ['api'],
    });
    let result;
    let report;
    try {
      result = await runCli(
        ['instances', 'cycle', '--cluster', CLUSTER, '--yes', '--poll-interval', '100ms', '--json'],
        { timeoutMs: 90_000 },
      );
    } finally {
      report = await sampler.stop();
    }
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const cycled = JSON.parse(result.stdout);
    expect(cycled).toMatchObject({
      cluster: CLUSTER,
      autoScalingGroup: GROUP,
      desired: { before: 3, after: 3 },
    });
    expect(cycled.replaced.map((r: { instanceId: string }) => r.instanceId).sort()).toEqual(
      [...original].sort(),
    );
    expect(report.errors).toEqual([]);
    expect(report.minActive).toBeGreaterThanOrEqual(3);
    expect(report.minRunning).toEqual({ api: 3 });
    const group = await describeGroup(config, GROUP);
    expect(group).toMatchObject({ desired: 3, max: 4, tags: {}, suspended: [] });
    expect(group.instances.filter((id) => original.includes(id))).toEqual([]);
    expect(agent.errors).toEqual([]);
    expect(scheduler.errors).toEqual([]);
  });
});
