import type { SshConfigResult } from '../lib/ssh/index.js';
import { paint } from './style.js';

/** Draws what `ecspoc ssh-config` did: the block or the diff on stdout, outcome and warnings on stderr. */
export function renderSshConfigResult(result: SshConfigResult, options: { json: boolean }): void {
  if (options.json) return;
  const err = (line: string) => process.stderr.write(line + '\n');
  for (const warning of result.warnings) {
    err(`${paint('yellow', 'Warning:')} ${warning.message}`);
    if (warning.suggestion) err(`Try: ${warning.suggestion}`);
  }
  const instances = result.hosts.filter((h) => h.role === 'instance').length;
  const summary = `the bastion and ${instances} container instance${instances === 1 ? '' : 's'}`;
  if (result.diff !== undefined) {
    if (result.changed) process.stdout.write(result.diff);
    else err(`No changes: ${result.target} already holds this block for "${result.env}".`);
  } else if (result.file) {
    if (!result.changed) err(`${result.target} is up to date for "${result.env}"; nothing written.`);
    else {
      err(
        `Wrote ${summary} of "${result.env}" to ${result.target}${result.backup ? ` (previous file: ${result.backup})` : ''}.`,
      );
      const bastion = result.hosts.find((h) => h.role === 'bastion');
      if (bastion?.hostName) err(`Try: ssh ${bastion.alias}`);
    }
  } else {
    process.stdout.write(result.config);
  }
}
