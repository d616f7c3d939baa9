import { Flags } from '@oclif/core';

import type { BastionActionResult } from '../../lib/bastion/index.js';
import { BaseCommand } from '../../base-command.js';
import { durationFlag } from '../../flags/duration.js';

/** The start result, and whether the SSH config was refreshed with the new address. */
export type BastionStartResult = BastionActionResult & { sshConfig?: { file: string; refreshed: boolean } };

export default class BastionStart extends BaseCommand<typeof BastionStart> {
  static override readsExistingEnvironment = true;
  static override summary =
    'Start the bastion, print its new public address, offer to refresh the SSH config';
  static override description =
    'Starts the bastion instance and waits until it runs and passes its EC2 status checks, then prints its addresses. ' +
    'The public address changes on every start: when ~/.ssh/config (or --ssh-config-file) holds a block written by ' +
    '"ecspoc ssh-config --write" for this environment, a terminal is asked whether to refresh it ' +
    '(--refresh-ssh-config does so without asking, --no-refresh-ssh-config never).';
  static override examples = [
    '<%= config.bin %> bastion start',
    '<%= config.bin %> bastion start --env staging --refresh-ssh-config',
    '<%= config.bin %> bastion start --no-wait',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    wait: Flags.boolean({
      description: 'wait until the bastion runs and is reachable',
      default: true,
      allowNo: true,
    }),
    timeout: durationFlag({
      description: 'how long to wait in all before giving up (exit code 5)',
      default: '10m',
      bareSeconds: true,
      minMs: 1_000,
    }),
    'refresh-ssh-config': Flags.boolean({
      description: 'rewrite the SSH config block with the new address (default: ask on a terminal)',
      allowNo: true,
    }),
    yes: Flags.boolean({
      char: 'y',
      description:
        'do not ask: refresh the SSH config block with the new address (unless --no-refresh-ssh-config)',
    }),
    'ssh-config-file': Flags.string({ description: 'SSH config file to refresh (default: ~/.ssh/config)' }),
  };

  public async run(): Promise<BastionStartResult> {
    const { flags } = this;
    const { settings, aws } = await this.awsContext();
    const [bastionLib, { bastionEventPrinter, renderBastionStatus }] = await Promise.all([
      import('../../lib/bastion/index.js'),
      import('../../ui/bastion-output.js'),
    ]);
    const env = settings.env;
    const json = this.jsonEnabled();
    const result = await bastionLib.startBastion(bastionLib.bastionClients(aws), env, {
      wait: flags.wait,
      timeoutMs: flags.timeout,
      ...(json ? {} : { onEvent: bastionEventPrinter() }),
    });
    if (!json) process.stdout.write(renderBastionStatus(result.bastion));
    if (result.bastion.state !== 'running') {
      if (!json)
        process.stderr.write(
          `Its public address is known once it runs: ecspoc bastion status --env ${env}\n`,
        );
      return result;
    }
    const { offerSshConfigRefresh } = await import('../../ui/ssh-refresh.js');
    const sshConfig = await offerSshConfigRefresh(aws, result.bastion, {
      file: flags['ssh-config-file'],
      refresh: flags['refresh-ssh-config'] ?? (flags.yes ? true : undefined),
      json,
    });
    return { ...result, ...(sshConfig ? { sshConfig } : {}) };
  }
}
