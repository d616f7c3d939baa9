import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeContainerInstancesCommand,
  ECSClient,
  ListContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListServicesCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from '@jest/globals';

import type { AwsClients } from '../../../../src/lib/aws/clients.js';
import { findBastion } from '../../../../src/lib/bastion/index.js';
import { renderStatus } from '../../../../src/ui/status-view.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';
import {
  attentionFor,
  type EnvironmentStatus,
  readEnvironmentStatus,
} from '../../../../src/lib/status/index.js';

function status(overrides: Partial<EnvironmentStatus> = {}): EnvironmentStatus {
  return {
    env: 'dev',
    stacks: [
      { component: 'network', stackName: 'ecspoc-dev-network', status: 'CREATE_COMPLETE' },
      { component: 'cluster', stackName: 'ecspoc-dev-cluster', status: 'UPDATE_COMPLETE' },
    ],
    cluster: {
      name: 'ecspoc-dev',
      found: true,
      instances: { active: 2, draining: 0, other: 0, agentDisconnected: 0, total: 2 },
      runningTasks: 4,
    },
    services: [{ name: '404', status: 'ACTIVE', desired: 2, running: 2, pending: 0, deployments: 1 }],
    bastion: { env: 'dev', stackName: 'ecspoc-dev-bastion', instanceId: 'i-1', state: 'running' },
    attention: [],
    ...overrides,
  };
}

describe('attentionFor', () => {
  it('is quiet for a healthy environment', () => {
    expect(attentionFor(status())).toEqual([]);
  });

  it('names broken stacks with the command that helps', () => {
    const items = attentionFor(
      status({
        stacks: [
          { component: 'network', stackName: 'ecspoc-dev-network', status: 'UPDATE_ROLLBACK_FAILED' },
          { component: 'cluster', stackName: 'ecspoc-dev-cluster', status: 'ROLLBACK_COMPLETE' },
          { component: 'bastion', stackName: 'ecspoc-dev-bastion', status: 'NOT_DEPLOYED' },
        ],
      }),
    );
    expect(items).toEqual([
      {
        message: 'Stack ecspoc-dev-network is UPDATE_ROLLBACK_FAILED.',
        suggestion: expect.stringContaining(
          'aws cloudformation continue-update-rollback --stack-name ecspoc-dev-network',
        ),
      },
      {
        message: expect.stringContaining('Stack ecspoc-dev-cluster is ROLLBACK_COMPLETE'),
        suggestion: expect.stringContaining('ecspoc deploy cluster --env dev'),
      },
      { message: 'Not deployed: bastion.', suggestion: 'ecspoc deploy --env dev' },
    ]);
  });

  it('flags lost capacity, draining instances, short services and a stopped bastion', () => {
    const items = attentionFor(
      status({
        cluster: {
          name: 'ecspoc-dev',
          found: true,
          instances: { active: 0, draining: 1, other: 0, agentDisconnected: 1, total: 1 },
          runningTasks: 0,
        },
        services: [{ name: '404', status: 'ACTIVE', desired: 2, running: 0, pending: 1, deployments: 1 }],
        bastion: { env: 'dev', stackName: 'ecspoc-dev-bastion', instanceId: 'i-1', state: 'stopped' },
      }),
    ).map((i) => i.message);
    expect(items).toEqual([
      'Cluster ecspoc-dev has no ACTIVE container instance: no task can be placed.',
      '1 container instance(s) have a disconnected ECS agent.',
      '1 container instance(s) are DRAINING.',
      'Service 404 runs 0 of 2 tasks (1 pending).',
      'The bastion is stopped: SSH to the instances goes through it.',
    ]);
  });

  it('says an environment without stacks is not deployed, and nothing else', () => {
    const items = attentionFor(
      status({ stacks: [{ component: 'network', stackName: 'ecspoc-dev-network', status: 'NOT_DEPLOYED' }] }),
    );
    expect(items).toEqual([
      { message: 'Environment "dev" is not deployed.', suggestion: 'ecspoc deploy --env dev' },
    ]);
  });
});

