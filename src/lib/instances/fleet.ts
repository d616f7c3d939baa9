import {
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  type LaunchTemplateSpecification,
} from '@aws-sdk/client-auto-scaling';
import type { Stack } from '@aws-sdk/client-cloudformation';
import { DescribeLaunchTemplateVersionsCommand, type Instance } from '@aws-sdk/client-ec2';
import type { ContainerInstance, Resource } from '@aws-sdk/client-ecs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';

import { toAwsError } from '../aws/clients.js';
import { chooseGroup, discoverGroups } from '../clusters/adopt.js';
import type { AdoptRequest } from '../clusters/target.js';
import { OperationError } from '../errors.js';
import { stackName } from '../stacks/names.js';
import { findStack } from '../stacks/reader.js';
import type { InstanceClients } from './clients.js';
import * as reader from './reader.js';

/** Tag on the Auto Scaling Group (the cycle's original capacity) and on the instances it replaces. */
export const CYCLE_TAG = 'ecspoc:cycle';

/**
 * The resolved target of a day-two command: where the container instances live. Filled from the
 * cluster stack's outputs for a bundle environment, or by the discovery rules of src/lib/clusters
 * for a cluster ecspoc did not deploy (`adopted` set then).
 */
export interface ClusterRefs {
  env: string;
  /** The cluster stack; undefined for an adopted cluster. */
  stackName?: string;
  clusterName: string;
  /** The group the instances are replaced through: the stack's, or the one discovered (or named by --asg). */
  autoScalingGroupName?: string;
  /** Set for a cluster ecspoc did not deploy: what the operator asked, and every group found. */
  adopted?: AdoptRequest & { groups: string[] };
  launchTemplateId?: string;
  /** The public SSM parameter the stack resolved its AMI from, when it did, and what it resolved to. */
  imageParameter?: string;
  resolvedImage?: string;
}

/** The launch template version new instances start from, and the AMI it resolves to. */
export interface LaunchTarget {
  launchTemplateId: string;
  launchTemplateName?: string;
  /** As the group names it: a number, `$Latest` or `$Default`. */
  versionSpec: string;
  version: number;
  imageId: string;
  /** Set when the template's image is `resolve:ssm:<parameter>`. */
  imageParameter?: string;
}

/** CPU units, MiB and host ports (`8080/tcp`). */
export interface Resources {
  cpu: number;
  memory: number;
  ports: string[];
}

/** One container instance (or Auto Scaling instance not registered yet) as ecspoc shows it. */
export interface FleetInstance {
  instanceId: string;
  containerInstanceArn?: string;
  /** EC2 state: pending, running, shutting-down, terminated, stopped… */
  ec2State?: string;
  /** ECS status (ACTIVE, DRAINING, REGISTERING…); undefined when the agent never registered it. */
  ecsStatus?: string;
  agentConnected: boolean;
  runningTasks: number;
  pendingTasks: number;
  imageId?: string;
  instanceType?: string;
  privateIp?: string;
  availabilityZone?: string;
  launchTime?: string;
  launchTemplateId?: string;
  launchTemplateVersion?: string;
  /** Auto Scaling lifecycle state; undefined when the instance is not in the group. */
  lifecycleState?: string;
  outdated: boolean;
  outdatedReasons: string[];
  registered?: Resources;
  remaining?: Resources;
  /** The run id of the cycle that marked this instance for replacement. */
  cycleMark?: string;
}

/** The Auto Scaling Group of the container instances. */
export interface GroupState {
  name: string;
  desired: number;
  min: number;
  max: number;
  availabilityZones: string[];
  tags: Record<string, string>;
  suspendedProcesses: string[];
  instances: Array<{
    instanceId: string;
    availabilityZone?: string;
    lifecycleState?: string;
    version?: string;
  }>;
  launchTemplate?: { id?: string; name?: string; version: string };
}

/** Everything `instances list` and the cycle need to know about one environment's instances. */
export interface Fleet {
  refs: ClusterRefs;
  group?: GroupState;
  target?: LaunchTarget;
  /** The AMI published now under the SSM parameter the stack resolved, when it changed since the stack's last deploy. */
  newerImage?: { parameter: string; imageId: string; deployedImageId: string };
  instances: FleetInstance[];
}

