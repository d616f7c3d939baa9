import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runCli } from './helpers/cli.js';

// Shell completion as a user sets it up: `ecspoc autocomplete bash` builds the cache, the printed
// setup line is sourced by bash, and bash's completion function answers partial command lines.
const home = mkdtempSync(join(tmpdir(), 'ecspoc-completion-'));

function complete(words: string[]): string[] {
  const script = [
    `source "${home}/.cache/ecspoc/autocomplete/bash_setup"`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_ecspoc_autocomplete',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('; ');
  const result = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: home },
  });
  expect(result.status).toBe(0);
  return result.stdout.trim().split('\n').filter(Boolean).sort();
}

describe('shell completion', () => {
  beforeAll(async () => {
    const setup = await runCli(['autocomplete', 'bash'], { env: { HOME: home } });
    expect(setup.code).toBe(0);
    expect(setup.stdout).toContain('ecspoc autocomplete script bash');
  });

  it('completes commands, topics and flags in bash', () => {
    expect(complete(['ecspoc', 'do'])).toEqual(['doctor']);
    expect(complete(['ecspoc', 'bastion', 'st'])).toEqual(['start', 'status', 'stop']);
    expect(complete(['ecspoc', 'doctor', '--en'])).toEqual(['--endpoint-url', '--env']);
    expect(complete(['ecspoc', 'logs', 'ta'])).toEqual(['tail']);
  });
});

describe('a mistyped command', () => {
  it('exits 127 and points to the list of commands', async () => {
    const result = await runCli(['doctr']);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('doctr is not a ecspoc command');
    expect(result.stderr).toContain('ecspoc help');
  });
});
