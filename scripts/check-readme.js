#!/usr/bin/env node
// CI: the command reference in README.md must be what `oclif readme` generates from the commands.
// `npm run readme` regenerates it; this script fails, with the command to run, when it is stale.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const copy = join(mkdtempSync(join(tmpdir(), 'ecspoc-readme-')), 'README.md');
copyFileSync('README.md', copy);
execFileSync('npx', ['oclif', 'readme', '--no-aliases', '--no-source-links', '--readme-path', copy], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (readFileSync(copy, 'utf8') !== readFileSync('README.md', 'utf8')) {
  console.error('README.md: the command reference is out of date.\nTry: npm run build && npm run readme');
  process.exit(1);
}
console.log('README.md command reference is up to date.');
