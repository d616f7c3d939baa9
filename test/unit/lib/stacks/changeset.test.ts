import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from '@jest/globals';

import {
  classifyStack,
  createChangeSet,
  deleteStack,
  describeStack,
  executeChangeSet,
  firstFailure,
  waitUntilSettled,
  type ChangeSetPlan,
  type StackSnapshot,
} from '../../../../src/lib/stacks/changeset.js';
import type { StackActivity } from '../../../../src/lib/stacks/events.js';
import { OperationError, TimeoutError } from '../../../../src/lib/errors.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const cfnMock = mockSdk(CloudFormationClient);

const cfn = sdkClient(CloudFormationClient);
const STACK = 'ecspoc-dev-network';
const STACK_ID = `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK}/1`;
const CS_ID = `arn:aws:cloudformation:us-east-1:123456789012:changeSet/cs/1`;
const T0 = new Date('2026-01-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function awsError(name: string, message: string) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

function timingAndSink() {
  const clock = fakeClock(T0.getTime());
  const activity: StackActivity[] = [];
  return {
    timing: { clock, pollIntervalMs: 5_000 },
    clock,
    activity,
    sink: (a: StackActivity) => activity.push(a),
  };
}

function snapshot(status: string, reason?: string): StackSnapshot {
  return {
    stackId: STACK_ID,
    stackName: STACK,
    status,
    ...(reason ? { statusReason: reason } : {}),
    parameters: {},
    outputs: {},
  };
}

function event(
  id: string,
  seconds: number,
  logicalId: string,
  status: string,
  reason?: string,
  type = 'AWS::EC2::VPC',
): StackEvent {
  return {
    EventId: id,
    StackId: STACK_ID,
    StackName: STACK,
    Timestamp: at(seconds),
    LogicalResourceId: logicalId,
    ResourceType: logicalId === STACK ? 'AWS::CloudFormation::Stack' : type,
    ResourceStatus: status as never,
    ...(reason ? { ResourceStatusReason: reason } : {}),
  };
}

const plan: ChangeSetPlan = {
  id: CS_ID,
  name: 'cs',
  stackName: STACK,
  stackId: STACK_ID,
  type: 'CREATE',
  createdAt: at(10).toISOString(),
  empty: false,
  changes: [],
};

describe('classifyStack', () => {
  it('sorts every status an operator meets into ready, recreate, blocked, busy or missing', () => {
    expect(classifyStack(undefined).state).toBe('missing');
    for (const status of [
      'CREATE_COMPLETE',
      'UPDATE_COMPLETE',
      'UPDATE_ROLLBACK_COMPLETE',
      'IMPORT_COMPLETE',
    ]) {
      expect(classifyStack(snapshot(status)).state).toBe('ready');
    }
    for (const status of ['ROLLBACK_COMPLETE', 'CREATE_FAILED', 'REVIEW_IN_PROGRESS', 'ROLLBACK_FAILED']) {
      expect(classifyStack(snapshot(status)).state).toBe('recreate');
    }
    for (const status of [
      'CREATE_IN_PROGRESS',
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'DELETE_IN_PROGRESS',
    ]) {
      expect(classifyStack(snapshot(status)).state).toBe('busy');
    }
    expect(classifyStack(snapshot('DELETE_COMPLETE')).state).toBe('missing');
  });

  it('explains UPDATE_ROLLBACK_FAILED with the command that continues the rollback', () => {
    const condition = classifyStack(
      snapshot('UPDATE_ROLLBACK_FAILED', 'Resource Cluster failed to roll back'),
    );
    expect(condition).toMatchObject({
      state: 'blocked',
      why: expect.stringContaining('Resource Cluster failed to roll back'),
      suggestion: expect.stringContaining(
        `aws cloudformation continue-update-rollback --stack-name ${STACK}`,
      ),
    });
  });

  it('says why a ROLLBACK_COMPLETE stack must be recreated', () => {
    expect(classifyStack(snapshot('ROLLBACK_COMPLETE'))).toMatchObject({
      state: 'recreate',
      why: expect.stringContaining('can only be deleted'),
    });
  });
});

describe('describeStack', () => {
  it('returns undefined for a stack that does not exist', async () => {
    const { timing } = timingAndSink();
    cfnMock
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', `Stack with id ${STACK} does not exist`));
    expect(await describeStack(cfn, STACK, timing)).toBeUndefined();
  });

  it('retries throttling with backoff on the injected clock', async () => {
    const { timing, clock } = timingAndSink();
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .resolves({
        Stacks: [
          {
            StackName: STACK,
            StackId: STACK_ID,
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: T0,
            Outputs: [{ OutputKey: 'VpcId', OutputValue: 'vpc-1' }],
            Parameters: [{ ParameterKey: 'EnvName', ParameterValue: 'dev' }],
          },
        ],
      });
    const stack = await describeStack(cfn, STACK, timing);
    expect(stack).toMatchObject({
      status: 'CREATE_COMPLETE',
      outputs: { VpcId: 'vpc-1' },
      parameters: { EnvName: 'dev' },
    });
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(3);
    expect(clock.sleeps).toEqual([1_000, 2_000]);
  });

  it('gives up on throttling after its retries and says what it was doing', async () => {
    const { timing } = timingAndSink();
    cfnMock.on(DescribeStacksCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    await expect(describeStack(cfn, STACK, timing)).rejects.toThrow(`describing stack ${STACK}`);
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(7);
  });
});

describe('waitUntilSettled', () => {
  it('waits for a stack already in progress, reporting each status once', async () => {
    const { timing, activity, sink, clock } = timingAndSink();
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({
        Stacks: [
          { StackName: STACK, StackId: STACK_ID, StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: T0 },
        ],
      })
      .resolvesOnce({
        Stacks: [
          { StackName: STACK, StackId: STACK_ID, StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: T0 },
        ],
      })
      .resolvesOnce({
        Stacks: [
          {
            StackName: STACK,
            StackId: STACK_ID,
            StackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
            CreationTime: T0,
          },
        ],
      })
      .resolves({
        Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: T0 }],
      });
    const stack = await waitUntilSettled(cfn, STACK, timing, sink);
    expect(stack?.status).toBe('UPDATE_COMPLETE');
    expect(activity).toEqual([
      { kind: 'waiting', status: 'UPDATE_IN_PROGRESS' },
      { kind: 'waiting', status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' },
    ]);
    expect(clock.sleeps).toEqual([5_000, 5_000, 5_000]);
  });

  it('follows a deletion in progress by stack id until the stack is gone', async () => {
    const { timing, sink } = timingAndSink();
    cfnMock.on(DescribeStacksCommand, { StackName: STACK }).resolves({
      Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'DELETE_IN_PROGRESS', CreationTime: T0 }],
    });
    cfnMock.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({
      Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'DELETE_COMPLETE', CreationTime: T0 }],
    });
    expect(await waitUntilSettled(cfn, STACK, timing, sink)).toBeUndefined();
  });

  it('stops waiting after the timeout with a TimeoutError', async () => {
    const { clock, sink } = timingAndSink();
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'CREATE_IN_PROGRESS', CreationTime: T0 }],
    });
    await expect(
      waitUntilSettled(cfn, STACK, { clock, pollIntervalMs: 60_000, timeoutMs: 180_000 }, sink),
    ).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('createChangeSet', () => {
  const request = {
    stackName: STACK,
    changeSetName: 'ecspoc-1-network',
    type: 'UPDATE' as const,
    template: { body: 'Resources: {}' },
    parameters: [
      { key: 'EnvName', value: 'dev' },
      { key: 'Secret', usePrevious: true as const },
    ],
    capabilities: ['CAPABILITY_NAMED_IAM'],
  };

  it('creates, waits, reads every page and maps changes with their replacement', async () => {
    const { timing, activity, sink, clock } = timingAndSink();
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_PENDING' })
      .resolvesOnce({
        Status: 'CREATE_COMPLETE',
        CreationTime: at(3),
        NextToken: 'page2',
        Changes: [
          {
            Type: 'Resource',
            ResourceChange: {
              Action: 'Modify',
              LogicalResourceId: 'Vpc',
              PhysicalResourceId: 'vpc-1',
              ResourceType: 'AWS::EC2::VPC',
              Replacement: 'True',
              Scope: ['Properties'],
              Details: [
                { Target: { Attribute: 'Properties', Name: 'CidrBlock', RequiresRecreation: 'Always' } },
              ],
            },
          },
        ],
      })
      .resolvesOnce({
        Status: 'CREATE_COMPLETE',
        Changes: [
          {
            Type: 'Resource',
            ResourceChange: { Action: 'Add', LogicalResourceId: 'Nat', ResourceType: 'AWS::EC2::NatGateway' },
          },
          {
            Type: 'Resource',
            ResourceChange: { Action: 'Remove', LogicalResourceId: 'Old', ResourceType: 'AWS::EC2::EIP' },
          },
        ],
      });
    const result = await createChangeSet(cfn, request, timing, sink);
    expect(result).toMatchObject({
      id: CS_ID,
      stackId: STACK_ID,
      empty: false,
      createdAt: at(3).toISOString(),
    });
    expect(result.changes).toEqual([
      {
        action: 'modify',
        logicalId: 'Vpc',
        physicalId: 'vpc-1',
        resourceType: 'AWS::EC2::VPC',
        replacement: 'True',
        scope: ['Properties'],
        properties: ['CidrBlock'],
      },
      { action: 'add', logicalId: 'Nat', resourceType: 'AWS::EC2::NatGateway' },
      { action: 'remove', logicalId: 'Old', resourceType: 'AWS::EC2::EIP' },
    ]);
    const input = cfnMock.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    expect(input).toMatchObject({
      ChangeSetType: 'UPDATE',
      TemplateBody: 'Resources: {}',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: [
        { ParameterKey: 'EnvName', ParameterValue: 'dev' },
        { ParameterKey: 'Secret', UsePreviousValue: true },
      ],
    });
    expect(cfnMock.commandCalls(DescribeChangeSetCommand)[2].args[0].input).toMatchObject({
      NextToken: 'page2',
      ChangeSetName: CS_ID,
    });
    expect(clock.sleeps).toEqual([5_000]);
    expect(activity.map((a) => a.kind)).toEqual(['planning', 'planned']);
  });

  it('passes a TemplateURL when given one', async () => {
    const { timing, sink } = timingAndSink();
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', Changes: [] });
    await createChangeSet(
      cfn,
      { ...request, template: { url: 'https://s3.us-east-1.amazonaws.com/b/k.yml' } },
      timing,
      sink,
    );
    const input = cfnMock.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    expect(input.TemplateURL).toBe('https://s3.us-east-1.amazonaws.com/b/k.yml');
    expect(input.TemplateBody).toBeUndefined();
  });

  it('deletes an empty change set and reports it as empty', async () => {
    const { timing, activity, sink } = timingAndSink();
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      ExecutionStatus: 'UNAVAILABLE',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
      Changes: [],
    });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const result = await createChangeSet(cfn, request, timing, sink);
    expect(result.empty).toBe(true);
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)[0].args[0].input).toEqual({
      ChangeSetName: CS_ID,
      StackName: STACK_ID,
    });
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(activity).toContainEqual({ kind: 'planned', changes: [], empty: true });
  });

  it('treats "No updates are to be performed" at creation as empty', async () => {
    const { timing, sink } = timingAndSink();
    cfnMock
      .on(CreateChangeSetCommand)
      .rejects(awsError('ValidationError', 'No updates are to be performed.'));
    const result = await createChangeSet(cfn, request, timing, sink);
    expect(result.empty).toBe(true);
    expect(cfnMock.commandCalls(DescribeChangeSetCommand)).toHaveLength(0);
  });

  it('fails with CloudFormation reason when the change set fails for another reason, and cleans it up', async () => {
    const { timing, sink } = timingAndSink();
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason:
        'Parameter validation failed: parameter value sg-x for parameter name BastionSecurityGroupId does not exist.',
    });
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const failure = createChangeSet(cfn, request, timing, sink);
    await expect(failure).rejects.toBeInstanceOf(OperationError);
    await expect(failure).rejects.toThrow('BastionSecurityGroupId does not exist');
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
  });

  it('reports a template CloudFormation rejects as an OperationError naming the stack', async () => {
    const { timing, sink } = timingAndSink();
    cfnMock
      .on(CreateChangeSetCommand)
      .rejects(awsError('ValidationError', 'Template format error: Unresolved resource dependencies [Vpcc]'));
    await expect(createChangeSet(cfn, request, timing, sink)).rejects.toThrow(
      `CloudFormation refused creating a change set for ${STACK}: Template format error`,
    );
  });
});

