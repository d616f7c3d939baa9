import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import {
  DescribeContainerInstancesCommand,
  ECSClient,
  ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from '@jest/globals';

import { AwsError } from '../../../../src/lib/errors.js';
import { discoverHosts } from '../../../../src/lib/ssh/discover.js';
import { awsError, mockSdk, mockStacks, sdkClient } from '../../helpers/mock-sdk.js';

const cfn = mockSdk(CloudFormationClient);
const ec2 = mockSdk(EC2Client);
const ecs = mockSdk(ECSClient);

const clients = () => ({
  cloudformation: sdkClient(CloudFormationClient),
  ec2: sdkClient(EC2Client),
  ecs: sdkClient(ECSClient),
});
const clock = { now: () => Date.parse('2026-01-01T12:00:00Z'), sleep: async () => undefined };

const BASTION_ID = 'i-0bastion000000001';
const id = (n: number) => `i-${String(n).padStart(17, '0')}`;
const arn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:container-instance/ecspoc-dev/${n}`;

const notFound = (name: string) => awsError(name);

/** A fleet of `count` container instances with their EC2 instances; `states` overrides some states. */
function fleet(
  count: number,
  options: { states?: Record<number, string>; missingEc2?: number[]; cluster?: string } = {},
) {
  const cluster = options.cluster ?? 'ecspoc-dev-from-stack';
  ecs
    .on(ListContainerInstancesCommand)
    .callsFake((input: { cluster: string; nextToken?: string; maxResults?: number }) => {
      if (input.cluster !== cluster)
        throw Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' });
      const start = Number(input.nextToken ?? 0);
      const end = Math.min(count, start + (input.maxResults ?? 100));
      return {
        containerInstanceArns: Array.from({ length: end - start }, (_, i) => arn(start + i)),
        ...(end < count ? { nextToken: String(end) } : {}),
      };
    });
  ecs.on(DescribeContainerInstancesCommand).callsFake((input: { containerInstances: string[] }) => {
    if (input.containerInstances.length > 100) throw new Error('more than 100 container instances');
    return {
      containerInstances: input.containerInstances.map((a) => {
        const n = Number(a.split('/').pop());
        return { containerInstanceArn: a, ec2InstanceId: id(n), status: n % 7 === 0 ? 'DRAINING' : 'ACTIVE' };
      }),
      failures: [],
    };
  });
  ec2
    .on(DescribeInstancesCommand)
    .callsFake((input: { InstanceIds?: string[]; Filters?: { Name: string; Values: string[] }[] }) => {
      if (input.InstanceIds) {
        if (input.InstanceIds[0] !== BASTION_ID) throw notFound('InvalidInstanceID.NotFound');
        return { Reservations: [{ Instances: [bastionInstance()] }] };
      }
      const ids = input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];
      if (ids.length > 200) throw new Error('more than 200 filter values');
      const instances: Instance[] = ids
        .map((instanceId) => Number(instanceId.slice(2)))
        .filter((n) => !options.missingEc2?.includes(n))
        .map((n) => ({
          InstanceId: id(n),
          State: { Name: (options.states?.[n] ?? 'running') as 'running' },
          ...(n === 13 ? {} : { PrivateIpAddress: `10.0.${Math.floor(n / 250)}.${n % 250}` }),
          Placement: { AvailabilityZone: 'us-east-1a' },
          InstanceType: 'm6i.large',
        }));
      return { Reservations: [{ Instances: instances }] };
    });
}

function bastionInstance(): Instance {
  return {
    InstanceId: BASTION_ID,
    State: { Name: 'running' },
    PublicIpAddress: '203.0.113.10',
    PrivateIpAddress: '10.0.0.4',
    InstanceType: 't3.micro',
    LaunchTime: new Date('2026-01-01T10:00:00Z'),
  };
}

function stacks(outputs: {
  bastion?: Record<string, string> | null;
  cluster?: Record<string, string> | null;
}) {
  mockStacks(
    Object.fromEntries(
      Object.entries(outputs)
        .filter(
          (entry): entry is [string, Record<string, string>] => entry[1] !== null && entry[1] !== undefined,
        )
        .map(([component, stackOutputs]) => [`ecspoc-dev-${component}`, stackOutputs]),
    ),
  );
}

describe('discoverHosts', () => {
  it('finds 250 instances in batches: ECS per 100, EC2 per 200, the bastion apart: 11 calls in all', async () => {
    stacks({ bastion: { BastionInstanceId: BASTION_ID }, cluster: { ClusterName: 'ecspoc-dev-from-stack' } });
    fleet(250);
    const inventory = await discoverHosts(clients(), 'dev', clock);
    expect(inventory.clusterName).toBe('ecspoc-dev-from-stack');
    expect(inventory.instances).toHaveLength(249); // i-…13 has no private address
    expect(inventory.skipped).toEqual([
      { instanceId: id(13), containerInstanceArn: arn(13), reason: 'no-private-address' },
    ]);
    expect(inventory.instances[0]).toEqual({
      instanceId: id(0),
      privateIp: '10.0.0.0',
      containerInstanceArn: arn(0),
      status: 'DRAINING',
      availabilityZone: 'us-east-1a',
      instanceType: 'm6i.large',
    });
    expect(inventory.bastion).toMatchObject({
      state: 'running',
      publicIp: '203.0.113.10',
      uptimeSeconds: 7200,
    });
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(2);
    expect(ecs.commandCalls(ListContainerInstancesCommand)).toHaveLength(3);
    expect(
      ecs
        .commandCalls(DescribeContainerInstancesCommand)
        .map((c) => c.args[0].input.containerInstances?.length),
    ).toEqual([100, 100, 50]);
    const ec2Calls = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    expect(
      ec2Calls.filter((input) => input.Filters).map((input) => input.Filters?.[0].Values?.length),
    ).toEqual([200, 50]);
    expect(ec2Calls.filter((input) => input.InstanceIds)).toEqual([{ InstanceIds: [BASTION_ID] }]);
    expect(cfn.calls().length + ecs.calls().length + ec2.calls().length).toBe(11);
  });

  it('needs at most 8 calls for 200 instances with AWS paging (moto does not page)', async () => {
    stacks({ bastion: { BastionInstanceId: BASTION_ID }, cluster: { ClusterName: 'ecspoc-dev-from-stack' } });
    fleet(200);
    const inventory = await discoverHosts(clients(), 'dev', clock);
    expect(inventory.instances.length + inventory.skipped.length).toBe(200);
    expect(cfn.calls().length + ecs.calls().length + ec2.calls().length).toBe(8);
  });

  it('leaves out the instances that are not running or gone, and says why', async () => {
    stacks({ bastion: { BastionInstanceId: BASTION_ID }, cluster: { ClusterName: 'ecspoc-dev-from-stack' } });
    fleet(6, { states: { 1: 'stopped', 2: 'pending', 3: 'stopped' }, missingEc2: [4] });
    const inventory = await discoverHosts(clients(), 'dev', clock);
    expect(inventory.instances.map((i) => i.instanceId)).toEqual([id(0), id(5)]);
    expect(inventory.skipped.map((s) => [s.instanceId, s.reason])).toEqual([
      [id(1), 'stopped'],
      [id(2), 'pending'],
      [id(3), 'stopped'],
      [id(4), 'not-found'],
    ]);
  });

  it('falls back to the cluster name ecspoc gives when the cluster stack has no ClusterName', async () => {
    stacks({ bastion: { BastionInstanceId: BASTION_ID }, cluster: null });
    fleet(2, { cluster: 'ecspoc-dev' });
    const inventory = await discoverHosts(clients(), 'dev', clock);
    expect(inventory.clusterName).toBe('ecspoc-dev');
    expect(inventory.instances).toHaveLength(2);
  });

  it('reports a cluster that does not exist, and still finds the bastion', async () => {
    stacks({ bastion: { BastionInstanceId: BASTION_ID }, cluster: null });
    fleet(2, { cluster: 'another' });
    const inventory = await discoverHosts(clients(), 'dev', clock);
    expect(inventory).toMatchObject({ clusterFound: false, instances: [], skipped: [] });
    expect(inventory.bastion.state).toBe('running');
  });

  it.each([
    ['no bastion stack', { bastion: null }, 'stack ecspoc-dev-bastion does not exist'],
    [
      'no BastionInstanceId output',
      { bastion: {} },
      'stack ecspoc-dev-bastion (CREATE_COMPLETE) has no output BastionInstanceId',
    ],
    [
      'an instance that is gone',
      { bastion: { BastionInstanceId: 'i-0gone' } },
      'instance i-0gone of stack ecspoc-dev-bastion no longer exists',
    ],
  ])('reports a missing bastion (%s) and still lists the instances', async (_, outputs, reason) => {
    stacks({ ...outputs, cluster: { ClusterName: 'ecspoc-dev-from-stack' } });
    fleet(3);
    const inventory = await discoverHosts(clients(), 'dev', clock);
    expect(inventory.bastion).toMatchObject({ state: 'missing', missingReason: reason });
    expect(inventory.instances).toHaveLength(3);
  });

  it('turns an AWS refusal into an AwsError that names the call', async () => {
    stacks({ bastion: { BastionInstanceId: BASTION_ID }, cluster: { ClusterName: 'c' } });
    ecs
      .on(ListContainerInstancesCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [bastionInstance()] }] });
    const error = await discoverHosts(clients(), 'dev', clock).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).message).toMatch(
      /Access denied while listing the container instances of c \(ecs:ListContainerInstances\)/,
    );
  });
});
