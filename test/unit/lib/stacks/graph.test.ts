import { describe, expect, it } from '@jest/globals';

import { OperationError, UsageError } from '../../../../src/lib/errors.js';
import {
  dependencyClosure,
  dependentClosure,
  deploymentLayers,
  destroyLayers,
  findCycle,
  subgraph,
  validateGraph,
  walkGraph,
  type GraphNode,
} from '../../../../src/lib/stacks/graph.js';

/** The bundle's shape in miniature: a diamond plus an independent node. */
const NODES: GraphNode[] = [
  { name: 'network', dependsOn: [] },
  { name: 'kinesis', dependsOn: [] },
  { name: 'bastion', dependsOn: ['network'] },
  { name: 'load-balancer', dependsOn: ['network'] },
  { name: 'cluster', dependsOn: ['network', 'load-balancer', 'bastion'] },
  { name: 'service', dependsOn: ['cluster', 'kinesis'] },
];

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('validateGraph', () => {
  it('accepts an acyclic graph', () => {
    expect(() => validateGraph(NODES)).not.toThrow();
  });

  it('names an unknown dependency and the known components', () => {
    const error = thrown(() => validateGraph([...NODES, { name: 'pipeline', dependsOn: ['registry'] }]));
    expect(error).toBeInstanceOf(OperationError);
    expect(error).toMatchObject({ code: 'UNKNOWN_DEPENDENCY' });
    expect((error as Error).message).toBe(
      'Component "pipeline" depends on "registry", which does not exist.',
    );
    expect((error as OperationError).suggestions[0]).toContain('network, kinesis, bastion');
  });

  it('rejects a name declared twice', () => {
    expect(thrown(() => validateGraph([...NODES, { name: 'network', dependsOn: [] }]))).toMatchObject({
      code: 'DUPLICATE_COMPONENT',
    });
  });

  it('names the cycle it finds, start and end alike', () => {
    const cyclic: GraphNode[] = [
      { name: 'a', dependsOn: [] },
      { name: 'b', dependsOn: ['a', 'd'] },
      { name: 'c', dependsOn: ['b'] },
      { name: 'd', dependsOn: ['c'] },
    ];
    const error = thrown(() => validateGraph(cyclic));
    expect(error).toMatchObject({ code: 'DEPENDENCY_CYCLE', message: 'Dependency cycle: b -> d -> c -> b' });
  });

  it('finds a self-dependency', () => {
    expect(findCycle([{ name: 'a', dependsOn: ['a'] }])).toEqual(['a', 'a']);
    expect(findCycle(NODES)).toBeUndefined();
  });
});

describe('deploymentLayers', () => {
  it('puts every node after all its dependencies, in as few layers as possible', () => {
    expect(deploymentLayers(NODES)).toEqual([
      ['network', 'kinesis'],
      ['bastion', 'load-balancer'],
      ['cluster'],
      ['service'],
    ]);
  });

  it('refuses a cyclic graph', () => {
    expect(() =>
      deploymentLayers([
        { name: 'a', dependsOn: ['b'] },
        { name: 'b', dependsOn: ['a'] },
      ]),
    ).toThrow('Dependency cycle: a -> b -> a');
  });

  it('reverses for destroy: dependents first', () => {
    expect(destroyLayers(NODES)).toEqual([
      ['service'],
      ['cluster'],
      ['bastion', 'load-balancer'],
      ['network', 'kinesis'],
    ]);
  });
});

describe('closures', () => {
  it('adds every transitive dependency of the selection, in graph order', () => {
    expect(dependencyClosure(NODES, ['cluster'])).toEqual(['network', 'bastion', 'load-balancer', 'cluster']);
    expect(dependencyClosure(NODES, ['kinesis'])).toEqual(['kinesis']);
  });

  it('adds every transitive dependent of the selection', () => {
    expect(dependentClosure(NODES, ['bastion'])).toEqual(['bastion', 'cluster', 'service']);
    expect(dependentClosure(NODES, ['service'])).toEqual(['service']);
  });

  it('rejects an unknown selection with the list of components', () => {
    const error = thrown(() => dependencyClosure(NODES, ['clustr']));
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'UNKNOWN_COMPONENT', message: 'Unknown component: clustr.' });
  });

  it('cuts edges that leave a subgraph', () => {
    expect(subgraph(NODES, ['cluster', 'service'])).toEqual([
      { name: 'cluster', dependsOn: [] },
      { name: 'service', dependsOn: ['cluster'] },
    ]);
  });
});

