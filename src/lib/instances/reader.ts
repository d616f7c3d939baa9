/**
 * The one reader of a cluster's fleet: container instances, their EC2 instances and the services.
 * `status`, `instances *`, `ssh-config` and the cycle all read through here, so every command asks
 * for the largest batch AWS allows and reads in parallel within a bound:
 *
 * - ListContainerInstances: 100 a page (its documented maximum `maxResults`; pages come one after
 *   another, since each needs the previous page's token);
 * - DescribeContainerInstances: 100 ARNs a call (the documented maximum), started as soon as a page
 *   of ARNs arrives, so describing overlaps listing;
 * - DescribeInstances: 200 ids a call, as values of the `instance-id` filter with MaxResults 1000.
 *   A filter, not InstanceIds, so that one instance gone since it was listed fails nothing (with
 *   InstanceIds EC2 fails the whole call with InvalidInstanceID.NotFound); 200 because EC2 refuses more
 *   values per filter ("FilterLimitExceeded: The maximum number of filter values specified on a single
 *   call is 200"), and MaxResults 1000 (its documented maximum) so one call returns all 200;
 * - ListServices 100 a page, DescribeServices 10 a call (both documented maxima).
 *
 * 2,000 container instances: 20 + 20 + 10 calls.
 */
import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import {
  type ContainerInstance,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  type ECSClient,
  ListContainerInstancesCommand,
  ListServicesCommand,
  type Service,
} from '@aws-sdk/client-ecs';

import { type AwsSettings, toAwsError } from '../aws/clients.js';

/** The calls the fleet reader makes. */
export interface FleetReaderClients {
  ecs: Pick<ECSClient, 'send'>;
  ec2: Pick<EC2Client, 'send'>;
  /** Names the profile and endpoint in error suggestions. */
  settings?: Partial<AwsSettings>;
}

/** ListContainerInstances `maxResults` and DescribeContainerInstances ARNs per call: both at most 100. */
export const CONTAINER_INSTANCE_BATCH = 100;
/** `instance-id` filter values per DescribeInstances call: EC2 refuses more than 200. */
export const EC2_INSTANCE_BATCH = 200;
/** ListServices `maxResults`: at most 100. */
export const SERVICE_PAGE = 100;
/** Services per DescribeServices call: at most 10. */
export const SERVICE_BATCH = 10;
/**
 * Describe calls in flight at once. The ECS and EC2 describe calls allow bursts of 50 and more a
 * second per account (request-token buckets); 5 at a time keeps a big fleet's read well inside that,
 * leaving room for other tools of the account, while already hiding most of the latency.
 */
export const DEFAULT_CONCURRENCY = 5;

/** How a read may be shaped. */
export interface ReadOptions {
  /** Describe calls in flight at once (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
}

/** How a fleet read may be shaped. */
export interface FleetReadOptions extends ReadOptions {
  /**
   * EC2 descriptions the caller already holds and still trusts, by instance id: those instances are
   * not described again and come back as given. A cycle re-reads its fleet between a surge and the
   * drain: only the instances it has not seen yet need DescribeInstances, the slowest call of a read.
   */
  knownInstances?: ReadonlyMap<string, Instance>;
}

/** Everything known about a cluster's instances after one read. */
export interface FleetRead {
  /** False when the cluster does not exist (ClusterNotFoundException): no instances then. */
  clusterFound: boolean;
  containerInstances: ContainerInstance[];
  /** The EC2 instances of the container instances and of `extraInstanceIds`, by instance id. */
  ec2: Map<string, Instance>;
}

/** Runs at most `limit` of the given tasks at a time; each call returns the task's own promise. */
export function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  const bound = Math.max(1, Math.floor(limit));
  let running = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    if (running >= bound) return;
    const start = queue.shift();
    if (start) start();
  };
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        running += 1;
        task()
          .then(resolve, reject)
          .finally(() => {
            running -= 1;
            next();
          });
      });
      next();
    });
}

/** Splits `items` into chunks of at most `size` (the per-call limits of the AWS APIs). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Marks a promise as observed so that its failure, while the listing is still awaiting its next
 * page, is not an unhandled rejection; the promise itself still rejects for whoever awaits it.
 */
