import {
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  type CloudWatchLogsClient,
  type LogGroup,
} from '@aws-sdk/client-cloudwatch-logs';

import { toAwsError } from '../aws/clients.js';
import { OperationError, UsageError } from '../errors.js';
import { INSTANCE_LOG_FILES, instanceLogGroupPrefix, taskLogGroupPrefix } from '../stacks/names.js';
import type { SelectedLogGroup } from './types.js';

/** The CloudWatch Logs calls group selection makes. */
export type LogGroupsClient = Pick<CloudWatchLogsClient, 'send'>;

/** An instance or task log group of the environment. */
export interface EnvironmentLogGroup {
  name: string;
  arn?: string;
  kind: 'instance' | 'task';
  /** The instance log file (`ecs-agent`) or the service (`404`). */
  label: string;
}

/** Which groups and streams to tail, as the flags say; empty when none was given. */
export interface LogSelection {
  /** Every instance log group. */
  instances?: boolean;
  /** Every task log group. */
  tasks?: boolean;
  services?: string[];
  /** Instance ids: only their streams of the instance groups. */
  instanceIds?: string[];
  /** Instance log files (`ecs-agent`, `docker`…). */
  files?: string[];
  /** Any log groups, by name. */
  groups?: string[];
}

/** True when the selection names anything at all. */
export function hasSelector(selection: LogSelection): boolean {
  return Boolean(
    selection.instances ||
    selection.tasks ||
    selection.services?.length ||
    selection.instanceIds?.length ||
    selection.files?.length ||
    selection.groups?.length,
  );
}

/** The ARN of a group without the `:*` that DescribeLogGroups appends. */
function arnOf(group: LogGroup): string | undefined {
  return group.logGroupArn ?? group.arn?.replace(/:\*$/, '');
}

async function describeGroups(client: LogGroupsClient, prefix: string): Promise<LogGroup[]> {
  const groups: LogGroup[] = [];
  let nextToken: string | undefined;
  do {
    try {
      const page = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, nextToken }));
      groups.push(...(page.logGroups ?? []));
      nextToken = page.nextToken;
    } catch (error) {
      throw toAwsError(error, `listing log groups under ${prefix}`);
    }
  } while (nextToken);
  return groups;
}

