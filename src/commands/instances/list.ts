import { Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import { asgFlag, clusterFlag } from '../../flags/cluster.js';
import type { InstanceList } from '../../lib/instances/list.js';

export default class InstancesList extends BaseCommand<typeof InstancesList> {
  static override readsExistingEnvironment = true;
  static override summary =
    'List the container instances: state, agent, tasks, AMI and whether each is outdated';
  static override description =
    "Every container instance of the environment's cluster, and every instance of its Auto Scaling Group not " +
    'registered yet: instance id, EC2 state, ECS status, agent connection, running and pending tasks, AMI, whether it ' +
    'differs from the launch template the group launches now (version and AMI), private IP, AZ and launch time.';
  static override examples = [
    '<%= config.bin %> instances list --env staging',
    '<%= config.bin %> instances list --outdated --json',
    '<%= config.bin %> instances list --cluster payments-prod',
  ];
  static override flags = {
    ...clusterFlag,
    ...asgFlag,
    outdated: Flags.boolean({
      description: 'only instances that differ from the launch template (version or AMI)',
    }),
  };
  static override enableJsonFlag = true;

  public async run(): Promise<InstanceList> {
    const { settings, aws } = await this.awsContext();
    const { runInstancesListFlow } = await import('../../flows/status.js');
    const adopt = await this.adoption(settings);
    return this.finish(
      await runInstancesListFlow({
        aws,
        env: settings.env,
        outdatedOnly: this.flags.outdated,
        json: this.jsonEnabled(),
        ...(adopt ? { adopt } : {}),
      }),
    );
  }
}
