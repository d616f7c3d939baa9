import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../base-command.js';
import { planFlags } from '../flags/plan.js';

export default class Diff extends BaseCommand<typeof Diff> {
  static override summary = 'Show what a deploy would change; change nothing';
  static override description =
    'Plans a deploy of the selected components (default: the whole bundle): the order, each stack with its resource ' +
    'changes (add / modify / remove, replacement yes / no / conditional) and its parameters. Change sets are created to ' +
    'compute the changes and deleted afterwards. Exits 0 when nothing would change and 3 when something would. Without ' +
    'AWS credentials or endpoint it prints the offline plan (order, stacks, parameters it can resolve) and exits 1.';
  static override examples = [
    '<%= config.bin %> diff --env staging',
    '<%= config.bin %> diff cluster --env staging --parameter InstanceType=t3.medium',
    '<%= config.bin %> diff --env staging --json || echo "exit $? (3: there are changes)"',
  ];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = {
    components: Args.string({ description: 'components to plan (with what they depend on); default: all' }),
  };
  static override flags = {
    ...planFlags,
    concurrency: Flags.integer({ description: 'stacks planned at once', default: 8, min: 1, max: 50 }),
  };

  public async run(): Promise<unknown> {
    const { argv } = await this.parse(Diff);
    const { runDiff } = await import('../flows/diff.js');
    const outcome = await runDiff(this.globalFlagValues(), () => this.awsContext(), {
      selection: argv as string[],
      parameters: this.flags.parameter,
      concurrency: this.flags.concurrency,
      json: this.jsonEnabled(),
    });
    return this.finish(outcome);
  }
}
