import { CloudFormationClient, ListStacksCommand, type StackSummary } from '@aws-sdk/client-cloudformation';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from '@jest/globals';

import { defaultEnvironmentOrPick, existingEnvironments } from '../../../../src/lib/environments/default.js';
import {
  DESCRIBE_CLUSTERS_BATCH,
  enabledRegions,
  listAdoptedEnvironments,
  listEnvironments,
  listEnvironmentsInRegions,
  statusSeverity,
} from '../../../../src/lib/environments/index.js';
import { AwsError, UsageError } from '../../../../src/lib/errors.js';
import { parseStackName } from '../../../../src/lib/stacks/reader.js';
import { awsError, mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const cfn = mockSdk(CloudFormationClient);
const ecs = mockSdk(ECSClient);
const clients = () => ({ cloudformation: sdkClient(CloudFormationClient), ecs: sdkClient(ECSClient) });

const stack = (StackName: string, StackStatus: string, at: string): StackSummary => ({
  StackName,
  StackStatus: StackStatus as StackSummary['StackStatus'],
  CreationTime: new Date(at),
});

describe('parseStackName', () => {
  it('splits env and component, environments with hyphens included', () => {
    expect(parseStackName('ecspoc-dev-cluster')).toEqual({ env: 'dev', component: 'cluster' });
    expect(parseStackName('ecspoc-alice-1-load-balancer')).toEqual({
      env: 'alice-1',
      component: 'load-balancer',
    });
    expect(parseStackName('ecspoc-staging-service-php-hello')).toEqual({
      env: 'staging',
      component: 'service-php-hello',
    });
  });

  it('a fixed component beats a service one: the longer environment owns ecspoc-dev-service-cluster', () => {
    expect(parseStackName('ecspoc-dev-x-network')).toEqual({ env: 'dev-x', component: 'network' });
    expect(parseStackName('ecspoc-dev-service-cluster')).toEqual({
      env: 'dev-service',
      component: 'cluster',
    });
    expect(parseStackName('ecspoc-dev-x-service-404')).toEqual({ env: 'dev-x', component: 'service-404' });
  });

  it("is undefined for stacks that are not ecspoc's", () => {
    expect(parseStackName('my-app-network')).toBeUndefined();
    expect(parseStackName('ecspoc-dev-something-else')).toBeUndefined();
    expect(parseStackName('ecspoc-Dev-cluster')).toBeUndefined();
  });
});

describe('statusSeverity', () => {
  it('ranks failed over rolled back over in progress over complete', () => {
    const order = [
      'CREATE_COMPLETE',
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
      'ROLLBACK_COMPLETE',
      'CREATE_FAILED',
    ];
    const severities = order.map(statusSeverity);
    expect([...severities].sort((a, b) => a - b)).toEqual(severities);
    expect(new Set(severities).size).toBe(order.length);
  });
});

describe('listEnvironments', () => {
  it('groups the stacks of every page by environment, with figures from DescribeClusters', async () => {
    cfn
      .on(ListStacksCommand)
      .resolvesOnce({
        StackSummaries: [
          stack('ecspoc-dev-network', 'CREATE_COMPLETE', '2026-01-01T10:00:00Z'),
          stack('other-stack', 'CREATE_FAILED', '2026-01-05T10:00:00Z'),
          stack('ecspoc-alice-1-network', 'CREATE_COMPLETE', '2026-01-02T10:00:00Z'),
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        StackSummaries: [
          stack('ecspoc-dev-cluster', 'UPDATE_ROLLBACK_COMPLETE', '2026-01-03T10:00:00Z'),
          stack('ecspoc-alice-1-cluster', 'UPDATE_IN_PROGRESS', '2026-01-04T10:00:00Z'),
        ],
      });
    ecs.on(DescribeClustersCommand).resolves({
      clusters: [
        {
          clusterName: 'ecspoc-dev',
          status: 'ACTIVE',
          registeredContainerInstancesCount: 3,
          activeServicesCount: 2,
          runningTasksCount: 4,
        },
      ],
      failures: [{ arn: 'ecspoc-alice-1', reason: 'MISSING' }],
    });

    const list = await listEnvironments(clients(), 'eu-west-1');

    expect(list).toEqual({
      region: 'eu-west-1',
      environments: [
        {
          env: 'alice-1',
          stacks: 2,
          worstStatus: 'UPDATE_IN_PROGRESS',
          lastUpdated: '2026-01-04T10:00:00.000Z',
          cluster: { name: 'ecspoc-alice-1', found: false, instances: 0, services: 0, runningTasks: 0 },
        },
        {
          env: 'dev',
          stacks: 2,
          worstStatus: 'UPDATE_ROLLBACK_COMPLETE',
          lastUpdated: '2026-01-03T10:00:00.000Z',
          cluster: { name: 'ecspoc-dev', found: true, instances: 3, services: 2, runningTasks: 4 },
        },
      ],
    });
    expect(cfn).toHaveReceivedCommandTimes(ListStacksCommand, 2);
    expect(ecs).toHaveReceivedCommandTimes(DescribeClustersCommand, 1);
    expect(ecs).toHaveReceivedCommandWith(DescribeClustersCommand, {
      clusters: ['ecspoc-alice-1', 'ecspoc-dev'],
    });
  });

  it('describes the clusters a hundred at a time and counts an INACTIVE cluster as not found', async () => {
    const names = Array.from({ length: DESCRIBE_CLUSTERS_BATCH + 1 }, (_, i) => `env${i}`);
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: names.map((env) =>
        stack(`ecspoc-${env}-network`, 'CREATE_COMPLETE', '2026-01-01T00:00:00Z'),
      ),
    });
    ecs.on(DescribeClustersCommand).resolves({
      clusters: [{ clusterName: 'ecspoc-env0', status: 'INACTIVE', registeredContainerInstancesCount: 0 }],
    });
    const list = await listEnvironments(clients(), 'us-east-1');
    expect(list.environments).toHaveLength(DESCRIBE_CLUSTERS_BATCH + 1);
    expect(list.environments.every((e) => !e.cluster.found)).toBe(true);
    expect(ecs).toHaveReceivedCommandTimes(DescribeClustersCommand, 2);
  });

  it('lists no environment, and calls no ECS, when the account has no ecspoc stack', async () => {
    cfn
      .on(ListStacksCommand)
      .resolves({ StackSummaries: [stack('vpc', 'CREATE_COMPLETE', '2026-01-01T00:00:00Z')] });
    expect(await listEnvironments(clients(), 'us-east-1')).toEqual({ region: 'us-east-1', environments: [] });
    expect(ecs).toHaveReceivedCommandTimes(DescribeClustersCommand, 0);
  });

  it('turns a failed ListStacks into an AwsError', async () => {
    cfn.on(ListStacksCommand).rejects(awsError('AccessDenied', 'not allowed'));
    await expect(listEnvironments(clients(), 'us-east-1')).rejects.toBeInstanceOf(AwsError);
  });
});

