import { describe, expect, it } from '@jest/globals';

import { deployBundle } from './helpers/bundle.js';
import { apiCalls, runCli } from './helpers/cli.js';

/**
 * `ecspoc environments` against moto_server with two environments deployed side by side (one with
 * only its network, one up to its cluster), and the refusal of an unchosen "dev" that does not
 * exist while those two do.
 */
describe('ecspoc environments and the unchosen default environment', () => {
  // The cluster's dependencies come with it: as many stacks as deployBundle completed.
  let envbStacks = 0;

  it('lists both environments with their stack count, worst status, cluster figures and last update', async () => {
    await deployBundle('enva', { select: ['network'] });
    envbStacks = (await deployBundle('envb', { select: ['cluster'] })).completed.length;
    expect(envbStacks).toBeGreaterThan(1);

    const result = await runCli(['environments', '--json', '--debug']);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout);
    expect(list.region).toEqual(expect.any(String));
    expect(list.environments.map((e: { env: string }) => e.env)).toEqual(['enva', 'envb']);
    const [enva, envb] = list.environments;
    expect(enva).toMatchObject({
      env: 'enva',
      stacks: 1,
      worstStatus: 'CREATE_COMPLETE',
      cluster: { name: 'ecspoc-enva', found: false, instances: 0, services: 0 },
    });
    expect(envb).toMatchObject({
      env: 'envb',
      stacks: envbStacks,
      worstStatus: 'CREATE_COMPLETE',
      cluster: { name: 'ecspoc-envb', found: true, instances: 0, services: 0, runningTasks: 0 },
    });
    expect(Date.parse(enva.lastUpdated)).not.toBeNaN();
    expect(Date.parse(envb.lastUpdated)).toBeGreaterThanOrEqual(Date.parse(enva.lastUpdated));
    // One listing of the stacks and one DescribeClusters for both environments.
    expect(apiCalls(result)).toEqual({ 'CloudFormation.ListStacks': 1, 'ECS.DescribeClusters': 1 });
  });

  it('--all-regions reads every enabled region: both environments in theirs, nothing elsewhere', async () => {
    const result = await runCli(['environments', '--all-regions', '--json', '--region', 'us-east-1']);
    expect(result.code).toBe(0);
    const all = JSON.parse(result.stdout);
    expect(all.failures).toEqual([]);
    expect(all.regions.length).toBeGreaterThan(10);
    const withEnvironments = all.regions.filter(
      (r: { environments: unknown[] }) => r.environments.length > 0,
    );
    expect(withEnvironments.map((r: { region: string }) => r.region)).toEqual(['us-east-1']);
    expect(withEnvironments[0].environments.map((e: { env: string }) => e.env)).toEqual(['enva', 'envb']);
  });

  it('draws a table for people under the alias envs', async () => {
    const result = await runCli(['envs']);
    expect(result.code).toBe(0);
    const rows = result.stdout.split('\n').filter((line) => /^env[ab] /.test(line));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^enva\s+1\s+CREATE_COMPLETE\s+-\s+-\s+\d{4}-\d\d-\d\d /);
    expect(rows[1]).toMatch(
      new RegExp(`^envb\\s+${envbStacks}\\s+CREATE_COMPLETE\\s+0\\s+0\\s+\\d{4}-\\d\\d-\\d\\d `),
    );
  });

  it('refuses to report an unchosen, missing dev in one line naming the environments that exist', async () => {
    const result = await runCli(['status']);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe(
      'Error: No environment was chosen and "dev" does not exist; this account and region hold: enva, envb.',
    );
    expect(lines[1]).toMatch(/^Try: --env NAME/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('still reports an environment chosen explicitly, and still plans a first deploy of dev', async () => {
    const status = await runCli(['status', '--env', 'enva', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).env).toBe('enva');

    const plan = await runCli(['diff', 'network', '--json']);
    expect(plan.code).toBe(3);
    const stacks = JSON.parse(plan.stdout).stacks;
    expect(stacks.map((s: { stackName: string; action: string }) => [s.stackName, s.action])).toEqual([
      ['ecspoc-dev-network', 'create'],
    ]);
  });
});
