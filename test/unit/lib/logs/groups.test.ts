import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { beforeEach, describe, expect, it } from '@jest/globals';

import { OperationError, UsageError } from '../../../../src/lib/errors.js';
import {
  discoverLogGroups,
  hasSelector,
  selectLogGroups,
  type LogSelection,
} from '../../../../src/lib/logs/groups.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const logs = mockSdk(CloudWatchLogsClient);

const client = sdkClient(CloudWatchLogsClient);
const arn = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}:*`;
const group = (name: string) => ({ logGroupName: name, arn: arn(name) });

beforeEach(() => {
  logs
    .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecspoc/dev/instances/' })
    .callsFake(async (input) =>
      input.nextToken
        ? { logGroups: [group('/ecspoc/dev/instances/dmesg')] }
        : {
            logGroups: [group('/ecspoc/dev/instances/docker'), group('/ecspoc/dev/instances/ecs-agent')],
            nextToken: 'n',
          },
    );
  logs
    .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecspoc/dev/tasks/' })
    .resolves({ logGroups: [group('/ecspoc/dev/tasks/php-hello'), group('/ecspoc/dev/tasks/404')] });
  logs
    .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecspoc/dev/tasks/404' })
    .resolves({ logGroups: [group('/ecspoc/dev/tasks/404')] });
  logs
    .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/other' })
    .resolves({ logGroups: [group('/aws/other')] });
  logs
    .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/nope' })
    .resolves({ logGroups: [group('/nope-not-exact')] });
  logs
    .on(DescribeLogStreamsCommand, { logGroupName: '/ecspoc/dev/instances/docker' })
    .resolves({ logStreams: [{ logStreamName: 'i-1' }] });
  logs
    .on(DescribeLogStreamsCommand, { logGroupName: '/ecspoc/dev/instances/ecs-agent' })
    .resolves({ logStreams: [{ logStreamName: 'i-1' }, { logStreamName: 'i-2' }] });
  logs
    .on(DescribeLogStreamsCommand, { logGroupName: '/ecspoc/dev/instances/dmesg' })
    .resolves({ logStreams: [] });
});

async function select(selection: LogSelection) {
  return selectLogGroups(client, 'dev', selection, () => discoverLogGroups(client, 'dev'));
}

async function failure(selection: LogSelection) {
  return select(selection).then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as UsageError,
  );
}

describe('discoverLogGroups', () => {
  it('finds the instance groups (in file order, across pages) and the task groups, with ARNs', async () => {
    const found = await discoverLogGroups(client, 'dev');
    expect(found.map((g) => `${g.kind}:${g.label}`)).toEqual([
      'instance:dmesg',
      'instance:docker',
      'instance:ecs-agent',
      'task:404',
      'task:php-hello',
    ]);
    expect(found[0].arn).toBe('arn:aws:logs:us-east-1:123456789012:log-group:/ecspoc/dev/instances/dmesg');
  });
});

describe('selectLogGroups', () => {
  it('knows when nothing was selected', () => {
    expect(hasSelector({})).toBe(false);
    expect(hasSelector({ services: [] })).toBe(false);
    expect(hasSelector({ files: ['docker'] })).toBe(true);
  });

  it('--instances and --tasks select every group of their kind', async () => {
    expect((await select({ instances: true })).map((g) => g.label)).toEqual(['dmesg', 'docker', 'ecs-agent']);
    expect((await select({ tasks: true })).map((g) => g.label)).toEqual(['404', 'php-hello']);
  });

  it("--group alone looks up only the groups it names, and tags the environment's own", async () => {
    logs
      .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecspoc/dev/tasks/404' })
      .resolves({ logGroups: [group('/ecspoc/dev/tasks/404')] });
    const groups = await select({ groups: ['/ecspoc/dev/tasks/404', '/aws/other'] });
    expect(groups).toEqual([
      {
        name: '/ecspoc/dev/tasks/404',
        arn: arn('/ecspoc/dev/tasks/404').slice(0, -2),
        kind: 'task',
        label: '404',
      },
      { name: '/aws/other', arn: arn('/aws/other').slice(0, -2), kind: 'group' },
    ]);
    expect(
      logs.commandCalls(DescribeLogGroupsCommand).map((c) => c.args[0].input.logGroupNamePrefix),
    ).toEqual(['/ecspoc/dev/tasks/404', '/aws/other']);
  });

  it('--file and --service narrow; --group adds any group; selections add up without repeats', async () => {
    const groups = await select({
      files: ['ecs-agent'],
      services: ['404'],
      groups: ['/aws/other', '/ecspoc/dev/tasks/404'],
    });
    expect(groups.map((g) => [g.name, g.kind])).toEqual([
      ['/ecspoc/dev/instances/ecs-agent', 'instance'],
      ['/ecspoc/dev/tasks/404', 'task'],
      ['/aws/other', 'group'],
    ]);
  });

  it("--instance keeps only that instance's streams, in the groups that have them", async () => {
    const groups = await select({ instanceIds: ['i-2'] });
    expect(groups.map((g) => [g.label, g.streamNames])).toEqual([['ecs-agent', ['i-2']]]);
  });

  it('rejects unknown names and lists the valid ones', async () => {
    expect(await failure({ files: ['kernel'] })).toMatchObject({
      code: 'UNKNOWN_LOG_FILE',
      suggestions: ['Use one of: dmesg, messages, docker, ecs-agent, ecs-init, audit.'],
    });
    expect(await failure({ files: ['audit'] })).toMatchObject({
      code: 'LOG_GROUP_MISSING',
      suggestions: ['Its instance log files are: dmesg, docker, ecs-agent.'],
    });
    expect(await failure({ services: ['web'] })).toMatchObject({
      code: 'UNKNOWN_SERVICE',
      suggestions: ['Its services with task logs are: 404, php-hello.'],
    });
    expect(await failure({ instanceIds: ['i-9'] })).toMatchObject({
      code: 'UNKNOWN_INSTANCE',
      suggestions: ['Instances with logs: i-1, i-2.'],
    });
    const unknownGroup = await failure({ groups: ['/nope'] });
    expect(unknownGroup).toBeInstanceOf(UsageError);
    expect(unknownGroup.suggestions[0]).toContain('/ecspoc/dev/instances/dmesg');
  });

  it('says when the environment has no groups of the kind asked for', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const error = await failure({ tasks: true });
    expect(error).toBeInstanceOf(OperationError);
    expect(error.message).toBe('Environment dev has no task log groups (/ecspoc/dev/tasks/*).');
  });
});
