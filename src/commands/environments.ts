import type { EnvironmentList } from '../lib/environments/index.js';
import { BaseCommand } from '../base-command.js';

export default class Environments extends BaseCommand<typeof Environments> {
  static override summary = 'Every ecspoc environment of the account and region, at a glance';
  static override description =
    'Finds the environments from the names of the stacks (ecspoc-<env>-<component>) and shows, for each, the number ' +
    "of stacks, the stack status that most needs attention, the cluster's container instances and services, and the " +
    'last update. Read-only: one paginated ListStacks and one DescribeClusters per hundred environments.';
  static override aliases = ['envs'];
  static override examples = ['<%= config.bin %> environments', '<%= config.bin %> envs --json'];
  static override enableJsonFlag = true;

  public async run(): Promise<EnvironmentList> {
    const { aws, region } = await this.awsContext();
    const [{ CloudFormationClient }, { ECSClient }, { listEnvironments }, { renderEnvironments }] =
      await Promise.all([
        import('../lib/aws/sdk/cloudformation.js'),
        import('../lib/aws/sdk/ecs.js'),
        import('../lib/environments/index.js'),
        import('../ui/environments-view.js'),
      ]);
    const list = await listEnvironments(
      { cloudformation: aws.client(CloudFormationClient), ecs: aws.client(ECSClient) },
      region,
    );
    if (!this.jsonEnabled()) process.stdout.write(renderEnvironments(list));
    return list;
  }
}
