/**
 * Every ecspoc environment of the account and region at a glance: found from the stacks' names
 * (`ecspoc-<env>-<component>`) in one paginated ListStacks, with the cluster's figures from one
 * DescribeClusters per hundred environments.
 */
import { type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeRegionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClustersCommand, type ECSClient } from '@aws-sdk/client-ecs';

import { toAwsError } from '../aws/clients.js';
import { chunk, createLimiter } from '../instances/reader.js';
import { clusterName } from '../stacks/names.js';
import { type EcspocStack, listEcspocStacks } from '../stacks/reader.js';

/** The clients the environment listing uses (real SDK clients, or fakes in tests). */
export interface EnvironmentListClients {
  cloudformation: Pick<CloudFormationClient, 'send'>;
  ecs: Pick<ECSClient, 'send'>;
}

/** The cluster of one environment as DescribeClusters counts it. */
export interface EnvironmentCluster {
  name: string;
  found: boolean;
  /** Registered container instances, ACTIVE and DRAINING. */
  instances: number;
  /** ACTIVE services. */
  services: number;
  runningTasks: number;
}

/** One environment in `ecspoc environments`. */
export interface EnvironmentSummary {
  env: string;
  stacks: number;
  /** The stack status that most needs the operator (failed, then rolled back, then in progress). */
  worstStatus: string;
  /** The newest creation or update time among the stacks (ISO 8601). */
  lastUpdated?: string;
  cluster: EnvironmentCluster;
  /** An environment of the config file that adopts a cluster ecspoc did not deploy (it has no stacks). */
  adopted?: boolean;
}

/** What `ecspoc environments --json` prints. */
export interface EnvironmentList {
  region: string;
  environments: EnvironmentSummary[];
}

/** DescribeClusters takes at most 100 clusters a call (ECS API reference, DescribeClusters). */
export const DESCRIBE_CLUSTERS_BATCH = 100;

/**
 * How much a stack status needs attention, higher is worse: failed states, then a stack left rolled
 * back (ROLLBACK_COMPLETE cannot be updated; UPDATE_ROLLBACK_COMPLETE kept the old state), then
 * anything still in progress, then complete.
 */
export function statusSeverity(status: string): number {
  if (status.endsWith('_FAILED')) return 4;
  if (status === 'ROLLBACK_COMPLETE' || status === 'IMPORT_ROLLBACK_COMPLETE') return 3;
  if (status.includes('ROLLBACK')) return 2;
  if (status.endsWith('_IN_PROGRESS')) return 1;
  return 0;
}

/** Groups ecspoc's stacks by environment, with count, worst status and last update; sorted by name. */
export function summariseStacks(stacks: readonly EcspocStack[]): Omit<EnvironmentSummary, 'cluster'>[] {
  const byEnv = new Map<string, EcspocStack[]>();
  for (const stack of stacks) byEnv.set(stack.env, [...(byEnv.get(stack.env) ?? []), stack]);
  return [...byEnv.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([env, group]) => {
      const worst = group.reduce((a, b) => (statusSeverity(b.status) > statusSeverity(a.status) ? b : a));
      const lastUpdated = group
        .map((s) => s.lastUpdated)
        .filter((t): t is string => t !== undefined)
        .sort()
        .at(-1);
      return {
        env,
        stacks: group.length,
        worstStatus: worst.status,
        ...(lastUpdated ? { lastUpdated } : {}),
      };
    });
}

/** Lists every ecspoc environment of the clients' account and region with its figures. */
export async function listEnvironments(
  clients: EnvironmentListClients,
  region: string,
): Promise<EnvironmentList> {
  let stacks;
  try {
    stacks = await listEcspocStacks(clients.cloudformation);
  } catch (error) {
    throw toAwsError(error, 'listing the stacks of the account (cloudformation:ListStacks)');
  }
  const summaries = summariseStacks(stacks);
  const clusters = await describeClusters(
    clients.ecs,
    summaries.map((s) => clusterName(s.env)),
  );
  return {
    region,
    environments: summaries.map((summary) => ({
      ...summary,
      cluster: clusters.get(clusterName(summary.env)) ?? missingCluster(clusterName(summary.env)),
    })),
  };
}

