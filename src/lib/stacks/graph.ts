/**
 * The dependency graph of an environment's stacks: declared edges, validation, cycle detection,
 * parallel layers, closures, and a walk that starts each node as soon as its dependencies are done
 * (so a deploy takes the critical path, not the sum). Pure: knows nothing of CloudFormation.
 */

import { OperationError, UsageError } from '../errors.js';

/** A node of the graph: a name and the names it depends on. */
export interface GraphNode {
  readonly name: string;
  readonly dependsOn: readonly string[];
}

/** Checks that names are unique, every dependency names a node, and there is no cycle (named in the error). */
export function validateGraph(nodes: readonly GraphNode[]): void {
  const names = new Set<string>();
  for (const node of nodes) {
    if (names.has(node.name)) {
      throw new OperationError('DUPLICATE_COMPONENT', `Component "${node.name}" is declared twice.`);
    }
    names.add(node.name);
  }
  for (const node of nodes) {
    for (const dependency of node.dependsOn) {
      if (!names.has(dependency)) {
        throw new OperationError(
          'UNKNOWN_DEPENDENCY',
          `Component "${node.name}" depends on "${dependency}", which does not exist.`,
          { suggestions: [`Known components: ${[...names].join(', ')}`] },
        );
      }
    }
  }
  const cycle = findCycle(nodes);
  if (cycle) {
    throw new OperationError('DEPENDENCY_CYCLE', `Dependency cycle: ${cycle.join(' -> ')}`, {
      suggestions: ['Remove one of these dependencies: stacks in a cycle can never be deployed.'],
    });
  }
}

