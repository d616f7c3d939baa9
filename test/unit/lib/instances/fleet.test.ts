import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from '@jest/globals';

import { OperationError } from '../../../../src/lib/errors.js';
import { describeFleet, outdatedReasons } from '../../../../src/lib/instances/fleet.js';
import { listInstances } from '../../../../src/lib/instances/list.js';
import { FakeWorld } from './fake-cluster.js';

let world: FakeWorld | undefined;

describe('describeFleet', () => {
  it('makes calls that grow with instances / 100 (ECS) and / 200 (EC2), not with instances', async () => {
    for (const count of [6, 250, 2000]) {
      world = new FakeWorld({ instances: count });
      await describeFleet(world.clients(), 'dev');
      const pages = Math.ceil(count / 100);
      const ec2Calls = Math.ceil(count / 200);
      expect(world.count('ECS.ListContainerInstances')).toBe(pages);
      expect(world.count('ECS.DescribeContainerInstances')).toBe(pages);
      expect(world.count('EC2.DescribeInstances')).toBe(ec2Calls);
      expect(world.calls.length).toBe(3 + 2 * pages + ec2Calls);
    }
    // The design's goal: 2,000 container instances listed in at most 60 calls.
    expect(world?.calls.length).toBeLessThanOrEqual(60);
  });

  it('joins group, container instances and EC2, and tells outdated from current', async () => {
    world = new FakeWorld({ instances: 2, desired: 3, bootMs: 60_000 });
    // A third instance launched from the current template, not registered yet.
    world.group.desired = 3;
    (world as unknown as { fill(): void }).fill();
    const fleet = await describeFleet(world.clients(), 'dev');
    expect(fleet.refs).toMatchObject({
      clusterName: 'ecspoc-dev',
      autoScalingGroupName: 'ecspoc-dev-instances',
    });
    expect(fleet.target).toMatchObject({ launchTemplateId: 'lt-1', version: 2, imageId: 'ami-new' });
    expect(fleet.instances.map((i) => [i.ecsStatus, i.outdated])).toEqual([
      ['ACTIVE', true],
      [undefined, false],
      ['ACTIVE', true],
    ]);
    expect(fleet.instances[0]).toMatchObject({
      ec2State: 'running',
      agentConnected: true,
      imageId: 'ami-old',
      lifecycleState: 'InService',
      outdatedReasons: ['launch template version 1, current 2', 'AMI ami-old, current ami-new'],
      registered: { cpu: 2048, memory: 4096 },
    });
  });

  it('follows a resolve:ssm image id to the AMI it names', async () => {
    world = new FakeWorld({ instances: 1 });
    world.mocks.ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [
        {
          LaunchTemplateId: 'lt-1',
          VersionNumber: 2,
          LaunchTemplateData: { ImageId: 'resolve:ssm:/aws/service/ecs/x' },
        },
      ],
    });
    world.mocks.ssm
      .on(GetParameterCommand, { Name: '/aws/service/ecs/x' })
      .resolves({ Parameter: { Value: 'ami-ssm' } });
    const fleet = await describeFleet(world.clients(), 'dev');
    expect(fleet.target).toMatchObject({ imageId: 'ami-ssm', imageParameter: '/aws/service/ecs/x' });
  });

  it('reports a newer AMI published under the parameter the stack resolved since its last deploy', async () => {
    world = new FakeWorld({ instances: 1 });
    const parameter = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';
    world.mocks.cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'ecspoc-dev-cluster',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(0),
          Parameters: [{ ParameterKey: 'ImageId', ParameterValue: parameter, ResolvedValue: 'ami-new' }],
          Outputs: [
            { OutputKey: 'ClusterName', OutputValue: 'ecspoc-dev' },
            { OutputKey: 'AutoScalingGroupName', OutputValue: 'ecspoc-dev-instances' },
          ],
        },
      ],
    });
    world.mocks.ssm
      .on(GetParameterCommand, { Name: parameter })
      .resolves({ Parameter: { Value: 'ami-newer' } });
    const fleet = await describeFleet(world.clients(), 'dev');
    expect(fleet.newerImage).toEqual({ parameter, imageId: 'ami-newer', deployedImageId: 'ami-new' });

    world.mocks.ssm
      .on(GetParameterCommand, { Name: parameter })
      .resolves({ Parameter: { Value: 'ami-new' } });
    expect((await describeFleet(world.clients(), 'dev')).newerImage).toBeUndefined();
  });

  it('says how to deploy the cluster when the environment has none', async () => {
    world = new FakeWorld({ instances: 1 });
    world.mocks.cfn.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Stack with id ecspoc-qa-cluster does not exist'), {
        name: 'ValidationError',
      }),
    );
    const error = await describeFleet(world.clients(), 'qa').catch((e: unknown) => e as OperationError);
    expect(error).toBeInstanceOf(OperationError);
    expect(error).toMatchObject({
      code: 'CLUSTER_STACK_MISSING',
      message: 'Environment "qa" has no cluster stack (ecspoc-qa-cluster).',
      suggestions: ['Deploy it: ecspoc deploy cluster --env qa', 'Or pick another environment with --env.'],
    });
  });
});

describe('listInstances', () => {
  it('filters outdated instances and reports an unfinished cycle', async () => {
    world = new FakeWorld({ instances: 2 });
    world.group.tags['ecspoc:cycle'] = 'run=r;desired=2;max=4;suspended=AZRebalance';
    world.group.desired = 3;
    (world as unknown as { fill(): void }).fill();
    const list = await listInstances(world.clients(), { env: 'dev', outdatedOnly: true });
    expect(list.instances).toHaveLength(2);
    expect(list.autoScalingGroup?.cycle).toEqual({
      runId: 'r',
      desired: 2,
      max: 4,
      suspended: ['AZRebalance'],
    });
  });
});

describe('outdatedReasons', () => {
  const target = { launchTemplateId: 'lt-1', versionSpec: '$Latest', version: 3, imageId: 'ami-3' };

  it('is empty for an instance launched from the current version and AMI', () => {
    expect(
      outdatedReasons({ imageId: 'ami-3', launchTemplateId: 'lt-1', launchTemplateVersion: '3' }, target),
    ).toEqual([]);
  });

  it('names another template, an older version and another AMI', () => {
    expect(
      outdatedReasons({ imageId: 'ami-3', launchTemplateId: 'lt-9', launchTemplateVersion: '3' }, target),
    ).toEqual(['launched from lt-9, not lt-1']);
    expect(
      outdatedReasons({ imageId: 'ami-2', launchTemplateId: 'lt-1', launchTemplateVersion: '2' }, target),
    ).toEqual(['launch template version 2, current 3', 'AMI ami-2, current ami-3']);
  });

  it('compares the AMI alone when the instance carries no launch template tags', () => {
    expect(outdatedReasons({ imageId: 'ami-2' }, target)).toEqual(['AMI ami-2, current ami-3']);
    expect(outdatedReasons({ imageId: 'ami-2' }, undefined)).toEqual([]);
  });
});
