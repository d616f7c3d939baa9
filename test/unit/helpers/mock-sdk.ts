// The one AWS mock of the unit tests, after the AWS CDK toolkit's `test/_helpers/mock-sdk.ts`:
// importing this file replaces `send` of every SDK client the project uses with an
// aws-sdk-client-mock stub, and resets every stub before each test, so no test inherits another's
// fakes and no test reaches the network. A call no test has faked fails loudly and names itself.
// The aws-sdk-client-mock-jest matchers (toHaveReceivedCommandWith…) come with it.
import 'aws-sdk-client-mock-jest';

import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type Stack,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { beforeEach } from '@jest/globals';
// @smithy/core is what every SDK client is built on (its `retry` submodule is the former
// @smithy/util-retry): the strategy below is the SDK's own, only its back-off is replaced.
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';

/** Credentials no AWS account accepts; clients built here never sign a real request. */
export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' };
/** The region of clients built by `sdkClient`. */
export const FAKE_REGION = 'us-east-1';

export const mockAutoScaling = mockClient(AutoScalingClient);
export const mockCloudFormation = mockClient(CloudFormationClient);
export const mockLogs = mockClient(CloudWatchLogsClient);
export const mockEC2 = mockClient(EC2Client);
export const mockECR = mockClient(ECRClient);
export const mockECS = mockClient(ECSClient);
export const mockELBv2 = mockClient(ElasticLoadBalancingV2Client);
export const mockEventBridge = mockClient(EventBridgeClient);
export const mockKinesis = mockClient(KinesisClient);
export const mockS3 = mockClient(S3Client);
export const mockSNS = mockClient(SNSClient);
export const mockSSM = mockClient(SSMClient);
export const mockSTS = mockClient(STSClient);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStub = AwsStub<any, any, any>;

const ALL: Record<string, AnyStub> = {
  AutoScaling: mockAutoScaling,
  CloudFormation: mockCloudFormation,
  CloudWatchLogs: mockLogs,
  EC2: mockEC2,
  ECR: mockECR,
  ECS: mockECS,
  ElasticLoadBalancingV2: mockELBv2,
  EventBridge: mockEventBridge,
  Kinesis: mockKinesis,
  S3: mockS3,
  SNS: mockSNS,
  SSM: mockSSM,
  STS: mockSTS,
};

/** Thrown by a call that no fake of the running test answers. */
export class UnmockedCallError extends Error {
  constructor(service: string, command: string) {
    super(`${service}.${command.replace(/Command$/, '')} is not faked in this test (mock-sdk.ts)`);
    this.name = 'UnmockedCallError';
  }
}

let undone = false;

/**
 * Forgets every fake and every recorded call, then makes any call without a fake reject with an
 * UnmockedCallError. The default sits on the stub itself, not on a matcher, so the fakes a test
 * adds with `on(...)` or `onAnyCommand()` always win over it.
 */
export function resetSdkMocks(): void {
  for (const mock of Object.values(ALL)) resetSdkMock(mock);
}

/** `resetSdkMocks` for one client's stub, for a fake that owns that client (fake-cloudformation.ts). */
export function resetSdkMock(mock: AnyStub): void {
  if (undone) return;
  const service = Object.entries(ALL).find(([, m]) => m === mock)?.[0] ?? 'AWS';
  mock.reset();
  mock.send.callsFake(async (command: { constructor: { name: string } }) => {
    throw new UnmockedCallError(service, command.constructor.name);
  });
}

/**
 * Gives every client its real `send` back for the rest of the test file (no later reset re-stubs
 * it), for tests of the SDK's own middleware: retries, the client factory.
 */
export function undoSdkMocks(): void {
  undone = true;
  for (const mock of Object.values(ALL)) mock.restore();
}

beforeEach(resetSdkMocks);

/** A client of the given class with a region and fake credentials; its calls reach the stubs above. */
export function sdkClient<C>(
  clientClass: new (config: { region: string; credentials: typeof FAKE_CREDENTIALS }) => C,
): C {
  return new clientClass({ region: FAKE_REGION, credentials: FAKE_CREDENTIALS });
}

/** An error shaped as the SDK throws a service's error: `name` is the error code AWS returns. */
export function awsError(
  name: string,
  message = name,
  httpStatusCode = 400,
): Error & { name: string; $metadata: { httpStatusCode: number } } {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

/**
 * What DescribeStacks throws for a stack that does not exist: AWS documents a ValidationError
 * (API reference, DescribeStacks), with the message "Stack with id NAME does not exist".
 */
export function stackMissing(stackName: string): Error {
  return awsError('ValidationError', `Stack with id ${stackName} does not exist`);
}

/** A stack as DescribeStacks describes it, with its outputs given as a key → value record. */
export function stack(
  stackName: string,
  outputs: Record<string, string> = {},
  status: StackStatus | string = 'CREATE_COMPLETE',
): Stack {
  return {
    StackName: stackName,
    StackStatus: status as StackStatus,
    CreationTime: new Date('2026-01-01T00:00:00Z'),
    Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
  };
}

/**
 * Fakes DescribeStacks by stack name: a listed stack is described (outputs as a record, or a whole
 * Stack), any other name is missing as on AWS. Returns the fake's table, which tests may change.
 */
export function mockStacks(
  stacks: Record<string, Record<string, string> | Stack>,
): Record<string, Record<string, string> | Stack> {
  mockCloudFormation.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
    const name = input.StackName ?? '';
    const found = stacks[name];
    if (!found) throw stackMissing(name);
    const described = 'StackName' in found ? (found as Stack) : stack(name, found as Record<string, string>);
    return { Stacks: [described] };
  });
  return stacks;
}

/**
 * The SDK's standard retry strategy (retryable errors, throttling, attempt count and retry quota
 * all as in production) with no back-off: each retry's delay is recorded in `delays` and is 0, so a
 * test of retries neither sleeps nor needs a timed assertion. `maxAttempts` counts every attempt.
 */
export function noDelayRetries(maxAttempts: number, delays: number[] = []): ConfiguredRetryStrategy {
  return new ConfiguredRetryStrategy(maxAttempts, () => {
    delays.push(0);
    return 0;
  });
}
