import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

import { toAwsError } from '../aws/clients.js';

/** The one CloudFormation call reading outputs needs. */
export type DescribeStacksApi = Pick<CloudFormationClient, 'send'>;

/** A deployed stack as the readers of its outputs see it. */
export interface DeployedStack {
  stackName: string;
  status: string;
  outputs: Record<string, string>;
}

/**
 * Reads one stack's status and outputs (one DescribeStacks call); undefined when the stack does
 * not exist. CloudFormation reports a missing stack as a ValidationError, the only one
 * DescribeStacks can raise for a well-formed name.
 */
export async function readStack(
  cloudformation: DescribeStacksApi,
  stackName: string,
): Promise<DeployedStack | undefined> {
  let stack;
  try {
    const response = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    stack = response.Stacks?.[0];
  } catch (error) {
    if ((error as { name?: string }).name === 'ValidationError') return undefined;
    throw toAwsError(error, `reading stack ${stackName} (cloudformation:DescribeStacks)`);
  }
  if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return undefined;
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  return { stackName, status: stack.StackStatus ?? 'UNKNOWN', outputs };
}
