import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeContainerInstancesCommand,
  ECSClient,
  ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { OperationError } from '../../../../src/lib/errors.js';
import { generateSshConfig, inspectManagedBlock, refreshSshConfig } from '../../../../src/lib/ssh/index.js';
import { mockSdk, mockStacks, sdkClient, stack } from '../../helpers/mock-sdk.js';

const cfn = mockSdk(CloudFormationClient);
const ec2 = mockSdk(EC2Client);
const ecs = mockSdk(ECSClient);

const clients = () => ({
  cloudformation: sdkClient(CloudFormationClient),
  ec2: sdkClient(EC2Client),
  ecs: sdkClient(ECSClient),
});
const clock = { now: () => Date.parse('2026-01-01T12:00:00Z'), sleep: async () => undefined };

let bastionState: { state: 'running' | 'stopped'; ip?: string } = { state: 'running', ip: '203.0.113.10' };
/** The stacks DescribeStacks knows; a test deletes one to make it missing. */
let stacks: ReturnType<typeof mockStacks>;
let clusterExists = true;

beforeEach(() => {
  bastionState = { state: 'running', ip: '203.0.113.10' };
  clusterExists = true;
  stacks = mockStacks({
    'ecspoc-dev-bastion': stack('ecspoc-dev-bastion', { BastionInstanceId: 'i-0b' }, 'UPDATE_COMPLETE'),
  });
  ecs.on(ListContainerInstancesCommand).callsFake(() => {
    if (!clusterExists)
      throw Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' });
    return { containerInstanceArns: ['arn:1', 'arn:2', 'arn:3'] };
  });
  ecs.on(DescribeContainerInstancesCommand).resolves({
    containerInstances: [
      { containerInstanceArn: 'arn:1', ec2InstanceId: 'i-01', status: 'ACTIVE' },
      { containerInstanceArn: 'arn:2', ec2InstanceId: 'i-02', status: 'ACTIVE' },
      { containerInstanceArn: 'arn:3', ec2InstanceId: 'i-03', status: 'ACTIVE' },
    ],
  });
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => {
    if (input.InstanceIds)
      return {
        Reservations: [
          {
            Instances: [
              {
                InstanceId: 'i-0b',
                State: { Name: bastionState.state },
                ...(bastionState.ip ? { PublicIpAddress: bastionState.ip } : {}),
                PrivateIpAddress: '10.0.0.4',
              },
            ],
          },
        ],
      };
    return {
      Reservations: [
        {
          Instances: [
            { InstanceId: 'i-01', State: { Name: 'running' }, PrivateIpAddress: '10.0.16.1' },
            { InstanceId: 'i-02', State: { Name: 'running' }, PrivateIpAddress: '10.0.16.2' },
            { InstanceId: 'i-03', State: { Name: 'stopped' }, PrivateIpAddress: '10.0.16.3' },
          ],
        },
      ],
    };
  });
});

const configFile = () => join(mkdtempSync(join(tmpdir(), 'ecspoc-ssh-')), 'config');