describe('existingEnvironments', () => {
  it('names each environment once, sorted', async () => {
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        stack('ecspoc-staging-network', 'CREATE_COMPLETE', '2026-01-01T00:00:00Z'),
        stack('ecspoc-prod-network', 'CREATE_COMPLETE', '2026-01-01T00:00:00Z'),
        stack('ecspoc-staging-cluster', 'CREATE_COMPLETE', '2026-01-01T00:00:00Z'),
      ],
    });
    expect(await existingEnvironments(sdkClient(CloudFormationClient))).toEqual(['prod', 'staging']);
  });
});

describe('defaultEnvironmentOrPick', () => {
  const summaries = (...envs: string[]) => ({
    StackSummaries: envs.map((env) =>
      stack(`ecspoc-${env}-network`, 'CREATE_COMPLETE', '2026-01-01T00:00:00Z'),
    ),
  });

  it('refuses a default environment that does not exist while others do, naming them', async () => {
    cfn.on(ListStacksCommand).resolves(summaries('staging', 'alice'));
    const refusal = defaultEnvironmentOrPick(sdkClient(CloudFormationClient), 'dev');
    await expect(refusal).rejects.toBeInstanceOf(UsageError);
    await expect(refusal).rejects.toMatchObject({
      code: 'ENV_NOT_CHOSEN',
      message: expect.stringContaining('alice, staging'),
      suggestions: [expect.stringMatching(/^--env NAME/)],
    });
    expect(cfn).toHaveReceivedCommandTimes(ListStacksCommand, 1);
  });

  it('lets the default through when it exists, or when the account has no environment yet', async () => {
    cfn.on(ListStacksCommand).resolves(summaries('dev', 'staging'));
    await expect(defaultEnvironmentOrPick(sdkClient(CloudFormationClient), 'dev')).resolves.toBe('dev');
    cfn.on(ListStacksCommand).resolves(summaries());
    await expect(defaultEnvironmentOrPick(sdkClient(CloudFormationClient), 'dev')).resolves.toBe('dev');
  });

  it('on a terminal, lets the operator pick among the environments that exist instead', async () => {
    cfn.on(ListStacksCommand).resolves(summaries('staging', 'alice'));
    const offered: Array<{ existing: string[]; hint: string }> = [];
    const env = await defaultEnvironmentOrPick(
      sdkClient(CloudFormationClient),
      'dev',
      async (existing, hint) => {
        offered.push({ existing, hint });
        return existing[1];
      },
    );
    expect(env).toBe('staging');
    expect(offered).toEqual([{ existing: ['alice', 'staging'], hint: expect.stringMatching(/^--env NAME/) }]);
  });

  it('asks nothing when the default exists', async () => {
    cfn.on(ListStacksCommand).resolves(summaries('dev', 'staging'));
    const pick = async () => {
      throw new Error('asked');
    };
    await expect(defaultEnvironmentOrPick(sdkClient(CloudFormationClient), 'dev', pick)).resolves.toBe('dev');
  });
});

