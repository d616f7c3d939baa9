import type { EnvironmentStatus } from '../lib/status/index.js';
import { BaseCommand } from '../base-command.js';
import { bastionFlag, clusterFlag } from '../flags/cluster.js';

export default class Status extends BaseCommand<typeof Status> {
  static override readsExistingEnvironment = true;
  static override summary = 'Stacks, cluster, instances, services and bastion of one environment at a glance';
  static override description =
    "Shows each stack of the bundle with its status and last update (or NOT_DEPLOYED), the cluster's container " +
    "instances (active / draining), each service (desired / running, its PRIMARY deployment's rollout and failed tasks, " +
    'and when tasks fail the last stopped task with the events tail command that shows more), the bastion, and what ' +
    'needs attention with the command that helps. Read-only.';
  static override examples = [
    '<%= config.bin %> status --env staging',
    '<%= config.bin %> status --env staging --json',
    '<%= config.bin %> status --cluster payments-prod',
  ];
  static override flags = { ...clusterFlag, ...bastionFlag };
  static override enableJsonFlag = true;

  public async run(): Promise<EnvironmentStatus> {
    const { settings, aws } = await this.awsContext();
    const { runStatusFlow } = await import('../flows/status.js');
    const adopt = await this.adoption(settings);
    return this.finish(
      await runStatusFlow({
        aws,
        env: settings.env,
        json: this.jsonEnabled(),
        ...(settings.services ? { services: settings.services } : {}),
        ...(adopt ? { adopt } : {}),
      }),
    );
  }
}