/**
 * The target of a day-two command: with `adopt`, the cluster it names and the groups the discovery
 * rules find; otherwise the cluster stack `ecspoc-<env>-cluster`'s outputs.
 */
export async function resolveClusterRefs(
  clients: InstanceClients,
  env: string,
  adopt?: AdoptRequest,
): Promise<ClusterRefs> {
  if (adopt) {
    const found = await discoverGroups(clients, adopt.cluster);
    return {
      env,
      clusterName: adopt.cluster,
      autoScalingGroupName: chooseGroup(adopt.cluster, found, adopt.asg),
      adopted: { ...adopt, groups: found.names },
    };
  }
  const name = stackName(env, 'cluster');
  let stack: Stack | undefined;
  try {
    stack = await findStack(clients.cfn, name);
  } catch (error) {
    throw toAwsError(error, `reading stack ${name}`, clients.settings);
  }
  const deploy = `ecspoc deploy cluster --env ${env}`;
  if (!stack) {
    throw new OperationError(
      'CLUSTER_STACK_MISSING',
      `Environment "${env}" has no cluster stack (${name}).`,
      {
        suggestions: [`Deploy it: ${deploy}`, 'Or pick another environment with --env.'],
      },
    );
  }
  const outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  if (!outputs.ClusterName) {
    throw new OperationError(
      'CLUSTER_STACK_INCOMPLETE',
      `Stack ${name} is ${stack.StackStatus} and has no ClusterName output.`,
      { suggestions: [`Check it with: ecspoc status --env ${env}; then: ${deploy}`] },
    );
  }
  const resolved = (stack.Parameters ?? []).find(
    (p) => p.ResolvedValue && p.ParameterValue?.startsWith('/aws/service/'),
  );
  return {
    env,
    stackName: name,
    clusterName: outputs.ClusterName,
    autoScalingGroupName: outputs.AutoScalingGroupName,
    launchTemplateId: outputs.LaunchTemplateId,
    imageParameter: resolved?.ParameterValue,
    resolvedImage: resolved?.ResolvedValue,
  };
}

/** Reads the Auto Scaling Group: capacity, instances, tags, suspended processes. One call. */
export async function readGroup(clients: InstanceClients, name: string): Promise<GroupState> {
  let group: AutoScalingGroup | undefined;
  try {
    group = (
      await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))
    ).AutoScalingGroups?.[0];
  } catch (error) {
    throw toAwsError(error, `reading Auto Scaling Group ${name}`, clients.settings);
  }
  if (!group) {
    throw new OperationError('GROUP_MISSING', `Auto Scaling Group ${name} does not exist.`, {
      suggestions: ['Redeploy the cluster stack: ecspoc deploy cluster'],
    });
  }
  const spec: LaunchTemplateSpecification | undefined =
    group.LaunchTemplate ?? group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  return {
    name,
    desired: group.DesiredCapacity ?? 0,
    min: group.MinSize ?? 0,
    max: group.MaxSize ?? 0,
    availabilityZones: group.AvailabilityZones ?? [],
    tags: Object.fromEntries((group.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    suspendedProcesses: (group.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? ''),
    instances: (group.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? '',
      availabilityZone: i.AvailabilityZone,
      lifecycleState: i.LifecycleState,
      version: i.LaunchTemplate?.Version,
    })),
    launchTemplate: spec && {
      id: spec.LaunchTemplateId,
      name: spec.LaunchTemplateName,
      version: spec.Version ?? '$Default',
    },
  };
}

/**
 * Resolves the launch template version the group launches (`$Latest`/`$Default` included) and the
 * AMI it names, following `resolve:ssm:` image ids. Two calls at most.
 */
