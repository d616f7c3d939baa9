import { describe, expect, it } from '@jest/globals';

import { attentionFor, type EnvironmentStatus } from '../../../../src/lib/status/index.js';

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
