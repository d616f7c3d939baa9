import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import { asgFlag, clusterFlag } from '../../flags/cluster.js';
import { durationFlag } from '../../flags/duration.js';
import type { CycleResult } from '../../lib/instances/cycle.js';

export default class InstancesCycle extends BaseCommand<typeof InstancesCycle> {
  static override readsExistingEnvironment = true;
  static override summary =
    'Replace container instances without losing capacity: surge, drain, terminate, batch by batch';
  static override description =
    "Replaces every instance of the environment's Auto Scaling Group (or the --outdated ones, or the ids given). " +
    'For each batch: raise the desired capacity by the batch size and wait for the new instances to register ACTIVE, ' +
    'drain the batch, wait until its tasks are gone and every service is steady, then terminate it through the group ' +
    '(decrementing desired capacity back). Batches default to about 10% of the group (at least 1, and no larger than ' +
    'the surge its max size leaves room for, unless --raise-max), as an Auto Scaling instance refresh does. Refuses before changing anything when the remaining capacity cannot hold ' +
    'the drained tasks (CPU, memory, host ports). Ctrl-C stops at a safe point (exit 130) and running the command ' +
    'again carries on where it stopped; so does a per-step --timeout (exit 5). While it waits it shows why: the ' +
    'events and rollout of the services it waits on, and the task that keeps an instance from draining.';
  static override examples = [
    '<%= config.bin %> instances cycle --outdated --plan',
    '<%= config.bin %> instances cycle --batch-size 2 --env staging',
    '<%= config.bin %> instances cycle i-0abc123 --yes --json',
    '<%= config.bin %> instances cycle --cluster payments-prod --asg payments-prod-a --yes',
  ];
  static override strict = false;
  static override args = { ids: Args.string({ description: 'instance ids to replace (default: all)' }) };
  static override flags = {
    ...clusterFlag,
    ...asgFlag,
    outdated: Flags.boolean({
      description: 'only instances that differ from the launch template (version or AMI)',
    }),
    'batch-size': Flags.integer({
      min: 1,
      description:
        'instances drained at once (the surge adds as many first); default: about 10% of the group, at least 1, ' +
        'within the surge its max size allows (unless --raise-max)',
    }),
    'max-unavailable': Flags.integer({
      default: 0,
      min: 0,
      description: 'instances that may be out of service at once, below the desired capacity',
    }),
    'raise-max': Flags.boolean({
      description: "raise the group's max size for the surge when needed (restored at the end)",
    }),
    'stop-standalone-tasks': Flags.boolean({
      description: 'stop tasks that are not part of a service as their instance drains',
    }),
    plan: Flags.boolean({
      description:
        'print the batches, surge and capacity check; change nothing (exit 6 when the cycle would be refused)',
    }),
    timeout: durationFlag({
      default: '20m',
      bareSeconds: true,
      description: 'limit of each step (registration, drain, services)',
    }),
    'poll-interval': durationFlag({
      default: '5s',
      bareSeconds: true,
      description: 'how often to check progress',
    }),
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };
  static override enableJsonFlag = true;

  public async run(): Promise<CycleResult> {
    const { argv } = await this.parse(InstancesCycle);
    const { settings, aws } = await this.awsContext();
    const { runCycleFlow } = await import('../../flows/cycle.js');
    const { flags } = this;
    return this.finish(
      await runCycleFlow({
        aws,
        env: settings.env,
        adopt: await this.adoption(settings),
        ids: argv as string[],
        outdated: flags.outdated,
        batchSize: flags['batch-size'],
        maxUnavailable: flags['max-unavailable'],
        raiseMax: flags['raise-max'],
        stopStandaloneTasks: flags['stop-standalone-tasks'],
        stepTimeoutMs: flags.timeout,
        pollIntervalMs: flags['poll-interval'],
        planOnly: flags.plan,
        yes: flags.yes,
        json: this.jsonEnabled(),
      }),
    );
  }
}