export async function resolveLaunchTarget(
  clients: InstanceClients,
  group: GroupState | undefined,
  fallbackTemplateId: string | undefined,
): Promise<LaunchTarget | undefined> {
  const id = group?.launchTemplate?.id ?? fallbackTemplateId;
  const name = group?.launchTemplate?.id ? undefined : group?.launchTemplate?.name;
  if (!id && !name) return undefined;
  const versionSpec = group?.launchTemplate?.version ?? '$Default';
  let version;
  try {
    version = (
      await clients.ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          ...(id ? { LaunchTemplateId: id } : { LaunchTemplateName: name }),
          Versions: [versionSpec],
        }),
      )
    ).LaunchTemplateVersions?.[0];
  } catch (error) {
    throw toAwsError(error, `reading launch template ${id ?? name}`, clients.settings);
  }
  if (!version) return undefined;
  let imageId = version.LaunchTemplateData?.ImageId ?? '';
  let imageParameter: string | undefined;
  if (imageId.startsWith('resolve:ssm:')) {
    imageParameter = imageId.slice('resolve:ssm:'.length);
    imageId = await readParameter(clients, imageParameter);
  }
  return {
    launchTemplateId: version.LaunchTemplateId ?? id ?? '',
    launchTemplateName: version.LaunchTemplateName,
    versionSpec,
    version: version.VersionNumber ?? 0,
    imageId,
    imageParameter,
  };
}

