import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../../src/lib/errors.js';
import { planEventsTail } from '../../../../src/lib/events/index.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const logs = mockSdk(CloudWatchLogsClient);
const now = Date.parse('2024-05-01T10:10:00Z');

describe('planEventsTail', () => {
  it("reads the environment's events group alone, with the FilterLogEvents budget asked for", async () => {
    // DescribeLogGroups matches by prefix: a longer environment's group comes back too.
    logs.on(DescribeLogGroupsCommand).resolves({
      logGroups: [{ logGroupName: '/aws/events/ecspoc-dev' }, { logGroupName: '/aws/events/ecspoc-dev-x' }],
    });
    const plan = await planEventsTail(
      sdkClient(CloudWatchLogsClient),
      { env: 'dev', since: '10m', kinds: ['task-stopped'], services: ['404'], maxRate: 2 },
      now,
    );
    expect(plan.options).toMatchObject({
      groups: [{ name: '/aws/events/ecspoc-dev' }],
      startTime: now - 600_000,
      follow: false,
      maxRate: 2,
    });
    expect(plan.kinds).toEqual(['task-stopped']);
    expect(plan.services).toEqual(['404']);
  });

  it('an unknown kind and a missing group are usage errors that say what to do', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: '/aws/events/ecspoc-dev-x' }] });
    const client = sdkClient(CloudWatchLogsClient);
    await expect(planEventsTail(client, { env: 'dev', kinds: ['oops'] }, now)).rejects.toThrow(
      '--kind "oops" is not a kind of event.',
    );
    const missing = await planEventsTail(client, { env: 'dev' }, now).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UsageError);
    expect((missing as UsageError).suggestions[0]).toContain('ecspoc deploy cluster --env dev');
  });
});
