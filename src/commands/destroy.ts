import { Flags } from '@oclif/core';

import { BaseCommand } from '../base-command.js';

export default class Destroy extends BaseCommand<typeof Destroy> {
  static override readsExistingEnvironment = true;
  static override summary = "Delete the environment's stacks in reverse dependency order";
  static override description =
    'Deletes every stack of the environment, each once the stacks that use it are gone, independent ones in parallel. ' +
    'Asks you to type the environment name (or --yes). Buckets and ECR repositories that hold data are emptied first ' +
    'if you agree or pass --empty-buckets; otherwise their stacks cannot be deleted. Resources kept by a DeletionPolicy ' +
    'are listed at the end.';
  static override examples = [
    '<%= config.bin %> destroy --env sandbox',
    '<%= config.bin %> destroy --env sandbox --yes --empty-buckets',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'delete without asking for the environment name' }),
    'empty-buckets': Flags.boolean({
      description:
        'empty the bootstrap bucket (every version) and the ECR repositories before deleting their stacks',
    }),
    concurrency: Flags.integer({ description: 'stacks deleted at once', default: 8, min: 1, max: 50 }),
  };

  public async run(): Promise<unknown> {
    const { settings, aws } = await this.awsContext();
    const { runDestroyFlow } = await import('../ui/destroy-flow.js');
    const outcome = await runDestroyFlow({
      aws,
      env: settings.env,
      concurrency: this.flags.concurrency,
      yes: this.flags.yes,
      emptyBuckets: this.flags['empty-buckets'],
      json: this.jsonEnabled(),
    });
    if (outcome.error && !this.jsonEnabled()) throw outcome.error;
    process.exitCode = outcome.exitCode;
    return outcome.output;
  }
}
