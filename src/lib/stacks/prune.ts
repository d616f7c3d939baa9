/**
 * Stacks of services no longer declared: found from what exists (the environment's name prefix,
 * then the tags ecspoc's deploy puts on every stack), never from the config, so a declared service
 * is never a candidate. `deploy --prune` deletes them with the destroy engine (dependents first,
 * the ECR repository emptied when the operator agrees).
 */
import { type Catalog, type ComponentSpec, leftoverComponents } from './catalog.js';
import type { StackSnapshot } from './changeset.js';

/** A stack of the environment as listed (ListStacks), before it is described. */
export interface ListedStack {
  stackName: string;
  component: string;
  status: string;
}

/** A stack that no declared service or bundle part accounts for. */
export interface UndeclaredStack {
  component: string;
  stackName: string;
  status: string;
  /** The service it belonged to, for per-service stacks. */
  service?: string;
}

/** What `deploy --prune` would delete. */
export interface PrunePlan {
  env: string;
  stacks: UndeclaredStack[];
  /** The components of those stacks, as a catalog the destroy engine can walk. */
  catalog: Catalog;
}

/** Stacks every environment has whatever its services; the rest are worth describing. */
const SHARED_COMPONENTS = new Set(['bootstrap', 'network', 'bastion', 'load-balancer', 'cluster']);

/** Listed stacks worth describing (tags, parameters): all but the shared parts of the bundle. */
export function stacksToDescribe(listed: readonly ListedStack[]): ListedStack[] {
  return listed.filter((s) => !SHARED_COMPONENTS.has(s.component) && s.status !== 'DELETE_COMPLETE');
}

/** Whether a described stack carries the tags `ecspoc deploy` gives every stack of `env`. */
export function isEcspocStack(env: string, component: string, snapshot: StackSnapshot): boolean {
  return snapshot.tags?.['ecspoc:env'] === env && snapshot.tags?.['ecspoc:component'] === component;
}

/**
 * The prune plan: stacks that exist, carry the environment's tags, are not in the catalog, and
 * are a kind ecspoc deploys per service (or for the samples only). Anything else named like the
 * environment's stacks is not ecspoc's and is left alone.
 */
export function planPrune(
  catalog: Catalog,
  described: ReadonlyMap<string, StackSnapshot>,
  listed: readonly ListedStack[],
): PrunePlan {
  const known = new Set(catalog.components.map((c) => c.name));
  const candidates = listed.filter((s) => {
    if (known.has(s.component) || s.status === 'DELETE_COMPLETE') return false;
    const snapshot = described.get(s.stackName);
    return snapshot !== undefined && isEcspocStack(catalog.env, s.component, snapshot);
  });
  const components: ComponentSpec[] = leftoverComponents(
    catalog,
    candidates.map((c) => c.component),
  );
  const byName = new Map(components.map((c) => [c.name, c]));
  const stacks = candidates
    .filter((c) => byName.has(c.component))
    .map((c) => ({
      component: c.component,
      stackName: c.stackName,
      status: c.status,
      ...(byName.get(c.component)!.service ? { service: byName.get(c.component)!.service! } : {}),
    }));
  return { env: catalog.env, stacks, catalog: { env: catalog.env, services: [], components } };
}

/**
 * Listener priorities the deployed service stacks have, by service, so that a deploy keeps them
 * (derivePriorities): the `ListenerPriority` parameter of each `service-X` stack ecspoc deployed.
 */
export function deployedPriorities(
  env: string,
  described: ReadonlyMap<string, StackSnapshot>,
  listed: readonly ListedStack[],
): Record<string, number> {
  const pinned: Record<string, number> = {};
  for (const stack of listed) {
    if (!stack.component.startsWith('service-')) continue;
    const snapshot = described.get(stack.stackName);
    if (!snapshot || !isEcspocStack(env, stack.component, snapshot)) continue;
    const port = snapshot.parameters.ContainerPort;
    const priority = Number(snapshot.parameters.ListenerPriority);
    if (port !== '0' && Number.isInteger(priority) && priority > 0)
      pinned[stack.component.slice('service-'.length)] = priority;
  }
  return pinned;
}

/** What exists of an environment: its stacks by name prefix, the ones beyond the shared parts described. */
export interface EnvironmentSurvey {
  listed: ListedStack[];
  described: Map<string, StackSnapshot>;
}

/**
 * Lists the environment's stacks and describes those a prune or a priority pin needs (one
 * DescribeStacks each, at most four at once); `list` and `describe` are the stack listing and
 * reader of src/lib/stacks, injected so tests need no AWS.
 */
export async function surveyEnvironment(
  list: () => Promise<ListedStack[]>,
  describe: (stackName: string) => Promise<StackSnapshot | undefined>,
): Promise<EnvironmentSurvey> {
  const listed = await list();
  const described = new Map<string, StackSnapshot>();
  const queue = stacksToDescribe(listed);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const snapshot = await describe(next.stackName);
      if (snapshot) described.set(next.stackName, snapshot);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { listed, described };
}
