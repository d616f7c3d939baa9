/**
 * The one reader of CloudFormation stacks: one stack by name (with one rule for "missing"), and the
 * live stacks of one environment. Deploy, destroy, status, doctor, instances, ssh-config and the
 * bastion all read stacks through here, so a missing stack means the same thing everywhere.
 */
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
  type Stack,
  StackStatus,
} from '@aws-sdk/client-cloudformation';

import { toAwsError } from '../aws/clients.js';
import { environmentComponent, parseStackName, stackName as environmentStackName } from './names.js';

export { environmentComponent, parseStackName } from './names.js';

/** The CloudFormation calls the reader makes (a CloudFormationClient, or a fake in tests). */
export type DescribeStacksApi = Pick<CloudFormationClient, 'send'>;

/** A deployed stack as the readers of its outputs see it. */
export interface DeployedStack {
  stackName: string;
  status: string;
  outputs: Record<string, string>;
}

/** One live stack of the environment as ListStacks reports it. */
export interface EnvironmentStack {
  stackName: string;
  component: string;
  status: string;
  lastUpdated?: string;
  reason?: string;
}

/**
 * True when a DescribeStacks error means "this stack does not exist". CloudFormation documents
 * that DescribeStacks answers a missing stack with a ValidationError
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html), but
 * it uses the same code for every malformed request and has no dedicated code for this case (the
 * SDK's StackNotFoundException belongs to other APIs); only the message, "Stack with id X does not
 * exist", tells the two apart. So the text is matched here, and only here.
 */
export function isStackMissing(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return name === 'ValidationError' && typeof message === 'string' && /does not exist/.test(message);
}

/**
 * Describes one stack by name or id (one DescribeStacks call); undefined when it does not exist or
 * is DELETE_COMPLETE (a deleted stack can still be described by its id). Other errors are thrown
 * as they come, for the caller to wrap or retry.
 */
export async function findStack(
  cloudformation: DescribeStacksApi,
  stackName: string,
): Promise<Stack | undefined> {
  let stack: Stack | undefined;
  try {
    stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if (isStackMissing(error)) return undefined;
    throw error;
  }
  return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? stack : undefined;
}

/** A stack's outputs as a plain record. */
export function stackOutputs(stack: Pick<Stack, 'Outputs'>): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  return outputs;
}

/** Reads one stack's status and outputs (one DescribeStacks call); undefined when the stack does not exist. */
export async function readStack(
  cloudformation: DescribeStacksApi,
  stackName: string,
): Promise<DeployedStack | undefined> {
  let stack;
  try {
    stack = await findStack(cloudformation, stackName);
  } catch (error) {
    throw toAwsError(error, `reading stack ${stackName} (cloudformation:DescribeStacks)`);
  }
  if (!stack) return undefined;
  return { stackName, status: stack.StackStatus ?? 'UNKNOWN', outputs: stackOutputs(stack) };
}

/** One live stack named like ecspoc's, with the environment and component its name carries. */
export interface EcspocStack extends EnvironmentStack {
  env: string;
}

/**
 * Every live stack (not DELETE_COMPLETE) of every ecspoc environment of the account and region,
 * sorted by name. ListStacks, not DescribeStacks without a name: AWS documents the latter as
 * describing every resource of the account and advises ListStacks instead
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html).
 */
export async function listEcspocStacks(cloudformation: DescribeStacksApi): Promise<EcspocStack[]> {
  const stacks: EcspocStack[] = [];
  for (const summary of await listAllStackSummaries(cloudformation, 'ecspoc-')) {
    const parsed = parseStackName(summary.stackName);
    if (parsed) stacks.push({ ...summary, ...parsed });
  }
  return stacks;
}

/** Every live stack (not DELETE_COMPLETE) of environment `env` (`ecspoc-<env>-<component>`), sorted by name. */
export async function listEnvironmentStacks(
  cloudformation: DescribeStacksApi,
  env: string,
): Promise<EnvironmentStack[]> {
  const prefix = environmentStackName(env, '');
  // ListStacks has no name filter: the prefix narrows the listing, the parse drops other environments'
  // stacks that share it (`ecspoc-dev-` starts `ecspoc-dev-x-network` too).
  const stacks = await listAllStackSummaries(cloudformation, prefix);
  return stacks.flatMap(({ stackName, status, lastUpdated, reason }) => {
    const component = environmentComponent(env, stackName);
    if (component === undefined) return [];
    return [
      {
        stackName,
        component,
        status,
        ...(lastUpdated ? { lastUpdated } : {}),
        ...(reason ? { reason } : {}),
      },
    ];
  });
}

/** The live stacks whose names start with `prefix`, sorted by name, through every page of ListStacks. */
async function listAllStackSummaries(
  cloudformation: DescribeStacksApi,
  prefix: string,
): Promise<Omit<EnvironmentStack, 'component'>[]> {
  const live = Object.values(StackStatus).filter((status) => status !== StackStatus.DELETE_COMPLETE);
  const stacks: Omit<EnvironmentStack, 'component'>[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cloudformation.send(
      new ListStacksCommand({ StackStatusFilter: live, NextToken: nextToken }),
    );
    for (const summary of page.StackSummaries ?? []) {
      if (!summary.StackName?.startsWith(prefix)) continue;
      stacks.push({
        stackName: summary.StackName,
        status: summary.StackStatus ?? 'UNKNOWN',
        lastUpdated: (summary.LastUpdatedTime ?? summary.CreationTime)?.toISOString(),
        ...(summary.StackStatusReason ? { reason: summary.StackStatusReason } : {}),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return stacks.sort((a, b) => a.stackName.localeCompare(b.stackName));
}