describe('executeChangeSet', () => {
  it('follows the events since the change set was created, and returns the outputs', async () => {
    const { timing, activity, sink } = timingAndSink();
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({
        Stacks: [
          { StackName: STACK, StackId: STACK_ID, StackStatus: 'CREATE_IN_PROGRESS', CreationTime: T0 },
        ],
      })
      .resolves({
        Stacks: [
          {
            StackName: STACK,
            StackId: STACK_ID,
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: T0,
            Outputs: [{ OutputKey: 'VpcId', OutputValue: 'vpc-1' }],
          },
        ],
      });
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({
        StackEvents: [
          event('e3', 12, 'Vpc', 'CREATE_IN_PROGRESS'),
          event('e2', 11, STACK, 'CREATE_IN_PROGRESS'),
          event('e1', 5, STACK, 'REVIEW_IN_PROGRESS'),
        ],
      })
      .resolves({
        StackEvents: [
          event('e5', 20, STACK, 'CREATE_COMPLETE'),
          event('e4', 19, 'Vpc', 'CREATE_COMPLETE'),
          event('e3', 12, 'Vpc', 'CREATE_IN_PROGRESS'),
        ],
      });
    const outcome = await executeChangeSet(cfn, plan, timing, sink);
    expect(outcome).toMatchObject({ ok: true, status: 'CREATE_COMPLETE', outputs: { VpcId: 'vpc-1' } });
    expect(outcome.failure).toBeUndefined();
    expect(outcome.events.map((e) => `${e.logicalId} ${e.status}`)).toEqual([
      `${STACK} CREATE_IN_PROGRESS`,
      'Vpc CREATE_IN_PROGRESS',
      'Vpc CREATE_COMPLETE',
      `${STACK} CREATE_COMPLETE`,
    ]);
    expect(activity[0]).toEqual({ kind: 'executing', changeSetType: 'CREATE' });
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)[0].args[0].input).toEqual({
      ChangeSetName: CS_ID,
      StackName: STACK_ID,
    });
  });

  it('reports the first failed resource and its reason, not the cancelled ones', async () => {
    const { timing, sink } = timingAndSink();
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'ROLLBACK_COMPLETE', CreationTime: T0 }],
    });
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        event('e9', 40, STACK, 'ROLLBACK_COMPLETE'),
        event('e8', 35, 'Vpc', 'DELETE_COMPLETE'),
        event(
          'e7',
          30,
          STACK,
          'ROLLBACK_IN_PROGRESS',
          'The following resource(s) failed to create: [Nat, Subnet].',
        ),
        event('e6', 25, 'Subnet', 'CREATE_FAILED', 'Resource creation cancelled', 'AWS::EC2::Subnet'),
        event(
          'e5',
          24,
          'Nat',
          'CREATE_FAILED',
          'The maximum number of addresses has been reached. (Service: Ec2, Status Code: 400)',
          'AWS::EC2::EIP',
        ),
        event('e4', 20, 'Vpc', 'CREATE_COMPLETE'),
        event('e2', 11, STACK, 'CREATE_IN_PROGRESS'),
      ],
    });
    const outcome = await executeChangeSet(cfn, plan, timing, sink);
    expect(outcome.ok).toBe(false);
    expect(outcome.status).toBe('ROLLBACK_COMPLETE');
    expect(outcome.failure).toEqual({
      logicalId: 'Nat',
      resourceType: 'AWS::EC2::EIP',
      status: 'CREATE_FAILED',
      reason: 'The maximum number of addresses has been reached. (Service: Ec2, Status Code: 400)',
    });
  });

  it('falls back to the stack reason when no resource failed', () => {
    expect(firstFailure([], STACK, 'UPDATE_ROLLBACK_COMPLETE', 'Parameter validation failed')).toEqual({
      logicalId: STACK,
      resourceType: 'AWS::CloudFormation::Stack',
      status: 'UPDATE_ROLLBACK_COMPLETE',
      reason: 'Parameter validation failed',
    });
  });

  it('reads more event pages only until it reaches events already seen', async () => {
    const { timing, sink } = timingAndSink();
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: T0 }],
    });
    cfnMock.on(DescribeStackEventsCommand, { StackName: STACK_ID, NextToken: undefined }).resolves({
      StackEvents: [event('e3', 30, STACK, 'UPDATE_COMPLETE'), event('e2', 20, 'Vpc', 'UPDATE_COMPLETE')],
      NextToken: 'p2',
    });
    cfnMock.on(DescribeStackEventsCommand, { StackName: STACK_ID, NextToken: 'p2' }).resolves({
      StackEvents: [event('e1', 11, STACK, 'UPDATE_IN_PROGRESS'), event('e0', 1, STACK, 'CREATE_COMPLETE')],
      NextToken: 'p3',
    });
    const outcome = await executeChangeSet(cfn, { ...plan, type: 'UPDATE' }, timing, sink);
    expect(outcome.events).toHaveLength(3);
    expect(cfnMock.commandCalls(DescribeStackEventsCommand)).toHaveLength(2);
  });
});