describe('enabledRegions and listEnvironmentsInRegions (--all-regions)', () => {
  const ec2 = mockSdk(EC2Client);

  it('asks EC2 for the enabled regions only, sorted', async () => {
    ec2.on(DescribeRegionsCommand).resolves({
      Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'eu-west-1' }, { RegionName: 'ap-south-1' }],
    });
    expect(await enabledRegions(sdkClient(EC2Client))).toEqual(['ap-south-1', 'eu-west-1', 'us-east-1']);
    expect(ec2).toHaveReceivedCommandWith(DescribeRegionsCommand, { AllRegions: false });
  });

  it('reads every region within the bound; a region that fails is a line, the others still listed', async () => {
    let inFlight = 0;
    let peak = 0;
    const regionClients = (region: string) => ({
      cloudformation: {
        send: async () => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight -= 1;
          if (region === 'me-south-1')
            throw awsError('AccessDenied', 'User is not authorized to perform: cloudformation:ListStacks');
          return {
            StackSummaries:
              region === 'eu-west-1' ? [stack('ecspoc-prod-network', 'CREATE_COMPLETE', '2026-01-01')] : [],
          };
        },
      },
      ecs: { send: async () => ({ clusters: [], failures: [] }) },
    });
    const regions = ['ap-south-1', 'eu-west-1', 'me-south-1', 'us-east-1', 'us-east-2', 'us-west-2'];
    const all = await listEnvironmentsInRegions(regions, regionClients as never, 2);
    expect(peak).toBe(2);
    expect(all.regions.map((r) => r.region)).toEqual([
      'ap-south-1',
      'eu-west-1',
      'us-east-1',
      'us-east-2',
      'us-west-2',
    ]);
    expect(all.regions[1].environments.map((e) => e.env)).toEqual(['prod']);
    expect(all.failures).toEqual([
      { region: 'me-south-1', message: expect.stringContaining('cloudformation:ListStacks') },
    ]);
    expect(all.failures[0].message).not.toContain('\n');
  });
});

describe('listAdoptedEnvironments', () => {
  it('counts each adopted cluster with one DescribeClusters call and marks the environment adopted', async () => {
    ecs.on(DescribeClustersCommand).resolves({
      clusters: [
        {
          clusterName: 'payments-prod',
          status: 'ACTIVE',
          registeredContainerInstancesCount: 3,
          activeServicesCount: 1,
          runningTasksCount: 3,
        },
      ],
      failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/gone', reason: 'MISSING' }],
    });
    const adopted = await listAdoptedEnvironments(sdkClient(ECSClient), [
      { env: 'payments', cluster: 'payments-prod' },
      { env: 'old', cluster: 'gone' },
    ]);
    expect(adopted).toEqual([
      {
        env: 'payments',
        stacks: 0,
        worstStatus: 'adopted',
        adopted: true,
        cluster: { name: 'payments-prod', found: true, instances: 3, services: 1, runningTasks: 3 },
      },
      {
        env: 'old',
        stacks: 0,
        worstStatus: 'adopted',
        adopted: true,
        cluster: { name: 'gone', found: false, instances: 0, services: 0, runningTasks: 0 },
      },
    ]);
    expect(ecs).toHaveReceivedCommandTimes(DescribeClustersCommand, 1);
    expect(ecs).toHaveReceivedCommandWith(DescribeClustersCommand, { clusters: ['payments-prod', 'gone'] });
  });

  it('makes no call when the config file adopts nothing', async () => {
    await expect(listAdoptedEnvironments(sdkClient(ECSClient), [])).resolves.toEqual([]);
    expect(ecs).toHaveReceivedCommandTimes(DescribeClustersCommand, 0);
  });
});
