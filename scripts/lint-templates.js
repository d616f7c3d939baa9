#!/usr/bin/env node
// Lints every CloudFormation template in templates/ with one cfn-lint call (a run costs 3-5 s of
// start-up, so the templates go together). cfn-lint's exit code is a bit set: 2 error, 4 warning,
// 8 informational. Errors and warnings fail; informational findings are printed and pass.
// Without cfn-lint the check fails in CI (CI=true) and is skipped with a message elsewhere.
// Then AWS Control Tower's proactive cfn-guard rules (scripts/guard-templates.js) run on every
// template with its parameter defaults filled in; a finding not in scripts/guard-suppressions.json
// fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { guardTemplates } from './guard-templates.js';

const ERROR = 2;
const WARNING = 4;
const INFORMATIONAL = 8;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const templatesDir = join(root, 'templates');
const templates = readdirSync(templatesDir)
  .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
  .sort()
  .map((name) => relative(root, join(templatesDir, name)));

if (templates.length === 0) {
  console.error(`lint-templates: no templates found in ${relative(root, templatesDir) || '.'}`);
  process.exit(1);
}

const result = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...templates], {
  cwd: root,
  encoding: 'utf8',
});

if (result.error) {
  if (result.error.code === 'ENOENT') {
    const message = 'lint-templates: cfn-lint is not installed (pip install cfn-lint)';
    if (process.env.CI === 'true') {
      console.error(`${message}; CI requires it.`);
      process.exit(1);
    }
    console.error(`${message}; skipping the template lint.`);
    process.exit(0);
  }
  console.error(`lint-templates: could not run cfn-lint: ${result.error.message}`);
  process.exit(1);
}

process.stdout.write(result.stdout);
process.stderr.write(result.stderr);

const status = result.status ?? 1;
if (result.signal || status & 1 || status > 15) {
  console.error(`lint-templates: cfn-lint failed to run (${result.signal ?? `exit code ${status}`})`);
  process.exit(1);
}
const found = [
  status & ERROR ? 'errors' : undefined,
  status & WARNING ? 'warnings' : undefined,
  status & INFORMATIONAL ? 'informational findings' : undefined,
].filter(Boolean);
if (status & (ERROR | WARNING)) {
  console.error(`lint-templates: cfn-lint found ${found.join(' and ')} in ${templates.length} templates`);
  process.exit(1);
}
const guardFindings = guardTemplates(root, templates);
if (guardFindings > 0) {
  console.error(
    `lint-templates: cfn-guard (Control Tower proactive rules) found ${guardFindings} unsuppressed findings`,
  );
  process.exit(1);
}
console.log(
  `lint-templates: ${templates.length} templates clean (cfn-lint, and cfn-guard with every suppression explained)` +
    (status & INFORMATIONAL ? ' (informational findings above are allowed)' : ''),
);
