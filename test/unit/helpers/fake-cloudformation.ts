import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type Change,
  type Parameter,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';

import { parseTemplate } from '../../../src/lib/stacks/templates.js';
import { mockSdk, resetSdkMock } from './mock-sdk.js';

const mockCloudFormation = mockSdk(CloudFormationClient);

/** A stack the fake holds. */
export interface FakeStack {
  name: string;
  id: string;
  status: string;
  statusReason?: string;
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  body?: string;
  tags?: Record<string, string>;
  /** ResolvedValue of SSM parameter types. */
  resolved?: Record<string, string>;
  events: StackEvent[];
}

interface FakeChangeSet {
  id: string;
  name: string;
  stackId: string;
  stackName: string;
  type: 'CREATE' | 'UPDATE';
  parameters: Record<string, string>;
  body: string;
  created: Date;
  status: string;
  reason?: string;
  changes: Change[];
  tags: Record<string, string>;
}

/** What a test scripts: outputs of a stack, changes of a change set, an execution that fails. */
export interface FakeBehaviour {
  outputs?: (stackName: string, parameters: Record<string, string>) => Record<string, string>;
  changes?: (stackName: string, type: 'CREATE' | 'UPDATE') => Change[];
  failure?: (stackName: string) => { logicalId: string; resourceType: string; reason: string } | undefined;
  /** Resources a stack lists (ListStackResources). */
  resources?: (stackName: string) => Array<{ logicalId: string; resourceType: string; physicalId: string }>;
  /** A resource DeleteStack cannot delete. */
  deleteFailure?: (
    stackName: string,
  ) => { logicalId: string; resourceType: string; reason: string } | undefined;
}

/**
 * An in-memory CloudFormation behind the shared CloudFormation mock (mock-sdk.ts), which it resets
 * and owns for the test: enough of change sets, stacks, events
 * and deletion for the deploy engine, with outputs, changes and failures scripted per test.
 * Every call is recorded by the mock, so tests assert on calls as usual.
 */
