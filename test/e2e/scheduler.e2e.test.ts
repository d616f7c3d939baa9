import {
  DescribeContainerInstancesCommand,
  DescribeTasksCommand,
  ECSClient,
  StartTaskCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { type ClusterStack, createClusterStack, createServices } from './helpers/cluster.js';
import { type EcsAgent, startEcsAgent } from './helpers/ecs-agent.js';
import { clientConfig } from './helpers/env.js';
import { startSampler } from './helpers/sampler.js';
import { type Scheduler, startScheduler } from './helpers/scheduler.js';
import { allContainerInstanceArns, allTaskArns } from './helpers/ecs-pages.js';

// The project's testTimeout does not reach hooks: stand-ins and CLI runs need more than 5 s.
jest.setTimeout(120_000);

describe('the ECS scheduler stand-in', () => {
  let stack: ClusterStack;
  let agent: EcsAgent;
  let scheduler: Scheduler;
  const ecs = new ECSClient(clientConfig());

  const tasks = async () => {
    const arns = await allTaskArns(ecs, { cluster: stack.clusterName, desiredStatus: 'RUNNING' });
    return (
      (await ecs.send(new DescribeTasksCommand({ cluster: stack.clusterName, tasks: arns }))).tasks ?? []
    );
  };
  const instances = async () => {
    const arns = await allContainerInstanceArns(ecs, { cluster: stack.clusterName });
    return (
      (
        await ecs.send(
          new DescribeContainerInstancesCommand({ cluster: stack.clusterName, containerInstances: arns }),
        )
      ).containerInstances ?? []
    );
  };

  beforeAll(async () => {
    stack = await createClusterStack('sched', { desired: 3, max: 3 });
    agent = startEcsAgent({
      config: clientConfig(),
      cluster: stack.clusterName,
      autoScalingGroupName: stack.autoScalingGroupName,
    });
    await agent.waitForRegistered(3);
    await createServices(clientConfig(), stack.clusterName, [
      { name: 'web', desired: 2, cpu: 256, memory: 512, hostPort: 8080 },
      { name: 'worker', desired: 3, cpu: 256, memory: 256 },
    ]);
    scheduler = startScheduler({ config: clientConfig(), cluster: stack.clusterName, drainDelayMs: 300 });
    await scheduler.waitForSteady();
  });

  afterAll(async () => {
    await scheduler?.stop();
    await agent?.stop();
    ecs.destroy();
  });

  it('starts each service up to its desired count, one static host port per instance', async () => {
    const running = await tasks();
    const web = running.filter((t) => t.group === 'service:web');
    expect(web).toHaveLength(2);
    expect(new Set(web.map((t) => t.containerInstanceArn)).size).toBe(2);
    expect(running.filter((t) => t.group === 'service:worker')).toHaveLength(3);
  });

  it('moves service tasks off a DRAINING instance, replacement first, after the drain time; standalone tasks stay', async () => {
    const all = await instances();
    const standaloneHost = all[0].containerInstanceArn as string;
    const standalone = await ecs.send(
      new StartTaskCommand({
        cluster: stack.clusterName,
        taskDefinition: 'worker',
        containerInstances: [standaloneHost],
      }),
    );
    const other = all.find(
      (ci) => ci.containerInstanceArn !== standaloneHost && (ci.runningTasksCount ?? 0) > 0,
    );
    const target = other?.containerInstanceArn as string;
    const sampler = startSampler({
      config: clientConfig(),
      cluster: stack.clusterName,
      autoScalingGroupName: stack.autoScalingGroupName,
      services: ['worker'],
    });
    const drainedAt = Date.now();
    await ecs.send(
      new UpdateContainerInstancesStateCommand({
        cluster: stack.clusterName,
        containerInstances: [target],
        status: 'DRAINING',
      }),
    );
    const deadline = Date.now() + 10_000;
    let left = 1;
    while (left > 0 && Date.now() < deadline) {
      const [ci] =
        (
          await ecs.send(
            new DescribeContainerInstancesCommand({
              cluster: stack.clusterName,
              containerInstances: [target],
            }),
          )
        ).containerInstances ?? [];
      left = ci?.runningTasksCount ?? 0;
      if (left > 0) await new Promise((r) => setTimeout(r, 20));
    }
    const tookMs = Date.now() - drainedAt;
    const report = await sampler.stop();
    expect(left).toBe(0);
    expect(tookMs).toBeGreaterThanOrEqual(250);
    // The worker service never dropped below its desired count while its tasks moved.
    expect(report.minRunning.worker).toBeGreaterThanOrEqual(3);
    const running = await tasks();
    expect(running.filter((t) => t.containerInstanceArn === target)).toEqual([]);
    expect(running.filter((t) => t.group === 'service:worker')).toHaveLength(3);
    const web = running.filter((t) => t.group === 'service:web');
    expect(web).toHaveLength(2);
    expect(new Set(web.map((t) => t.containerInstanceArn)).size).toBe(2);
    // The standalone task was not touched.
    expect(running.map((t) => t.taskArn)).toContain(standalone.tasks?.[0].taskArn);
    expect(scheduler.errors).toEqual([]);
  });
});