/** The environment's instance log groups (by file) and task log groups (by service), sorted. */
export async function discoverLogGroups(
  client: LogGroupsClient,
  env: string,
): Promise<EnvironmentLogGroup[]> {
  const instancePrefix = instanceLogGroupPrefix(env);
  const taskPrefix = taskLogGroupPrefix(env);
  const [instanceGroups, taskGroups] = await Promise.all([
    describeGroups(client, instancePrefix),
    describeGroups(client, taskPrefix),
  ]);
  const fileOrder = Object.keys(INSTANCE_LOG_FILES);
  const instances = instanceGroups
    .filter((group) => group.logGroupName?.startsWith(instancePrefix))
    .map((group) => ({
      name: group.logGroupName as string,
      arn: arnOf(group),
      kind: 'instance' as const,
      label: (group.logGroupName as string).slice(instancePrefix.length),
    }))
    .sort((a, b) => rank(fileOrder, a.label) - rank(fileOrder, b.label) || a.label.localeCompare(b.label));
  const tasks = taskGroups
    .filter((group) => group.logGroupName?.startsWith(taskPrefix))
    .map((group) => ({
      name: group.logGroupName as string,
      arn: arnOf(group),
      kind: 'task' as const,
      label: (group.logGroupName as string).slice(taskPrefix.length),
    }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return [...instances, ...tasks];
}

/**
 * The log groups of a cluster ecspoc did not deploy: each service's awslogs groups (from its task
 * definition, see src/lib/clusters/adopt.ts), labelled by service, and the groups under
 * `instanceLogPrefix`, labelled by the rest of their name. One DescribeLogGroups per distinct group
 * (for its ARN, which Live Tail needs) and one for the prefix; a group that does not exist is left out.
 */
export async function discoverClusterLogGroups(
  client: LogGroupsClient,
  services: ReadonlyArray<{ service: string; groups: string[] }>,
  instanceLogPrefix?: string,
): Promise<EnvironmentLogGroup[]> {
  const names = [...new Set(services.flatMap((s) => s.groups))];
  const [described, instanceGroups] = await Promise.all([
    Promise.all(
      names.map(async (name) => (await describeGroups(client, name)).find((g) => g.logGroupName === name)),
    ),
    instanceLogPrefix ? describeGroups(client, instanceLogPrefix) : Promise.resolve([]),
  ]);
  const existing = new Map(
    described.filter((g): g is LogGroup => g !== undefined).map((g) => [g.logGroupName as string, g]),
  );
  const instances = instanceGroups
    .filter((group) => instanceLogPrefix && group.logGroupName?.startsWith(instanceLogPrefix))
    .map((group) => ({
      name: group.logGroupName as string,
      arn: arnOf(group),
      kind: 'instance' as const,
      label: (group.logGroupName as string).slice((instanceLogPrefix ?? '').length),
    }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const tasks = services.flatMap((s) =>
    s.groups
      .filter((name) => existing.has(name))
      .map((name) => ({
        name,
        arn: arnOf(existing.get(name) as LogGroup),
        kind: 'task' as const,
        label: s.service,
      })),
  );
  return [...instances, ...tasks];
}

function rank(order: string[], label: string): number {
  const index = order.indexOf(label);
  return index === -1 ? order.length : index;
}

/** Every stream name of a group (for instance groups: the instance ids). */
export async function listStreams(client: LogGroupsClient, group: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    try {
      const page = await client.send(new DescribeLogStreamsCommand({ logGroupName: group, nextToken }));
      for (const stream of page.logStreams ?? []) if (stream.logStreamName) names.push(stream.logStreamName);
      nextToken = page.nextToken;
    } catch (error) {
      throw toAwsError(error, `listing the streams of ${group}`);
    }
  } while (nextToken);
  return names;
}

/** A group of the environment as the engine tails it. */
export function toSelected(group: EnvironmentLogGroup, streamNames?: string[]): SelectedLogGroup {
  return { name: group.name, arn: group.arn, kind: group.kind, label: group.label, streamNames };
}

/** A group named with `--group`: tagged as an instance or task group when it is one of the environment's. */
function groupByName(env: string, name: string, arn: string | undefined): SelectedLogGroup {
  for (const [kind, prefix] of [
    ['instance', instanceLogGroupPrefix(env)],
    ['task', taskLogGroupPrefix(env)],
  ] as const) {
    if (name.startsWith(prefix) && name.length > prefix.length)
      return { name, arn, kind, label: name.slice(prefix.length) };
  }
  return { name, arn, kind: 'group' };
}

function listing(values: string[], limit = 20): string {
  const shown = values.slice(0, limit).join(', ');
  return values.length > limit ? `${shown} and ${values.length - limit} more` : shown;
}

/**
 * Turns the flags into the groups to tail. `--file` and `--instance` narrow the instance groups
 * (and imply them); `--service` the task groups; `--group` adds any group by name. Names that do not
 * exist are UsageErrors that list the valid ones.
 */
export async function selectLogGroups(
  client: LogGroupsClient,
  env: string,
  selection: LogSelection,
  environmentGroups: () => Promise<EnvironmentLogGroup[]>,
): Promise<SelectedLogGroup[]> {
  const selected = new Map<string, SelectedLogGroup>();
  const wantsInstances = Boolean(
    selection.instances || selection.files?.length || selection.instanceIds?.length,
  );
  const wantsTasks = Boolean(selection.tasks || selection.services?.length);
  // `--group` alone needs no look-up of the environment's groups (one call per group instead).
  const discovered = wantsInstances || wantsTasks ? await environmentGroups() : [];
  const instanceGroups = discovered.filter((group) => group.kind === 'instance');
  const taskGroups = discovered.filter((group) => group.kind === 'task');

  if (wantsInstances) {
    const validFiles = Object.keys(INSTANCE_LOG_FILES);
    for (const file of selection.files ?? []) {
      if (!validFiles.includes(file))
        throw new UsageError('UNKNOWN_LOG_FILE', `Unknown instance log file "${file}".`, {
          suggestions: [`Use one of: ${validFiles.join(', ')}.`],
        });
    }
    if (instanceGroups.length === 0)
      throw new OperationError(
        'NO_INSTANCE_LOG_GROUPS',
        `Environment ${env} has no instance log groups (${instanceLogGroupPrefix(env)}*).`,
        {
          suggestions: [`Deploy the cluster first: ecspoc deploy cluster --env ${env}`, 'Or check --env.'],
        },
      );
    let candidates = instanceGroups;
    if (selection.files?.length) {
      candidates = instanceGroups.filter((group) => selection.files?.includes(group.label));
      const missing = (selection.files ?? []).filter(
        (file) => !candidates.some((group) => group.label === file),
      );
      if (missing.length > 0)
        throw new UsageError(
          'LOG_GROUP_MISSING',
          `Environment ${env} has no log group for ${missing.join(', ')}.`,
          {
            suggestions: [
              `Its instance log files are: ${instanceGroups.map((group) => group.label).join(', ')}.`,
            ],
          },
        );
    }
    if (selection.instanceIds?.length) {
      const streams = await Promise.all(candidates.map((group) => listStreams(client, group.name)));
      const known = [...new Set(streams.flat())].sort();
      const unknown = selection.instanceIds.filter((id) => !known.includes(id));
      if (unknown.length > 0)
        throw new UsageError(
          'UNKNOWN_INSTANCE',
          `No logs of instance ${unknown.join(', ')} in environment ${env}.`,
          {
            suggestions: [
              known.length > 0
                ? `Instances with logs: ${listing(known)}.`
                : 'No instance has written logs yet.',
            ],
          },
        );
      candidates.forEach((group, index) => {
        const wanted = (selection.instanceIds ?? []).filter((id) => streams[index].includes(id));
        if (wanted.length > 0) selected.set(group.name, toSelected(group, wanted));
      });
    } else {
      for (const group of candidates) selected.set(group.name, toSelected(group));
    }
  }

  if (wantsTasks) {
    if (taskGroups.length === 0)
      throw new OperationError(
        'NO_TASK_LOG_GROUPS',
        `Environment ${env} has no task log groups (${taskLogGroupPrefix(env)}*).`,
        {
          suggestions: [`Deploy a service first: ecspoc deploy --env ${env}`, 'Or check --env.'],
        },
      );
    const unknown = (selection.services ?? []).filter(
      (service) => !taskGroups.some((group) => group.label === service),
    );
    if (unknown.length > 0)
      throw new UsageError(
        'UNKNOWN_SERVICE',
        `Environment ${env} has no task logs of service ${unknown.join(', ')}.`,
        {
          suggestions: [
            `Its services with task logs are: ${taskGroups.map((group) => group.label).join(', ')}.`,
          ],
        },
      );
    for (const group of taskGroups) {
      if (selection.tasks || selection.services?.includes(group.label))
        selected.set(group.name, toSelected(group));
    }
  }

  for (const name of selection.groups ?? []) {
    const found = (await describeGroups(client, name)).find((group) => group.logGroupName === name);
    if (!found) {
      const known = await environmentGroups();
      throw new UsageError('UNKNOWN_LOG_GROUP', `Log group ${name} does not exist.`, {
        suggestions: [
          known.length > 0
            ? `Log groups of environment ${env}: ${listing(known.map((group) => group.name))}.`
            : `Environment ${env} has no log groups; check --env and --region.`,
        ],
      });
    }
    selected.set(name, groupByName(env, name, arnOf(found)));
  }
  return [...selected.values()];
}
