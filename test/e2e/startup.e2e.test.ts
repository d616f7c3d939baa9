import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BIN, ROOT } from './helpers/cli.js';

function loadedModules(args: string[]): string[] {
  const record = join(mkdtempSync(join(tmpdir(), 'ecspoc-imports-')), 'imports.txt');
  const result = spawnSync(
    process.execPath,
    ['--import', join(ROOT, 'test/e2e/helpers/record-imports.mjs'), BIN, ...args],
    {
      env: { PATH: process.env.PATH, HOME: tmpdir(), ECSPOC_RECORD_IMPORTS: record },
      encoding: 'utf8',
    },
  );
  expect(result.status).toBe(0);
  return readFileSync(record, 'utf8').trim().split('\n');
}

describe('start-up', () => {
  it.each([[['--version']], [['--help']], [['doctor', '--help']], [['logs', 'tail', '--help']]])(
    '%p loads no AWS SDK, listr2 or prompt code',
    (args) => {
      const modules = loadedModules(args);
      expect(modules.length).toBeGreaterThan(0);
      expect(modules.filter((url) => /@aws-sdk|@smithy|listr2|@inquirer/.test(url))).toEqual([]);
    },
  );

  it('prints the version of package.json', () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    const result = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(result.stdout).toContain(`ecspoc/${version}`);
  });
});
