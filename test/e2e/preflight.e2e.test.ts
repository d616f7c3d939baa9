import { CloudFormationClient, ListStacksCommand, StackStatus } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteResourcePolicyCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
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
const iam = new IAMClient(config);
afterAll(() => {
  cfn.destroy();
  s3.destroy();
  logs.destroy();
  iam.destroy();
});

async function environmentStacks(env: string): Promise<string[]> {
  const live = Object.values(StackStatus).filter((s) => s !== 'DELETE_COMPLETE');
  const stacks = await cfn.send(new ListStacksCommand({ StackStatusFilter: live }));
  return (stacks.StackSummaries ?? [])
    .map((s) => s.StackName ?? '')
    .filter((name) => name.startsWith(`ecspoc-${env}-`));
}

describe('deploy pre-flight against moto_server', () => {
  it('refuses a deploy whose bucket, log group and role exist outside its stacks, naming all three, creating nothing', async () => {
    const bucket = `ecspoc-${ENV}-123456789012-us-east-1`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: `/ecspoc/${ENV}/tasks/404` }));
    // Left behind by an environment of the same name whose stack was deleted with the role retained.
    await iam.send(
      new CreateRoleCommand({
        RoleName: `ecspoc-${ENV}-us-east-1-instance`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );

    const result = await runCli(['deploy', '--env', ENV, '--yes', '--parameter=SshCidr=127.0.0.1/32']);

    expect(result.code).toBe(2);
    const errorLine = result.stderr.split('\n').find((line) => line.startsWith('Error: '));
    expect(errorLine).toContain(`bucket ${bucket} (bootstrap)`);
    expect(errorLine).toContain(`log group /ecspoc/${ENV}/tasks/404 (service-404)`);
    expect(errorLine).toContain(`role ecspoc-${ENV}-us-east-1-instance (cluster)`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await environmentStacks(ENV)).toEqual([]);
  });

  it("refuses a deploy whose events policy would be the region's eleventh CloudWatch Logs resource policy", async () => {
    const others = Array.from({ length: 10 }, (_, i) => `someone-else-${i}`);
    for (const policyName of others)
      await logs.send(
        new PutResourcePolicyCommand({
          policyName,
          policyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'route53.amazonaws.com' },
                Action: 'logs:PutLogEvents',
                Resource: `arn:aws:logs:us-east-1:123456789012:log-group:/aws/route53/${policyName}:*`,
              },
            ],
          }),
        }),
      );
    try {
      const result = await runCli(['deploy', '--env', 'full', '--yes', '--parameter=SshCidr=127.0.0.1/32']);
      expect(result.code).toBe(2);
      const errorLine = result.stderr.split('\n').find((line) => line.startsWith('Error: '));
      expect(errorLine).toContain('us-east-1 already holds the 10 CloudWatch Logs resource policies');
      expect(result.stderr).toContain('aws logs delete-resource-policy');
      expect(await environmentStacks('full')).toEqual([]);
    } finally {
      for (const policyName of others) await logs.send(new DeleteResourcePolicyCommand({ policyName }));
    }
  });
});