/** The first cycle found, as a path that starts and ends with the same name; undefined when acyclic. */
export function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  const edges = new Map(nodes.map((node) => [node.name, node.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const seen = state.get(name);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dependency of edges.get(name) ?? []) {
      if (!edges.has(dependency)) continue;
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Groups of nodes that can be deployed in parallel: each layer holds the nodes whose dependencies
 * are all in earlier layers. Names within a layer keep the order of `nodes`.
 */
export function deploymentLayers(nodes: readonly GraphNode[]): string[][] {
  validateGraph(nodes);
  const layerOf = new Map<string, number>();
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const depth = (name: string): number => {
    const known = layerOf.get(name);
    if (known !== undefined) return known;
    const node = byName.get(name)!;
    const layer = node.dependsOn.length === 0 ? 0 : 1 + Math.max(...node.dependsOn.map(depth));
    layerOf.set(name, layer);
    return layer;
  };
  const layers: string[][] = [];
  for (const node of nodes) {
    const layer = depth(node.name);
    (layers[layer] ??= []).push(node.name);
  }
  return layers;
}

/** The order to delete in: the deployment layers reversed, so dependents go before what they use. */
export function destroyLayers(nodes: readonly GraphNode[]): string[][] {
  return deploymentLayers(nodes).reverse();
}

/** The selected nodes and everything they depend on, transitively, in `nodes` order. */
export function dependencyClosure(nodes: readonly GraphNode[], selected: readonly string[]): string[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  requireKnown(byName, selected);
  const included = new Set<string>();
  const add = (name: string): void => {
    if (included.has(name)) return;
    included.add(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) add(dependency);
  };
  selected.forEach(add);
  return nodes.filter((node) => included.has(node.name)).map((node) => node.name);
}

/** The selected nodes and everything that depends on them, transitively, in `nodes` order. */
export function dependentClosure(nodes: readonly GraphNode[], selected: readonly string[]): string[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  requireKnown(byName, selected);
  const included = new Set(selected);
  let grew = true;
  while (grew) {
    grew = false;
    for (const node of nodes) {
      if (!included.has(node.name) && node.dependsOn.some((dependency) => included.has(dependency))) {
        included.add(node.name);
        grew = true;
      }
    }
  }
  return nodes.filter((node) => included.has(node.name)).map((node) => node.name);
}

/** The named nodes only, with dependencies on nodes outside the set dropped. */
export function subgraph<N extends GraphNode>(nodes: readonly N[], names: readonly string[]): GraphNode[] {
  const keep = new Set(names);
  return nodes
    .filter((node) => keep.has(node.name))
    .map((node) => ({
      name: node.name,
      dependsOn: node.dependsOn.filter((dependency) => keep.has(dependency)),
    }));
}

function requireKnown(byName: ReadonlyMap<string, GraphNode>, selected: readonly string[]): void {
  const unknown = selected.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new UsageError(
      'UNKNOWN_COMPONENT',
      `Unknown component${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`,
      { suggestions: [`Components: ${[...byName.keys()].join(', ')}`] },
    );
  }
}

/** What became of each node in a walk. */
export interface WalkResult {
  succeeded: string[];
  failed: { name: string; error: unknown }[];
  /** Not started: a node it waits for failed or was skipped, or the walk was aborted. */
  skipped: { name: string; reason: 'dependency-failed' | 'aborted'; blockedBy: string[] }[];
}

/** Options of walkGraph. */
export interface WalkOptions {
  /** Most visits running at once; default: unlimited (CloudFormation does the work). */
  concurrency?: number;
  /** Walk dependents before their dependencies (for destroy). */
  reverse?: boolean;
  /** Once aborted, no further visit starts; running ones finish. */
  signal?: AbortSignal;
  /** Told as soon as a node is skipped, so a display need not wait for the walk to end. */
  onSkip?: (skip: WalkResult['skipped'][number]) => void;
}

/**
 * Visits every node once all the nodes it waits for have succeeded (its dependencies, or with
 * `reverse` its dependents), running independent nodes in parallel. A failure skips only what
 * waits on it; the rest of the graph goes on. Never rejects: the result says what happened.
 */
export async function walkGraph(
  nodes: readonly GraphNode[],
  visit: (name: string) => Promise<void>,
  options: WalkOptions = {},
): Promise<WalkResult> {
  validateGraph(nodes);
  const concurrency = Math.max(1, options.concurrency ?? Number.POSITIVE_INFINITY);
  const waitsFor = new Map<string, string[]>(nodes.map((node) => [node.name, []]));
  for (const node of nodes) {
    for (const dependency of node.dependsOn) {
      if (options.reverse) waitsFor.get(dependency)!.push(node.name);
      else waitsFor.get(node.name)!.push(dependency);
    }
  }
  const order = nodes.map((node) => node.name);
  const status = new Map<string, 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped'>(
    order.map((name) => [name, 'pending']),
  );
  const result: WalkResult = { succeeded: [], failed: [], skipped: [] };
  let running = 0;

  return new Promise<WalkResult>((resolveWalk) => {
    const schedule = (): void => {
      // Skip whatever waits on a failure or a skip, until nothing changes.
      let changed = true;
      while (changed) {
        changed = false;
        for (const name of order) {
          if (status.get(name) !== 'pending') continue;
          const blockedBy = waitsFor
            .get(name)!
            .filter((other) => status.get(other) === 'failed' || status.get(other) === 'skipped');
          if (blockedBy.length > 0) {
            status.set(name, 'skipped');
            result.skipped.push({ name, reason: 'dependency-failed', blockedBy });
            options.onSkip?.({ name, reason: 'dependency-failed', blockedBy });
            changed = true;
          }
        }
      }
      for (const name of order) {
        if (running >= concurrency) break;
        if (status.get(name) !== 'pending') continue;
        if (!waitsFor.get(name)!.every((other) => status.get(other) === 'succeeded')) continue;
        if (options.signal?.aborted) break;
        status.set(name, 'running');
        running++;
        void Promise.resolve()
          .then(() => visit(name))
          .then(
            () => {
              status.set(name, 'succeeded');
              result.succeeded.push(name);
            },
            (error: unknown) => {
              status.set(name, 'failed');
              result.failed.push({ name, error });
            },
          )
          .finally(() => {
            running--;
            schedule();
          });
      }
      if (running === 0) {
        for (const name of order) {
          if (status.get(name) === 'pending') {
            status.set(name, 'skipped');
            result.skipped.push({ name, reason: 'aborted', blockedBy: [] });
            options.onSkip?.({ name, reason: 'aborted', blockedBy: [] });
          }
        }
        resolveWalk(result);
      }
    };
    schedule();
  });
}
