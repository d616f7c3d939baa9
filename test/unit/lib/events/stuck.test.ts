import type { Deployment, DescribeServicesCommandOutput, Task } from '@aws-sdk/client-ecs';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from '@jest/globals';

import { describeWaiting, ServiceWatch, serviceFromArn } from '../../../../src/lib/events/stuck.js';
import { mockSdk } from '../../helpers/mock-sdk.js';

const ecs = mockSdk(ECSClient);
const client = new ECSClient({ region: 'us-east-1' });
const since = new Date('2024-05-01T10:00:00Z');
const at = (s: number) => new Date(since.getTime() + s * 1000);

function service(
  events: { id: string; s: number; message: string }[],
  deployment: Deployment,
): Pick<DescribeServicesCommandOutput, 'services'> {
  return {
    services: [
      {
        serviceName: '404',
        status: 'ACTIVE',
        desiredCount: 2,
        runningCount: 0,
        // ECS lists service events newest first.
        events: [...events].reverse().map((e) => ({ id: e.id, createdAt: at(e.s), message: e.message })),
        deployments: [
          { status: 'ACTIVE', rolloutState: 'COMPLETED', runningCount: 2, desiredCount: 2 },
          { status: 'PRIMARY', desiredCount: 2, runningCount: 0, pendingCount: 1, ...deployment },
        ],
      },
    ],
  };
}

const oomTask: Task = {
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/ecspoc-dev/6f3c0000',
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  stoppedAt: at(30),
  containers: [
    { name: '404', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
  ],
} as const;
const olderTask: Task = {
  ...oomTask,
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/ecspoc-dev/aaaa',
  stoppedAt: at(5),
  stoppedReason: 'older',
};

beforeEach(() => {
  ecs.on(ListTasksCommand).resolves({ taskArns: [olderTask.taskArn!, oomTask.taskArn!] });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [olderTask, oomTask] });
});

describe('ServiceWatch', () => {
  it('reports the service events since the wait began, each once, oldest first, with rollout and counts', async () => {
    const watch = new ServiceWatch(client, 'ecspoc-dev', '404', since);
    ecs.on(DescribeServicesCommand).resolves(
      service(
        [
          { id: 'old', s: -600, message: '(service 404) has reached a steady state.' },
          { id: 'e1', s: 10, message: '(service 404) has started 1 tasks: (task 6f3c0000).' },
          {
            id: 'e2',
            s: 20,
            message:
              '(service 404) was unable to place a task because no container instance met all of its requirements.',
          },
        ],
        { rolloutState: 'IN_PROGRESS', failedTasks: 1 },
      ),
    );
    const first = await watch.poll();
    expect(first?.events.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(first).toMatchObject({
      rolloutState: 'IN_PROGRESS',
      running: 0,
      desired: 2,
      pending: 1,
      failed: 1,
    });
    // The latest stopped task by stop time, not by list order.
    expect(first?.lastStopped).toMatchObject({ taskId: '6f3c0000', stopCode: 'EssentialContainerExited' });
    expect(describeWaiting(first!)).toBe(
      '404 rollout IN_PROGRESS, 0/2 running, 1 failed; last stopped: 6f3c0000 EssentialContainerExited (Essential container in task exited) — 404 exit 137 OutOfMemoryError: Container killed due to memory usage',
    );
    expect(ecs).toHaveReceivedCommandWith(ListTasksCommand, {
      cluster: 'ecspoc-dev',
      serviceName: '404',
      desiredStatus: 'STOPPED',
    });

    // Nothing changed: nothing to report, and no event twice.
    expect(await watch.poll()).toBeUndefined();
    ecs.on(DescribeServicesCommand).resolves(
      service(
        [
          { id: 'e1', s: 10, message: 'started' },
          { id: 'e2', s: 20, message: 'unable to place' },
          { id: 'e3', s: 40, message: '(service 404) has started 1 tasks.' },
        ],
        { rolloutState: 'IN_PROGRESS', failedTasks: 1 },
      ),
    );
    expect((await watch.poll())?.events.map((e) => e.id)).toEqual(['e3']);
    expect(watch.failureReason()).toBeUndefined();
  });

  it('a changed count is reported even without a new service event', async () => {
    const watch = new ServiceWatch(client, 'ecspoc-dev', '404', since);
    ecs.on(DescribeServicesCommand).resolves(service([], { rolloutState: 'IN_PROGRESS', failedTasks: 1 }));
    await watch.poll();
    ecs.on(DescribeServicesCommand).resolves(service([], { rolloutState: 'IN_PROGRESS', failedTasks: 2 }));
    expect((await watch.poll())?.failed).toBe(2);
  });

  it('the circuit breaker rollback reason and the stopped task behind it are the failure', async () => {
    const watch = new ServiceWatch(client, 'ecspoc-dev', '404', since);
    ecs.on(DescribeServicesCommand).resolves(
      service(
        [
          {
            id: 'e9',
            s: 50,
            message: '(service 404) (deployment ecs-svc/1) deployment failed: tasks failed to start.',
          },
        ],
        {
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          failedTasks: 3,
        },
      ),
    );
    const waiting = await watch.poll();
    expect(waiting?.rolloutState).toBe('FAILED');
    expect(watch.failureReason()).toBe(
      '404: ECS deployment circuit breaker: tasks failed to start.; last stopped task: 6f3c0000 EssentialContainerExited (Essential container in task exited) — 404 exit 137 OutOfMemoryError: Container killed due to memory usage',
    );
  });

  it("takes the newest event's placement failure as the problem, and no other service's stopped task", async () => {
    const watch = new ServiceWatch(client, 'ecspoc-dev', '404', since);
    const unable =
      '(service 404) was unable to place a task because no container instance met all of its requirements.';
    ecs
      .on(DescribeServicesCommand)
      .resolves(service([{ id: 'e1', s: 10, message: unable }], { rolloutState: 'IN_PROGRESS' }));
    // A stand-in that ignores serviceName lists another service's task: it is not this service's.
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ ...oomTask, group: 'service:php-hello' }] });
    const waiting = await watch.poll();
    expect(watch.placementProblem).toBe(unable);
    expect(watch.daemon).toBe(false);
    expect(waiting?.lastStopped).toBeUndefined();
    // Placed since: the newest event no longer says so.
    ecs.on(DescribeServicesCommand).resolves(
      service(
        [
          { id: 'e1', s: 10, message: unable },
          { id: 'e2', s: 20, message: '(service 404) has started 1 tasks.' },
        ],
        { rolloutState: 'IN_PROGRESS' },
      ),
    );
    await watch.poll();
    expect(watch.placementProblem).toBeUndefined();
  });

  it('reads the cluster and service from the ARN CloudFormation gives as physical id', () => {
    expect(serviceFromArn('arn:aws:ecs:us-east-1:123456789012:service/ecspoc-dev/404')).toEqual({
      cluster: 'ecspoc-dev',
      service: '404',
    });
    expect(serviceFromArn('ecspoc-dev-404')).toBeUndefined();
  });
});
