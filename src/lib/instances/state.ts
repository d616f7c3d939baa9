import {
  CreateOrUpdateTagsCommand,
  DeleteTagsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';

import { toAwsError } from '../aws/clients.js';
import { chunk, type InstanceClients } from './clients.js';
import { CYCLE_TAG } from './fleet.js';

/**
 * What a cycle remembers on its Auto Scaling Group (tag `ecspoc:cycle`), so that any later run can
 * put the group back as it was: the run's id (its start time), the desired and max capacity before
 * the cycle, and the processes the cycle suspended.
 */
export interface CycleState {
  runId: string;
  desired: number;
  max: number;
  suspended: string[];
}

/** The tag value for a cycle state: `run=…;desired=6;max=8;suspended=AZRebalance`. */
export function encodeCycleState(state: CycleState): string {
  return `run=${state.runId};desired=${state.desired};max=${state.max};suspended=${state.suspended.join(',')}`;
}

/** Reads a cycle state tag; undefined when absent or not one of ours. */
export function decodeCycleState(value: string | undefined): CycleState | undefined {
  if (!value) return undefined;
  const fields = Object.fromEntries(
    value.split(';').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at), part.slice(at + 1)];
    }),
  );
  const desired = Number(fields.desired);
  const max = Number(fields.max);
  if (!fields.run || !Number.isInteger(desired) || !Number.isInteger(max)) return undefined;
  return { runId: fields.run, desired, max, suspended: fields.suspended ? fields.suspended.split(',') : [] };
}

/** Writes the cycle state onto the group. */
export async function saveCycleState(
  clients: InstanceClients,
  group: string,
  state: CycleState,
): Promise<void> {
  try {
    await clients.autoscaling.send(
      new CreateOrUpdateTagsCommand({
        Tags: [
          {
            ResourceId: group,
            ResourceType: 'auto-scaling-group',
            Key: CYCLE_TAG,
            Value: encodeCycleState(state),
            PropagateAtLaunch: false,
          },
        ],
      }),
    );
  } catch (error) {
    throw toAwsError(error, `tagging Auto Scaling Group ${group}`, clients.settings);
  }
}

/** Removes the cycle state from the group: the cycle is over. */
export async function clearCycleState(clients: InstanceClients, group: string): Promise<void> {
  try {
    await clients.autoscaling.send(
      new DeleteTagsCommand({
        Tags: [{ ResourceId: group, ResourceType: 'auto-scaling-group', Key: CYCLE_TAG }],
      }),
    );
  } catch (error) {
    throw toAwsError(error, `removing the cycle tag of ${group}`, clients.settings);
  }
}

/** Marks the instances a cycle replaces with its run id (EC2 tag), 500 per call. */
export async function markInstances(
  clients: InstanceClients,
  instanceIds: string[],
  runId: string,
): Promise<void> {
  try {
    for (const part of chunk(instanceIds, 500)) {
      await clients.ec2.send(
        new CreateTagsCommand({ Resources: part, Tags: [{ Key: CYCLE_TAG, Value: runId }] }),
      );
    }
  } catch (error) {
    throw toAwsError(error, 'tagging the instances to replace', clients.settings);
  }
}

/** Suspends (or resumes) Auto Scaling processes of the group. */
export async function setProcesses(
  clients: InstanceClients,
  group: string,
  processes: string[],
  suspended: boolean,
): Promise<void> {
  if (processes.length === 0) return;
  const input = { AutoScalingGroupName: group, ScalingProcesses: processes };
  try {
    await clients.autoscaling.send(
      suspended ? new SuspendProcessesCommand(input) : new ResumeProcessesCommand(input),
    );
  } catch (error) {
    throw toAwsError(
      error,
      `${suspended ? 'suspending' : 'resuming'} ${processes.join(', ')} on ${group}`,
      clients.settings,
    );
  }
}
