import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  assertEnvName,
  mergeConfigs,
  projectConfigPath,
  resolveSettings,
} from '../../../../src/lib/config/index.js';
import { UsageError } from '../../../../src/lib/errors.js';

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'ecspoc-config-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('resolveSettings', () => {
  it('defaults to env dev and leaves region to the profile', async () => {
    const root = workspace({});
    const settings = await resolveSettings({}, { cwd: root, env: { HOME: root } });
    expect(settings).toMatchObject({ env: 'dev', envSource: 'default', region: undefined, configFiles: [] });
  });

  it('applies flag > environment variable > config file > default', async () => {
    const root = workspace({
      'home/.config/ecspoc/config.yml': 'env: user\nregion: eu-west-1\nprofile: userprofile\n',
      'repo/.ecspoc.yml': 'env: project\nenvironments:\n  project:\n    region: eu-central-1\n',
    });
    const cwd = join(root, 'repo');
    const env = { HOME: join(root, 'home') };
    expect(await resolveSettings({}, { cwd, env })).toMatchObject({
      env: 'project',
      envSource: 'config',
      region: 'eu-central-1',
      regionSource: 'config',
      profile: 'userprofile',
    });
    expect(
      await resolveSettings({}, { cwd, env: { ...env, ECSPOC_ENV: 'fromvar', AWS_REGION: 'us-west-2' } }),
    ).toMatchObject({
      env: 'fromvar',
      envSource: 'environment',
      region: 'us-west-2',
      regionSource: 'environment',
    });
    expect(
      await resolveSettings(
        { env: 'flagged', region: 'ap-south-1' },
        { cwd, env: { ...env, ECSPOC_ENV: 'fromvar' } },
      ),
    ).toMatchObject({ env: 'flagged', envSource: 'flag', region: 'ap-south-1', regionSource: 'flag' });
  });

  it('finds the project file in a parent directory', async () => {
    const root = workspace({ 'repo/.ecspoc.yml': 'env: up\n', 'repo/a/b/.keep': '' });
    expect(projectConfigPath(join(root, 'repo/a/b'), {})).toBe(join(root, 'repo/.ecspoc.yml'));
  });

  it('rejects unknown keys and bad YAML with the file name', async () => {
    const root = workspace({ 'repo/.ecspoc.yml': 'evn: typo\n' });
    await expect(resolveSettings({}, { cwd: join(root, 'repo'), env: { HOME: root } })).rejects.toThrow(
      /\.ecspoc\.yml: unknown key "evn"/,
    );
    const broken = workspace({ 'repo/.ecspoc.yml': 'env: [\n' });
    await expect(resolveSettings({}, { cwd: join(broken, 'repo'), env: { HOME: broken } })).rejects.toThrow(
      /not valid YAML/,
    );
  });

  describe('sshVia, the way ssh-config reaches instances', () => {
    const settingsOf = async (yaml: string, flags: { env?: string } = {}) => {
      const root = workspace({ 'repo/.ecspoc.yml': yaml });
      return resolveSettings(flags, { cwd: join(root, 'repo'), env: { HOME: root } });
    };

    it('is read from the top level', async () => {
      expect((await settingsOf('sshVia: ssm\n')).sshVia).toBe('ssm');
      expect((await settingsOf('env: dev\n')).sshVia).toBeUndefined();
    });

    it("is read per environment, the environment's entry over the top level", async () => {
      const yaml = 'sshVia: ssm\nenvironments:\n  staging:\n    sshVia: eice\n';
      expect((await settingsOf(yaml, { env: 'staging' })).sshVia).toBe('eice');
      expect((await settingsOf(yaml, { env: 'dev' })).sshVia).toBe('ssm');
      expect((await settingsOf('environments:\n  dev:\n    sshVia: bastion\n')).sshVia).toBe('bastion');
    });

    it('refuses a bad value in one line, naming the file and the key, with the nearest way in', async () => {
      const top = settingsOf('sshVia: sms\n');
      await expect(top).rejects.toThrow(UsageError);
      await expect(top).rejects.toThrow(
        /\.ecspoc\.yml: "sshVia" must be bastion, ssm or eice, not "sms" \(did you mean "ssm"\?\)$/,
      );
      const error = await settingsOf('environments:\n  dev:\n    sshVia: eic\n').catch((e: Error) => e);
      expect((error as Error).message).toMatch(
        /: "environments\.dev\.sshVia" must be bastion, ssm or eice, not "eic" \(did you mean "eice"\?\)$/,
      );
      expect((error as Error).message).not.toContain('\n');
      await expect(settingsOf('sshVia: vpn\n')).rejects.toThrow(/not "vpn"$/);
    });
  });

  it('reads the FilterLogEvents budget of logs tail (logs.maxRate) as a number, the project file winning', async () => {
    const root = workspace({
      '.config/ecspoc/config.yml': 'logs:\n  maxRate: 10\n',
      'repo/.ecspoc.yml': 'logs:\n  maxRate: 25\n',
    });
    const settings = await resolveSettings({}, { cwd: join(root, 'repo'), env: { HOME: root } });
    expect(settings.logs).toEqual({ maxRate: 25 });
    const none = workspace({});
    expect((await resolveSettings({}, { cwd: none, env: { HOME: none } })).logs).toEqual({});
    for (const bad of [
      'logs:\n  maxRate: fast\n',
      'logs:\n  maxRate: 0\n',
      'logs:\n  rate: 5\n',
      'logs: 5\n',
    ]) {
      const broken = workspace({ 'repo/.ecspoc.yml': bad });
      await expect(resolveSettings({}, { cwd: join(broken, 'repo'), env: { HOME: broken } })).rejects.toThrow(
        /\.ecspoc\.yml: .*logs/,
      );
    }
  });

  it('adopts a cluster ecspoc did not deploy per environment, and knows its keys', async () => {
    const root = workspace({
      'repo/.ecspoc.yml': [
        'environments:',
        '  prod:',
        '    cluster: payments-prod',
        '    asg: payments-prod-a',
        '    bastion: i-0123456789abcdef0',
        '    instanceLogPrefix: /payments/prod/',
        '  dev: {}',
        '',
      ].join('\n'),
    });
    const cwd = join(root, 'repo');
    expect((await resolveSettings({ env: 'prod' }, { cwd, env: { HOME: root } })).adopt).toEqual({
      cluster: 'payments-prod',
      asg: 'payments-prod-a',
      bastion: 'i-0123456789abcdef0',
      instanceLogPrefix: '/payments/prod/',
    });
    expect((await resolveSettings({ env: 'dev' }, { cwd, env: { HOME: root } })).adopt).toBeUndefined();
    for (const [bad, message] of [
      [
        'environments:\n  prod:\n    clustr: x\n',
        /unknown key "environments.prod.clustr" \(did you mean "cluster"\?\)/,
      ],
      ['environments:\n  prod:\n    asg: x\n', /environments.prod.asg needs environments.prod.cluster/],
      ['environments:\n  prod:\n    cluster: 5\n', /environments.prod.cluster must be a non-empty string/],
    ] as const) {
      const broken = workspace({ 'repo/.ecspoc.yml': bad });
      await expect(
        resolveSettings({ env: 'prod' }, { cwd: join(broken, 'repo'), env: { HOME: broken } }),
      ).rejects.toThrow(message);
    }
  });

  it('reads parameter overrides per environment and per component as strings', async () => {
    const root = workspace({
      'repo/.ecspoc.yml': [
        'environments:',
        '  dev:',
        '    parameters:',
        '      InstanceType: t3.small',
        '      DesiredCapacity: 3',
        '    components:',
        '      bastion:',
        '        parameters:',
        '          SshCidr: 203.0.113.7/32',
      ].join('\n'),
    });
    const settings = await resolveSettings({}, { cwd: join(root, 'repo'), env: { HOME: root } });
    expect(settings.environment.parameters).toEqual({ InstanceType: 't3.small', DesiredCapacity: '3' });
    expect(settings.environment.components?.bastion?.parameters).toEqual({ SshCidr: '203.0.113.7/32' });
  });

  it('rejects an endpoint that is not a URL', async () => {
    const root = workspace({});
    await expect(
      resolveSettings({ endpointUrl: '127.0.0.1:5000' }, { cwd: root, env: { HOME: root } }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe('mergeConfigs', () => {
  it('lets the later file win key by key, merging environment parameters', () => {
    const merged = mergeConfigs([
      { region: 'eu-west-1', environments: { dev: { parameters: { A: '1', B: '1' } } } },
      { environments: { dev: { parameters: { B: '2' } } } },
    ]);
    expect(merged.region).toBe('eu-west-1');
    expect(merged.environments?.dev.parameters).toEqual({ A: '1', B: '2' });
  });
});

describe('assertEnvName', () => {
  it.each(['dev', 'staging', 'alice-1', 'a', 'abcdefghijkl'])('accepts %s', (name) => {
    expect(() => assertEnvName(name)).not.toThrow();
  });

  it.each([
    ['', /empty/],
    ['Dev', /lower-case/],
    ['dev_1', /lower-case/],
    ['1dev', /start with a letter/],
    ['dev-', /end with a hyphen/],
    ['a--b', /two hyphens/],
    ['abcdefghijklm', /32 characters/],
  ])('rejects %p naming the rule', (name, rule) => {
    expect(() => assertEnvName(name)).toThrow(rule);
  });
});