function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function isClusterMissing(error: unknown): boolean {
  // ECS documents ClusterNotFoundException for "the specified cluster wasn't found".
  return (error as { name?: string } | undefined)?.name === 'ClusterNotFoundException';
}

/**
 * Every container instance of the cluster and the EC2 instance behind each (plus `extraInstanceIds`,
 * e.g. Auto Scaling instances not registered yet): ceil(n/100) list pages, ceil(n/100) describes
 * started as pages arrive, ceil(ids/200) DescribeInstances (none for `knownInstances`), at most
 * `concurrency` describes at once.
 */
export async function readFleet(
  clients: FleetReaderClients,
  cluster: string,
  extraInstanceIds: readonly string[] = [],
  options: FleetReadOptions = {},
): Promise<FleetRead> {
  const limit = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const ec2 = new Map<string, Instance>();
  const known = options.knownInstances ?? new Map<string, Instance>();
  const describes: Array<Promise<ContainerInstance[]>> = [];
  const ec2Reads: Array<Promise<void>> = [];
  const queued = new Set<string>();
  let buffer: string[] = [];
  const flush = (all: boolean) => {
    while (buffer.length >= EC2_INSTANCE_BATCH || (all && buffer.length > 0)) {
      const ids = buffer.slice(0, EC2_INSTANCE_BATCH);
      buffer = buffer.slice(EC2_INSTANCE_BATCH);
      ec2Reads.push(
        observed(
          limit(() => describeEc2Batch(clients, ids)).then((found) => {
            for (const instance of found) if (instance.InstanceId) ec2.set(instance.InstanceId, instance);
          }),
        ),
      );
    }
  };
  const want = (ids: Iterable<string>) => {
    for (const id of ids) {
      if (!id || queued.has(id)) continue;
      queued.add(id);
      const held = known.get(id);
      if (held) ec2.set(id, held);
      else buffer.push(id);
    }
    flush(false);
  };

  let clusterFound = true;
  try {
    clusterFound = await listContainerInstancePages(clients, cluster, (arns) => {
      describes.push(
        observed(
          limit(() => describeContainerInstanceBatch(clients, cluster, arns)).then((described) => {
            want(described.map((ci) => ci.ec2InstanceId ?? ''));
            return described;
          }),
        ),
      );
    });
    const containerInstances = (await Promise.all(describes)).flat();
    want(extraInstanceIds);
    flush(true);
    await Promise.all(ec2Reads);
    return { clusterFound, containerInstances, ec2 };
  } catch (error) {
    // Let every call in flight settle before failing: none may reject unobserved.
    await Promise.allSettled([...describes, ...ec2Reads]);
    throw error;
  }
}

/**
 * Pages through ListContainerInstances (100 a page), handing each page's ARNs to `onPage` at once;
 * false when the cluster does not exist.
 */
async function listContainerInstancePages(
  clients: FleetReaderClients,
  cluster: string,
  onPage: (arns: string[]) => void,
): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await clients.ecs.send(
        new ListContainerInstancesCommand({ cluster, maxResults: CONTAINER_INSTANCE_BATCH, nextToken }),
      );
    } catch (error) {
      if (isClusterMissing(error)) return false;
      throw toAwsError(
        error,
        `listing the container instances of ${cluster} (ecs:ListContainerInstances)`,
        clients.settings,
      );
    }
    const arns = page.containerInstanceArns ?? [];
    if (arns.length > 0) onPage(arns);
    nextToken = page.nextToken;
  } while (nextToken);
  return true;
}

/**
 * Lists and describes every container instance of the cluster (no EC2 read), describes overlapping
 * the listing; undefined when the cluster does not exist.
 */
export async function readContainerInstances(
  clients: FleetReaderClients,
  cluster: string,
  options: ReadOptions = {},
): Promise<ContainerInstance[] | undefined> {
  const limit = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const describes: Array<Promise<ContainerInstance[]>> = [];
  try {
    const found = await listContainerInstancePages(clients, cluster, (arns) => {
      describes.push(observed(limit(() => describeContainerInstanceBatch(clients, cluster, arns))));
    });
    const described = (await Promise.all(describes)).flat();
    return found ? described : undefined;
  } catch (error) {
    await Promise.allSettled(describes);
    throw error;
  }
}

