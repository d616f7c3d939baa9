import { Flags } from '@oclif/core';

import type { BastionActionResult } from '../../lib/bastion/index.js';
import { BaseCommand } from '../../base-command.js';
import { durationFlag } from '../../flags/duration.js';

export default class BastionStop extends BaseCommand<typeof BastionStop> {
  static override readsExistingEnvironment = true;
  static override summary = 'Stop the bastion while nobody needs it';
  static override description =
    'Stops the bastion instance (asks first on a terminal; --yes otherwise) and waits until it is stopped. ' +
    'Its public address is released: after the next start, refresh the SSH config. A stopped bastion is left alone.';
  static override examples = [
    '<%= config.bin %> bastion stop',
    '<%= config.bin %> bastion stop --env staging --yes --no-wait',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'stop without asking' }),
    wait: Flags.boolean({ description: 'wait until the bastion is stopped', default: true, allowNo: true }),
    timeout: durationFlag({
      description: 'how long to wait in all before giving up (exit code 5)',
      default: '10m',
      bareSeconds: true,
      minMs: 1_000,
    }),
  };

  public async run(): Promise<BastionActionResult> {
    const { settings, aws } = await this.awsContext();
    const { runBastionStopFlow } = await import('../../flows/bastion.js');
    return this.finish(
      await runBastionStopFlow({
        aws,
        env: settings.env,
        wait: this.flags.wait,
        timeoutMs: this.flags.timeout,
        yes: this.flags.yes,
        json: this.jsonEnabled(),
      }),
    );
  }
}
