/** The pre-flight's probes on real clients: does a named resource exist already, and which Logs resource policies? */
import type { AwsClients } from '../aws/clients.js';
import { toAwsError } from '../aws/clients.js';
import type { ExistenceProbe, NamedResource, PolicyLister } from './preflight.js';

/** The account the deploy runs in (the bucket name carries it). */
export async function callerAccount(aws: AwsClients): Promise<string> {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  try {
    const identity = await aws.client(STSClient).send(new GetCallerIdentityCommand({}));
    return identity.Account ?? '';
  } catch (error) {
    throw toAwsError(error, 'reading the caller identity (sts:GetCallerIdentity)');
  }
}

/** A probe answering from S3, ECR, CloudWatch Logs, IAM, Auto Scaling, EC2 and EventBridge. */
export function probeExistence(aws: AwsClients): ExistenceProbe {
  return async (resource: NamedResource) => {
    switch (resource.kind) {
      case 'bucket':
        return bucketExists(aws, resource.name);
      case 'repository':
        return repositoryExists(aws, resource.name);
      case 'log-group':
        return logGroupExists(aws, resource.name);
      case 'role':
      case 'instance-profile':
        return iamNameExists(aws, resource.kind, resource.name);
      case 'auto-scaling-group':
        return autoScalingGroupExists(aws, resource.name);
      case 'launch-template':
        return launchTemplateExists(aws, resource.name);
      case 'event-rule':
        return eventRuleExists(aws, resource.name);
    }
  };
}

/** Lists the region's account-level CloudWatch Logs resource policies (at most 10, one page). */
export function listLogPolicies(aws: AwsClients): PolicyLister {
  return async () => {
    const { CloudWatchLogsClient, DescribeResourcePoliciesCommand } =
      await import('@aws-sdk/client-cloudwatch-logs');
    try {
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await aws
          .client(CloudWatchLogsClient)
          .send(new DescribeResourcePoliciesCommand({ limit: 50, ...(nextToken ? { nextToken } : {}) }));
        names.push(...(page.resourcePolicies ?? []).map((policy) => policy.policyName ?? ''));
        nextToken = page.nextToken;
      } while (nextToken);
      return names;
    } catch (error) {
      throw toAwsError(
        error,
        'listing the CloudWatch Logs resource policies (logs:DescribeResourcePolicies)',
      );
    }
  };
}

/** GetRole and GetInstanceProfile answer NoSuchEntity (404) for a free name (IAM API Reference). */
async function iamNameExists(
  aws: AwsClients,
  kind: 'role' | 'instance-profile',
  name: string,
): Promise<boolean> {
  const { IAMClient, GetRoleCommand, GetInstanceProfileCommand } = await import('@aws-sdk/client-iam');
  const iam = aws.client(IAMClient);
  try {
    if (kind === 'role') await iam.send(new GetRoleCommand({ RoleName: name }));
    else await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchEntityException') return false;
    const action = kind === 'role' ? 'iam:GetRole' : 'iam:GetInstanceProfile';
    throw toAwsError(error, `checking whether ${kind.replace('-', ' ')} ${name} exists (${action})`);
  }
}

/** DescribeAutoScalingGroups answers an empty list for names it does not know, not an error. */
async function autoScalingGroupExists(aws: AwsClients, name: string): Promise<boolean> {
  const { AutoScalingClient, DescribeAutoScalingGroupsCommand } =
    await import('@aws-sdk/client-auto-scaling');
  try {
    const answer = await aws
      .client(AutoScalingClient)
      .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    return (answer.AutoScalingGroups ?? []).length > 0;
  } catch (error) {
    throw toAwsError(
      error,
      `checking whether Auto Scaling group ${name} exists (autoscaling:DescribeAutoScalingGroups)`,
    );
  }
}

/**
 * DescribeLaunchTemplates fails with InvalidLaunchTemplateName.NotFoundException when a named
 * template does not exist (EC2 API Reference, error codes); moto may answer an empty list instead.
 */
async function launchTemplateExists(aws: AwsClients, name: string): Promise<boolean> {
  const { EC2Client, DescribeLaunchTemplatesCommand } = await import('@aws-sdk/client-ec2');
  try {
    const answer = await aws
      .client(EC2Client)
      .send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }));
    return (answer.LaunchTemplates ?? []).some((template) => template.LaunchTemplateName === name);
  } catch (error) {
    const code = (error as { name?: string }).name ?? '';
    if (code === 'InvalidLaunchTemplateName.NotFoundException' || code === 'InvalidLaunchTemplateId.NotFound')
      return false;
    throw toAwsError(error, `checking whether launch template ${name} exists (ec2:DescribeLaunchTemplates)`);
  }
}

/** DescribeRule fails with ResourceNotFoundException for a rule the default bus does not have. */
async function eventRuleExists(aws: AwsClients, name: string): Promise<boolean> {
  const { EventBridgeClient, DescribeRuleCommand } = await import('@aws-sdk/client-eventbridge');
  try {
    await aws.client(EventBridgeClient).send(new DescribeRuleCommand({ Name: name }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw toAwsError(error, `checking whether event rule ${name} exists (events:DescribeRule)`);
  }
}

/**
 * Bucket names are global. HeadBucket answers 200 when the bucket exists and the caller may list it,
 * 403 when it exists but belongs to someone else (or the caller may not see it), and 404 when no
 * bucket has the name (S3 API Reference, HeadBucket): only 404 means the name is free.
 */
async function bucketExists(aws: AwsClients, name: string): Promise<boolean> {
  const { S3Client, HeadBucketCommand } = await import('@aws-sdk/client-s3');
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
  const { ECRClient, DescribeRepositoriesCommand } = await import('@aws-sdk/client-ecr');
  try {
    await aws.client(ECRClient).send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'RepositoryNotFoundException') return false;
    throw toAwsError(error, `checking whether repository ${name} exists (ecr:DescribeRepositories)`);
  }
}

async function logGroupExists(aws: AwsClients, name: string): Promise<boolean> {
  const { CloudWatchLogsClient, DescribeLogGroupsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  try {
    const answer = await aws
      .client(CloudWatchLogsClient)
      .send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 5 }));
    return (answer.logGroups ?? []).some((group) => group.logGroupName === name);
  } catch (error) {
    throw toAwsError(error, `checking whether log group ${name} exists (logs:DescribeLogGroups)`);
  }
}
