/**
 * Discovery rules for an ECS-on-EC2 cluster ecspoc did not deploy (`--cluster NAME`, or
 * `environments.<env>.cluster` in the config file). The day-two readers work on a resolved target
 * (cluster, Auto Scaling group, bastion, log groups) that either the bundle's stacks or these rules
 * fill, so "adopted" and "deployed" clusters go through the same fleet reader, cycle and drain.
 *
 * - Auto Scaling groups: the `aws:autoscaling:groupName` tag EC2 Auto Scaling puts on every instance
 *   it launches (a reserved `aws:` tag, see "Tag Auto Scaling groups and instances" in the EC2 Auto
 *   Scaling user guide), joined with the cluster's capacity providers (DescribeClusters →
 *   DescribeCapacityProviders, up to 100 names a call, → `autoScalingGroupProvider.autoScalingGroupArn`,
 *   whose last part is `autoScalingGroupName/NAME`).
 * - Task log groups: the `awslogs-group` option of each container of each service's task definition,
 *   for containers logging with the `awslogs` driver only (firelens, splunk… write elsewhere).
 */
import {
  type ContainerDefinition,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';

import { toAwsError } from '../aws/clients.js';
import { OperationError, UsageError } from '../errors.js';
import {
  chunk,
  createLimiter,
  type FleetReaderClients,
  readFleet,
  readServices,
} from '../instances/reader.js';

/** EC2 Auto Scaling's own tag on every instance it launches. */
export const GROUP_NAME_TAG = 'aws:autoscaling:groupName';
/** DescribeCapacityProviders takes up to 100 capacity providers an action (ECS API reference). */
export const CAPACITY_PROVIDER_BATCH = 100;
/** Task definitions described at once; DescribeTaskDefinition takes one a call. */
const TASK_DEFINITION_CONCURRENCY = 5;

/** The Auto Scaling groups found for a cluster, and where each was seen. */
export interface DiscoveredGroups {
  /** Sorted group names. */
  names: string[];
  /** For each group: `instances` (the tag on a container instance) and/or `capacity-provider`. */
  seenBy: Record<string, Array<'instances' | 'capacity-provider'>>;
  /** Container instances whose EC2 instance carries no group tag (launched by hand, or elsewhere). */
  ungrouped: string[];
}

/** The group name inside an Auto Scaling group ARN (`…:autoScalingGroupName/NAME`); undefined for anything else. */
export function groupNameFromArn(arn: string): string | undefined {
  const marker = ':autoScalingGroupName/';
  const at = arn.indexOf(marker);
  return at === -1 ? undefined : arn.slice(at + marker.length) || undefined;
}

/**
 * Finds the Auto Scaling groups behind a cluster: the group tag of every container instance's EC2
 * instance (through the one fleet reader) and the cluster's capacity providers. Throws when the
 * cluster does not exist.
 */
export async function discoverGroups(
  clients: FleetReaderClients,
  cluster: string,
): Promise<DiscoveredGroups> {
  const [read, providerGroups] = await Promise.all([
    readFleet(clients, cluster),
    capacityProviderGroups(clients, cluster),
  ]);
  if (!read.clusterFound) throw clusterNotFound(cluster);
  const seenBy: DiscoveredGroups['seenBy'] = {};
  const see = (name: string, how: 'instances' | 'capacity-provider') => {
    const list = (seenBy[name] ??= []);
    if (!list.includes(how)) list.push(how);
  };
  const ungrouped: string[] = [];
  for (const ci of read.containerInstances) {
    const id = ci.ec2InstanceId ?? '';
    const tag = read.ec2.get(id)?.Tags?.find((t) => t.Key === GROUP_NAME_TAG)?.Value;
    if (tag) see(tag, 'instances');
    else if (id) ungrouped.push(id);
  }
  for (const name of providerGroups) see(name, 'capacity-provider');
  return { names: Object.keys(seenBy).sort(), seenBy, ungrouped: ungrouped.sort() };
}

async function capacityProviderGroups(
  clients: Pick<FleetReaderClients, 'ecs' | 'settings'>,
  cluster: string,
): Promise<string[]> {
  let providers: string[];
  try {
    const described = await clients.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
    providers = described.clusters?.[0]?.capacityProviders ?? [];
  } catch (error) {
    throw toAwsError(error, `describing cluster ${cluster} (ecs:DescribeClusters)`, clients.settings);
  }
  // FARGATE and FARGATE_SPOT are AWS's own providers: they have no Auto Scaling group.
  providers = providers.filter((name) => !name.startsWith('FARGATE'));
  const names: string[] = [];
  for (const batch of chunk(providers, CAPACITY_PROVIDER_BATCH)) {
    try {
      const page = await clients.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: batch }));
      for (const provider of page.capacityProviders ?? []) {
        const name = groupNameFromArn(provider.autoScalingGroupProvider?.autoScalingGroupArn ?? '');
        if (name) names.push(name);
      }
    } catch (error) {
      throw toAwsError(
        error,
        `describing the capacity providers of ${cluster} (ecs:DescribeCapacityProviders)`,
        clients.settings,
      );
    }
  }
  return names;
}

