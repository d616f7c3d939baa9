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
    const { flags } = this;
    const { settings, aws } = await this.awsContext();
    const [{ bastionClients, stopBastion, startBastionHint }, { bastionEventPrinter }, { confirm }] =
      await Promise.all([
        import('../../lib/bastion/index.js'),
        import('../../ui/bastion-output.js'),
        import('../../ui/prompt.js'),
      ]);
    const env = settings.env;
    const result = await stopBastion(bastionClients(aws), env, {
      wait: flags.wait,
      timeoutMs: flags.timeout,
      ...(this.jsonEnabled() ? {} : { onEvent: bastionEventPrinter() }),
      confirm: (bastion) =>
        confirm(
          `Stop the bastion ${bastion.instanceId} of "${env}"? SSH to its instances stops working until it is started again.`,
          { yes: flags.yes, action: `stop the bastion of "${env}"` },
        ),
    });
    if (!this.jsonEnabled()) {
      const { bastion } = result;
      const what =
        !result.changed && bastion.state === 'stopped' ? 'is already stopped' : `is ${bastion.state}`;
      process.stderr.write(
        `The bastion ${bastion.instanceId} of "${env}" ${what}. Start it again with: ${startBastionHint(env)}\n`,
      );
    }
    return result;
  }
}