describe('deleteStack', () => {
  it('deletes by stack id and follows until DELETE_COMPLETE, ignoring older events', async () => {
    const { timing, sink } = timingAndSink();
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [event('old', 1, STACK, 'ROLLBACK_COMPLETE')] })
      .resolves({
        StackEvents: [
          event('d2', 40, STACK, 'DELETE_COMPLETE'),
          event('d1', 30, STACK, 'DELETE_IN_PROGRESS'),
          event('old', 1, STACK, 'ROLLBACK_COMPLETE'),
        ],
      });
    cfnMock.on(DeleteStackCommand).resolves({});
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({
        Stacks: [
          { StackName: STACK, StackId: STACK_ID, StackStatus: 'DELETE_IN_PROGRESS', CreationTime: T0 },
        ],
      })
      .resolves({
        Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'DELETE_COMPLETE', CreationTime: T0 }],
      });
    const outcome = await deleteStack(cfn, snapshot('ROLLBACK_COMPLETE'), timing, sink);
    expect(outcome.ok).toBe(true);
    expect(outcome.events.map((e) => e.status)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(cfnMock.commandCalls(DeleteStackCommand)[0].args[0].input).toEqual({ StackName: STACK_ID });
  });

  it('reports DELETE_FAILED with the resource that could not be deleted', async () => {
    const { timing, sink } = timingAndSink();
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [] })
      .resolves({
        StackEvents: [
          event('d2', 40, STACK, 'DELETE_FAILED'),
          event(
            'd1',
            35,
            'Bucket',
            'DELETE_FAILED',
            'The bucket you tried to delete is not empty',
            'AWS::S3::Bucket',
          ),
        ],
      });
    cfnMock.on(DeleteStackCommand).resolves({});
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'DELETE_FAILED', CreationTime: T0 }],
    });
    const outcome = await deleteStack(cfn, snapshot('CREATE_COMPLETE'), timing, sink);
    expect(outcome.ok).toBe(false);
    expect(outcome.failure).toMatchObject({
      logicalId: 'Bucket',
      reason: 'The bucket you tried to delete is not empty',
    });
  });
});
