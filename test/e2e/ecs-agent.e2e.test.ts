import {
  AutoScalingClient,
  TerminateInstanceInAutoScalingGroupCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeContainerInstancesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { type ClusterStack, createClusterStack } from './helpers/cluster.js';
import { type EcsAgent, startEcsAgent } from './helpers/ecs-agent.js';
import { clientConfig } from './helpers/env.js';
import { allContainerInstanceArns } from './helpers/ecs-pages.js';

// The project's testTimeout does not reach hooks: stand-ins and CLI runs need more than 5 s.
jest.setTimeout(120_000);

describe('the ECS agent stand-in', () => {
  let stack: ClusterStack;
  let agent: EcsAgent;
  const ecs = new ECSClient(clientConfig());
  const asg = new AutoScalingClient(clientConfig());

  const containerInstances = async () => {
    const arns = await allContainerInstanceArns(ecs, { cluster: stack.clusterName });
    if (arns.length === 0) return [];
    return (
      (
        await ecs.send(
          new DescribeContainerInstancesCommand({ cluster: stack.clusterName, containerInstances: arns }),
        )
      ).containerInstances ?? []
    );
  };

  beforeAll(async () => {
    stack = await createClusterStack('agent', { desired: 2, max: 4 });
    agent = startEcsAgent({
      config: clientConfig(),
      cluster: stack.clusterName,
      autoScalingGroupName: stack.autoScalingGroupName,
      bootDelayMs: 300,
    });
  });

  afterAll(async () => {
    await agent?.stop();
    ecs.destroy();
    asg.destroy();
  });

  it('registers every instance of the group ACTIVE, after the boot delay', async () => {
    const before = Date.now();
    await agent.waitForRegistered(2);
    expect(Date.now() - before).toBeGreaterThanOrEqual(250);
    const registered = await containerInstances();
    expect(registered).toHaveLength(2);
    expect(registered.every((ci) => ci.status === 'ACTIVE' && ci.agentConnected)).toBe(true);
    expect(new Set(registered.map((ci) => ci.ec2InstanceId))).toEqual(new Set(agent.registered.keys()));
  });

  it('registers new instances when the group grows, and deregisters terminated ones', async () => {
    await asg.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: stack.autoScalingGroupName, DesiredCapacity: 3 }),
    );
    await agent.waitForRegistered(3);
    const victim = [...agent.registered.keys()][0];
    await asg.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: victim,
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    const deadline = Date.now() + 5_000;
    while (!agent.deregistered.has(victim) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const left = await containerInstances();
    expect(left.map((ci) => ci.ec2InstanceId)).not.toContain(victim);
    expect(left).toHaveLength(2);
    expect(agent.errors).toEqual([]);
  });
});
