import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';

import type { InstanceList } from '../../../src/lib/instances/list.js';
import type { CyclePlan } from '../../../src/lib/instances/plan.js';
import { cycleProgress, drainProgress, renderInstanceList, renderPlan } from '../../../src/ui/instances.js';

function sink(isTTY: boolean) {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  (stream as { isTTY?: boolean }).isTTY = isTTY;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

const plan: CyclePlan = {
  batches: [
    {
      index: 1,
      surge: 2,
      unavailable: 0,
      instances: [{ instanceId: 'i-1', availabilityZone: 'a', tasks: 2, draining: false }],
    },
    {
      index: 2,
      surge: 2,
      unavailable: 0,
      instances: [{ instanceId: 'i-2', availabilityZone: 'b', tasks: 1, draining: false }],
    },
  ],
  batchSize: 1,
  maxUnavailable: 0,
  desired: 2,
  max: 4,
  peakDesired: 3,
  maxNeeded: 3,
  raiseMax: false,
  tasksMoved: 3,
  standaloneTasks: [],
  problems: [],
};

describe('cycleProgress', () => {
  it('draws batches and instances as plain lines without a TTY', async () => {
    const out = sink(false);
    const stderr = process.stderr;
    Object.defineProperty(process, 'stderr', { value: out.stream, configurable: true });
    try {
      const progress = await cycleProgress(plan, false);
      progress.emit({ type: 'surge-requested', batch: 1, from: 2, to: 3 });
      progress.emit({ type: 'instance-draining', instanceId: 'i-1', tasks: 2, batch: 1 });
      progress.emit({ type: 'instance-terminated', instanceId: 'i-1', batch: 1 });
      progress.emit({ type: 'batch-done', batch: 1, instances: ['i-1'] });
      await progress.end(new Error('stopped'));
    } finally {
      Object.defineProperty(process, 'stderr', { value: stderr, configurable: true });
    }
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => l.slice(9));
    expect(lines).toEqual([
      'batch 1/2: surge: desired capacity 2 → 3',
      '  i-1 (a): DRAINING, 2 task(s)',
      '  i-1 (a): terminated',
      'batch 1/2: replaced i-1',
      'batch 2/2: skipped: not started',
      '  i-2 (b): skipped: not started',
    ]);
  });

  it('settles every listr2 task, started or not, so the display closes on a TTY', async () => {
    const out = sink(true);
    const stderr = process.stderr;
    Object.defineProperty(process, 'stderr', { value: out.stream, configurable: true });
    try {
      const progress = await cycleProgress(plan, false);
      progress.emit({ type: 'instance-draining', instanceId: 'i-1', tasks: 2, batch: 1 });
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        progress.end(new Error('interrupted')).then(() => 'closed'),
        new Promise((resolve) => (timer = setTimeout(() => resolve('hung'), 2_000))),
      ]);
      clearTimeout(timer);
      expect(closed).toBe('closed');
    } finally {
      Object.defineProperty(process, 'stderr', { value: stderr, configurable: true });
    }
    // Longer than the 2 s race: a loaded machine must not time the test out before process.stderr is put back.
  }, 15_000);
});

describe('drainProgress', () => {
  it("draws a service's new events and state, and what keeps an instance, as plain lines", async () => {
    const out = sink(false);
    const stderr = process.stderr;
    Object.defineProperty(process, 'stderr', { value: out.stream, configurable: true });
    try {
      const progress = await drainProgress([{ instanceId: 'i-1', availabilityZone: 'a' }], false);
      progress.emit({
        type: 'service-watch',
        waiting: {
          cluster: 'ecspoc-dev',
          service: 'web',
          events: [
            {
              id: 'e1',
              createdAt: '2024-05-01T10:00:00Z',
              message: '(service web) was unable to place a task.',
            },
          ],
          rolloutState: 'IN_PROGRESS',
          running: 1,
          desired: 2,
          pending: 0,
          failed: 0,
        },
      });
      progress.emit({
        type: 'drain-blocked',
        instanceId: 'i-1',
        blockers: [
          {
            instanceId: 'i-1',
            taskArn: 'arn:task/c/6f3c',
            kind: 'standalone',
            task: 'standalone task family:job (6f3c)',
            detail:
              'standalone task family:job is not moved by draining: stop it (--stop-standalone-tasks) or wait for it to end',
          },
        ],
      });
      await progress.end(new Error('stopped'));
    } finally {
      Object.defineProperty(process, 'stderr', { value: stderr, configurable: true });
    }
    const text = out.text();
    expect(text).toContain('service web: (service web) was unable to place a task.');
    expect(text).toContain('service web rollout IN_PROGRESS, 1/2 running');
    expect(text).toContain(
      'i-1 is kept by standalone task family:job (6f3c): standalone task family:job is not moved by draining',
    );
    expect(text).toContain('i-1 (a): kept by 1 task(s) that will not move');
  });
});

