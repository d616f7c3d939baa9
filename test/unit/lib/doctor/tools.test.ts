import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { checkLocalTools, findOnPath, missingToolProblems } from '../../../../src/lib/doctor/tools.js';

const root = mkdtempSync(join(tmpdir(), 'ecspoc-tools-'));
const dir = (name: string) => {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  return path;
};
const program = (directory: string, name: string, mode = 0o755) => {
  writeFileSync(join(directory, name), '#!/bin/sh\n');
  chmodSync(join(directory, name), mode);
  return join(directory, name);
};

const empty = dir('empty');
const notExecutable = dir('not-executable');
program(notExecutable, 'session-manager-plugin', 0o644);
const directoryOnly = dir('directory-only');
dir('directory-only/session-manager-plugin');
const installed = dir('installed');
const plugin = program(installed, 'session-manager-plugin');
const aws = program(installed, 'aws');

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findOnPath', () => {
  it('finds the first executable file of that name, as the shell does', () => {
    const path = [empty, notExecutable, directoryOnly, installed].join(delimiter);
    expect(findOnPath('session-manager-plugin', path)).toBe(plugin);
  });

  it('skips a file that is not executable and a directory of that name', () => {
    expect(
      findOnPath('session-manager-plugin', [notExecutable, directoryOnly].join(delimiter)),
    ).toBeUndefined();
  });

  it('finds nothing on an empty or unset PATH, or with empty entries', () => {
    expect(findOnPath('aws', '')).toBeUndefined();
    expect(findOnPath('aws', undefined)).toBeUndefined();
    expect(findOnPath('aws', `${delimiter}${empty}${delimiter}`)).toBeUndefined();
  });
});

describe('checkLocalTools', () => {
  it('reports where session-manager-plugin and aws are', () => {
    expect(checkLocalTools(installed)).toEqual([
      expect.objectContaining({ name: 'aws', path: aws }),
      expect.objectContaining({ name: 'session-manager-plugin', path: plugin }),
    ]);
  });

  it('says what needs a missing plugin and how to install it', () => {
    const tools = checkLocalTools(empty);
    const missing = tools.find((t) => t.name === 'session-manager-plugin')!;
    expect(missing.path).toBeUndefined();
    expect(missing.neededFor).toContain('ssh-config --via ssm');
    expect(missing.install).toContain('session-manager-working-with-install-plugin');
  });
});

describe('missingToolProblems', () => {
  const none = checkLocalTools(empty);

  it('is a problem only for the way in the config file chose', () => {
    expect(missingToolProblems(none, undefined)).toEqual([]);
    expect(missingToolProblems(none, 'bastion')).toEqual([]);
    expect(missingToolProblems(none, 'ssm').map((p) => p.message)).toEqual([
      'aws is not on PATH, and sshVia is ssm: it is needed by ssh-config --via ssm and --via eice (the ProxyCommand runs the AWS CLI).',
      'session-manager-plugin is not on PATH, and sshVia is ssm: it is needed by ssh-config --via ssm (aws ssm start-session hands the session to the plugin).',
    ]);
    // An Instance Connect tunnel is the AWS CLI's own: no plugin.
    expect(missingToolProblems(none, 'eice').map((p) => p.message)).toEqual([
      expect.stringMatching(/^aws is not on PATH/),
    ]);
  });

  it('is no problem once both are installed', () => {
    expect(missingToolProblems(checkLocalTools(installed), 'ssm')).toEqual([]);
  });
});
