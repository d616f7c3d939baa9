import type { AwsClients } from '../lib/aws/clients.js';
import type { BastionStatus } from '../lib/bastion/index.js';
import { agree } from '../ui/prompt.js';
import { renderSshConfigResult } from '../ui/ssh-output.js';
import { canPrompt } from '../ui/terminal.js';

/**
 * After a start: when the SSH config holds this environment's block with another bastion address,
 * refreshes it (`refresh` true), or asks on a terminal (`refresh` undefined), or prints the command
 * that does it. Returns what happened to the file, or undefined when it has no block.
 */
export async function offerSshConfigRefresh(
  aws: AwsClients,
  bastion: BastionStatus,
  options: { file?: string; refresh?: boolean; json: boolean },
): Promise<{ file: string; refreshed: boolean } | undefined> {
  const [ssh, { expandConfigPath }] = await Promise.all([
    import('../lib/ssh/index.js'),
    import('../lib/ssh/file.js'),
  ]);
  const env = bastion.env;
  const say = (line: string) => (options.json ? undefined : process.stderr.write(line + '\n'));
  const file = options.file === undefined ? undefined : expandConfigPath(options.file);
  const info = await ssh.inspectManagedBlock(env, file);
  const address = bastion.publicIp ?? bastion.publicDnsName;
  const command = ssh.sshConfigCommand(env, info.options ?? { user: 'ec2-user', proxy: 'command' }, file);
  if (!info.exists) {
    say(`Try: ${command}  (writes SSH config for the bastion and every container instance)`);
    return undefined;
  }
  if (address !== undefined && info.bastionHostName === address) {
    say(`${info.file} already carries the bastion address ${address}.`);
    return { file: info.file, refreshed: false };
  }
  let refresh = options.refresh;
  if (refresh === undefined && canPrompt() && !options.json) {
    refresh = await agree(`The bastion's address changed. Refresh the "${env}" block of ${info.file}?`, {
      yes: false,
      action: `refresh ${info.file}`,
    });
  }
  if (!refresh) {
    say(`${info.file} still names the old bastion address. Refresh it: ${command}`);
    return { file: info.file, refreshed: false };
  }
  const result = await ssh.refreshSshConfig(ssh.sshClients(aws), env, info.file);
  if (result) renderSshConfigResult(result, { json: options.json });
  return { file: info.file, refreshed: result?.written ?? false };
}
