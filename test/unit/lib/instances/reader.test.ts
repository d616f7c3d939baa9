import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  ECSClient,
  ListContainerInstancesCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { AwsError } from '../../../../src/lib/errors.js';
import {
  createLimiter,
  describeEc2Instances,
  readContainerInstances,
  readFleet,
  readServices,
} from '../../../../src/lib/instances/reader.js';
import { awsError, mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const ecs = mockSdk(ECSClient);
const ec2 = mockSdk(EC2Client);
const clients = () => ({ ecs: sdkClient(ECSClient), ec2: sdkClient(EC2Client) });
const arn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:container-instance/c/${n}`;
const id = (n: number) => `i-${String(n).padStart(17, '0')}`;

/** Resolves on a later macrotask, so that calls in flight overlap as they do over the network. */
const later = () => new Promise<void>((resolve) => setImmediate(resolve));

let inFlight = 0;
let peak = 0;
async function tracked<T>(value: () => T): Promise<T> {
  inFlight += 1;
  peak = Math.max(peak, inFlight);
  await later();
  inFlight -= 1;
  return value();
}

/** A cluster `c` of `count` container instances; instance n runs as EC2 instance id(n). */
function fleet(count: number) {
  ecs
    .on(ListContainerInstancesCommand)
    .callsFake((input: { cluster: string; nextToken?: string; maxResults?: number }) => {
      if (input.cluster !== 'c') throw awsError('ClusterNotFoundException', 'Cluster not found.');
      if ((input.maxResults ?? 100) > 100) throw new Error('maxResults above 100');
      const start = Number(input.nextToken ?? 0);
      const end = Math.min(count, start + (input.maxResults ?? 100));
      return tracked(() => ({
        containerInstanceArns: Array.from({ length: end - start }, (_, i) => arn(start + i)),
        ...(end < count ? { nextToken: String(end) } : {}),
      }));
    });
  ecs.on(DescribeContainerInstancesCommand).callsFake((input: { containerInstances: string[] }) => {
    if (input.containerInstances.length > 100) throw new Error('more than 100 container instances');
    return tracked(() => ({
      containerInstances: input.containerInstances.map((a) => {
        const n = Number(a.split('/').pop());
        return { containerInstanceArn: a, ec2InstanceId: id(n), status: 'ACTIVE', runningTasksCount: 1 };
      }),
      failures: [],
    }));
  });
  ec2
    .on(DescribeInstancesCommand)
    .callsFake(
      (input: {
        Filters?: Array<{ Name: string; Values: string[] }>;
        InstanceIds?: string[];
        MaxResults?: number;
      }) => {
        if (input.InstanceIds) throw new Error('InstanceIds: one vanished id would fail the call');
        const values = input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];
        if (values.length > 200)
          throw awsError(
            'FilterLimitExceeded',
            'The maximum number of filter values specified on a single call is 200',
          );
        return tracked(() => ({
          Reservations: [{ Instances: values.map((v) => ({ InstanceId: v, State: { Name: 'running' } })) }],
        }));
      },
    );
}

beforeEach(() => {
  inFlight = 0;
  peak = 0;
});
afterEach(() => {
  expect(inFlight).toBe(0);
});

describe('readFleet', () => {
  it('reads 2,000 container instances in 20 + 20 + 10 calls, every one described once', async () => {
    fleet(2000);
    const read = await readFleet(clients(), 'c');
    expect(read.clusterFound).toBe(true);
    expect(read.containerInstances).toHaveLength(2000);
    expect(new Set(read.containerInstances.map((ci) => ci.containerInstanceArn)).size).toBe(2000);
    expect(read.ec2.size).toBe(2000);
    expect(ecs.commandCalls(ListContainerInstancesCommand)).toHaveLength(20);
    expect(ecs.commandCalls(DescribeContainerInstancesCommand)).toHaveLength(20);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(10);
    for (const call of ecs.commandCalls(ListContainerInstancesCommand))
      expect(call.args[0].input.maxResults).toBe(100);
    for (const call of ec2.commandCalls(DescribeInstancesCommand))
      expect(call.args[0].input.MaxResults).toBe(1000);
  });

  it('describes in parallel, never more than the bound at once', async () => {
    fleet(2000);
    await readFleet(clients(), 'c', [], { concurrency: 3 });
    // The listing is one call at a time; describes overlap it and one another, up to 3.
    expect(peak).toBeGreaterThanOrEqual(3);
    expect(peak).toBeLessThanOrEqual(3 + 1);
  });

  it('reads one after another with a bound of 1 (the listing and one describe may overlap)', async () => {
    fleet(500);
    await readFleet(clients(), 'c', [], { concurrency: 1 });
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('describes the extra instances (group members not registered) once, with the others', async () => {
    fleet(150);
    const read = await readFleet(clients(), 'c', [
      id(3),
      id(149),
      'i-notregistered0001',
      'i-notregistered0002',
    ]);
    expect(read.ec2.size).toBe(152);
    const asked = ec2
      .commandCalls(DescribeInstancesCommand)
      .flatMap((c) => c.args[0].input.Filters?.[0]?.Values ?? []);
    expect(asked).toHaveLength(152);
    expect(new Set(asked).size).toBe(152);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });

  it('describes in EC2 only the instances it is not given (knownInstances), returning the given ones', async () => {
    fleet(150);
    const known = new Map(
      Array.from({ length: 140 }, (_, n) => [
        id(n),
        { InstanceId: id(n), State: { Name: 'running' as const } },
      ]),
    );
    const read = await readFleet(clients(), 'c', ['i-notregistered0001'], { knownInstances: known });
    expect(read.ec2.size).toBe(151);
    expect(read.ec2.get(id(0))).toBe(known.get(id(0)));
    const asked = ec2
      .commandCalls(DescribeInstancesCommand)
      .flatMap((c) => c.args[0].input.Filters?.[0]?.Values ?? []);
    expect(asked.sort()).toEqual(
      [...Array.from({ length: 10 }, (_, n) => id(140 + n)), 'i-notregistered0001'].sort(),
    );
  });

  it('reports a missing cluster as not found, without describing anything', async () => {
    fleet(5);
    const read = await readFleet(clients(), 'gone', ['i-0000000000000001']);
    expect(read.clusterFound).toBe(false);
    expect(read.containerInstances).toEqual([]);
    expect(ecs.commandCalls(DescribeContainerInstancesCommand)).toHaveLength(0);
  });

  it('fails with an AwsError naming the call, after the calls in flight settle', async () => {
    fleet(300);
    ec2.on(DescribeInstancesCommand).rejects(awsError('UnauthorizedOperation', 'denied'));
    const failure = readFleet(clients(), 'c');
    await expect(failure).rejects.toThrow(AwsError);
    await expect(failure).rejects.toThrow(/ec2:DescribeInstances/);
  });
});

describe('readContainerInstances', () => {
  it('lists at 100 a page and describes each page as it arrives', async () => {
    fleet(250);
    const read = await readContainerInstances(clients(), 'c');
    expect(read).toHaveLength(250);
    expect(ecs.commandCalls(ListContainerInstancesCommand)).toHaveLength(3);
    expect(
      ecs
        .commandCalls(DescribeContainerInstancesCommand)
        .map((c) => c.args[0].input.containerInstances?.length),
    ).toEqual([100, 100, 50]);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('is undefined for a missing cluster', async () => {
    fleet(1);
    expect(await readContainerInstances(clients(), 'gone')).toBeUndefined();
  });
});

describe('describeEc2Instances', () => {
  it('asks for 200 distinct ids a call and leaves out the ones gone', async () => {
    fleet(0);
    const ids = [...Array.from({ length: 450 }, (_, n) => id(n)), id(1), ''];
    const found = await describeEc2Instances(clients(), ids);
    expect(found.size).toBe(450);
    expect(
      ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.Filters?.[0]?.Values?.length),
    ).toEqual([200, 200, 50]);
  });

  it('follows NextToken within one batch', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: id(1) }] }], NextToken: 't' })
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: id(2) }] }] });
    const found = await describeEc2Instances(clients(), [id(1), id(2)]);
    expect([...found.keys()]).toEqual([id(1), id(2)]);
    expect(ec2.commandCalls(DescribeInstancesCommand)[1].args[0].input.NextToken).toBe('t');
  });
});

describe('readServices', () => {
  it('lists 100 a page and describes 10 a call, in parallel', async () => {
    const names = Array.from({ length: 25 }, (_, n) => `svc-${n}`);
    ecs.on(ListServicesCommand).callsFake((input: { nextToken?: string; maxResults?: number }) => {
      const start = Number(input.nextToken ?? 0);
      const end = Math.min(names.length, start + (input.maxResults ?? 10));
      return {
        serviceArns: names.slice(start, end),
        ...(end < names.length ? { nextToken: String(end) } : {}),
      };
    });
    ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => {
      if (input.services.length > 10) throw new Error('more than 10 services');
      return tracked(() => ({
        services: input.services.map((serviceName) => ({ serviceName, status: 'ACTIVE' })),
      }));
    });
    const services = await readServices(clients(), 'c');
    expect(services?.map((s) => s.serviceName)).toEqual(names);
    expect(ecs.commandCalls(ListServicesCommand)).toHaveLength(1);
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(3);
    expect(peak).toBe(3);
  });

  it('is undefined for a missing cluster', async () => {
    ecs.on(ListServicesCommand).rejects(awsError('ClusterNotFoundException', 'Cluster not found.'));
    expect(await readServices(clients(), 'gone')).toBeUndefined();
  });
});

describe('createLimiter', () => {
  it('runs at most the bound at once and keeps every result', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, n) =>
        limit(async () => {
          running += 1;
          most = Math.max(most, running);
          await later();
          running -= 1;
          return n;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(2);
  });

  it('goes on after a task fails', async () => {
    const limit = createLimiter(1);
    const failed = limit(() => Promise.reject(new Error('boom')));
    const next = limit(async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });
});
