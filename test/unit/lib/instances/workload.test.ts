import { DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from '@jest/globals';

import {
  describeRunningTasks,
  serviceOfGroup,
  serviceUnsteadiness,
  taskRequirements,
} from '../../../../src/lib/instances/workload.js';
import { mockSdk, resetSdkMocks, sdkClient } from '../../helpers/mock-sdk.js';

describe('taskRequirements', () => {
  it('sums the containers when the task has no task-level size; static host ports in bridge mode', () => {
    expect(
      taskRequirements({
        containerDefinitions: [
          { name: 'a', cpu: 256, memory: 512, portMappings: [{ containerPort: 80, hostPort: 8080 }] },
          {
            name: 'b',
            memoryReservation: 128,
            portMappings: [
              { containerPort: 9000, hostPort: 0 },
              { containerPort: 53, hostPort: 53, protocol: 'udp' },
            ],
          },
        ],
      }),
    ).toEqual({ cpu: 256, memory: 640, ports: ['8080/tcp', '53/udp'] });
  });

  it('takes task-level sizes, in units or vCPU / GB', () => {
    expect(
      taskRequirements({
        cpu: '0.5 vCPU',
        memory: '1 GB',
        containerDefinitions: [{ name: 'a', cpu: 10, memory: 10 }],
      }),
    ).toEqual({
      cpu: 512,
      memory: 1024,
      ports: [],
    });
    expect(taskRequirements({ cpu: '1024', memory: '2048', containerDefinitions: [] })).toMatchObject({
      cpu: 1024,
      memory: 2048,
    });
  });

  it('reserves the container port in host mode and no host port in awsvpc mode', () => {
    const containers = [{ name: 'a', portMappings: [{ containerPort: 80 }] }];
    expect(taskRequirements({ networkMode: 'host', containerDefinitions: containers }).ports).toEqual([
      '80/tcp',
    ]);
    expect(taskRequirements({ networkMode: 'awsvpc', containerDefinitions: containers }).ports).toEqual([]);
  });
});

describe('serviceUnsteadiness', () => {
  const steady = {
    name: 'web',
    desired: 2,
    running: 2,
    pending: 0,
    deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
  };

  it('is undefined for a steady service', () => expect(serviceUnsteadiness(steady)).toBeUndefined());

  it.each([
    [{ running: 1 }, '1/2 running'],
    [{ pending: 1 }, '1 pending'],
    [{ deployments: [{ status: 'PRIMARY' }, { status: 'ACTIVE' }] }, '2 deployments'],
    [{ deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }] }, 'rollout IN_PROGRESS'],
  ])('says why %p is not steady', (change, why) =>
    expect(serviceUnsteadiness({ ...steady, ...change })).toBe(why),
  );
});

describe('serviceOfGroup', () => {
  it('reads the service from a task group; standalone tasks have none', () => {
    expect(serviceOfGroup('service:web')).toBe('web');
    expect(serviceOfGroup('family:job')).toBeUndefined();
    expect(serviceOfGroup(undefined)).toBeUndefined();
  });
});

describe('describeRunningTasks', () => {
  const ecs = mockSdk(ECSClient);
  const arn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task/c/${n}`;

  it('lists 100 a page and describes 100 a call, the describes at once', async () => {
    resetSdkMocks();
    ecs.on(ListTasksCommand).callsFake((input: { nextToken?: string; maxResults?: number }) => {
      const start = Number(input.nextToken ?? 0);
      const end = Math.min(250, start + (input.maxResults ?? 100));
      return {
        taskArns: Array.from({ length: end - start }, (_, i) => arn(start + i)),
        ...(end < 250 ? { nextToken: String(end) } : {}),
      };
    });
    let inFlight = 0;
    let peak = 0;
    ecs.on(DescribeTasksCommand).callsFake(async (input: { tasks: string[] }) => {
      if (input.tasks.length > 100) throw new Error('more than 100 tasks');
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return {
        tasks: input.tasks.map((taskArn) => ({
          taskArn,
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
          group: 'service:web',
          lastStatus: 'RUNNING',
          desiredStatus: 'RUNNING',
        })),
      };
    });
    const tasks = await describeRunningTasks({ ecs: sdkClient(ECSClient) } as never, 'c');
    expect(tasks).toHaveLength(250);
    expect(tasks[0]).toMatchObject({ taskArn: arn(0), service: 'web' });
    expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(3);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(3);
    expect(peak).toBe(3);
  });
});
