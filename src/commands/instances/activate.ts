import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
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
  static override flags = { yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }) };
  static override enableJsonFlag = true;

  public async run(): Promise<ActivateResult> {
    const { argv } = await this.parse(InstancesActivate);
    const { settings, aws } = await this.awsContext();
    const [{ instanceClients }, { describeFleet }, { activateInstances }, { confirm }, { pickMany }] =
      await Promise.all([
        import('../../lib/instances/clients.js'),
        import('../../lib/instances/fleet.js'),
        import('../../lib/instances/drain.js'),
        import('../../ui/prompt.js'),
        import('../../ui/pick.js'),
      ]);
    const clients = instanceClients(aws);
    const fleet = await describeFleet(clients, settings.env);
    let ids = argv as string[];
    if (ids.length === 0) {
      const draining = fleet.instances.filter((i) => i.ecsStatus === 'DRAINING');
      ids = await pickMany(
        'Instances to put back in service',
        draining.map((i) => ({ value: i.instanceId, name: `${i.instanceId}  ${i.availabilityZone ?? ''}` })),
        `Name them: ecspoc instances activate i-0abc123 --env ${settings.env}`,
      );
    }
    await confirm(`Set ${ids.join(', ')} ACTIVE?`, { yes: this.flags.yes, action: 'activate instances' });
    const { noteSink } = await import('../../ui/instances.js');
    const result = await activateInstances(clients, settings.env, ids, noteSink(this.jsonEnabled()), fleet);
    if (!this.jsonEnabled())
      process.stdout.write(`Set ${result.instances.map((i) => i.instanceId).join(', ')} ACTIVE.\n`);
    return result;
  }
}