/** Every container instance ARN of the cluster (100 a page); undefined when the cluster does not exist. */
export async function listContainerInstanceArns(
  clients: FleetReaderClients,
  cluster: string,
): Promise<string[] | undefined> {
  const arns: string[] = [];
  const found = await listContainerInstancePages(clients, cluster, (page) => arns.push(...page));
  return found ? arns : undefined;
}

/**
 * Describes the given container instances, 100 ARNs a call, `concurrency` calls at once, in the
 * order given. An instance deregistered meanwhile comes back as a failure and is left out: it is gone.
 */
export async function describeContainerInstances(
  clients: FleetReaderClients,
  cluster: string,
  arns: readonly string[],
  options: ReadOptions = {},
): Promise<ContainerInstance[]> {
  const limit = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const parts = await Promise.all(
    chunk(arns, CONTAINER_INSTANCE_BATCH).map((part) =>
      limit(() => describeContainerInstanceBatch(clients, cluster, part)),
    ),
  );
  return parts.flat();
}

async function describeContainerInstanceBatch(
  clients: FleetReaderClients,
  cluster: string,
  arns: string[],
): Promise<ContainerInstance[]> {
  try {
    const response = await clients.ecs.send(
      new DescribeContainerInstancesCommand({ cluster, containerInstances: arns }),
    );
    return response.containerInstances ?? [];
  } catch (error) {
    throw toAwsError(
      error,
      `describing the container instances of ${cluster} (ecs:DescribeContainerInstances)`,
      clients.settings,
    );
  }
}

/** Describes EC2 instances by id, 200 a call, `concurrency` calls at once; ids that no longer exist are absent. */
export async function describeEc2Instances(
  clients: FleetReaderClients,
  ids: readonly string[],
  options: ReadOptions = {},
): Promise<Map<string, Instance>> {
  const limit = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const found = new Map<string, Instance>();
  const unique = [...new Set(ids.filter(Boolean))];
  for (const part of await Promise.all(
    chunk(unique, EC2_INSTANCE_BATCH).map((batch) => limit(() => describeEc2Batch(clients, batch))),
  ))
    for (const instance of part) if (instance.InstanceId) found.set(instance.InstanceId, instance);
  return found;
}

async function describeEc2Batch(clients: FleetReaderClients, ids: string[]): Promise<Instance[]> {
  const instances: Instance[] = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await clients.ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'instance-id', Values: ids }],
          MaxResults: 1000,
          NextToken: nextToken,
        }),
      );
    } catch (error) {
      throw toAwsError(error, 'describing the container instances (ec2:DescribeInstances)', clients.settings);
    }
    for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return instances;
}

/** Every service ARN of the cluster (100 a page); undefined when the cluster does not exist. */
export async function listServiceArns(
  clients: Pick<FleetReaderClients, 'ecs' | 'settings'>,
  cluster: string,
): Promise<string[] | undefined> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await clients.ecs.send(
        new ListServicesCommand({ cluster, maxResults: SERVICE_PAGE, nextToken }),
      );
    } catch (error) {
      if (isClusterMissing(error)) return undefined;
      throw toAwsError(error, `listing the services of ${cluster} (ecs:ListServices)`, clients.settings);
    }
    arns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

/** Describes services, 10 a call (the API's limit), `concurrency` calls at once, in the order given. */
export async function describeServices(
  clients: Pick<FleetReaderClients, 'ecs' | 'settings'>,
  cluster: string,
  arns: readonly string[],
  options: ReadOptions = {},
): Promise<Service[]> {
  const limit = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const parts = await Promise.all(
    chunk(arns, SERVICE_BATCH).map((part) =>
      limit(async () => {
        try {
          return (
            (await clients.ecs.send(new DescribeServicesCommand({ cluster, services: part }))).services ?? []
          );
        } catch (error) {
          throw toAwsError(
            error,
            `describing the services of ${cluster} (ecs:DescribeServices)`,
            clients.settings,
          );
        }
      }),
    ),
  );
  return parts.flat();
}

/** Every service of the cluster, described; undefined when the cluster does not exist. */
export async function readServices(
  clients: Pick<FleetReaderClients, 'ecs' | 'settings'>,
  cluster: string,
  options: ReadOptions = {},
): Promise<Service[] | undefined> {
  const arns = await listServiceArns(clients, cluster);
  if (arns === undefined) return undefined;
  return describeServices(clients, cluster, arns, options);
}
