import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
  StackStatus,
} from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from '@jest/globals';

import { AwsError } from '../../../../src/lib/errors.js';
import {
  findStack,
  isStackMissing,
  listEnvironmentStacks,
  readStack,
} from '../../../../src/lib/stacks/reader.js';
import { awsError, mockSdk, sdkClient, stackMissing } from '../../helpers/mock-sdk.js';

const cfn = mockSdk(CloudFormationClient);
const client = () => sdkClient(CloudFormationClient);
const validation = (message: string) => awsError('ValidationError', message);

describe('isStackMissing', () => {
  it('is true for the ValidationError CloudFormation answers for a missing stack', () => {
    expect(isStackMissing(stackMissing('ecspoc-dev-cluster'))).toBe(true);
  });

  it('is false for other ValidationErrors and for other errors saying "does not exist"', () => {
    expect(isStackMissing(validation("1 validation error detected: Value 'a_b' at 'stackName' failed"))).toBe(
      false,
    );
    expect(isStackMissing(Object.assign(new Error('Bucket does not exist'), { name: 'NoSuchBucket' }))).toBe(
      false,
    );
    expect(isStackMissing(new Error('Stack with id x does not exist'))).toBe(false);
    expect(isStackMissing(undefined)).toBe(false);
  });
});

describe('findStack and readStack', () => {
  it('read a live stack with its outputs', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'ecspoc-dev-cluster' }).resolves({
      Stacks: [
        {
          StackName: 'ecspoc-dev-cluster',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'ClusterName', OutputValue: 'ecspoc-dev' }, { OutputKey: 'Empty' }],
        },
      ],
    });
    expect(await readStack(client(), 'ecspoc-dev-cluster')).toEqual({
      stackName: 'ecspoc-dev-cluster',
      status: 'UPDATE_COMPLETE',
      outputs: { ClusterName: 'ecspoc-dev' },
    });
  });

  it('are undefined for a missing stack and for a deleted one', async () => {
    cfn.on(DescribeStacksCommand).rejects(stackMissing('ecspoc-dev-cluster'));
    expect(await findStack(client(), 'ecspoc-dev-cluster')).toBeUndefined();
    expect(await readStack(client(), 'ecspoc-dev-cluster')).toBeUndefined();
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'x', StackStatus: 'DELETE_COMPLETE', CreationTime: new Date() }],
    });
    expect(
      await findStack(client(), 'arn:aws:cloudformation:us-east-1:123456789012:stack/x/1'),
    ).toBeUndefined();
  });

  it('do not take another ValidationError for a missing stack', async () => {
    cfn.on(DescribeStacksCommand).rejects(validation('Rate exceeded for this account'));
    await expect(findStack(client(), 'ecspoc-dev-cluster')).rejects.toThrow('Rate exceeded');
    await expect(readStack(client(), 'ecspoc-dev-cluster')).rejects.toThrow(AwsError);
  });
});

describe('listEnvironmentStacks', () => {
  it('pages through ListStacks, keeps the environment live stacks only, sorted', async () => {
    const summary = (StackName: string, status = 'CREATE_COMPLETE') => ({
      StackName,
      StackStatus: status as StackStatus,
      CreationTime: new Date('2026-01-01T00:00:00Z'),
    });
    cfn
      .on(ListStacksCommand)
      .resolvesOnce({
        StackSummaries: [summary('ecspoc-dev-network'), summary('ecspoc-prod-network')],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        StackSummaries: [summary('ecspoc-dev-cluster', 'ROLLBACK_COMPLETE'), summary('other')],
      });
    const stacks = await listEnvironmentStacks(client(), 'dev');
    expect(stacks.map((s) => [s.component, s.status])).toEqual([
      ['cluster', 'ROLLBACK_COMPLETE'],
      ['network', 'CREATE_COMPLETE'],
    ]);
    const calls = cfn.commandCalls(ListStacksCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input.NextToken).toBe('page-2');
    expect(calls[0].args[0].input.StackStatusFilter).not.toContain('DELETE_COMPLETE');
  });

  it('leaves out the stacks of a longer environment that shares the prefix (dev is not dev-x)', async () => {
    const summary = (StackName: string) => ({
      StackName,
      StackStatus: 'CREATE_COMPLETE' as StackStatus,
      CreationTime: new Date('2026-01-01T00:00:00Z'),
    });
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        summary('ecspoc-dev-network'),
        summary('ecspoc-dev-service-404'),
        summary('ecspoc-dev-x-network'),
        summary('ecspoc-dev-x-service-404'),
        summary('ecspoc-dev-service-cluster'),
      ],
    });
    const stacks = await listEnvironmentStacks(client(), 'dev');
    expect(stacks.map((s) => s.stackName)).toEqual(['ecspoc-dev-network', 'ecspoc-dev-service-404']);
    const other = await listEnvironmentStacks(client(), 'dev-x');
    expect(other.map((s) => s.component)).toEqual(['network', 'service-404']);
  });
});
