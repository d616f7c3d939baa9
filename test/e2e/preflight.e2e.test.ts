import { CloudFormationClient, ListStacksCommand, StackStatus } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from '@jest/globals';

import { runCli } from './helpers/cli.js';
import { clientConfig } from './helpers/env.js';

/**
 * A deploy into an account where names the environment would create are taken already: refused
 * before the first change set, so no stack is left in REVIEW_IN_PROGRESS. On AWS a bucket someone
 * else owns answers HeadBucket with 403 and counts as taken; in moto the bucket is this account's.
 */
const ENV = 'taken';
const config = clientConfig();
const cfn = new CloudFormationClient(config);
const s3 = new S3Client({ ...config, forcePathStyle: true });
const logs = new CloudWatchLogsClient(config);
afterAll(() => {
  cfn.destroy();
  s3.destroy();
  logs.destroy();
});

describe('deploy pre-flight against moto_server', () => {
  it('refuses a deploy whose bucket and log group exist outside its stacks, naming both, creating nothing', async () => {
    const bucket = `ecspoc-${ENV}-123456789012-us-east-1`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: `/ecspoc/${ENV}/tasks/404` }));

    const result = await runCli(['deploy', '--env', ENV, '--yes', '--parameter=SshCidr=127.0.0.1/32']);

    expect(result.code).toBe(2);
    const errorLine = result.stderr.split('\n').find((line) => line.startsWith('Error: '));
    expect(errorLine).toContain(`bucket ${bucket} (bootstrap)`);
    expect(errorLine).toContain(`log group /ecspoc/${ENV}/tasks/404 (service-404)`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const live = Object.values(StackStatus).filter((s) => s !== 'DELETE_COMPLETE');
    const stacks = await cfn.send(new ListStacksCommand({ StackStatusFilter: live }));
    expect((stacks.StackSummaries ?? []).filter((s) => s.StackName?.startsWith(`ecspoc-${ENV}-`))).toEqual(
      [],
    );
  });
});
