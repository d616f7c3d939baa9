import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';

import {
  type BastionClients,
  type BastionStatus,
  findBastion,
  findBastionInstance,
  missingBastion,
} from '../bastion/index.js';
import type { AdoptRequest } from '../clusters/target.js';
import { type Clock, systemClock } from '../time/clock.js';
import { clusterName, stackName } from '../stacks/names.js';
import { readFleet } from '../instances/reader.js';
import { readStack } from '../stacks/reader.js';

/** The calls discovery makes. */
export interface DiscoveryClients extends BastionClients {
  ecs: Pick<ECSClient, 'send'>;
  ec2: Pick<EC2Client, 'send'>;
}

/** A running container instance that can be reached through the bastion. */
export interface ContainerInstanceHost {
  instanceId: string;
  privateIp: string;
  containerInstanceArn: string;
  /** ECS status: ACTIVE, DRAINING, … */
  status: string;
  availabilityZone?: string;
  instanceType?: string;
}

/** A container instance left out of the SSH config, and why. */
export interface SkippedInstance {
  instanceId?: string;
  containerInstanceArn: string;
  /** The EC2 state (stopped, pending, …), or `not-found` / `no-private-address` / `unregistered`. */
  reason: string;
}

/** Everything the SSH config of one environment is made from. */
export interface SshInventory {
  env: string;
  bastion: BastionStatus;
  clusterName: string;
  /** False when the cluster does not exist (no container instances then). */
  clusterFound: boolean;
  instances: ContainerInstanceHost[];
  skipped: SkippedInstance[];
}

/**
 * Finds the bastion and every container instance of the environment's cluster with their private
 * addresses through the fleet reader: DescribeStacks ×2, ListContainerInstances and
 * DescribeContainerInstances per 100 instances, DescribeInstances per 200 plus one for the bastion.
 * The bastion and the cluster are looked up in parallel, and so are the describe calls.
 */
export async function discoverHosts(
  clients: DiscoveryClients,
  env: string,
  clock: Clock = systemClock,
  adopt?: AdoptRequest,
): Promise<SshInventory> {
  const [bastion, fleet] = await Promise.all([
    adopt ? adoptedBastion(clients, env, adopt, clock) : findBastion(clients, env, clock),
    discoverContainerInstances(clients, env, adopt?.cluster),
  ]);
  return { env, bastion, ...fleet };
}

/** An adopted cluster's bastion: the instance `--bastion` names, or none (reached by ssm or eice then). */
function adoptedBastion(
  clients: DiscoveryClients,
  env: string,
  adopt: AdoptRequest,
  clock: Clock,
): Promise<BastionStatus> {
  if (adopt.bastion) return findBastionInstance(clients, env, adopt.bastion, clock);
  return Promise.resolve(
    missingBastion(
      env,
      `cluster ${adopt.cluster}`,
      `no bastion given for cluster ${adopt.cluster} (--bastion)`,
    ),
  );
}

/** The cluster's name: the cluster stack's `ClusterName` output, else the name ecspoc gives it. */
export async function resolveClusterName(
  clients: Pick<DiscoveryClients, 'cloudformation'>,
  env: string,
): Promise<string> {
  const stack = await readStack(clients.cloudformation, stackName(env, 'cluster'));
  return stack?.outputs.ClusterName || clusterName(env);
}

async function discoverContainerInstances(
  clients: DiscoveryClients,
  env: string,
  adoptedCluster?: string,
): Promise<Omit<SshInventory, 'env' | 'bastion'>> {
  const cluster = adoptedCluster ?? (await resolveClusterName(clients, env));
  const read = await readFleet(clients, cluster);
  if (!read.clusterFound) return { clusterName: cluster, clusterFound: false, instances: [], skipped: [] };

  const skipped: SkippedInstance[] = [];
  const registered = read.containerInstances
    .map((ci) => ({
      containerInstanceArn: ci.containerInstanceArn ?? '',
      ec2InstanceId: ci.ec2InstanceId,
      status: ci.status ?? 'UNKNOWN',
    }))
    .filter((ci) => {
      if (ci.ec2InstanceId) return true;
      skipped.push({ containerInstanceArn: ci.containerInstanceArn, reason: 'unregistered' });
      return false;
    });
  const ec2Instances = read.ec2;

  const instances: ContainerInstanceHost[] = [];
  for (const ci of registered) {
    const instanceId = ci.ec2InstanceId as string;
    const instance = ec2Instances.get(instanceId);
    const state = instance?.State?.Name;
    if (!instance) {
      skipped.push({ instanceId, containerInstanceArn: ci.containerInstanceArn, reason: 'not-found' });
    } else if (state !== 'running') {
      skipped.push({ instanceId, containerInstanceArn: ci.containerInstanceArn, reason: state ?? 'unknown' });
    } else if (!instance.PrivateIpAddress) {
      skipped.push({
        instanceId,
        containerInstanceArn: ci.containerInstanceArn,
        reason: 'no-private-address',
      });
    } else {
      instances.push({
        instanceId,
        privateIp: instance.PrivateIpAddress,
        containerInstanceArn: ci.containerInstanceArn,
        status: ci.status,
        ...(instance.Placement?.AvailabilityZone
          ? { availabilityZone: instance.Placement.AvailabilityZone }
          : {}),
        ...(instance.InstanceType ? { instanceType: instance.InstanceType } : {}),
      });
    }
  }
  instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  skipped.sort((a, b) =>
    (a.instanceId ?? a.containerInstanceArn).localeCompare(b.instanceId ?? b.containerInstanceArn),
  );
  return { clusterName: cluster, clusterFound: true, instances, skipped };
}