/** A visit that records start and end order and finishes when the test says so. */
function controlledVisits() {
  const events: string[] = [];
  const pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const visit = (name: string) =>
    new Promise<void>((resolve, reject) => {
      events.push(`start ${name}`);
      pending.set(name, {
        resolve: () => {
          events.push(`end ${name}`);
          resolve();
        },
        reject,
      });
    });
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { events, pending, visit, settle };
}

describe('walkGraph', () => {
  it('starts a node as soon as its own dependencies are done, not when a whole layer is', async () => {
    const { events, pending, visit, settle } = controlledVisits();
    const walk = walkGraph(NODES, visit);
    await settle();
    expect(events).toEqual(['start network', 'start kinesis']);
    pending.get('network')!.resolve();
    await settle();
    expect(events).toEqual([
      'start network',
      'start kinesis',
      'end network',
      'start bastion',
      'start load-balancer',
    ]);
    pending.get('bastion')!.resolve();
    pending.get('load-balancer')!.resolve();
    await settle();
    // kinesis is still running: cluster does not wait for it.
    expect(events.at(-1)).toBe('start cluster');
    pending.get('cluster')!.resolve();
    await settle();
    expect(events).not.toContain('start service');
    pending.get('kinesis')!.resolve();
    await settle();
    pending.get('service')!.resolve();
    const result = await walk;
    expect(result.failed).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.succeeded).toEqual([
      'network',
      'bastion',
      'load-balancer',
      'cluster',
      'kinesis',
      'service',
    ]);
  });

  it('skips what depends on a failure and finishes the rest', async () => {
    const failure = new Error('bastion failed');
    const visited: string[] = [];
    const result = await walkGraph(NODES, async (name) => {
      visited.push(name);
      if (name === 'bastion') throw failure;
    });
    expect(result.failed).toEqual([{ name: 'bastion', error: failure }]);
    expect(result.skipped).toEqual([
      { name: 'cluster', reason: 'dependency-failed', blockedBy: ['bastion'] },
      { name: 'service', reason: 'dependency-failed', blockedBy: ['cluster'] },
    ]);
    expect(visited.sort()).toEqual(['bastion', 'kinesis', 'load-balancer', 'network']);
  });

  it('walks dependents first in reverse', async () => {
    const order: string[] = [];
    await walkGraph(NODES, async (name) => void order.push(name), { reverse: true, concurrency: 1 });
    expect(order).toEqual(['service', 'kinesis', 'cluster', 'bastion', 'load-balancer', 'network']);
  });

  it('never runs more visits at once than the concurrency allows', async () => {
    const wide: GraphNode[] = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, dependsOn: [] }));
    let running = 0;
    let most = 0;
    await walkGraph(
      wide,
      async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
      },
      { concurrency: 2 },
    );
    expect(most).toBe(2);
  });

  it('starts nothing more once aborted and reports the rest as skipped', async () => {
    const controller = new AbortController();
    const result = await walkGraph(
      NODES,
      async (name) => {
        if (name === 'network') controller.abort();
      },
      { signal: controller.signal, concurrency: 1 },
    );
    expect(result.succeeded).toEqual(['network']);
    expect(result.skipped.map((entry) => [entry.name, entry.reason])).toEqual([
      ['kinesis', 'aborted'],
      ['bastion', 'aborted'],
      ['load-balancer', 'aborted'],
      ['cluster', 'aborted'],
      ['service', 'aborted'],
    ]);
  });
});
