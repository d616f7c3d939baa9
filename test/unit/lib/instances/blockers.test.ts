import { describe, expect, it } from '@jest/globals';

import { drainBlockers } from '../../../../src/lib/instances/blockers.js';
import type { FleetInstance, Resources } from '../../../../src/lib/instances/fleet.js';
import type { WorkloadTask } from '../../../../src/lib/instances/workload.js';

function instance(id: string, remaining: Resources): FleetInstance {
  return {
    instanceId: id,
    containerInstanceArn: `arn:ci/${id}`,
    ec2State: 'running',
    ecsStatus: 'ACTIVE',
    agentConnected: true,
    runningTasks: 0,
    pendingTasks: 0,
    availabilityZone: 'us-east-1a',
    launchTime: '2026-01-01T00:00:00Z',
    lifecycleState: 'InService',
    outdated: false,
    outdatedReasons: [],
    registered: { cpu: 2048, memory: 4096, ports: ['22/tcp'] },
    remaining,
  };
}

const task = (arn: string, on: string, extra: Partial<WorkloadTask> = {}): WorkloadTask => ({
  taskArn: arn,
  taskDefinitionArn: extra.service ? `td/${extra.service}` : 'td/job',
  containerInstanceArn: `arn:ci/${on}`,
  lastStatus: 'RUNNING',
  ...extra,
});

const requirements = new Map<string, Resources>([
  ['td/web', { cpu: 256, memory: 512, ports: ['80/tcp'] }],
  ['td/api', { cpu: 256, memory: 512, ports: [] }],
  ['td/agent', { cpu: 128, memory: 128, ports: [] }],
]);

describe('drainBlockers', () => {
  const draining = instance('i-old', { cpu: 1024, memory: 2048, ports: ['22/tcp', '80/tcp'] });
  // Plenty of CPU and memory left, but host port 80 is taken there already.
  const active = instance('i-new', { cpu: 1792, memory: 3584, ports: ['22/tcp', '80/tcp'] });
  const tasks = [
    task('t-web', 'i-old', { service: 'web', group: 'service:web' }),
    task('t-api', 'i-old', { service: 'api', group: 'service:api' }),
    task('t-agent', 'i-old', { service: 'agent', group: 'service:agent' }),
    task('t-job', 'i-old', { group: 'family:nightly-report' }),
    task('t-elsewhere', 'i-new', { group: 'family:other' }),
  ];

  it('names the standalone task, the daemon task and the task whose host port is taken everywhere', () => {
    const blockers = drainBlockers([draining], [active], tasks, requirements, new Set(['agent']));
    expect(blockers.map((b) => [b.kind, b.taskArn])).toEqual([
      ['standalone', 't-job'],
      ['daemon', 't-agent'],
      ['fits-nowhere', 't-web'],
    ]);
    expect(blockers.every((b) => b.instanceId === 'i-old')).toBe(true);
    expect(blockers[0]!.detail).toContain('family:nightly-report');
    expect(blockers[0]!.detail).toContain('--stop-standalone-tasks');
    expect(blockers[2]!.detail).toContain('port 80/tcp');
  });

  it('a service task that fits elsewhere blocks nothing; without daemons the agent task moves like any other', () => {
    const roomy = instance('i-new', { cpu: 4096, memory: 8192, ports: ['22/tcp'] });
    const blockers = drainBlockers([draining], [roomy], tasks.slice(0, 3), requirements, new Set());
    expect(blockers).toEqual([]);
  });
});
