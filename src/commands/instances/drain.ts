import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import { asgFlag, clusterFlag } from '../../flags/cluster.js';
import { durationFlag } from '../../flags/duration.js';
import type { DrainResult } from '../../lib/instances/drain.js';

export default class InstancesDrain extends BaseCommand<typeof InstancesDrain> {
  static override readsExistingEnvironment = true;
  static override summary = 'Set container instances DRAINING and wait until no task runs on them';
  static override description =
    'ECS moves the service tasks of a DRAINING instance to other instances; standalone tasks (not part of a service) ' +
    'keep running unless --stop-standalone-tasks. Waits with progress until no task runs or --timeout (exit 5; the ' +
    'instances stay DRAINING). While it waits it shows the events and rollout of the services still on the instances and ' +
    'names the task that keeps an instance busy (standalone, daemon, or fits nowhere: CPU, memory, host port). ' +
    'Without ids on a terminal, pick from the ACTIVE instances. `instances activate` undoes it.';
  static override examples = [
    '<%= config.bin %> instances drain i-0abc123 --env staging',
    '<%= config.bin %> instances drain i-0abc123 i-0def456 --stop-standalone-tasks --timeout 20m --yes',
    '<%= config.bin %> instances drain i-0abc123 --no-wait --yes',
  ];
  static override strict = false;
  static override args = {
    ids: Args.string({ description: 'instance ids (i-…), container instance ids or ARNs' }),
  };
  static override flags = {
    ...clusterFlag,
    ...asgFlag,
    'stop-standalone-tasks': Flags.boolean({ description: 'stop the tasks that are not part of a service' }),
    wait: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'wait until no task runs (--no-wait: return at once)',
    }),
    timeout: durationFlag({ default: '15m', bareSeconds: true, description: 'how long to wait' }),
    'poll-interval': durationFlag({
      default: '5s',
      bareSeconds: true,
      description: 'how often to check progress',
    }),
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };
  static override enableJsonFlag = true;

  public async run(): Promise<DrainResult> {
    const { argv } = await this.parse(InstancesDrain);
    const { settings, aws } = await this.awsContext();
    const { runDrainFlow } = await import('../../flows/drain.js');
    return this.finish(
      await runDrainFlow({
        aws,
        env: settings.env,
        adopt: await this.adoption(settings),
        ids: argv as string[],
        stopStandaloneTasks: this.flags['stop-standalone-tasks'],
        wait: this.flags.wait,
        timeoutMs: this.flags.timeout,
        pollIntervalMs: this.flags['poll-interval'],
        yes: this.flags.yes,
        json: this.jsonEnabled(),
      }),
    );
  }
}
