import { describe, expect, it } from '@jest/globals';
import SSHConfig from 'ssh-config';

import { UsageError } from '../../../../src/lib/errors.js';
import type { SshInventory } from '../../../../src/lib/ssh/discover.js';
import {
  blockHostName,
  buildManagedBlock,
  directProxyCommand,
  onDemandProxyCommand,
  normaliseOptions,
  readBlockOptions,
  sshCommandArgument,
  sshConfigCommand,
  summariseSkipped,
} from '../../../../src/lib/ssh/hosts.js';

function inventory(overrides: Partial<SshInventory> = {}): SshInventory {
  return {
    env: 'dev',
    bastion: {
      env: 'dev',
      stackName: 'ecspoc-dev-bastion',
      state: 'running',
      instanceId: 'i-0b1',
      publicIp: '203.0.113.7',
      publicDnsName: 'ec2-203-0-113-7.compute-1.amazonaws.com',
    },
    clusterName: 'ecspoc-dev',
    clusterFound: true,
    instances: [
      { instanceId: 'i-0a1', privateIp: '10.0.16.5', containerInstanceArn: 'arn:1', status: 'ACTIVE' },
      { instanceId: 'i-0a2', privateIp: '10.0.32.6', containerInstanceArn: 'arn:2', status: 'ACTIVE' },
    ],
    skipped: [
      { instanceId: 'i-0s1', containerInstanceArn: 'arn:3', reason: 'stopped' },
      { instanceId: 'i-0s2', containerInstanceArn: 'arn:4', reason: 'stopped' },
      { instanceId: 'i-0s3', containerInstanceArn: 'arn:5', reason: 'pending' },
    ],
    ...overrides,
  };
}

/** What the ssh-config library computes for `host` (first value wins, as in ssh). */
const compute = (text: string, host: string) => SSHConfig.parse(text).compute(host, { ignoreCase: true });

