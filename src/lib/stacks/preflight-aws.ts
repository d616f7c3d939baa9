/** The pre-flight's probes on real clients: does a bucket, repository or log group exist already? */
import type { AwsClients } from '../aws/clients.js';
import { toAwsError } from '../aws/clients.js';
import type { ExistenceProbe, NamedResource } from './preflight.js';

/** The account the deploy runs in (the bucket name carries it). */
export async function callerAccount(aws: AwsClients): Promise<string> {
  const { STSClient, GetCallerIdentityCommand } = await import('../aws/sdk/sts.js');
  try {
    const identity = await aws.client(STSClient).send(new GetCallerIdentityCommand({}));
    return identity.Account ?? '';
  } catch (error) {
    throw toAwsError(error, 'reading the caller identity (sts:GetCallerIdentity)');
  }
}

/** A probe answering from S3, ECR and CloudWatch Logs. */
export function probeExistence(aws: AwsClients): ExistenceProbe {
  return async (resource: NamedResource) => {
    switch (resource.kind) {
      case 'bucket':
        return bucketExists(aws, resource.name);
      case 'repository':
        return repositoryExists(aws, resource.name);
      case 'log-group':
        return logGroupExists(aws, resource.name);
    }
  };
}

/**
 * Bucket names are global. HeadBucket answers 200 when the bucket exists and the caller may list it,
 * 403 when it exists but belongs to someone else (or the caller may not see it), and 404 when no
 * bucket has the name (S3 API Reference, HeadBucket): only 404 means the name is free.
 */
async function bucketExists(aws: AwsClients, name: string): Promise<boolean> {
  const { S3Client, HeadBucketCommand } = await import('../aws/sdk/s3.js');
  try {
    await aws.client(S3Client).send(new HeadBucketCommand({ Bucket: name }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    if (status === 403 || status === 301) return true;
    throw toAwsError(error, `checking whether bucket ${name} exists (s3:HeadBucket)`);
  }
}

async function repositoryExists(aws: AwsClients, name: string): Promise<boolean> {
  const { ECRClient, DescribeRepositoriesCommand } = await import('../aws/sdk/ecr.js');
  try {
    await aws.client(ECRClient).send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'RepositoryNotFoundException') return false;
    throw toAwsError(error, `checking whether repository ${name} exists (ecr:DescribeRepositories)`);
  }
}

async function logGroupExists(aws: AwsClients, name: string): Promise<boolean> {
  const { CloudWatchLogsClient, DescribeLogGroupsCommand } = await import('../aws/sdk/cloudwatch-logs.js');
  try {
    const answer = await aws
      .client(CloudWatchLogsClient)
      .send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 5 }));
    return (answer.logGroups ?? []).some((group) => group.logGroupName === name);
  } catch (error) {
    throw toAwsError(error, `checking whether log group ${name} exists (logs:DescribeLogGroups)`);
  }
}