/**
 * The group a command works through: the one `--asg` names (which must be among those found, when
 * any were), else the only one found; undefined when none or several were found and none was named.
 */
export function chooseGroup(cluster: string, found: DiscoveredGroups, asg?: string): string | undefined {
  if (asg) {
    if (found.names.length > 0 && !found.names.includes(asg)) {
      throw new UsageError(
        'ASG_NOT_IN_CLUSTER',
        `Auto Scaling group ${asg} launches no instance of cluster ${cluster} and is none of its capacity providers.`,
        { suggestions: [`Its groups: ${found.names.join(', ')}; pass one with --asg.`] },
      );
    }
    return asg;
  }
  return found.names.length === 1 ? found.names[0] : undefined;
}

/** Why a command that replaces instances through one group cannot pick one, and what to pass. */
export function groupRequired(cluster: string, found: readonly string[]): OperationError {
  if (found.length > 1) {
    return new OperationError(
      'SEVERAL_GROUPS',
      `Cluster ${cluster} has instances of ${found.length} Auto Scaling groups (${found.join(', ')}): name the one to replace with --asg.`,
      { suggestions: [`ecspoc instances cycle --cluster ${cluster} --asg ${found[0]}`] },
    );
  }
  return new OperationError(
    'NO_GROUP',
    `Cluster ${cluster} has no Auto Scaling group (no instance carries ${GROUP_NAME_TAG}, no capacity provider names one): cycle replaces instances through one.`,
    {
      suggestions: [
        `Name it: ecspoc instances cycle --cluster ${cluster} --asg NAME; or drain and replace the instances by hand (ecspoc instances drain --cluster ${cluster}).`,
      ],
    },
  );
}

function clusterNotFound(cluster: string): OperationError {
  return new OperationError('CLUSTER_MISSING', `ECS cluster ${cluster} does not exist.`, {
    suggestions: ['Check the name (aws ecs list-clusters) and --region.'],
  });
}

/** A service's task log groups, as its task definition declares them. */
export interface ServiceLogGroups {
  service: string;
  taskDefinition: string;
  /** `awslogs-group` of each container using the awslogs driver, deduplicated, in container order. */
  groups: string[];
  /** Containers that log with another driver (or none): ecspoc cannot tail them. */
  otherDrivers: Array<{ container: string; driver?: string }>;
}

/** The awslogs groups of a task definition's containers, and the containers logging elsewhere. */
export function awslogsGroups(
  containers: readonly ContainerDefinition[],
): Pick<ServiceLogGroups, 'groups' | 'otherDrivers'> {
  const groups: string[] = [];
  const otherDrivers: ServiceLogGroups['otherDrivers'] = [];
  for (const container of containers) {
    const config = container.logConfiguration;
    const group = config?.options?.['awslogs-group'];
    if (config?.logDriver === 'awslogs' && group) {
      if (!groups.includes(group)) groups.push(group);
    } else {
      otherDrivers.push({ container: container.name ?? '', driver: config?.logDriver });
    }
  }
  return { groups, otherDrivers };
}

/**
 * Every service of the cluster with the log groups its task definition sends to: ListServices and
 * DescribeServices through the fleet reader, one DescribeTaskDefinition per distinct definition.
 */
export async function discoverTaskLogGroups(
  clients: Pick<FleetReaderClients, 'settings'> & { ecs: Pick<ECSClient, 'send'> },
  cluster: string,
): Promise<ServiceLogGroups[]> {
  const services = await readServices(clients, cluster);
  if (services === undefined) throw clusterNotFound(cluster);
  const limit = createLimiter(TASK_DEFINITION_CONCURRENCY);
  const definitions = new Map<string, Promise<ContainerDefinition[]>>();
  const containersOf = (arn: string) => {
    let found = definitions.get(arn);
    if (!found) {
      found = limit(async () => {
        try {
          const described = await clients.ecs.send(
            new DescribeTaskDefinitionCommand({ taskDefinition: arn }),
          );
          return described.taskDefinition?.containerDefinitions ?? [];
        } catch (error) {
          throw toAwsError(
            error,
            `describing task definition ${arn} (ecs:DescribeTaskDefinition)`,
            clients.settings,
          );
        }
      });
      definitions.set(arn, found);
    }
    return found;
  };
  const named = services.filter((s): s is Service & { serviceName: string; taskDefinition: string } =>
    Boolean(s.serviceName && s.taskDefinition),
  );
  const result = await Promise.all(
    named.map(async (service) => ({
      service: service.serviceName,
      taskDefinition: service.taskDefinition,
      ...awslogsGroups(await containersOf(service.taskDefinition)),
    })),
  );
  return result.sort((a, b) => a.service.localeCompare(b.service));
}
