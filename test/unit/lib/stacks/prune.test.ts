import { describe, expect, it } from '@jest/globals';

import { buildCatalog } from '../../../../src/lib/stacks/catalog.js';
import type { StackSnapshot } from '../../../../src/lib/stacks/changeset.js';
import {
  deployedPriorities,
  type ListedStack,
  planPrune,
  stacksToDescribe,
  surveyEnvironment,
} from '../../../../src/lib/stacks/prune.js';
import { destroyLayers, subgraph } from '../../../../src/lib/stacks/graph.js';

/** Deletion order among the plan's own stacks (what the destroy engine walks). */
const order = (components: { name: string; dependsOn: string[] }[]) =>
  destroyLayers(
    subgraph(
      components,
      components.map((c) => c.name),
    ),
  );

const ENV = 'dev';
const declared = [
  { name: 'web', repository: 'acme/web', port: 80 },
  { name: 'jobs', image: 'j:1' },
];

function listed(...components: string[]): ListedStack[] {
  return components.map((component) => ({
    component,
    stackName: `ecspoc-${ENV}-${component}`,
    status: 'CREATE_COMPLETE',
  }));
}

function snapshot(component: string, tags?: Record<string, string>, parameters: Record<string, string> = {}) {
  const stackName = `ecspoc-${ENV}-${component}`;
  return [
    stackName,
    {
      stackId: stackName,
      stackName,
      status: 'CREATE_COMPLETE',
      parameters,
      outputs: {},
      resolved: {},
      tags: tags ?? { 'ecspoc:env': ENV, 'ecspoc:component': component },
    } as StackSnapshot,
  ] as const;
}

describe('the pruning plan', () => {
  it('takes the stacks of a service no longer declared, with their order, and nothing declared', () => {
    const catalog = buildCatalog(ENV, { declared });
    const stacks = listed(
      'network',
      'cluster',
      'registry-web',
      'service-web',
      'pipeline-web',
      'service-jobs',
      'registry-old',
      'service-old',
      'pipeline-old',
    );
    const described = new Map(stacksToDescribe(stacks).map((s) => snapshot(s.component)));
    const plan = planPrune(catalog, described, stacks);
    expect(plan.stacks.map((s) => [s.component, s.service])).toEqual([
      ['registry-old', 'old'],
      ['service-old', 'old'],
      ['pipeline-old', 'old'],
    ]);
    // Dependents first: the pipeline, then the service, then the repository.
    expect(order(plan.catalog.components)).toEqual([['pipeline-old'], ['service-old'], ['registry-old']]);
  });

  it("prunes the samples' stacks once services are declared", () => {
    const catalog = buildCatalog(ENV, { declared });
    const stacks = listed('kinesis', 'task-roles', 'service-404', 'service-php-hello', 'service-web');
    const described = new Map(stacksToDescribe(stacks).map((s) => snapshot(s.component)));
    const plan = planPrune(catalog, described, stacks);
    expect(plan.stacks.map((s) => s.component).sort()).toEqual([
      'kinesis',
      'service-404',
      'service-php-hello',
      'task-roles',
    ]);
    const layers = order(plan.catalog.components);
    expect(layers.findIndex((l) => l.includes('service-404'))).toBeLessThan(
      layers.findIndex((l) => l.includes('task-roles')),
    );
    expect(layers.findIndex((l) => l.includes('task-roles'))).toBeLessThan(
      layers.findIndex((l) => l.includes('kinesis')),
    );
  });

  it('leaves alone a stack without the environment tags, or not of a per-service kind', () => {
    const catalog = buildCatalog(ENV, { declared });
    const stacks = listed('service-old', 'service-other', 'my-own-stack');
    const described = new Map([
      snapshot('service-old', { 'ecspoc:env': 'staging', 'ecspoc:component': 'service-old' }),
      snapshot('service-other', {}),
      snapshot('my-own-stack'),
    ]);
    expect(planPrune(catalog, described, stacks).stacks).toEqual([]);
  });

  it('with the samples in the catalog, prunes nothing of theirs', () => {
    const catalog = buildCatalog(ENV);
    const stacks = listed('kinesis', 'task-roles', 'service-404', 'registry-404', 'pipeline-php-hello');
    const described = new Map(stacks.map((s) => snapshot(s.component)));
    expect(planPrune(catalog, described, stacks).stacks).toEqual([]);
  });

  it('reads the deployed listener priorities of ecspoc service stacks, not of workers', () => {
    const stacks = listed('service-web', 'service-jobs', 'service-x');
    const described = new Map([
      snapshot('service-web', undefined, { ContainerPort: '80', ListenerPriority: '4242' }),
      snapshot('service-jobs', undefined, { ContainerPort: '0', ListenerPriority: '50000' }),
      snapshot('service-x', {}, { ContainerPort: '80', ListenerPriority: '9' }),
    ]);
    expect(deployedPriorities(ENV, described, stacks)).toEqual({ web: 4242 });
    expect(
      buildCatalog(ENV, { declared, pinnedPriorities: { web: 4242 } }).services[0]!.listenerPriority,
    ).toBe(4242);
  });

  it('describes only the stacks beyond the shared parts of the bundle', async () => {
    const asked: string[] = [];
    const survey = await surveyEnvironment(
      async () => listed('network', 'bootstrap', 'cluster', 'service-web', 'registry-web'),
      async (name) => {
        asked.push(name);
        return snapshot(name.replace(`ecspoc-${ENV}-`, ''))[1];
      },
    );
    expect(asked.sort()).toEqual([`ecspoc-${ENV}-registry-web`, `ecspoc-${ENV}-service-web`]);
    expect([...survey.described.keys()].sort()).toEqual(asked);
  });
});
