import { describe, expect, it } from '@jest/globals';

import { buildCatalog } from '../../../../src/lib/stacks/catalog.js';
import { checkNamesFree, namedResources, type NamedResource } from '../../../../src/lib/stacks/preflight.js';

const catalog = buildCatalog('dev');
const scope = { env: 'dev', accountId: '123456789012', region: 'eu-west-1' };
const pick = (...names: string[]) => catalog.components.filter((c) => names.includes(c.name));

describe('namedResources', () => {
  it('lists the bucket, repositories and log groups the stacks would create', () => {
    const names = namedResources(pick('bootstrap', 'registry-404', 'service-404', 'pipeline-404'), scope);
    expect(names).toEqual([
      { kind: 'bucket', name: 'ecspoc-dev-123456789012-eu-west-1', component: 'bootstrap' },
      { kind: 'repository', name: 'ecspoc-dev/404', component: 'registry-404' },
      { kind: 'log-group', name: '/ecspoc/dev/tasks/404', component: 'service-404' },
      { kind: 'log-group', name: '/ecspoc/dev/builds/404', component: 'pipeline-404' },
    ]);
    expect(namedResources(pick('cluster'), scope)).toHaveLength(6);
  });
});

describe('checkNamesFree', () => {
  it('resolves when every name is free', async () => {
    const asked: NamedResource[] = [];
    await checkNamesFree(pick('bootstrap', 'cluster'), scope, async (r) => {
      asked.push(r);
      return false;
    });
    expect(asked).toHaveLength(7);
  });

  it('refuses with one usage error naming every taken resource', async () => {
    const taken = new Set(['ecspoc-dev-123456789012-eu-west-1', '/ecspoc/dev/instances/audit']);
    await expect(
      checkNamesFree(pick('bootstrap', 'cluster', 'kinesis'), scope, async (r) => taken.has(r.name)),
    ).rejects.toMatchObject({
      code: 'NAMES_TAKEN',
      exitCode: 2,
      message:
        "Deploy refused before any change: bucket ecspoc-dev-123456789012-eu-west-1 (bootstrap), log group /ecspoc/dev/instances/audit (cluster) already exist outside the environment's stacks.",
    });
  });
});
