import { Flags } from '@oclif/core';

import type { AllRegionsEnvironmentList, EnvironmentList } from '../lib/environments/index.js';
import { BaseCommand } from '../base-command.js';

export default class Environments extends BaseCommand<typeof Environments> {
  static override summary = 'Every ecspoc environment of the account and region, at a glance';
  static override description =
    'Finds the environments from the names of the stacks (ecspoc-<env>-<component>) and shows, for each, the number ' +
    "of stacks, the stack status that most needs attention, the cluster's container instances and services, and the " +
    'last update. Read-only: one paginated ListStacks and one DescribeClusters per hundred environments.';
  static override aliases = ['envs'];
  static override examples = [
    '<%= config.bin %> environments',
    '<%= config.bin %> envs --json',
    '<%= config.bin %> environments --all-regions',
  ];
  static override flags = {
    'all-regions': Flags.boolean({
      description:
        'look in every region enabled for the account (DescribeRegions), four at a time; a region that cannot be read is a line, not a failure',
    }),
  };
  static override enableJsonFlag = true;

  public async run(): Promise<EnvironmentList | AllRegionsEnvironmentList> {
    const { aws, region } = await this.awsContext();
    const [{ CloudFormationClient }, { ECSClient }, { EC2Client }, lib, view] = await Promise.all([
      import('../lib/aws/sdk/cloudformation.js'),
      import('../lib/aws/sdk/ecs.js'),
      import('../lib/aws/sdk/ec2.js'),
      import('../lib/environments/index.js'),
      import('../ui/environments-view.js'),
    ]);
    const clientsOf = (factory: typeof aws) => ({
      cloudformation: factory.client(CloudFormationClient),
      ecs: factory.client(ECSClient),
    });
    if (this.flags['all-regions']) {
      const regions = await lib.enabledRegions(aws.client(EC2Client));
      const all = await lib.listEnvironmentsInRegions(regions, (name) =>
        clientsOf(name === region ? aws : this.regional(aws.forRegion(name))),
      );
      if (!this.jsonEnabled()) process.stdout.write(view.renderAllRegions(all));
      return all;
    }
    const list = await lib.listEnvironments(clientsOf(aws), region);
    if (!this.jsonEnabled()) process.stdout.write(view.renderEnvironments(list));
    return list;
  }

  private readonly others: Array<{ destroy(): void }> = [];

  /** Keeps a region's factory to release its sockets when the command ends. */
  private regional<F extends { destroy(): void }>(factory: F): F {
    this.others.push(factory);
    return factory;
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    for (const factory of this.others) factory.destroy();
    return super.finally(error);
  }
}