/** What `ecspoc environments --all-regions --json` prints: each region read, and those that could not be. */
export interface AllRegionsEnvironmentList {
  regions: EnvironmentList[];
  /** Regions that could not be read (not opted in, denied by a policy…), each with why. */
  failures: Array<{ region: string; message: string }>;
}

/**
 * Regions read at once by `--all-regions`. Each region costs a ListStacks and a DescribeClusters;
 * four at a time reads the ~17 default regions in a few round trips without a burst that would
 * crowd other tools of the account.
 */
export const REGION_CONCURRENCY = 4;

/**
 * The regions enabled for the account: DescribeRegions with AllRegions false lists only those (AWS:
 * "Describes the Regions that are enabled for your account, or all Regions"), so opt-in regions the
 * account has not enabled are not tried at all. Sorted by name.
 */
export async function enabledRegions(ec2: Pick<EC2Client, 'send'>): Promise<string[]> {
  try {
    const response = await ec2.send(new DescribeRegionsCommand({ AllRegions: false }));
    return (response.Regions ?? [])
      .map((r) => r.RegionName ?? '')
      .filter(Boolean)
      .sort();
  } catch (error) {
    throw toAwsError(error, 'listing the enabled regions (ec2:DescribeRegions)');
  }
}

/**
 * Lists the environments of every given region, `concurrency` regions at once. A region that fails
 * (opt-in pending, an SCP denying it) becomes a failure line, not a failure of the whole listing.
 */
export async function listEnvironmentsInRegions(
  regions: readonly string[],
  clientsFor: (region: string) => EnvironmentListClients,
  concurrency = REGION_CONCURRENCY,
): Promise<AllRegionsEnvironmentList> {
  const limit = createLimiter(concurrency);
  const read = await Promise.all(
    regions.map((region) =>
      limit(() =>
        listEnvironments(clientsFor(region), region).then(
          (list) => ({ list }),
          (error: unknown) => ({ region, message: (error as Error).message }),
        ),
      ),
    ),
  );
  return {
    regions: read.flatMap((r) => ('list' in r ? [r.list] : [])),
    failures: read.flatMap((r) => ('list' in r ? [] : [r])),
  };
}

/**
 * The config file's environments that adopt a cluster (`environments.<env>.cluster`), with the
 * cluster's figures from DescribeClusters (100 a call); they have no stacks of their own.
 */
export async function listAdoptedEnvironments(
  ecs: EnvironmentListClients['ecs'],
  adopted: ReadonlyArray<{ env: string; cluster: string }>,
): Promise<EnvironmentSummary[]> {
  if (adopted.length === 0) return [];
  const clusters = await describeClusters(
    ecs,
    adopted.map((a) => a.cluster),
  );
  return adopted.map(({ env, cluster }) => ({
    env,
    stacks: 0,
    worstStatus: 'adopted',
    cluster: clusters.get(cluster) ?? missingCluster(cluster),
    adopted: true,
  }));
}

function missingCluster(name: string): EnvironmentCluster {
  return { name, found: false, instances: 0, services: 0, runningTasks: 0 };
}

async function describeClusters(
  ecs: EnvironmentListClients['ecs'],
  names: string[],
): Promise<Map<string, EnvironmentCluster>> {
  const found = new Map<string, EnvironmentCluster>();
  const batches = chunk(names, DESCRIBE_CLUSTERS_BATCH);
  let responses;
  try {
    responses = await Promise.all(
      batches.map((clusters) => ecs.send(new DescribeClustersCommand({ clusters }))),
    );
  } catch (error) {
    throw toAwsError(error, 'describing the clusters (ecs:DescribeClusters)');
  }
  for (const response of responses) {
    // A cluster that does not exist comes back in `failures` (reason MISSING), not as an error; a
    // deleted one as status INACTIVE: neither counts as found.
    for (const cluster of response.clusters ?? []) {
      if (!cluster.clusterName || cluster.status === 'INACTIVE') continue;
      found.set(cluster.clusterName, {
        name: cluster.clusterName,
        found: true,
        instances: cluster.registeredContainerInstancesCount ?? 0,
        services: cluster.activeServicesCount ?? 0,
        runningTasks: cluster.runningTasksCount ?? 0,
      });
    }
  }
  return found;
}