describe('buildManagedBlock', () => {
  it('writes the bastion and every running instance, reached through the bastion with ProxyCommand', () => {
    const options = normaliseOptions('dev', {
      identityFile: '~/.ssh/dev.pem',
      bastionIdentityFile: '~/.ssh/jump.pem',
    });
    const block = buildManagedBlock(inventory(), options);
    expect(block.text.startsWith('# BEGIN ecspoc dev\n')).toBe(true);
    expect(block.text.endsWith('# END ecspoc dev\n')).toBe(true);
    expect(compute(block.text, 'ecspoc-dev-bastion')).toMatchObject({
      hostname: '203.0.113.7',
      user: 'ec2-user',
      identityfile: ['~/.ssh/jump.pem'],
      identitiesonly: 'yes',
      hostkeyalias: 'ecspoc-dev-bastion',
    });
    expect(compute(block.text, 'ecspoc-dev-i-0a2')).toMatchObject({
      hostname: '10.0.32.6',
      user: 'ec2-user',
      identityfile: ['~/.ssh/dev.pem'],
      proxycommand: 'ssh -W %h:%p ecspoc-dev-bastion',
      hostkeyalias: 'ecspoc-dev-i-0a2',
    });
    expect(block.hosts.map((h) => h.alias)).toEqual([
      'ecspoc-dev-bastion',
      'ecspoc-dev-i-0a1',
      'ecspoc-dev-i-0a2',
    ]);
    expect(block.text).toContain(
      '# Container instances of cluster ecspoc-dev: 2 running, 3 left out (2 stopped, 1 pending)',
    );
    expect(block.text).not.toContain('i-0s1');
  });

  it('uses ProxyJump, the prefix and the users given', () => {
    const options = normaliseOptions('dev', {
      proxy: 'jump',
      hostPrefix: 'd-',
      user: 'core',
      bastionUser: 'ops',
    });
    const block = buildManagedBlock(inventory(), options);
    expect(compute(block.text, 'd-bastion')).toMatchObject({ user: 'ops' });
    expect(compute(block.text, 'd-i-0a1')).toMatchObject({ user: 'core', proxyjump: 'd-bastion' });
    expect(compute(block.text, 'd-i-0a1').proxycommand).toBeUndefined();
    expect(block.text).not.toContain('IdentityFile');
  });

  it('passes the config file to the inner ssh when it is not ~/.ssh/config, quoted for the shell and for ssh', () => {
    const block = buildManagedBlock(inventory(), normaliseOptions('dev', {}), '/tmp/my dir/100%/config');
    expect(compute(block.text, 'ecspoc-dev-i-0a1').proxycommand).toBe(
      "ssh -F '/tmp/my dir/100%%/config' -W %h:%p ecspoc-dev-bastion",
    );
  });

  it('still writes the instances, and a bastion entry without address, when the bastion is stopped', () => {
    const block = buildManagedBlock(
      inventory({
        bastion: { env: 'dev', stackName: 'ecspoc-dev-bastion', state: 'stopped', instanceId: 'i-0b1' },
      }),
      normaliseOptions('dev', {}),
    );
    expect(block.text).toContain(
      '# Bastion i-0b1 is stopped and has no public address. Start it and refresh this block: ecspoc bastion start --env dev',
    );
    expect(block.hosts[0].hostName).toBeUndefined();
    expect(compute(block.text, 'ecspoc-dev-bastion').hostname).toBeUndefined();
    expect(compute(block.text, 'ecspoc-dev-i-0a1').hostname).toBe('10.0.16.5');
  });

  it('says how to deploy a missing bastion', () => {
    const block = buildManagedBlock(
      inventory({
        bastion: {
          env: 'dev',
          stackName: 'ecspoc-dev-bastion',
          state: 'missing',
          missingReason: 'stack ecspoc-dev-bastion does not exist',
        },
      }),
      normaliseOptions('dev', {}),
    );
    expect(block.text).toContain(
      '# No bastion: stack ecspoc-dev-bastion does not exist. Deploy it: ecspoc deploy bastion --env dev',
    );
  });

  it('is deterministic and its recorded options and bastion address can be read back', () => {
    const options = normaliseOptions('dev', { identityFile: '~/.ssh/dev.pem', proxy: 'jump' });
    const a = buildManagedBlock(inventory(), options).text;
    expect(buildManagedBlock(inventory(), options).text).toBe(a);
    expect(readBlockOptions(a)).toEqual(options);
    expect(blockHostName(a, 'ecspoc-dev-bastion')).toBe('203.0.113.7');
    expect(readBlockOptions(a.replace(/\n/g, '\r\n'))).toEqual(options);
    expect(readBlockOptions('# ecspoc-options {broken')).toBeUndefined();
  });

  it('quotes an identity file with spaces so ssh reads one path', () => {
    const block = buildManagedBlock(
      inventory(),
      normaliseOptions('dev', { identityFile: '~/.ssh/my key.pem' }),
    );
    expect(block.text).toContain('IdentityFile "~/.ssh/my key.pem"');
    expect(compute(block.text, 'ecspoc-dev-i-0a1').identityfile).toEqual(['~/.ssh/my key.pem']);
  });
});

describe('normaliseOptions', () => {
  it('fills in the defaults and makes key paths absolute', () => {
    expect(normaliseOptions('qa', { identityFile: 'keys/qa.pem' }, '/home/a')).toEqual({
      user: 'ec2-user',
      bastionUser: 'ec2-user',
      identityFile: '/home/a/keys/qa.pem',
      bastionIdentityFile: '/home/a/keys/qa.pem',
      hostPrefix: 'ecspoc-qa-',
      proxy: 'command',
      via: 'bastion',
    });
  });

  it.each([
    [{ user: 'a b' }, /--user "a b" is not a valid login name/],
    [{ bastionUser: 'x*' }, /--bastion-user/],
    [{ hostPrefix: 'dev*' }, /--host-prefix "dev\*"/],
    [{ identityFile: 'a"b' }, /--identity-file must be a file path/],
    [{ bastionIdentityFile: 'a\nb' }, /--bastion-identity-file/],
    [{ proxy: 'socks' as 'jump' }, /--proxy must be "command" or "jump"/],
    [{ via: 'vpn' as 'ssm' }, /--via must be bastion, ssm or eice, not "vpn"/],
    [{ via: 'ssm' as const, bastionOnDemand: true }, /cannot be combined with --via ssm/],
    [{ region: 'eu-west-1; rm -rf ~' }, /is not a region name/],
  ])('refuses %p', (options, message) => {
    expect(() => normaliseOptions('dev', options)).toThrow(UsageError);
    expect(() => normaliseOptions('dev', options)).toThrow(message);
  });
});

