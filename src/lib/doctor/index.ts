import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeAvailabilityZonesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { type AwsClients, toAwsError } from '../aws/clients.js';
import { buildCatalog } from '../stacks/catalog.js';
import { type EnvironmentStack, listEnvironmentStacks } from '../stacks/reader.js';
import { checkLocalTools, type LocalTool, missingToolProblems } from './tools.js';

/** One service's answer to a cheap read call. */
export interface ServiceCheck {
  service: string;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/**
 * Whether a CloudTrail trail records this region's API calls: the cluster stack's deploy-error rule
 * on failed pipeline API calls sees only what a trail records (EventBridge receives "AWS API Call via
 * CloudTrail" events only for calls a trail logs). Failed stacks and pipeline runs alert without one.
 */
export interface TrailReport {
  /** Names of the trails that cover the region (multi-region, or homed here). */
  trails: string[];
  /** Set when the trails could not be read. */
  error?: string;
}

/** Something that needs the operator's attention, and what to do about it. */
export interface Problem {
  message: string;
  suggestion: string;
}

/** What `ecspoc doctor` reports. */
export interface DoctorReport {
  env: string;
  region: string;
  endpoint: string;
  profile: string;
  account: string;
  callerArn: string;
  services: ServiceCheck[];
  trail: TrailReport;
  stacks: EnvironmentStack[];
  /** Components of the bundle that have no stack yet. */
  missingComponents: string[];
  /** Programs on this machine that the ways into the instances run (session-manager-plugin, aws). */
  tools: LocalTool[];
  problems: Problem[];
}

/** What doctor needs to know besides the clients. */
export interface DoctorInput {
  env: string;
  region: string;
  endpointUrl?: string;
  profile?: string;
  /** Declared services of the environment; none: the samples. */
  services?: readonly import('../config/services.js').ServiceDeclaration[];
  /** `sshVia` of the config file: a missing program that way needs is a problem, not just a note. */
  sshVia?: string;
  /** PATH to look programs up in; default the process's. */
  path?: string;
}

const ATTENTION = /(FAILED|ROLLBACK_COMPLETE|REVIEW_IN_PROGRESS)$/;

/**
 * Checks who and where the operator is, whether every service ecspoc uses answers, and which
 * stacks of the environment exist. Fails only when the caller identity cannot be read.
 */
export async function runDoctor(aws: AwsClients, input: DoctorInput): Promise<DoctorReport> {
  const settings = { profile: input.profile, endpointUrl: input.endpointUrl };
  let identity;
  try {
    identity = await aws.client(STSClient).send(new GetCallerIdentityCommand({}));
  } catch (error) {
    throw toAwsError(error, 'reading the caller identity (sts:GetCallerIdentity)', settings);
  }

  const probes: Array<[string, () => Promise<unknown>]> = [
    ['ec2', () => aws.client(EC2Client).send(new DescribeAvailabilityZonesCommand({}))],
    ['ecs', () => aws.client(ECSClient).send(new ListClustersCommand({ maxResults: 1 }))],
    [
      'autoscaling',
      () => aws.client(AutoScalingClient).send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1 })),
    ],
    ['logs', () => aws.client(CloudWatchLogsClient).send(new DescribeLogGroupsCommand({ limit: 1 }))],
    ['s3', () => aws.client(S3Client).send(new ListBucketsCommand({ MaxBuckets: 1 }))],
    ['ecr', () => aws.client(ECRClient).send(new DescribeRepositoriesCommand({ maxResults: 1 }))],
    [
      'elasticloadbalancing',
      () => aws.client(ElasticLoadBalancingV2Client).send(new DescribeLoadBalancersCommand({ PageSize: 1 })),
    ],
    ['sns', () => aws.client(SNSClient).send(new ListTopicsCommand({}))],
    ['events', () => aws.client(EventBridgeClient).send(new ListRulesCommand({ Limit: 1 }))],
    ['kinesis', () => aws.client(KinesisClient).send(new ListStreamsCommand({ Limit: 1 }))],
  ];

  const [trail, stacksResult, ...checks] = await Promise.all([
    readTrails(aws, input.region, settings),
    timed(() => listEnvironmentStacks(aws.client(CloudFormationClient), input.env)),
    ...probes.map(async ([service, call]) => {
      const result = await timed(call);
      return {
        service,
        ok: result.error === undefined,
        latencyMs: result.ms,
        ...(result.error ? { error: toAwsError(result.error, `calling ${service}`, settings).message } : {}),
      } satisfies ServiceCheck;
    }),
  ]);
  const services: ServiceCheck[] = [
    {
      service: 'cloudformation',
      ok: stacksResult.error === undefined,
      latencyMs: stacksResult.ms,
      ...(stacksResult.error
        ? { error: toAwsError(stacksResult.error, 'calling cloudformation', settings).message }
        : {}),
    },
    ...checks,
  ];
  const stacks = stacksResult.value ?? [];
  const deployed = new Set(stacks.map((stack) => stack.component));
  const missingComponents = buildCatalog(input.env, input.services ? { declared: input.services } : {})
    .components.map((component) => component.name)
    .filter((name) => !deployed.has(name));

  const problems: Problem[] = [];
  for (const check of services.filter((c) => !c.ok)) {
    problems.push({
      message: `${check.service} does not answer: ${check.error}`,
      suggestion:
        'Check that the region offers it and that your role may call it; rerun with --debug for details.',
    });
  }
  for (const stack of stacks.filter((s) => ATTENTION.test(s.status))) {
    problems.push({
      message: `Stack ${stack.stackName} is ${stack.status}${stack.reason ? ` (${stack.reason})` : ''}.`,
      suggestion:
        stack.status === 'UPDATE_ROLLBACK_FAILED'
          ? `aws cloudformation continue-update-rollback --stack-name ${stack.stackName}`
          : `ecspoc deploy ${stack.component} --env ${input.env}`,
    });
  }
  const tools = checkLocalTools(input.path ?? process.env.PATH);
  problems.push(...missingToolProblems(tools, input.sshVia));
  if (stacks.length === 0 && stacksResult.error === undefined) {
    problems.push({
      message: `Environment "${input.env}" has no stacks in ${input.region}.`,
      suggestion: `ecspoc deploy --env ${input.env}`,
    });
  }

  return {
    env: input.env,
    region: input.region,
    endpoint: input.endpointUrl ?? process.env.AWS_ENDPOINT_URL ?? `AWS default for ${input.region}`,
    profile: input.profile ?? 'default credential chain',
    account: identity.Account ?? 'unknown',
    callerArn: identity.Arn ?? 'unknown',
    services,
    trail,
    stacks,
    missingComponents: stacksResult.error === undefined ? missingComponents : [],
    tools,
    problems,
  };
}

// Shadow trails are included: a multi-region or organisation trail homed elsewhere still records here.
async function readTrails(
  aws: AwsClients,
  region: string,
  settings: { profile?: string | undefined; endpointUrl?: string | undefined },
): Promise<TrailReport> {
  const { CloudTrailClient, DescribeTrailsCommand } = await import('@aws-sdk/client-cloudtrail');
  try {
    const answer = await aws
      .client(CloudTrailClient)
      .send(new DescribeTrailsCommand({ includeShadowTrails: true }));
    const trails = (answer.trailList ?? [])
      .filter((trail) => trail.IsMultiRegionTrail || trail.HomeRegion === region)
      .map((trail) => trail.Name ?? trail.TrailARN ?? 'unnamed');
    return { trails };
  } catch (error) {
    return { trails: [], error: toAwsError(error, 'listing CloudTrail trails', settings).message };
  }
}

async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await call();
    return { ms: Math.round(performance.now() - start), value };
  } catch (error) {
    return { ms: Math.round(performance.now() - start), error };
  }
}