describe('readEnvironmentStatus', () => {
  const cfn = mockSdk(CloudFormationClient);
  const ec2 = mockSdk(EC2Client);
  const ecs = mockSdk(ECSClient);
  const aws = { client: sdkClient } as unknown as AwsClients;
  const now = new Date();

  beforeEach(() => {
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: 'ecspoc-dev-bastion', StackStatus: 'CREATE_COMPLETE', CreationTime: now },
        { StackName: 'ecspoc-dev-cluster', StackStatus: 'CREATE_COMPLETE', CreationTime: now },
      ],
    });
    cfn.on(DescribeStacksCommand, { StackName: 'ecspoc-dev-cluster' }).resolves({
      Stacks: [
        {
          StackName: 'ecspoc-dev-cluster',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: now,
          Outputs: [{ OutputKey: 'ClusterName', OutputValue: 'ecspoc-dev' }],
        },
      ],
    });
    cfn.on(DescribeStacksCommand, { StackName: 'ecspoc-dev-bastion' }).resolves({
      Stacks: [
        {
          StackName: 'ecspoc-dev-bastion',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: now,
          Outputs: [{ OutputKey: 'BastionInstanceId', OutputValue: 'i-0bastion' }],
        },
      ],
    });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0bastion',
              State: { Name: 'stopped' },
              PrivateIpAddress: '10.0.0.9',
              InstanceType: 't3.nano',
              LaunchTime: new Date('2026-01-01T00:00:00Z'),
            },
          ],
        },
      ],
    });
    ecs.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: ['arn:ci/1'] });
    ecs.on(DescribeContainerInstancesCommand).resolves({
      containerInstances: [{ containerInstanceArn: 'arn:ci/1', status: 'ACTIVE', agentConnected: true }],
    });
    ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
  });

  it('carries the bastion in the one view `bastion status --json` prints', async () => {
    const status = await readEnvironmentStatus(aws, 'dev');
    const bastion = await findBastion(
      { cloudformation: new CloudFormationClient({}), ec2: new EC2Client({}) },
      'dev',
    );
    expect(status.bastion).toEqual(bastion);
    expect(status.bastion).toEqual({
      env: 'dev',
      stackName: 'ecspoc-dev-bastion',
      state: 'stopped',
      instanceId: 'i-0bastion',
      privateIp: '10.0.0.9',
      instanceType: 't3.nano',
      launchTime: '2026-01-01T00:00:00.000Z',
    });
    expect(status.attention.map((a) => a.suggestion)).toContain('ecspoc bastion start --env dev');
    expect(status.cluster).toMatchObject({
      name: 'ecspoc-dev',
      found: true,
      instances: { active: 1, total: 1 },
    });
  });

  it('reports a bastion not deployed as missing, with the reason, without asking EC2', async () => {
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: 'ecspoc-dev-cluster', StackStatus: 'CREATE_COMPLETE', CreationTime: now },
      ],
    });
    const status = await readEnvironmentStatus(aws, 'dev');
    expect(status.bastion).toEqual({
      env: 'dev',
      stackName: 'ecspoc-dev-bastion',
      state: 'missing',
      missingReason: 'stack ecspoc-dev-bastion does not exist',
    });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  const serviceArn = (name: string) => `arn:aws:ecs:us-east-1:123456789012:service/ecspoc-dev/${name}`;

  it("shows each service's PRIMARY deployment, and for a failing one its last stopped task and the events command", async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [serviceArn('404'), serviceArn('php-hello')] });
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: '404',
          status: 'ACTIVE',
          desiredCount: 2,
          runningCount: 0,
          pendingCount: 1,
          deployments: [
            {
              status: 'PRIMARY',
              rolloutState: 'FAILED',
              rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
              runningCount: 0,
              desiredCount: 2,
              pendingCount: 1,
              failedTasks: 3,
            },
          ],
        },
        {
          serviceName: 'php-hello',
          status: 'ACTIVE',
          desiredCount: 1,
          runningCount: 1,
          pendingCount: 0,
          deployments: [
            {
              status: 'PRIMARY',
              rolloutState: 'COMPLETED',
              runningCount: 1,
              desiredCount: 1,
              failedTasks: 0,
            },
          ],
        },
      ],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({});
    ecs
      .on(ListTasksCommand)
      .resolves({ taskArns: ['arn:aws:ecs:us-east-1:123456789012:task/ecspoc-dev/6f3c'] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/ecspoc-dev/6f3c',
          group: 'service:404',
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          stoppedAt: now,
          containers: [
            { name: '404', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
          ],
        },
      ],
    });
    const status = await readEnvironmentStatus(aws, 'dev');
    const [failing, healthy] = status.services;
    expect(failing).toMatchObject({
      name: '404',
      rollout: 'FAILED',
      deployment: {
        rolloutState: 'FAILED',
        rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        running: 0,
        desired: 2,
        pending: 1,
        failed: 3,
      },
      lastStopped: { taskId: '6f3c', stopCode: 'EssentialContainerExited' },
      moreEvents: 'ecspoc events tail --env dev --service 404 --kind task-stopped',
    });
    expect(healthy).toMatchObject({
      name: 'php-hello',
      deployment: { rolloutState: 'COMPLETED', failed: 0 },
    });
    expect(healthy.lastStopped).toBeUndefined();
    expect(healthy.moreEvents).toBeUndefined();
    // Only the failing service's stopped tasks were read.
    expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(1);
    expect(ecs).toHaveReceivedCommandWith(ListTasksCommand, { serviceName: '404', desiredStatus: 'STOPPED' });
    const item = status.attention.find((a) => a.message.startsWith('Service 404:'));
    expect(item).toEqual({
      message:
        'Service 404: 3 task(s) failed (rolled back: ECS deployment circuit breaker: tasks failed to start.); ' +
        'last stopped: 6f3c EssentialContainerExited (Essential container in task exited) — 404 exit 137 OutOfMemoryError: Container killed due to memory usage.',
      suggestion: 'ecspoc events tail --env dev --service 404 --kind task-stopped',
    });
    const human = renderStatus(status);
    expect(human).toContain('0/2 running, 1 pending, rollout failed, 3 task(s) failed');
    expect(human).toMatch(/last stopped: 6f3c EssentialContainerExited/);
    expect(human).toContain('more: ecspoc events tail --env dev --service 404 --kind task-stopped');
  });

  it('a service short of tasks whose last task was stopped on purpose is not called failing', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [serviceArn('404')] });
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: '404',
          status: 'ACTIVE',
          desiredCount: 2,
          runningCount: 1,
          deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS', runningCount: 1, desiredCount: 2 }],
        },
      ],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({});
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/ecspoc-dev/aaaa'] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:task/ecspoc-dev/aaaa',
          group: 'service:404',
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
          stoppedAt: now,
        },
      ],
    });
    const [service] = (await readEnvironmentStatus(aws, 'dev')).services;
    expect(service.deployment).toEqual({
      rolloutState: 'IN_PROGRESS',
      running: 1,
      desired: 2,
      pending: 0,
      failed: 0,
    });
    expect(service.moreEvents).toBeUndefined();
    expect(service.lastStopped).toBeUndefined();
  });
});
