import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import {
  DescribeContainerInstancesCommand,
  type ECSClient,
  ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';

import { toAwsError } from '../aws/clients.js';
import { type BastionClients, type BastionStatus, findBastion } from '../bastion/index.js';
import { type Clock, systemClock } from '../time/clock.js';
import { clusterName, stackName } from '../stacks/names.js';
import { readStack } from '../stacks/outputs.js';

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

/** ListContainerInstances and DescribeContainerInstances take at most 100 per call. */
const ECS_BATCH = 100;
/** Instance ids per DescribeInstances call (as `instance-id` filter values, so a vanished id fails nothing). */
const EC2_BATCH = 200;

/**
 * Finds the bastion and every container instance of the environment's cluster with their private
 * addresses, in a handful of calls whatever the fleet size: DescribeStacks ×2, ListContainerInstances
 * and DescribeContainerInstances per 100 instances, DescribeInstances per 200 plus one for the bastion.
 * The bastion and the cluster are looked up in parallel.
 */
export async function discoverHosts(
  clients: DiscoveryClients,
  env: string,
  clock: Clock = systemClock,
): Promise<SshInventory> {
  const [bastion, fleet] = await Promise.all([
    findBastion(clients, env, clock),
    discoverContainerInstances(clients, env),
  ]);
  return { env, bastion, ...fleet };
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
): Promise<Omit<SshInventory, 'env' | 'bastion'>> {
  const cluster = await resolveClusterName(clients, env);
  const arns = await listContainerInstanceArns(clients.ecs, cluster);
  if (arns === undefined) return { clusterName: cluster, clusterFound: false, instances: [], skipped: [] };

  const described = (
    await Promise.all(
      chunk(arns, ECS_BATCH).map((batch) => describeContainerInstances(clients.ecs, cluster, batch)),
    )
  ).flat();
  const skipped: SkippedInstance[] = [];
  const registered = described.filter((ci) => {
    if (ci.ec2InstanceId) return true;
    skipped.push({ containerInstanceArn: ci.containerInstanceArn, reason: 'unregistered' });
    return false;
  });
  const ec2Instances = new Map<string, Instance>();
  const ids = registered.map((ci) => ci.ec2InstanceId as string);
  for (const instances of await Promise.all(
    chunk(ids, EC2_BATCH).map((batch) => describeInstances(clients.ec2, batch)),
  )) {
    for (const instance of instances)
      if (instance.InstanceId) ec2Instances.set(instance.InstanceId, instance);
  }

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

/** Every container instance ARN of the cluster (100 per page); undefined when the cluster does not exist. */
async function listContainerInstanceArns(
  ecs: Pick<ECSClient, 'send'>,
  cluster: string,
): Promise<string[] | undefined> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await ecs.send(new ListContainerInstancesCommand({ cluster, maxResults: ECS_BATCH, nextToken }));
    } catch (error) {
      if ((error as { name?: string }).name === 'ClusterNotFoundException') return undefined;
      throw toAwsError(error, `listing the container instances of ${cluster} (ecs:ListContainerInstances)`);
    }
    arns.push(...(page.containerInstanceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

interface DescribedContainerInstance {
  containerInstanceArn: string;
  ec2InstanceId?: string;
  status: string;
}

async function describeContainerInstances(
  ecs: Pick<ECSClient, 'send'>,
  cluster: string,
  arns: string[],
): Promise<DescribedContainerInstance[]> {
  let response;
  try {
    response = await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns }));
  } catch (error) {
    throw toAwsError(
      error,
      `describing the container instances of ${cluster} (ecs:DescribeContainerInstances)`,
    );
  }
  // An instance deregistered between the list and the describe comes back as a failure: it is gone.
  return (response.containerInstances ?? []).map((ci) => ({
    containerInstanceArn: ci.containerInstanceArn ?? '',
    ...(ci.ec2InstanceId ? { ec2InstanceId: ci.ec2InstanceId } : {}),
    status: ci.status ?? 'UNKNOWN',
  }));
}

async function describeInstances(ec2: Pick<EC2Client, 'send'>, ids: string[]): Promise<Instance[]> {
  const instances: Instance[] = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'instance-id', Values: ids }],
          MaxResults: 1000,
          NextToken: nextToken,
        }),
      );
    } catch (error) {
      throw toAwsError(error, 'describing the container instances (ec2:DescribeInstances)');
    }
    for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return instances;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
