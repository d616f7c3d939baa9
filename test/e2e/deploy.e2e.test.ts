import { CloudFormationClient, ListStacksCommand, StackStatus } from '@aws-sdk/client-cloudformation';
import { afterAll, describe, expect, it } from '@jest/globals';

import { apiCalls, collect, runCli, spawnCli } from './helpers/cli.js';
import { clientConfig } from './helpers/env.js';

/**
 * The main job against moto_server, in the order an operator meets it: refused before anything
 * changes, a plan of a fresh environment, the full deploy, status, a no-op redeploy, a parameter
 * change that reaches exactly the stacks that declare it, and destroy. The tests of this file
 * share one environment and run in order.
 */
const ENV = 'e2e';
const SSH = '--parameter=SshCidr=127.0.0.1/32';
const COMPONENTS = [
  'bootstrap',
  'network',
  'kinesis',
  'registry-404',
  'registry-php-hello',
  'bastion',
  'load-balancer',
  'task-roles',
  'cluster',
  'service-404',
  'service-php-hello',
  'pipeline-404',
  'pipeline-php-hello',
];

const cfn = new CloudFormationClient(clientConfig());
afterAll(() => cfn.destroy());

async function liveStacks(): Promise<Record<string, string>> {
  const live = Object.values(StackStatus).filter((s) => s !== 'DELETE_COMPLETE');
  const response = await cfn.send(new ListStacksCommand({ StackStatusFilter: live }));
  return Object.fromEntries(
    (response.StackSummaries ?? [])
      .filter((s) => s.StackName?.startsWith(`ecspoc-${ENV}-`))
      .map((s) => [s.StackName!.slice(`ecspoc-${ENV}-`.length), s.StackStatus!]),
  );
}

function expectOneErrorLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  const error = lines.findIndex((l) => l.startsWith('Error: '));
  expect(lines[error]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('ecspoc deploy, diff, status and destroy against moto_server', () => {
  it('refuses a deploy without the bastion SSH CIDR before touching anything', async () => {
    const result = await runCli(['deploy', '--env', ENV, '--yes']);
    expect(result.code).toBe(2);
    expectOneErrorLine(result.stderr, /bastion needs a value for SshCidr/);
    expect(result.stderr).toContain('--parameter SshCidr=203.0.113.7/32');
    expect(await liveStacks()).toEqual({});
  });

  it('rejects an unknown --parameter key with the list of valid ones', async () => {
    const result = await runCli([
      'deploy',
      '--env',
      ENV,
      '--yes',
      SSH,
      '--parameter',
      'InstanceTyp=t3.large',
    ]);
    expect(result.code).toBe(2);
    expectOneErrorLine(result.stderr, /InstanceTyp/);
    expect(result.stderr).toMatch(/Try: Parameters: .*InstanceType/);
  });

  it('plans a fresh environment with diff, exits 3 and leaves nothing behind', async () => {
    const result = await runCli(['diff', '--env', ENV, SSH, '--json']);
    expect(result.code).toBe(3);
    const plan = JSON.parse(result.stdout);
    expect(plan.stacks.map((s: { component: string }) => s.component)).toEqual(COMPONENTS);
    expect(plan.stacks.every((s: { action: string }) => s.action === 'create')).toBe(true);
    const bastion = plan.stacks.find((s: { component: string }) => s.component === 'bastion');
    expect(bastion.waitsFor).toEqual(['network']);
    expect(bastion.parameters).toContainEqual({ key: 'SshCidr', value: '127.0.0.1/32', origin: 'override' });
    expect(bastion.parameters).toContainEqual({
      key: 'VpcId',
      value: '<network.VpcId>',
      origin: 'pending',
      from: 'network.VpcId',
    });
    expect(await liveStacks()).toEqual({});
  });

  it('deploys the whole bundle into a fresh environment', async () => {
    const result = await runCli(['deploy', '--env', ENV, '--yes', SSH, '--json', '--debug']);
    expect(result.code).toBe(0);
    const deployed = JSON.parse(result.stdout);
    expect(deployed.ok).toBe(true);
    expect(
      deployed.stacks.map((s: { component: string; status: string }) => [s.component, s.status]),
    ).toEqual(COMPONENTS.map((c) => [c, 'created']));
    const byName = Object.fromEntries(deployed.stacks.map((s: { component: string }) => [s.component, s]));
    expect(byName.network.outputs.VpcId).toMatch(/^vpc-/);
    expect(byName.cluster.outputs.ClusterName).toBe(`ecspoc-${ENV}`);
    expect(byName['service-404'].image).toEqual({
      uri: 'public.ecr.aws/nginx/nginx:stable',
      source: 'placeholder',
      detail: 'placeholder: the repository is created by this deploy',
    });
    expect(byName.cluster.changes.length).toBeGreaterThan(20);
    expect(Object.values(await liveStacks()).every((s) => s === 'CREATE_COMPLETE')).toBe(true);
    expect(Object.keys(await liveStacks()).sort()).toEqual([...COMPONENTS].sort());
    // A few dozen calls per stack at most.
    const calls = apiCalls(result);
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    expect(total / COMPONENTS.length).toBeLessThan(24);
    expect(calls['CloudFormation.ExecuteChangeSet']).toBe(COMPONENTS.length);
  });

  it('shows the deployed environment in status', async () => {
    const result = await runCli(['status', '--env', ENV, '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.stacks.map((s: { component: string; status: string }) => [s.component, s.status])).toEqual(
      COMPONENTS.map((c) => [c, 'CREATE_COMPLETE']),
    );
    expect(status.services.map((s: { name: string; desired: number }) => [s.name, s.desired])).toEqual([
      ['404', 2],
      ['php-hello', 2],
    ]);
    // The PRIMARY deployment as DescribeServices gives it (moto keeps a rollout IN_PROGRESS while short).
    expect(status.services[0].deployment).toMatchObject({
      rolloutState: 'IN_PROGRESS',
      desired: 2,
      failed: 0,
    });
    expect(status.bastion.state).toBe('running');
    expect(status.bastion.instanceId).toMatch(/^i-/);
    expect(status.cluster).toMatchObject({ name: `ecspoc-${ENV}`, found: true });
    // moto launches no task and nothing registers the Auto Scaling instances here: both need attention.
    expect(status.attention.map((a: { message: string }) => a.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('no ACTIVE container instance'),
        expect.stringContaining('Service 404 runs 0 of 2 tasks'),
      ]),
    );
    const human = await runCli(['status', '--env', ENV]);
    expect(human.stdout).toMatch(/cluster\s+CREATE_COMPLETE/);
    expect(human.stdout).toMatch(/Bastion i-\w+: running/);
  });

  it('redeploys without executing any change set, and says so', async () => {
    const result = await runCli(['deploy', '--env', ENV, '--debug']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No changes: no change set was executed.');
    expect(result.stderr).toContain('nothing to change');
    const calls = apiCalls(result);
    expect(calls['CloudFormation.ExecuteChangeSet']).toBeUndefined();
    // Every change set made for the plan was deleted again (or refused at creation as empty).
    expect(calls['CloudFormation.DeleteChangeSet'] ?? 0).toBe(calls['CloudFormation.DescribeChangeSet'] ?? 0);
  });

  it('diff reports a changed parameter on exactly the stacks that declare it, and exits 3', async () => {
    const result = await runCli([
      'diff',
      '--env',
      ENV,
      SSH,
      '--parameter',
      'InstanceType=t3.medium',
      '--json',
    ]);
    expect(result.code).toBe(3);
    const plan = JSON.parse(result.stdout);
    const changing = plan.stacks.filter((s: { action: string }) => s.action !== 'none');
    expect(changing.map((s: { component: string }) => s.component)).toEqual(['bastion', 'cluster']);
    expect(changing[1].parameterChanges).toEqual([
      { key: 'InstanceType', before: 't3.small', after: 't3.medium' },
    ]);
    const human = await runCli(['diff', '--env', ENV, SSH, '--parameter', 'cluster.InstanceType=t3.medium']);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/~ ecspoc-e2e-cluster\s+update/);
    expect(human.stdout).toContain('parameter InstanceType: t3.small → t3.medium');
    expect(human.stdout).toMatch(/= ecspoc-e2e-bastion\s+no changes/);
  });

  it('refuses to deploy changes without a terminal or --yes, and leaves no change set behind', async () => {
    const result = await runCli([
      'deploy',
      '--env',
      ENV,
      SSH,
      '--parameter',
      'InstanceType=t3.medium',
      '--debug',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Error: Refusing to deploy to environment "e2e" without confirmation/m);
    const calls = apiCalls(result);
    expect(calls['CloudFormation.ExecuteChangeSet']).toBeUndefined();
    expect(calls['CloudFormation.DeleteChangeSet']).toBe(calls['CloudFormation.DescribeChangeSet']);
  });

  it('deploys a changed parameter to exactly the stacks it reaches, and keeps it on the next deploy', async () => {
    const result = await runCli([
      'deploy',
      '--env',
      ENV,
      SSH,
      '--parameter',
      'InstanceType=t3.medium',
      '--yes',
      '--json',
      '--debug',
    ]);
    expect(result.code).toBe(0);
    const deployed = JSON.parse(result.stdout);
    const updated = deployed.stacks.filter((s: { status: string }) => s.status !== 'unchanged');
    expect(updated.map((s: { component: string; status: string }) => [s.component, s.status])).toEqual([
      ['bastion', 'updated'],
      ['cluster', 'updated'],
    ]);
    expect(apiCalls(result)['CloudFormation.ExecuteChangeSet']).toBe(2);
    // The value given once stays: a plain diff finds nothing to change.
    const again = await runCli(['diff', '--env', ENV, SSH]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to change');
  });

  it('prints the offline plan when there are no credentials, and exits 1', async () => {
    const result = await runCli(['diff', '--env', ENV, 'bastion', SSH], {
      env: {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Offline plan for environment "e2e": 2 stacks, in this order');
    expect(result.stdout).toMatch(/1\. network\n\s+2\. bastion/);
    expect(result.stdout).toContain('SshCidr = 127.0.0.1/32  (override)');
    expectOneErrorLine(result.stderr, /No AWS credentials found.*The plan above is offline/);
  });

  it('destroys what moto can delete, in reverse order, after the environment name is confirmed', async () => {
    const refused = await runCli(['destroy', '--env', ENV]);
    expect(refused.code).toBe(2);
    expectOneErrorLine(refused.stderr, /Refusing to destroy environment "e2e" without confirmation/);
    expect(Object.keys(await liveStacks())).toHaveLength(COMPONENTS.length);

    const result = await runCli(['destroy', '--env', ENV, '--yes', '--json']);
    const destroyed = JSON.parse(result.stdout);
    const statuses = Object.fromEntries(
      destroyed.stacks.map((s: { component: string; status: string }) => [s.component, s.status]),
    );
    // MOTO.md: moto cannot delete a stack holding a route table (its VPC stays): network only.
    expect(statuses).toEqual(
      Object.fromEntries(COMPONENTS.map((c) => [c, c === 'network' ? 'failed' : 'deleted'])),
    );
    expect(result.code).toBe(1);
    const live = await liveStacks();
    for (const component of COMPONENTS.filter((c) => c !== 'network'))
      expect(live[component]).toBeUndefined();
  });

  it('reports a failed stack, skips what depends on it, and recreates it on the next deploy', async () => {
    // moto fails the execution itself (MOTO.md) and leaves the stack in REVIEW_IN_PROGRESS.
    const failed = await runCli(
      [
        'deploy',
        'bastion',
        'kinesis',
        '--env',
        'rec',
        '--yes',
        SSH,
        '--parameter',
        'VpcCidr=10.0.0.0/33',
        '--json',
      ],
      { env: { AWS_MAX_ATTEMPTS: '1' } },
    );
    expect(failed.code).toBe(1);
    const result = JSON.parse(failed.stdout);
    expect(result.ok).toBe(false);
    const byName = Object.fromEntries(result.stacks.map((s: { component: string }) => [s.component, s]));
    expect(byName.network).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('10.0.0.0/33'),
    });
    expect(byName.bastion).toMatchObject({ status: 'skipped', reason: 'network failed' });
    expect(byName.kinesis.status).toBe('created');

    const recovered = await runCli(['deploy', 'bastion', '--env', 'rec', '--yes', SSH]);
    expect(recovered.code).toBe(0);
    expect(recovered.stderr).toMatch(/± ecspoc-rec-network\s+delete and create again/);
    expect(recovered.stderr).toContain('ecspoc-rec-network is REVIEW_IN_PROGRESS');
    expect(recovered.stdout).toMatch(/ecspoc-rec-network\s+created/);
    expect(recovered.stdout).toMatch(/ecspoc-rec-bastion\s+created/);
  });

  it('on Ctrl-C starts no new stack, lets the running one finish, and exits 130', async () => {
    const child = spawnCli(['deploy', '--env', 'int', '--yes', SSH, '--concurrency', '1']);
    let interrupted = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      if (!interrupted && chunk.toString().includes('ecspoc-int-network: CREATE_IN_PROGRESS')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const result = await collect(child, 60_000);
    expect(interrupted).toBe(true);
    expect(result.code).toBe(130);
    // The stack running when Ctrl-C lands is followed to its end; the rest never start.
    expect(result.stderr).toMatch(
      /Ctrl-C: no new stack will start\. Still running: [\w-]+ \(CloudFormation finishes/,
    );
    expect(result.stderr).toMatch(/^Error: Interrupted: \d+ stack\(s\) not started/m);
    expect(result.stdout).toMatch(/ecspoc-int-network\s+created/);
    expect(result.stdout).not.toMatch(/\s+FAILED\s+/);
    expect(result.stdout).toMatch(/ecspoc-int-cluster\s+skipped\s+0\.0s {2}interrupted before it started/);
    const stacks = await cfn.send(new ListStacksCommand({}));
    expect(stacks.StackSummaries?.some((s) => s.StackName === 'ecspoc-int-cluster')).toBe(false);
  });
});
