import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListContainerInstancesCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from '@jest/globals';

import {
  awslogsGroups,
  chooseGroup,
  discoverGroups,
  discoverTaskLogGroups,
  groupNameFromArn,
  groupRequired,
} from '../../../../src/lib/clusters/adopt.js';
import { resolveAdoption, targetFlags } from '../../../../src/lib/clusters/target.js';
import { EXIT_CODES } from '../../../../src/lib/errors.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const ecs = mockSdk(ECSClient);
const ec2 = mockSdk(EC2Client);
const clients = () => ({ ecs: sdkClient(ECSClient), ec2: sdkClient(EC2Client) });
const ciArn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:container-instance/prod/${n}`;
const groupArn = (name: string) =>
  `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0b0c8f4e-1d7e-4f00-9a4b-2c1d7e7b5a11:autoScalingGroupName/${name}`;

/** A cluster whose container instance n runs on i-n, tagged with `groups[n]` (undefined: launched by hand). */
function cluster(groups: Array<string | undefined>, providers: Record<string, string> = {}) {
  ecs.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: groups.map((_, n) => ciArn(n)) });
  ecs.on(DescribeContainerInstancesCommand).callsFake((input: { containerInstances?: string[] }) => ({
    containerInstances: (input.containerInstances ?? []).map((arn) => ({
      containerInstanceArn: arn,
      ec2InstanceId: `i-${arn.split('/').pop()}`,
      status: 'ACTIVE',
    })),
  }));
  ec2.on(DescribeInstancesCommand).callsFake((input: { Filters?: Array<{ Values?: string[] }> }) => ({
    Reservations: [
      {
        Instances: (input.Filters?.[0]?.Values ?? []).map((id) => {
          const group = groups[Number(id.slice(2))];
          return { InstanceId: id, Tags: group ? [{ Key: 'aws:autoscaling:groupName', Value: group }] : [] };
        }),
      },
    ],
  }));
  ecs.on(DescribeClustersCommand).resolves({
    clusters: [{ clusterName: 'prod', capacityProviders: ['FARGATE', ...Object.keys(providers)] }],
  });
  ecs.on(DescribeCapacityProvidersCommand).callsFake((input: { capacityProviders?: string[] }) => ({
    capacityProviders: (input.capacityProviders ?? []).map((name) => ({
      name,
      autoScalingGroupProvider: { autoScalingGroupArn: groupArn(providers[name]) },
    })),
  }));
}

describe('discoverGroups', () => {
  it('finds one group from the instances and the capacity provider, and picks it', async () => {
    cluster(['prod-a', 'prod-a', 'prod-a'], { cp: 'prod-a' });
    const found = await discoverGroups(clients(), 'prod');
    expect(found).toEqual({
      names: ['prod-a'],
      seenBy: { 'prod-a': ['instances', 'capacity-provider'] },
      ungrouped: [],
    });
    expect(chooseGroup('prod', found)).toBe('prod-a');
    // FARGATE has no group: it is never asked about.
    expect(ecs).toHaveReceivedCommandWith(DescribeCapacityProvidersCommand, { capacityProviders: ['cp'] });
  });

  it('lists several groups (instances of two, a third only as a capacity provider) and picks none', async () => {
    cluster(['prod-b', 'prod-a', 'prod-b'], { spot: 'prod-spot' });
    const found = await discoverGroups(clients(), 'prod');
    expect(found.names).toEqual(['prod-a', 'prod-b', 'prod-spot']);
    expect(found.seenBy['prod-spot']).toEqual(['capacity-provider']);
    expect(chooseGroup('prod', found)).toBeUndefined();
    expect(chooseGroup('prod', found, 'prod-b')).toBe('prod-b');
    let wrong: (Error & { exitCode: number; suggestions: string[] }) | undefined;
    try {
      chooseGroup('prod', found, 'prod-c');
    } catch (error) {
      wrong = error as typeof wrong;
    }
    expect(wrong?.message).toMatch(/prod-c launches no instance of cluster prod/);
    expect(wrong?.exitCode).toBe(EXIT_CODES.usage);
    expect(wrong?.suggestions).toEqual(['Its groups: prod-a, prod-b, prod-spot; pass one with --asg.']);
    const several = groupRequired('prod', found.names);
    expect(several.code).toBe('SEVERAL_GROUPS');
    expect(several.message).toMatch(/3 Auto Scaling groups \(prod-a, prod-b, prod-spot\): name the one/);
  });

  it('finds no group for instances launched by hand; --asg is taken as given then', async () => {
    cluster([undefined, undefined]);
    const found = await discoverGroups(clients(), 'prod');
    expect(found).toEqual({ names: [], seenBy: {}, ungrouped: ['i-0', 'i-1'] });
    expect(chooseGroup('prod', found)).toBeUndefined();
    expect(chooseGroup('prod', found, 'built-elsewhere')).toBe('built-elsewhere');
    const none = groupRequired('prod', []);
    expect(none.code).toBe('NO_GROUP');
    expect(none.suggestions[0]).toMatch(/--asg NAME/);
  });

  it('reports a mixed cluster: grouped instances, hand-launched ones', async () => {
    cluster(['prod-a', undefined, 'prod-a']);
    const found = await discoverGroups(clients(), 'prod');
    expect(found.names).toEqual(['prod-a']);
    expect(found.ungrouped).toEqual(['i-1']);
    expect(chooseGroup('prod', found)).toBe('prod-a');
  });

  it('says a cluster that does not exist does not exist', async () => {
    ecs
      .on(ListContainerInstancesCommand)
      .rejects(Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }));
    ecs.on(DescribeClustersCommand).resolves({ clusters: [], failures: [{ reason: 'MISSING' }] });
    await expect(discoverGroups(clients(), 'nope')).rejects.toMatchObject({
      code: 'CLUSTER_MISSING',
      message: 'ECS cluster nope does not exist.',
    });
  });

  it('reads the group name from an Auto Scaling group ARN only', () => {
    expect(groupNameFromArn(groupArn('a/b'))).toBe('a/b');
    expect(groupNameFromArn('arn:aws:ecs:us-east-1:1:cluster/x')).toBeUndefined();
  });
});

describe('task log groups', () => {
  it("takes each service's awslogs groups from its task definition, and names containers logging elsewhere", async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: ['arn:svc/api', 'arn:svc/worker', 'arn:svc/edge'] });
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        { serviceName: 'api', taskDefinition: 'arn:td/api:3' },
        { serviceName: 'worker', taskDefinition: 'arn:td/api:3' },
        { serviceName: 'edge', taskDefinition: 'arn:td/edge:1' },
      ],
    });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: 'arn:td/api:3' }).resolves({
      taskDefinition: {
        containerDefinitions: [
          {
            name: 'app',
            logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/prod/api' } },
          },
          {
            name: 'sidecar',
            logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/prod/api' } },
          },
        ],
      },
    });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: 'arn:td/edge:1' }).resolves({
      taskDefinition: {
        containerDefinitions: [
          { name: 'proxy', logConfiguration: { logDriver: 'awsfirelens', options: {} } },
          { name: 'agent' },
        ],
      },
    });
    const found = await discoverTaskLogGroups(clients(), 'prod');
    expect(found).toEqual([
      {
        service: 'api',
        taskDefinition: 'arn:td/api:3',
        groups: ['/prod/api'],
        otherDrivers: [],
      },
      {
        service: 'edge',
        taskDefinition: 'arn:td/edge:1',
        groups: [],
        otherDrivers: [
          { container: 'proxy', driver: 'awsfirelens' },
          { container: 'agent', driver: undefined },
        ],
      },
      { service: 'worker', taskDefinition: 'arn:td/api:3', groups: ['/prod/api'], otherDrivers: [] },
    ]);
    // Two services share one definition: it is described once.
    expect(ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 2);
  });

  it('ignores an awslogs driver without a group, and other drivers naming one', () => {
    expect(
      awslogsGroups([
        { name: 'a', logConfiguration: { logDriver: 'awslogs', options: {} } },
        { name: 'b', logConfiguration: { logDriver: 'splunk', options: { 'awslogs-group': '/x' } } },
      ]),
    ).toEqual({
      groups: [],
      otherDrivers: [
        { container: 'a', driver: 'awslogs' },
        { container: 'b', driver: 'splunk' },
      ],
    });
  });
});

describe('resolveAdoption', () => {
  const configured = { cluster: 'prod', asg: 'prod-a', bastion: 'i-0bastion', instanceLogPrefix: '/prod/' };

  it('is the bundle (undefined) with neither a flag nor the config file', () => {
    expect(resolveAdoption({})).toBeUndefined();
  });

  it("takes the config file's adoption, each flag overriding its key", () => {
    expect(resolveAdoption({ asg: 'prod-b' }, configured)).toEqual({ ...configured, asg: 'prod-b' });
  });

  it("drops the config file's keys when --cluster names another cluster", () => {
    expect(resolveAdoption({ cluster: 'staging' }, configured)).toEqual({ cluster: 'staging' });
  });

  it('refuses --asg, --bastion or --instance-log-prefix without a cluster', () => {
    expect(() => resolveAdoption({ asg: 'x', instanceLogPrefix: '/p/' })).toThrow(
      '--asg and --instance-log-prefix apply to a cluster ecspoc did not deploy: add --cluster NAME.',
    );
  });

  it('names the same target again in suggested commands', () => {
    expect(targetFlags('dev')).toBe('--env dev');
    expect(targetFlags('dev', { cluster: 'prod', asg: 'prod-a' })).toBe('--cluster prod --asg prod-a');
  });
});
