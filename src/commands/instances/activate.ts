import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import { asgFlag, clusterFlag } from '../../flags/cluster.js';
import type { ActivateResult } from '../../lib/instances/drain.js';

export default class InstancesActivate extends BaseCommand<typeof InstancesActivate> {
  static override readsExistingEnvironment = true;
  static override summary = 'Put DRAINING container instances back in service (ACTIVE)';
  static override description =
    'Undoes `instances drain`: ECS places tasks on the instances again. Without ids on a terminal, pick from the DRAINING instances.';
  static override examples = ['<%= config.bin %> instances activate i-0abc123 i-0def456 --yes'];
  static override strict = false;
  static override args = {
    ids: Args.string({ description: 'instance ids (i-…), container instance ids or ARNs' }),
  };
  static override flags = {
    ...clusterFlag,
    ...asgFlag,
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };
  static override enableJsonFlag = true;

  public async run(): Promise<ActivateResult> {
    const { argv } = await this.parse(InstancesActivate);
    const { settings, aws } = await this.awsContext();
    const { runActivateFlow } = await import('../../flows/drain.js');
    return this.finish(
      await runActivateFlow({
        aws,
        env: settings.env,
        adopt: await this.adoption(settings),
        ids: argv as string[],
        yes: this.flags.yes,
        json: this.jsonEnabled(),
      }),
    );
  }
}