async function readParameter(clients: InstanceClients, name: string): Promise<string> {
  try {
    return (await clients.ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value ?? '';
  } catch (error) {
    throw toAwsError(error, `reading SSM parameter ${name}`, clients.settings);
  }
}

/**
 * EC2 descriptions kept across the reads of one operation: every read stores what it described in
 * `instances`; a read that `reuse`s them describes only the instances it holds no description of.
 */
export interface Ec2Memory {
  instances: Map<string, Instance>;
  reuse: boolean;
}

/** Reads the cluster's instances and the group's members (EC2 as `memory` allows); stores what was described. */
async function readMembers(
  clients: InstanceClients,
  clusterName: string,
  group: GroupState | undefined,
  memory?: Ec2Memory,
): Promise<reader.FleetRead> {
  const read = await reader.readFleet(
    clients,
    clusterName,
    (group?.instances ?? []).map((member) => member.instanceId),
    { knownInstances: memory?.reuse ? memory.instances : undefined },
  );
  if (!read.clusterFound) throw clusterMissing(clusterName);
  if (memory) for (const [id, instance] of read.ec2) memory.instances.set(id, instance);
  return read;
}

/**
 * The group and every instance of it and of the cluster, joined by instance id, read through the
 * fleet reader (100 per ECS call, 200 per DescribeInstances, in parallel). The group and the cluster
 * are read at once; the EC2 read of group members that never registered (rare: a boot in progress)
 * follows, so a read takes about the longer of the two, not their sum. With `memory.reuse`, only
 * instances not described before are read from EC2: what EC2 could say of the others between two
 * reads of a cycle (that one is going) the group's lifecycle state and the ECS status say too, and
 * both are read fresh every time. AWS: a group member being terminated is `Terminating`, and "if you
 * terminate a running container instance, Amazon ECS automatically deregisters the instance"
 * (DeregisterContainerInstance, API reference); one whose agent is disconnected is not serving anyway.
 */
export async function observeGroupAndInstances(
  clients: InstanceClients,
  clusterName: string,
  groupName: string,
  target: LaunchTarget | undefined,
  memory?: Ec2Memory,
): Promise<{ group: GroupState; instances: FleetInstance[] }> {
  const [group, read] = await Promise.all([
    readGroup(clients, groupName),
    readMembers(clients, clusterName, undefined, memory),
  ]);
  const unseen = group.instances
    .map((member) => member.instanceId)
    .filter((id) => !read.ec2.has(id) && !(memory?.reuse && memory.instances.has(id)));
  if (unseen.length > 0) {
    for (const [id, instance] of await reader.describeEc2Instances(clients, unseen)) {
      read.ec2.set(id, instance);
      memory?.instances.set(id, instance);
    }
  }
  if (memory?.reuse)
    for (const member of group.instances) {
      const held = memory.instances.get(member.instanceId);
      if (held && !read.ec2.has(member.instanceId)) read.ec2.set(member.instanceId, held);
    }
  return { group, instances: joinInstances(read, group, target) };
}

function joinInstances(
  read: reader.FleetRead,
  group: GroupState | undefined,
  target: LaunchTarget | undefined,
): FleetInstance[] {
  const byInstanceId = new Map<string, FleetInstance>();
  for (const ci of read.containerInstances) {
    if (!ci.ec2InstanceId) continue;
    byInstanceId.set(ci.ec2InstanceId, fromContainerInstance(ci));
  }
  for (const member of group?.instances ?? []) {
    const known = byInstanceId.get(member.instanceId) ?? emptyInstance(member.instanceId);
    known.lifecycleState = member.lifecycleState;
    known.availabilityZone ??= member.availabilityZone;
    known.launchTemplateVersion ??= member.version;
    byInstanceId.set(member.instanceId, known);
  }
  for (const instance of byInstanceId.values()) {
    const described = read.ec2.get(instance.instanceId);
    if (described) mergeEc2(instance, described);
    instance.outdatedReasons = outdatedReasons(instance, target);
    instance.outdated = instance.outdatedReasons.length > 0;
  }
  return [...byInstanceId.values()].sort(compareInstances);
}

function clusterMissing(clusterName: string): OperationError {
  return new OperationError('CLUSTER_MISSING', `ECS cluster ${clusterName} does not exist.`, {
    suggestions: ['Redeploy the cluster stack: ecspoc deploy cluster'],
  });
}

/**
 * The whole picture of one environment (or adopted cluster): refs, group, launch target and
 * instances. An adopted cluster with several groups and none chosen lists the members of all.
 * `memory` keeps the EC2 descriptions read, for later reads of the same operation.
 */
export async function describeFleet(
  clients: InstanceClients,
  env: string,
  adopt?: AdoptRequest,
  memory?: Ec2Memory,
): Promise<Fleet> {
  const refs = await resolveClusterRefs(clients, env, adopt);
  const group = refs.autoScalingGroupName ? await readGroup(clients, refs.autoScalingGroupName) : undefined;
  const others = group
    ? []
    : await Promise.all((refs.adopted?.groups ?? []).map((name) => readGroup(clients, name)));
  const members = group ?? mergeGroups(others);
  // The launch target, the instances and the published image depend only on the group: read at once.
  const [target, read, published] = await Promise.all([
    resolveLaunchTarget(clients, group, refs.launchTemplateId),
    readMembers(clients, refs.clusterName, members, memory),
    refs.imageParameter && refs.resolvedImage
      ? readParameter(clients, refs.imageParameter).catch(() => '')
      : Promise.resolve(''),
  ]);
  const instances = joinInstances(read, members, target);
  let newerImage: Fleet['newerImage'];
  if (refs.imageParameter && refs.resolvedImage && published && published !== refs.resolvedImage)
    newerImage = {
      parameter: refs.imageParameter,
      imageId: published,
      deployedImageId: refs.resolvedImage,
    };
  return { refs, group, target, newerImage, instances };
}

/** Lists (when `arns` is not given) and describes the cluster's container instances through the fleet reader. */
export async function describeContainerInstances(
  clients: InstanceClients,
  clusterName: string,
  arns?: string[],
): Promise<ContainerInstance[]> {
  const toDescribe = arns ?? (await reader.listContainerInstanceArns(clients, clusterName));
  if (toDescribe === undefined) throw clusterMissing(clusterName);
  return reader.describeContainerInstances(clients, clusterName, toDescribe);
}

/** The members of several groups as one, for reading the fleet; none: undefined. */
function mergeGroups(groups: GroupState[]): GroupState | undefined {
  if (groups.length === 0) return undefined;
  return { ...groups[0], instances: groups.flatMap((g) => g.instances) };
}

function emptyInstance(instanceId: string): FleetInstance {
  return {
    instanceId,
    agentConnected: false,
    runningTasks: 0,
    pendingTasks: 0,
    outdated: false,
    outdatedReasons: [],
  };
}

/** Reads CPU, memory and TCP/UDP ports from an ECS resource list. */
export function readResources(resources: Resource[] | undefined): Resources {
  const find = (name: string) => resources?.find((r) => r.name === name);
  return {
    cpu: find('CPU')?.integerValue ?? 0,
    memory: find('MEMORY')?.integerValue ?? 0,
    ports: [
      ...(find('PORTS')?.stringSetValue ?? []).map((p) => `${p}/tcp`),
      ...(find('PORTS_UDP')?.stringSetValue ?? []).map((p) => `${p}/udp`),
    ],
  };
}

/** A container instance as the fleet describes it, before the EC2 and Auto Scaling facts are merged in. */
export function fromContainerInstance(ci: ContainerInstance): FleetInstance {
  const attribute = (name: string) => ci.attributes?.find((a) => a.name === name)?.value;
  return {
    ...emptyInstance(ci.ec2InstanceId ?? ''),
    containerInstanceArn: ci.containerInstanceArn,
    ecsStatus: ci.status,
    agentConnected: ci.agentConnected ?? false,
    runningTasks: ci.runningTasksCount ?? 0,
    pendingTasks: ci.pendingTasksCount ?? 0,
    imageId: attribute('ecs.ami-id'),
    availabilityZone: attribute('ecs.availability-zone'),
    instanceType: attribute('ecs.instance-type'),
    registered: readResources(ci.registeredResources),
    remaining: readResources(ci.remainingResources),
  };
}

function mergeEc2(instance: FleetInstance, ec2: Instance): void {
  const tag = (key: string) => ec2.Tags?.find((t) => t.Key === key)?.Value;
  instance.ec2State = ec2.State?.Name;
  instance.imageId = ec2.ImageId ?? instance.imageId;
  instance.instanceType = ec2.InstanceType ?? instance.instanceType;
  instance.privateIp = ec2.PrivateIpAddress;
  instance.availabilityZone = ec2.Placement?.AvailabilityZone ?? instance.availabilityZone;
  instance.launchTime = ec2.LaunchTime?.toISOString();
  instance.launchTemplateId = tag('aws:ec2launchtemplate:id');
  // The tag records the version the instance was launched from; the group's view may be newer.
  instance.launchTemplateVersion = tag('aws:ec2launchtemplate:version') ?? instance.launchTemplateVersion;
  instance.cycleMark = tag(CYCLE_TAG);
}

/** Why an instance differs from what the group launches now; empty when it is current. */
export function outdatedReasons(
  instance: Pick<FleetInstance, 'imageId' | 'launchTemplateId' | 'launchTemplateVersion' | 'ec2State'>,
  target: LaunchTarget | undefined,
): string[] {
  if (!target || !instance.imageId) return [];
  const reasons: string[] = [];
  if (instance.launchTemplateId && instance.launchTemplateId !== target.launchTemplateId) {
    reasons.push(`launched from ${instance.launchTemplateId}, not ${target.launchTemplateId}`);
  } else if (instance.launchTemplateVersion && instance.launchTemplateVersion !== String(target.version)) {
    reasons.push(`launch template version ${instance.launchTemplateVersion}, current ${target.version}`);
  }
  if (target.imageId && instance.imageId !== target.imageId) {
    reasons.push(`AMI ${instance.imageId}, current ${target.imageId}`);
  }
  return reasons;
}

function compareInstances(a: FleetInstance, b: FleetInstance): number {
  return (
    (a.availabilityZone ?? '').localeCompare(b.availabilityZone ?? '') ||
    (a.launchTime ?? '').localeCompare(b.launchTime ?? '') ||
    a.instanceId.localeCompare(b.instanceId)
  );
}

/** True for instances that are gone or going (terminated, or leaving the group). */
export function isLeaving(instance: FleetInstance): boolean {
  return (
    ['shutting-down', 'terminated', 'stopping', 'stopped'].includes(instance.ec2State ?? '') ||
    (instance.lifecycleState ?? '').startsWith('Terminat') ||
    (instance.lifecycleState ?? '').startsWith('Detach')
  );
}

/** True when the instance can take tasks: ACTIVE, agent connected, EC2 running. */
export function isServing(instance: FleetInstance): boolean {
  return instance.ecsStatus === 'ACTIVE' && instance.agentConnected && !isLeaving(instance);
}
