// The one AWS mock of the unit tests, after the AWS CDK toolkit's `test/_helpers/mock-sdk.ts`:
// `mockSdk(XClient)` replaces `send` of that SDK client class with an aws-sdk-client-mock stub, once
// per test file (a fake that asks again gets the same stub), and every stub is reset before each
// test, so no test inherits another's fakes and none reaches the network. A call no test has faked
// fails loudly and names itself. Unlike the CDK's, the stubs are made on demand: loading every
// client of the project into every test file made the unit suite slower (EC2 alone is large).
// The aws-sdk-client-mock-jest matchers (toHaveReceivedCommandWith…) come with it.
import 'aws-sdk-client-mock-jest';

import {
  CloudFormationClient,
  DescribeStacksCommand,
  type Stack,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { beforeEach } from '@jest/globals';
// @smithy/core is what every SDK client is built on (its `retry` submodule is the former
// @smithy/util-retry): the strategy below is the SDK's own, only its back-off is replaced.
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { MetadataBearer } from '@smithy/types';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';

/** Credentials no AWS account accepts; clients built here never sign a real request. */
export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' };
/** The region of clients built by `sdkClient`. */
export const FAKE_REGION = 'us-east-1';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStub = AwsStub<any, any, any>;

/** Every stub of this test file, by client class, with the service name its errors give. */
const stubs = new Map<unknown, { service: string; mock: AnyStub }>();

/**
 * The stub of `clientClass` (ECSClient, CloudFormationClient…) for this test file: made on first
 * use with the unfaked-call default, then the same stub, reset before each test.
 */
export function mockSdk<TInput extends object, TOutput extends MetadataBearer, TConfiguration>(
  clientClass: Parameters<typeof mockClient<TInput, TOutput, TConfiguration>>[0] & { name: string },
): AwsStub<TInput, TOutput, TConfiguration> {
  let entry = stubs.get(clientClass);
  if (!entry) {
    entry = { service: clientClass.name.replace(/Client$/, ''), mock: mockClient(clientClass) };
    stubs.set(clientClass, entry);
    failUnfaked(entry.service, entry.mock);
  }
  return entry.mock as AwsStub<TInput, TOutput, TConfiguration>;
}

/** Thrown by a call that no fake of the running test answers. */
export class UnmockedCallError extends Error {
  constructor(service: string, command: string) {
    super(`${service}.${command.replace(/Command$/, '')} is not faked in this test (mock-sdk.ts)`);
    this.name = 'UnmockedCallError';
  }
}

function failUnfaked(service: string, mock: AnyStub): void {
  // The default sits on the stub itself, not on a matcher, so the fakes a test adds with `on(...)`
  // or `onAnyCommand()` always win over it.
  mock.send.callsFake(async (command: { constructor: { name: string } }) => {
    throw new UnmockedCallError(service, command.constructor.name);
  });
}

/** Forgets every fake and every recorded call; a call without a fake then rejects with UnmockedCallError. */
export function resetSdkMocks(): void {
  for (const entry of stubs.values()) resetSdkMock(entry.mock);
}

/** `resetSdkMocks` for one client's stub, for a fake that owns that client (fake-cloudformation.ts). */
export function resetSdkMock(mock: AnyStub): void {
  const service = [...stubs.values()].find((entry) => entry.mock === mock)?.service ?? 'AWS';
  mock.reset();
  failUnfaked(service, mock);
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
  mockSdk(CloudFormationClient)
    .on(DescribeStacksCommand)
    .callsFake((input: { StackName?: string }) => {
      const name = input.StackName ?? '';
      const found = stacks[name];
      if (!found) throw stackMissing(name);
      const described =
        'StackName' in found ? (found as Stack) : stack(name, found as Record<string, string>);
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
