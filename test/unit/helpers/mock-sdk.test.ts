import { DescribeStacksCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from '@jest/globals';

import { mockSdk, mockStacks, sdkClient, stackMissing, UnmockedCallError } from './mock-sdk.js';

const mockCloudFormation = mockSdk(CloudFormationClient);
const mockECS = mockSdk(ECSClient);

describe('mock-sdk', () => {
  it('fails a call that no fake answers, naming the service and the operation', async () => {
    const error = await sdkClient(ECSClient)
      .send(new ListClustersCommand({}))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnmockedCallError);
    expect((error as Error).message).toBe('ECS.ListClusters is not faked in this test (mock-sdk.ts)');
  });

  it('gives one stub per client class, so a fake asking again shares the stub of the test file', () => {
    expect(mockSdk(ECSClient)).toBe(mockECS);
  });

  it('lets a fake win over that default and records the call for the jest matchers', async () => {
    mockECS.on(ListClustersCommand).resolves({ clusterArns: ['arn:1'] });
    expect(await sdkClient(ECSClient).send(new ListClustersCommand({ maxResults: 5 }))).toEqual({
      clusterArns: ['arn:1'],
    });
    expect(mockECS).toHaveReceivedCommandWith(ListClustersCommand, { maxResults: 5 });
  });

  it("forgets the previous test's fakes and calls before each test", async () => {
    expect(mockECS.calls()).toHaveLength(0);
    await expect(sdkClient(ECSClient).send(new ListClustersCommand({}))).rejects.toBeInstanceOf(
      UnmockedCallError,
    );
  });

  it('describes the stacks given to mockStacks and answers ValidationError for any other, as AWS does', async () => {
    mockStacks({ 'ecspoc-dev-bastion': { BastionInstanceId: 'i-0b' } });
    const cfn = sdkClient(CloudFormationClient);
    const described = await cfn.send(new DescribeStacksCommand({ StackName: 'ecspoc-dev-bastion' }));
    expect(described.Stacks?.[0]).toMatchObject({
      StackName: 'ecspoc-dev-bastion',
      StackStatus: 'CREATE_COMPLETE',
      Outputs: [{ OutputKey: 'BastionInstanceId', OutputValue: 'i-0b' }],
    });
    await expect(
      cfn.send(new DescribeStacksCommand({ StackName: 'ecspoc-dev-network' })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id ecspoc-dev-network does not exist',
    });
    expect(stackMissing('x')).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(mockCloudFormation).toHaveReceivedCommandTimes(DescribeStacksCommand, 2);
  });
});
