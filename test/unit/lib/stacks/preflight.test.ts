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
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-exec-404', component: 'service-404' },
      { kind: 'log-group', name: '/ecspoc/dev/builds/404', component: 'pipeline-404' },
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-build-404', component: 'pipeline-404' },
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-deploy-404', component: 'pipeline-404' },
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-pipeline-404', component: 'pipeline-404' },
    ]);
    expect(namedResources(pick('cluster'), scope)).toHaveLength(18);
  });

  it('names the IAM roles and profile with the region, since IAM names are account-wide', () => {
    const names = namedResources(pick('cluster', 'task-roles', 'service-404', 'pipeline-404'), scope);
    expect(names.filter((n) => n.kind === 'role' || n.kind === 'instance-profile')).toEqual([
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-task-404', component: 'task-roles' },
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-instance', component: 'cluster' },
      { kind: 'instance-profile', name: 'ecspoc-dev-eu-west-1-instance', component: 'cluster' },
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-exec-404', component: 'service-404' },
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-build-404', component: 'pipeline-404' },
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-deploy-404', component: 'pipeline-404' },
      { kind: 'role', name: 'ecspoc-dev-eu-west-1-pipeline-404', component: 'pipeline-404' },
    ]);
    const cluster = namedResources(pick('cluster'), scope).map((n) => `${n.kind} ${n.name}`);
    expect(cluster).toEqual(
      expect.arrayContaining([
        'log-group /aws/events/ecspoc-dev',
        'auto-scaling-group ecspoc-dev-instances',
        'launch-template ecspoc-dev-instances',
        'event-rule ecspoc-dev-inactive-instance',
        'event-rule ecspoc-dev-task-state',
        'event-rule ecspoc-dev-stack-failed',
        'event-rule ecspoc-dev-pipeline-failed',
      ]),
    );
  });
});

describe('checkNamesFree', () => {
  it('resolves when every name is free', async () => {
    const asked: NamedResource[] = [];
    await checkNamesFree(pick('bootstrap', 'cluster'), scope, async (r) => {
      asked.push(r);
      return false;
    });
    expect(asked).toHaveLength(19);
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

  const free = async () => false;
  const policies =
    (n: number, ...extra: string[]) =>
    async () => [...Array.from({ length: n }, (_, i) => `other-${i}`), ...extra];

  it("refuses a cluster whose events policy would be the region's eleventh, saying what to delete", async () => {
    const refused = checkNamesFree(pick('cluster'), scope, free, policies(10));
    await expect(refused).rejects.toMatchObject({ code: 'NAMES_TAKEN', exitCode: 2 });
    await expect(refused).rejects.toThrow(
      /eu-west-1 already holds the 10 CloudWatch Logs resource policies .*other-0, .*other-9\), and the cluster needs one/,
    );
    await expect(refused).rejects.toMatchObject({
      suggestions: [expect.stringContaining('aws logs delete-resource-policy')],
    });
  });

  it('lets the cluster update its own policy at the quota, and has room below it', async () => {
    await expect(
      checkNamesFree(pick('cluster'), scope, free, policies(9, 'ecspoc-dev-events')),
    ).resolves.toBe(undefined);
    await expect(checkNamesFree(pick('cluster'), scope, free, policies(9))).resolves.toBe(undefined);
  });

  it('asks for the policies only when the cluster stack is among the new ones', async () => {
    let asked = 0;
    const lister = async () => {
      asked += 1;
      return [];
    };
    await checkNamesFree(pick('bootstrap', 'service-404'), scope, free, lister);
    expect(asked).toBe(0);
    await checkNamesFree(pick('cluster'), scope, free, lister);
    expect(asked).toBe(1);
  });

  it('names a taken role and a full region in one message', async () => {
    const taken = async (r: NamedResource) => r.name === 'ecspoc-dev-eu-west-1-instance' && r.kind === 'role';
    await expect(checkNamesFree(pick('cluster'), scope, taken, policies(10))).rejects.toThrow(
      /role ecspoc-dev-eu-west-1-instance \(cluster\) already exists outside the environment's stacks; eu-west-1 already holds/,
    );
  });
});