describe('generateSshConfig', () => {
  it('prints by default: the block, the hosts, and the instances left out', async () => {
    const result = await generateSshConfig(clients(), {
      env: 'dev',
      options: {},
      write: false,
      dryRun: false,
      clock,
    });
    expect(result.written).toBe(false);
    expect(result.file).toBeUndefined();
    expect(result.hosts.map((h) => [h.alias, h.hostName])).toEqual([
      ['ecspoc-dev-bastion', '203.0.113.10'],
      ['ecspoc-dev-i-01', '10.0.16.1'],
      ['ecspoc-dev-i-02', '10.0.16.2'],
    ]);
    expect(result.skipped).toEqual([
      { instanceId: 'i-03', containerInstanceArn: 'arn:3', reason: 'stopped' },
    ]);
    expect(result.warnings).toEqual([
      { code: 'INSTANCES_LEFT_OUT', message: expect.stringContaining('1 container instance(s) left out') },
    ]);
    expect(result.config).toContain('ProxyCommand ssh -W %h:%p ecspoc-dev-bastion');
  });

  it('writes once, then writes nothing while nothing changes, then rewrites the new bastion address', async () => {
    const file = configFile();
    writeFileSync(file, 'Host other\n  HostName 192.0.2.1\n');
    const request = { env: 'dev', options: {}, write: true, dryRun: false, file, clock };
    const first = await generateSshConfig(clients(), request);
    expect(first).toMatchObject({ written: true, changed: true, target: file, backup: `${file}.ecspoc.bak` });
    const { mtimeMs } = statSync(file);
    const second = await generateSshConfig(clients(), request);
    expect(second).toMatchObject({ written: false, changed: false });
    expect(statSync(file).mtimeMs).toBe(mtimeMs);
    bastionState = { state: 'running', ip: '198.51.100.99' };
    const third = await generateSshConfig(clients(), request);
    expect(third.written).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('HostName 198.51.100.99');
    expect(readFileSync(file, 'utf8')).toMatch(/\n\nHost other\n {2}HostName 192.0.2.1\n$/);
    // ProxyCommand names the file, since it is not ~/.ssh/config.
    expect(readFileSync(file, 'utf8')).toContain(`ProxyCommand ssh -F ${file} -W %h:%p ecspoc-dev-bastion`);
  });

  it('shows the diff on a dry run and writes nothing', async () => {
    const file = configFile();
    writeFileSync(file, 'Host other\n  HostName 192.0.2.1\n');
    const result = await generateSshConfig(clients(), {
      env: 'dev',
      options: {},
      write: false,
      dryRun: true,
      file,
      clock,
    });
    expect(result).toMatchObject({ written: false, changed: true });
    expect(result.diff).toMatch(
      new RegExp(`^--- ${file}\\n\\+\\+\\+ ${file}\\n@@ -1,2 \\+1,\\d+ @@\\n\\+# BEGIN ecspoc dev\\n`),
    );
    expect(readFileSync(file, 'utf8')).toBe('Host other\n  HostName 192.0.2.1\n');
    expect(readdirSync(join(file, '..'))).toEqual(['config']);
  });

  it('diffs a file that does not exist yet against /dev/null', async () => {
    const file = configFile();
    const result = await generateSshConfig(clients(), {
      env: 'dev',
      options: {},
      write: true,
      dryRun: true,
      file,
      clock,
    });
    expect(result.diff).toMatch(/^--- \/dev\/null\n/);
    expect(readdirSync(join(file, '..'))).toEqual([]);
  });

  it('warns about a stopped bastion with the command that starts it, and still generates the instances', async () => {
    bastionState = { state: 'stopped' };
    const result = await generateSshConfig(clients(), {
      env: 'dev',
      options: {},
      write: false,
      dryRun: false,
      clock,
    });
    expect(result.warnings[0]).toEqual({
      code: 'BASTION_STOPPED',
      message: expect.stringContaining('is stopped and has no public address'),
      suggestion: 'ecspoc bastion start --env dev',
    });
    expect(result.hosts.filter((h) => h.role === 'instance')).toHaveLength(2);
  });

  it('warns about a missing bastion with the command that deploys it', async () => {
    delete stacks['ecspoc-dev-bastion'];
    const result = await generateSshConfig(clients(), {
      env: 'dev',
      options: {},
      write: false,
      dryRun: false,
      clock,
    });
    expect(result.warnings[0]).toMatchObject({
      code: 'BASTION_MISSING',
      suggestion: 'ecspoc deploy bastion --env dev',
    });
    expect(result.hosts.filter((h) => h.role === 'instance')).toHaveLength(2);
  });

  it('fails when the environment has no bastion and no container instance', async () => {
    delete stacks['ecspoc-dev-bastion'];
    clusterExists = false;
    const error = await generateSshConfig(clients(), {
      env: 'dev',
      options: {},
      write: false,
      dryRun: false,
      clock,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).message).toMatch(/no bastion .* and cluster ecspoc-dev does not exist/);
    expect((error as OperationError).suggestions).toEqual(['ecspoc deploy --env dev']);
  });

  it('still writes the bastion when the cluster has no container instance yet', async () => {
    ecs.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: [] });
    const result = await generateSshConfig(clients(), {
      env: 'dev',
      options: {},
      write: false,
      dryRun: false,
      clock,
    });
    expect(result.hosts.map((h) => h.role)).toEqual(['bastion']);
  });

  it('checks the options before calling AWS', async () => {
    await expect(
      generateSshConfig(clients(), {
        env: 'dev',
        options: { user: 'bad user' },
        write: false,
        dryRun: false,
      }),
    ).rejects.toThrow(/not a valid login name/);
    expect(cfn.calls()).toHaveLength(0);
  });

  it('refuses --file without --write or --dry-run', async () => {
    await expect(
      generateSshConfig(clients(), { env: 'dev', options: {}, write: false, dryRun: false, file: '/tmp/x' }),
    ).rejects.toThrow('--file /tmp/x is only read with --write or --dry-run.');
  });
});