describe('renderPlan', () => {
  it('shows the batches, surge and capacity, and the problems with what to do', () => {
    const text = renderPlan(
      {
        cluster: 'ecspoc-dev',
        autoScalingGroup: 'g',
        plan: {
          ...plan,
          problems: [
            { code: 'WONT_FIT', message: 'Batch 1: no room.', suggestion: 'Use a smaller --batch-size.' },
          ],
        },
      },
      sink(false).stream,
    );
    expect(text).toContain('Cycle plan for ecspoc-dev, group g (desired 2, max 4)');
    expect(text).toContain(
      '2 instance(s) in 2 batch(es) of up to 1; surge +1 before each batch (desired 2 → 3 → 2); max size stays 4',
    );
    expect(text).toContain('  batch 1  i-1 (a, 2 tasks)');
    expect(text).toContain(
      '1 problem(s): the cycle would be refused\n  - Batch 1: no room.\n    Try: Use a smaller --batch-size.',
    );
  });
});

describe('renderInstanceList', () => {
  it('prints one row per instance and the advice to cycle outdated ones', () => {
    const list: InstanceList = {
      env: 'dev',
      cluster: 'ecspoc-dev',
      autoScalingGroup: { name: 'g', desired: 1, min: 0, max: 2 },
      launchTemplate: { launchTemplateId: 'lt-1', versionSpec: '3', version: 3, imageId: 'ami-3' },
      instances: [
        {
          instanceId: 'i-1',
          ec2State: 'running',
          ecsStatus: 'ACTIVE',
          agentConnected: true,
          runningTasks: 2,
          pendingTasks: 0,
          imageId: 'ami-2',
          privateIp: '10.0.0.1',
          availabilityZone: 'us-east-1a',
          launchTime: '2026-01-01T10:00:00.000Z',
          outdated: true,
          outdatedReasons: ['AMI ami-2, current ami-3'],
        },
      ],
    };
    const lines = renderInstanceList(list, sink(false).stream).split('\n');
    expect(lines[0]).toBe(
      'INSTANCE  EC2      ECS     AGENT  RUNNING  PENDING  AMI    OUTDATED  PRIVATE IP  AZ          LAUNCHED',
    );
    expect(lines[1]).toBe(
      'i-1       running  ACTIVE  yes    2        0        ami-2  yes       10.0.0.1    us-east-1a  2026-01-01 10:00',
    );
    expect(lines).toContain('1 instance(s) in ecspoc-dev (1 ACTIVE), 1 outdated');
    expect(lines).toContain('Try: ecspoc instances cycle --outdated --env dev');

    const newer = renderInstanceList(
      {
        ...list,
        newerImage: { parameter: '/aws/service/ecs/x', imageId: 'ami-4', deployedImageId: 'ami-3' },
      },
      sink(false).stream,
    );
    expect(newer).toContain(
      'A newer ECS-optimised AMI is published: ami-4 (/aws/service/ecs/x); the cluster stack was deployed with ami-3.\n' +
        'Try: ecspoc deploy cluster --env dev',
    );

    // A cluster ecspoc did not deploy is named again by --cluster, and its group when it has several.
    const adopted = { ...list, cluster: 'shop', autoScalingGroups: ['g', 'h'] };
    expect(renderInstanceList(adopted, sink(false).stream)).toContain(
      'Try: ecspoc instances cycle --outdated --cluster shop --asg g',
    );
    expect(renderInstanceList({ ...adopted, autoScalingGroups: ['g'] }, sink(false).stream)).toContain(
      'Try: ecspoc instances cycle --outdated --cluster shop\n',
    );
  });
});