export function fakeCloudFormation(now: () => number, behaviour: FakeBehaviour = {}) {
  const mock = mockCloudFormation;
  resetSdkMock(mock);
  const stacks = new Map<string, FakeStack>();
  const byId = new Map<string, FakeStack>();
  const changeSets = new Map<string, FakeChangeSet>();
  let sequence = 0;
  const stamp = () => new Date(now() + ++sequence);
  const notFound = (name: string) =>
    Object.assign(new Error(`Stack with id ${name} does not exist`), {
      name: 'ValidationError',
      $metadata: {},
    });
  const find = (name: string | undefined) => stacks.get(name ?? '') ?? byId.get(name ?? '');
  const event = (
    stack: FakeStack,
    logicalId: string,
    status: string,
    reason?: string,
    resourceType?: string,
  ) => {
    stack.events.unshift({
      EventId: `e${++sequence}`,
      StackId: stack.id,
      StackName: stack.name,
      LogicalResourceId: logicalId,
      ResourceType:
        resourceType ?? (logicalId === stack.name ? 'AWS::CloudFormation::Stack' : 'AWS::SNS::Topic'),
      ResourceStatus: status as never,
      Timestamp: stamp(),
      ...(reason ? { ResourceStatusReason: reason } : {}),
    });
  };
  const toParameters = (list: Parameter[] | undefined, previous: Record<string, string>) =>
    Object.fromEntries(
      (list ?? []).map((p) => [
        p.ParameterKey ?? '',
        p.UsePreviousValue ? previous[p.ParameterKey ?? ''] : (p.ParameterValue ?? ''),
      ]),
    );

  mock.on(DescribeStacksCommand).callsFake((input) => {
    const stack = find(input.StackName);
    if (!stack) throw notFound(input.StackName ?? '');
    return {
      Stacks: [
        {
          StackName: stack.name,
          StackId: stack.id,
          StackStatus: stack.status as never,
          ...(stack.statusReason ? { StackStatusReason: stack.statusReason } : {}),
          CreationTime: new Date(0),
          Parameters: Object.entries(stack.parameters).map(([ParameterKey, ParameterValue]) => ({
            ParameterKey,
            ParameterValue,
            ...(stack.resolved?.[ParameterKey] ? { ResolvedValue: stack.resolved[ParameterKey] } : {}),
          })),
          Tags: Object.entries(stack.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
          Outputs: Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({
            OutputKey,
            OutputValue,
          })),
        },
      ],
    };
  });
  mock.on(GetTemplateCommand).callsFake((input) => {
    const stack = find(input.StackName);
    if (!stack) throw notFound(input.StackName ?? '');
    return { TemplateBody: stack.body };
  });
  mock.on(DescribeStackEventsCommand).callsFake((input) => {
    const stack = find(input.StackName);
    if (!stack) throw notFound(input.StackName ?? '');
    return { StackEvents: [...stack.events] };
  });
  mock.on(CreateChangeSetCommand).callsFake(async (input) => {
    const name = input.StackName ?? '';
    let stack = stacks.get(name);
    if (input.ChangeSetType === 'UPDATE' && !stack) throw notFound(name);
    if (input.ChangeSetType === 'CREATE') {
      const id = `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/${++sequence}`;
      stack = { name, id, status: 'REVIEW_IN_PROGRESS', parameters: {}, outputs: {}, events: [] };
      stacks.set(name, stack);
      byId.set(id, stack);
      event(stack, name, 'REVIEW_IN_PROGRESS');
    }
    const live = stack as FakeStack;
    const body = input.TemplateBody ?? input.TemplateURL ?? '';
    // Like CloudFormation, compare and store every declared parameter, defaults included.
    const given = toParameters(input.Parameters, live.parameters);
    const declared = body.includes('Resources')
      ? (await parseTemplate('fake.yml', 'fake.yml', body)).parameters
      : [];
    const parameters = declared.length
      ? Object.fromEntries(declared.map((p) => [p.key, given[p.key] ?? p.default ?? '']))
      : given;
    const id = `arn:aws:cloudformation:us-east-1:123456789012:changeSet/${input.ChangeSetName}/${++sequence}`;
    const same =
      input.ChangeSetType === 'UPDATE' &&
      live.body === body &&
      JSON.stringify(live.parameters) === JSON.stringify(parameters);
    changeSets.set(id, {
      id,
      name: input.ChangeSetName ?? '',
      stackId: live.id,
      stackName: name,
      type: input.ChangeSetType as 'CREATE' | 'UPDATE',
      parameters,
      body,
      tags: Object.fromEntries(
        (input.Tags ?? []).map((t: { Key?: string; Value?: string }) => [t.Key ?? '', t.Value ?? '']),
      ),
      created: stamp(),
      status: same ? 'FAILED' : 'CREATE_COMPLETE',
      ...(same
        ? {
            reason:
              "The submitted information didn't contain changes. Submit different information to create a change set.",
          }
        : {}),
      changes: same
        ? []
        : (behaviour.changes?.(name, input.ChangeSetType as 'CREATE' | 'UPDATE') ?? [
            {
              Type: 'Resource',
              ResourceChange: {
                Action: input.ChangeSetType === 'CREATE' ? 'Add' : 'Modify',
                LogicalResourceId: 'Topic',
                ResourceType: 'AWS::SNS::Topic',
                ...(input.ChangeSetType === 'UPDATE' ? { Replacement: 'False' } : {}),
              },
            },
          ]),
    });
    return { Id: id, StackId: live.id };
  });
  mock.on(DescribeChangeSetCommand).callsFake((input) => {
    const changeSet = changeSets.get(input.ChangeSetName ?? '');
    if (!changeSet)
      throw Object.assign(new Error('ChangeSet not found'), { name: 'ChangeSetNotFoundException' });
    return {
      ChangeSetId: changeSet.id,
      ChangeSetName: changeSet.name,
      StackId: changeSet.stackId,
      Status: changeSet.status as never,
      ...(changeSet.reason ? { StatusReason: changeSet.reason } : {}),
      CreationTime: changeSet.created,
      Changes: changeSet.changes,
    };
  });
  mock.on(DeleteChangeSetCommand).callsFake((input) => {
    changeSets.delete(input.ChangeSetName ?? '');
    return {};
  });
  mock.on(ExecuteChangeSetCommand).callsFake((input) => {
    const changeSet = changeSets.get(input.ChangeSetName ?? '');
    if (!changeSet)
      throw Object.assign(new Error('ChangeSet not found'), { name: 'ChangeSetNotFoundException' });
    const stack = byId.get(changeSet.stackId) as FakeStack;
    const verb = changeSet.type;
    event(stack, stack.name, `${verb}_IN_PROGRESS`, 'User Initiated');
    const failure = behaviour.failure?.(stack.name);
    if (failure) {
      event(stack, failure.logicalId, `${verb}_FAILED`, failure.reason, failure.resourceType);
      const end = verb === 'CREATE' ? 'ROLLBACK_COMPLETE' : 'UPDATE_ROLLBACK_COMPLETE';
      event(stack, stack.name, end);
      stack.status = end;
    } else {
      event(stack, 'Topic', `${verb}_COMPLETE`);
      event(stack, stack.name, `${verb}_COMPLETE`);
      stack.status = `${verb}_COMPLETE`;
      stack.parameters = changeSet.parameters;
      stack.body = changeSet.body;
      stack.tags = changeSet.tags;
      stack.outputs = behaviour.outputs?.(stack.name, changeSet.parameters) ?? {};
    }
    changeSets.delete(changeSet.id);
    return {};
  });
  mock.on(ListStackResourcesCommand).callsFake((input) => {
    const stack = find(input.StackName);
    if (!stack) throw notFound(input.StackName ?? '');
    return {
      StackResourceSummaries: (behaviour.resources?.(stack.name) ?? []).map((r) => ({
        LogicalResourceId: r.logicalId,
        ResourceType: r.resourceType,
        PhysicalResourceId: r.physicalId,
        ResourceStatus: 'CREATE_COMPLETE' as never,
        LastUpdatedTimestamp: new Date(0),
      })),
    };
  });
  mock.on(DeleteStackCommand).callsFake((input) => {
    const stack = find(input.StackName);
    if (!stack) return {};
    event(stack, stack.name, 'DELETE_IN_PROGRESS');
    const failure = behaviour.deleteFailure?.(stack.name);
    if (failure) {
      event(stack, failure.logicalId, 'DELETE_FAILED', failure.reason, failure.resourceType);
      event(
        stack,
        stack.name,
        'DELETE_FAILED',
        'The following resource(s) failed to delete: [' + failure.logicalId + '].',
      );
      stack.status = 'DELETE_FAILED';
      return {};
    }
    event(stack, stack.name, 'DELETE_COMPLETE');
    stack.status = 'DELETE_COMPLETE';
    stacks.delete(stack.name);
    return {};
  });

  return {
    mock,
    stacks,
    changeSets,
    /** Puts a stack in place as if deployed earlier. */
    seed(stack: Omit<FakeStack, 'id' | 'events'> & { id?: string }): FakeStack {
      const full: FakeStack = {
        id: `arn:aws:cloudformation:us-east-1:123456789012:stack/${stack.name}/seed`,
        events: [],
        ...stack,
      };
      stacks.set(full.name, full);
      byId.set(full.id, full);
      event(full, full.name, full.status);
      return full;
    },
  };
}