describe('helpers', () => {
  it('summarises skipped instances, most frequent first', () => {
    expect(summariseSkipped([{ reason: 'pending' }, { reason: 'stopped' }, { reason: 'stopped' }])).toBe(
      '2 stopped, 1 pending',
    );
  });

  it('quotes a ProxyCommand argument only when needed', () => {
    expect(sshCommandArgument('/home/a/.ssh/config')).toBe('/home/a/.ssh/config');
    expect(sshCommandArgument("/it's here/config")).toBe(`'/it'\\''s here/config'`);
  });

  it('rebuilds the command line that writes a block again, defaults left out', () => {
    expect(sshConfigCommand('dev', normaliseOptions('dev', {}))).toBe('ecspoc ssh-config --write --env dev');
    expect(
      sshConfigCommand(
        'dev',
        normaliseOptions('dev', { identityFile: '~/.ssh/k.pem', proxy: 'jump', user: 'core' }),
        '/x/y z',
      ),
    ).toBe(
      "ecspoc ssh-config --write --env dev --file '/x/y z' --user core --identity-file ~/.ssh/k.pem --proxy jump",
    );
  });
});

describe('ssh-config --via and --bastion-on-demand', () => {
  it('ssm: no bastion entry; each instance through Session Manager to its own instance id, with region and profile', () => {
    const options = normaliseOptions('dev', { via: 'ssm', region: 'eu-west-1', profile: 'ops' });
    const block = buildManagedBlock(inventory(), options);
    expect(block.hosts.map((h) => h.alias)).toEqual(['ecspoc-dev-i-0a1', 'ecspoc-dev-i-0a2']);
    expect(compute(block.text, 'ecspoc-dev-i-0a2')).toMatchObject({
      hostname: '10.0.32.6',
      proxycommand:
        'aws ssm start-session --target i-0a2 --document-name AWS-StartSSHSession --parameters portNumber=%p --region eu-west-1 --profile ops',
    });
    expect(block.text).not.toContain('ecspoc-dev-bastion');
    expect(readBlockOptions(block.text)).toMatchObject({ via: 'ssm', region: 'eu-west-1', profile: 'ops' });
  });

  it('eice: each instance through open-tunnel to its instance id and the environment’s endpoint', () => {
    const options = normaliseOptions('dev', { via: 'eice', region: 'us-east-1' });
    const block = buildManagedBlock(inventory(), options, undefined, {
      instanceConnectEndpointId: 'eice-0123',
    });
    expect(compute(block.text, 'ecspoc-dev-i-0a1')).toMatchObject({
      proxycommand:
        'aws ec2-instance-connect open-tunnel --instance-id i-0a1 --instance-connect-endpoint-id eice-0123 --remote-port %p --region us-east-1',
    });
    expect(block.hosts.every((h) => h.role === 'instance')).toBe(true);
  });

  it('quotes a profile for the shell ssh runs the ProxyCommand with, and doubles % for ssh', () => {
    const options = normaliseOptions('dev', { via: 'ssm', profile: "it's 100%" });
    expect(directProxyCommand('ssm', 'i-1', options)).toBe(
      "aws ssm start-session --target i-1 --document-name AWS-StartSSHSession --parameters portNumber=%p --profile 'it'\\''s 100%%'",
    );
  });

  it('bastion on demand: instances go through ecspoc bastion proxy with the bastion’s user and key', () => {
    const options = normaliseOptions('dev', {
      bastionOnDemand: true,
      bastionUser: 'jump',
      bastionIdentityFile: '~/.ssh/jump.pem',
      region: 'eu-west-1',
      endpointUrl: 'http://127.0.0.1:5000',
    });
    const block = buildManagedBlock(
      inventory({ bastion: { ...inventory().bastion, state: 'stopped' } }),
      options,
    );
    expect(compute(block.text, 'ecspoc-dev-i-0a1')).toMatchObject({
      hostname: '10.0.16.5',
      proxycommand:
        'ecspoc bastion proxy --env dev --region eu-west-1 --endpoint-url http://127.0.0.1:5000 --user jump --identity-file ~/.ssh/jump.pem %h %p',
    });
    expect(onDemandProxyCommand('dev', normaliseOptions('dev', { bastionOnDemand: true }))).toBe(
      'ecspoc bastion proxy --env dev %h %p',
    );
    expect(sshConfigCommand('dev', options)).toContain('--bastion-on-demand');
  });
});