describe('refreshSshConfig and inspectManagedBlock', () => {
  it('rewrites the block with the options it was written with', async () => {
    const file = configFile();
    await generateSshConfig(clients(), {
      env: 'dev',
      options: { identityFile: '~/.ssh/dev.pem', proxy: 'jump', hostPrefix: 'd-' },
      write: true,
      dryRun: false,
      file,
      clock,
    });
    expect(await inspectManagedBlock('dev', file)).toMatchObject({
      exists: true,
      bastionHostName: '203.0.113.10',
      options: { identityFile: '~/.ssh/dev.pem', proxy: 'jump', hostPrefix: 'd-' },
    });
    bastionState = { state: 'running', ip: '198.51.100.5' };
    const result = await refreshSshConfig(clients(), 'dev', file, { clock });
    expect(result?.written).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('Host d-bastion\n  HostName 198.51.100.5\n');
    expect(text).toContain('ProxyJump d-bastion');
    expect(text).toContain('IdentityFile ~/.ssh/dev.pem');
  });

  it('does nothing to a file without the environment’s block', async () => {
    const file = configFile();
    writeFileSync(file, 'Host x\n');
    expect(await inspectManagedBlock('dev', file)).toEqual({ file, exists: false });
    expect(await refreshSshConfig(clients(), 'dev', file, { clock })).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe('Host x\n');
    expect(cfn.calls()).toHaveLength(0);
  });
});

describe('generateSshConfig --via', () => {
  it('ssm needs no bastion: no bastion warning, and every running instance through its instance id', async () => {
    delete stacks['ecspoc-dev-bastion'];
    const result = await generateSshConfig(clients(), {
      env: 'dev',
      options: { via: 'ssm', region: 'eu-west-1' },
      write: false,
      dryRun: false,
      clock,
    });
    expect(result.warnings.map((w) => w.code)).not.toContain('BASTION_MISSING');
    expect(result.hosts.length).toBeGreaterThan(0);
    for (const host of result.hosts)
      expect(host.proxyCommand).toContain(`--target ${host.instanceId} --document-name AWS-StartSSHSession`);
  });

  it('ssm says once that session-manager-plugin is missing from PATH, and still writes the block', async () => {
    const request = {
      env: 'dev',
      options: { via: 'ssm' as const },
      write: false,
      dryRun: false,
      clock,
    };
    const without = await generateSshConfig(clients(), { ...request, path: '/nonexistent' });
    expect(without.warnings.filter((w) => w.code === 'SSM_PLUGIN_MISSING')).toEqual([
      {
        code: 'SSM_PLUGIN_MISSING',
        message:
          'session-manager-plugin is not on PATH: ssh through these hosts fails until it is installed.',
        suggestion: expect.stringContaining('session-manager-working-with-install-plugin'),
      },
    ]);
    expect(without.hosts.length).toBeGreaterThan(0);
    const bin = mkdtempSync(join(tmpdir(), 'ecspoc-plugin-'));
    writeFileSync(join(bin, 'session-manager-plugin'), '#!/bin/sh\n', { mode: 0o755 });
    const withPlugin = await generateSshConfig(clients(), { ...request, path: bin });
    expect(withPlugin.warnings.map((w) => w.code)).not.toContain('SSM_PLUGIN_MISSING');
    // The bastion way needs no plugin.
    const bastion = await generateSshConfig(clients(), { ...request, options: {}, path: '/nonexistent' });
    expect(bastion.warnings.map((w) => w.code)).not.toContain('SSM_PLUGIN_MISSING');
  });

  it('eice without an endpoint in the network stack fails with what to deploy', async () => {
    const run = generateSshConfig(clients(), {
      env: 'dev',
      options: { via: 'eice' },
      write: false,
      dryRun: false,
      clock,
    });
    await expect(run).rejects.toThrow(OperationError);
    await expect(run).rejects.toThrow(/has no EC2 Instance Connect Endpoint/);
  });

  it('eice goes through the endpoint the network stack names', async () => {
    stacks['ecspoc-dev-network'] = stack(
      'ecspoc-dev-network',
      { InstanceConnectEndpointId: 'eice-0abc' },
      'UPDATE_COMPLETE',
    );
    const result = await generateSshConfig(clients(), {
      env: 'dev',
      options: { via: 'eice' },
      write: false,
      dryRun: false,
      clock,
    });
    expect(result.hosts[0]?.proxyCommand).toMatch(
      /^aws ec2-instance-connect open-tunnel --instance-id i-0\d --instance-connect-endpoint-id eice-0abc --remote-port %p/,
    );
  });
});

describe('generateSshConfig on a cluster ecspoc did not deploy', () => {
  const request = { env: 'shop', write: false, dryRun: false, adopt: { cluster: 'shop' } };

  it('needs a way in: --bastion, or --via ssm|eice, said in one line before any AWS call', async () => {
    await expect(generateSshConfig(clients(), { ...request, options: {} })).rejects.toMatchObject({
      code: 'NO_WAY_IN',
      message:
        'Cluster shop has no bastion ecspoc knows: pass --bastion INSTANCE_ID, or --via ssm or --via eice.',
    });
    await expect(
      generateSshConfig(clients(), {
        ...request,
        adopt: { cluster: 'shop', bastion: 'i-0bastion' },
        options: { bastionOnDemand: true },
      }),
    ).rejects.toMatchObject({ code: 'ON_DEMAND_NEEDS_STACK' });
    expect(ecs.calls()).toHaveLength(0);
    expect(ec2.calls()).toHaveLength(0);
  });
});
