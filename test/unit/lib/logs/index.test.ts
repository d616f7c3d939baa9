import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { beforeEach, describe, expect, it } from '@jest/globals';

import { planTail, type TailRequest } from '../../../../src/lib/logs/index.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const logs = mockSdk(CloudWatchLogsClient);

const client = sdkClient(CloudWatchLogsClient);
const NOW = Date.UTC(2024, 4, 1, 12);
const group = (name: string) => ({
  logGroupName: name,
  arn: `arn:aws:logs:us-east-1:123456789012:log-group:${name}:*`,
});

beforeEach(() => {
  logs
    .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecspoc/dev/instances/' })
    .resolves({ logGroups: [group('/ecspoc/dev/instances/docker')] });
  logs
    .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecspoc/dev/tasks/' })
    .resolves({ logGroups: [group('/ecspoc/dev/tasks/404')] });
});

const request = (extra: Partial<TailRequest> = {}): TailRequest => ({ env: 'dev', selection: {}, ...extra });

describe('planTail', () => {
  it('defaults to the last 10 minutes and, with no one to ask, every group of the environment', async () => {
    const plan = await planTail(client, request(), NOW);
    expect(plan.defaulted).toBe(true);
    expect(plan.options.startTime).toBe(NOW - 600_000);
    expect(plan.options.endTime).toBeUndefined();
    expect(plan.options.groups.map((g) => g.name)).toEqual([
      '/ecspoc/dev/instances/docker',
      '/ecspoc/dev/tasks/404',
    ]);
  });

  it('lets the operator choose when someone can', async () => {
    const plan = await planTail(client, request(), NOW, async (groups) =>
      groups.filter((g) => g.kind === 'task'),
    );
    expect(plan.defaulted).toBe(false);
    expect(plan.options.groups.map((g) => g.label)).toEqual(['404']);
  });

  it('reads --since and --until, and --live implies --follow', async () => {
    const plan = await planTail(
      client,
      request({ selection: { tasks: true }, since: '2h', until: '2024-05-01T11:30:00Z' }),
      NOW,
    );
    expect(plan.options).toMatchObject({
      startTime: NOW - 7_200_000,
      endTime: NOW - 1_800_000,
      follow: false,
    });
    const live = await planTail(client, request({ selection: { tasks: true }, live: true }), NOW);
    expect(live).toMatchObject({ live: true, options: { follow: true } });
  });

  it.each([
    [{ since: '1h', until: '2h' }, 'EMPTY_TIME_RANGE'],
    [{ follow: true, until: '5m' }, 'FOLLOW_WITH_UNTIL'],
    [{ since: 'soon' }, 'INVALID_TIME'],
    [{ pageLimit: 0 }, 'INVALID_PAGE_SIZE'],
  ])('rejects %p', async (extra, code) => {
    await expect(
      planTail(client, request({ selection: { tasks: true }, ...extra }), NOW),
    ).rejects.toMatchObject({ code, exitCode: 2 });
  });

  it('says so when the environment has no log groups at all', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    await expect(planTail(client, request({ env: 'dev' }), NOW)).rejects.toMatchObject({
      code: 'NO_LOG_GROUPS',
    });
  });
});
