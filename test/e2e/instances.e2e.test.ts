import { AutoScalingClient, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { collect, runCli, spawnCli } from './helpers/cli.js';
import {
  type ClusterStack,
  createClusterStack,
  createServices,
  describeGroup,
  rollNewImage,
} from './helpers/cluster.js';
import { type EcsAgent, startEcsAgent } from './helpers/ecs-agent.js';
import { clientConfig } from './helpers/env.js';
import { startSampler } from './helpers/sampler.js';
import { type Scheduler, startScheduler } from './helpers/scheduler.js';

const ENV = 'cyc';
const NEW_AMI = 'ami-1812c061';
const SERVICES = [
  { name: 'web', desired: 6, cpu: 512, memory: 1024, hostPort: 8080 },
  { name: 'worker', desired: 6, cpu: 256, memory: 512 },
];

// The project's testTimeout does not reach hooks: stand-ins and CLI runs need more than 5 s.
jest.setTimeout(120_000);

describe('ecspoc instances against moto_server with the agent and scheduler stand-ins', () => {
  let stack: ClusterStack;
  let agent: EcsAgent;
  let scheduler: Scheduler;
  const ec2 = new EC2Client(clientConfig());
  const asg = new AutoScalingClient(clientConfig());
  const cli = (args: string[]) => runCli([...args, '--env', ENV]);

  beforeAll(async () => {
    stack = await createClusterStack(ENV, { desired: 6, max: 8 });
    agent = startEcsAgent({
      config: clientConfig(),
      cluster: stack.clusterName,
      autoScalingGroupName: stack.autoScalingGroupName,
      bootDelayMs: 300,
    });
    await agent.waitForRegistered(6);
    await createServices(clientConfig(), stack.clusterName, SERVICES);
    scheduler = startScheduler({ config: clientConfig(), cluster: stack.clusterName, drainDelayMs: 300 });
    await scheduler.waitForSteady();
  });

  afterAll(async () => {
    await scheduler?.stop();
    await agent?.stop();
    ec2.destroy();
    asg.destroy();
  });

  it('lists every instance with its state, tasks and AMI, then the outdated ones after a new AMI', async () => {
    const result = await cli(['instances', 'list', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout);
    expect(list.cluster).toBe(stack.clusterName);
    expect(list.autoScalingGroup).toMatchObject({ name: stack.autoScalingGroupName, desired: 6, max: 8 });
    expect(list.instances).toHaveLength(6);
    for (const instance of list.instances) {
      expect(instance).toMatchObject({
        ec2State: 'running',
        ecsStatus: 'ACTIVE',
        agentConnected: true,
        outdated: false,
      });
      expect(instance.instanceId).toMatch(/^i-/);
      expect(instance.privateIp).toMatch(/^10\.\d+\.\d+\.\d+$/);
      expect(instance.availabilityZone).toMatch(/^us-east-1/);
    }
    const tasks = list.instances.reduce((n: number, i: { runningTasks: number }) => n + i.runningTasks, 0);
    expect(tasks).toBe(12);

    await rollNewImage(clientConfig(), stack, NEW_AMI);
    const outdated = JSON.parse((await cli(['instances', 'list', '--outdated', '--json'])).stdout);
    expect(outdated.launchTemplate).toMatchObject({ version: 2, imageId: NEW_AMI });
    expect(outdated.instances).toHaveLength(6);
    expect(outdated.instances[0].outdatedReasons).toEqual([
      'launch template version 1, current 2',
      expect.stringContaining(`current ${NEW_AMI}`),
    ]);
    const human = await cli(['instances', 'list']);
    expect(human.stdout).toMatch(/^INSTANCE\s+EC2\s+ECS\s+AGENT\s+RUNNING\s+PENDING\s+AMI\s+OUTDATED/);
    expect(human.stdout).toContain('6 outdated');
    expect(human.stdout).toContain('Try: ecspoc instances cycle --outdated --env cyc');
  });

  it('plans a cycle in batches without changing anything', async () => {
    const result = await cli(['instances', 'cycle', '--outdated', '--batch-size', '2', '--plan', '--json']);
    expect(result.code).toBe(0);
    const { plan } = JSON.parse(result.stdout);
    expect(plan.batches.map((b: { instances: unknown[] }) => b.instances.length)).toEqual([2, 2, 2]);
    expect(plan.batches.every((b: { surge: number }) => b.surge === 2)).toBe(true);
    expect(plan).toMatchObject({ peakDesired: 8, maxNeeded: 8, raiseMax: false, problems: [] });
    expect(plan.tasksMoved).toBe(12);
    const group = await describeGroup(clientConfig(), stack.autoScalingGroupName);
    expect(group).toMatchObject({ desired: 6, max: 8, tags: {} });
  });

  it('refuses a cycle that cannot fit before changing anything', async () => {
    // No room to surge and two instances out at once: the two web tasks of a batch (static host
    // port 8080, one per instance, on every instance) find no instance with the port free.
    await asg.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: stack.autoScalingGroupName, MaxSize: 6 }),
    );
    try {
      const result = await cli([
        'instances',
        'cycle',
        '--batch-size',
        '2',
        '--max-unavailable',
        '2',
        '--poll-interval',
        '100ms',
        '--yes',
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^Error: Refusing to cycle, nothing was changed: Batch \d: \d of \d+ tasks would not fit/,
      );
      expect(result.stderr).toContain('port 8080/tcp');
      expect(result.stderr).toContain('Try: ');
      const group = await describeGroup(clientConfig(), stack.autoScalingGroupName);
      expect(group).toMatchObject({ desired: 6, max: 6, tags: {}, suspended: [] });
      const list = JSON.parse((await cli(['instances', 'list', '--json'])).stdout);
      expect(list.instances.map((i: { ecsStatus: string }) => i.ecsStatus)).toEqual(Array(6).fill('ACTIVE'));
      expect(list.instances.every((i: { cycleMark?: string }) => i.cycleMark === undefined)).toBe(true);
    } finally {
      await asg.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: stack.autoScalingGroupName, MaxSize: 8 }),
      );
    }
  });

  it('replaces every instance in batches of two, interrupted three times, never losing capacity', async () => {
    const original = (await describeGroup(clientConfig(), stack.autoScalingGroupName)).instances;
    expect(original).toHaveLength(6);
    const sampler = startSampler({
      config: clientConfig(),
      cluster: stack.clusterName,
      autoScalingGroupName: stack.autoScalingGroupName,
      services: SERVICES.map((s) => s.name),
    });
    const args = [
      'instances',
      'cycle',
      '--outdated',
      '--batch-size',
      '2',
      '--yes',
      '--poll-interval',
      '100ms',
      '--env',
      ENV,
    ];

    let finish: Awaited<ReturnType<typeof runCli>>;
    let report: Awaited<ReturnType<typeof sampler.stop>>;
    const interruptions: string[] = [];
    try {
      // Interrupt at three different points: while the surge registers, while a batch drains, and
      // right after a batch was terminated.
      for (const point of [/surge: desired capacity/, /DRAINING, \d+ task/, /terminated/]) {
        const child = spawnCli(args);
        let seen = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (point.test(seen) && !child.killed) child.kill('SIGINT');
        });
        const result = await collect(child, 60_000);
        expect(result.code).toBe(130);
        expect(result.stderr).toMatch(/Error: Interrupted\. The cycle stopped in a safe state/);
        expect(result.stderr).toContain(
          `Try: Carry on where it stopped: ecspoc instances cycle --env ${ENV} --batch-size 2\n`,
        );
        interruptions.push(result.stderr);
      }
      // The one interrupted while draining says which instances it left DRAINING.
      expect(interruptions[1]).toMatch(/i-[0-9a-f]+(, i-[0-9a-f]+)* left DRAINING/);
      expect(interruptions[1]).toContain(
        'Try: Or put the DRAINING ones back in service: ecspoc instances activate',
      );

      finish = await runCli([...args, '--json'], { timeoutMs: 60_000 });
    } finally {
      report = await sampler.stop();
    }
    expect(finish.code).toBe(0);
    const result = JSON.parse(finish.stdout);
    expect(result.resumed).toBe(true);
    expect(result.desired).toEqual({ before: 6, after: 6 });
    expect(result.max).toEqual({ before: 8, after: 8 });

    // Throughout: never fewer than desired − max-unavailable (0) ACTIVE, services never below desired.
    expect(report.errors).toEqual([]);
    expect(report.samples.length).toBeGreaterThan(20);
    expect(report.minActive).toBeGreaterThanOrEqual(6);
    expect(report.minRunning).toEqual({ web: 6, worker: 6 });
    expect(report.maxDesired).toBe(8);

    const group = await describeGroup(clientConfig(), stack.autoScalingGroupName);
    expect(group).toMatchObject({ desired: 6, max: 8, tags: {}, suspended: [] });
    expect(group.instances.filter((id) => original.includes(id))).toEqual([]);
    const states = await ec2.send(new DescribeInstancesCommand({ InstanceIds: original }));
    const stateNames = states.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name);
    expect(stateNames).toEqual(Array(6).fill('terminated'));
    const list = JSON.parse((await cli(['instances', 'list', '--json'])).stdout);
    expect(list.instances).toHaveLength(6);
    for (const instance of list.instances) {
      expect(instance).toMatchObject({
        ecsStatus: 'ACTIVE',
        agentConnected: true,
        outdated: false,
        imageId: NEW_AMI,
      });
      expect(group.instances).toContain(instance.instanceId);
    }
    expect(agent.errors).toEqual([]);
    expect(scheduler.errors).toEqual([]);
  });
});
