import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import { durationFlag } from '../../flags/duration.js';
import type { DrainResult } from '../../lib/instances/drain.js';

export default class InstancesDrain extends BaseCommand<typeof InstancesDrain> {
  static override readsExistingEnvironment = true;
  static override summary = 'Set container instances DRAINING and wait until no task runs on them';
  static override description =
    'ECS moves the service tasks of a DRAINING instance to other instances; standalone tasks (not part of a service) ' +
    'keep running unless --stop-standalone-tasks. Waits with progress until no task runs or --timeout (exit 5; the ' +
    'instances stay DRAINING). Without ids on a terminal, pick from the ACTIVE instances. `instances activate` undoes it.';
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
    const [lib, fleetLib, { drainInstances, prepareDrain }, { systemClock }, { confirm }, ui] =
      await Promise.all([
        import('../../lib/instances/clients.js'),
        import('../../lib/instances/fleet.js'),
        import('../../lib/instances/drain.js'),
        import('../../lib/time/clock.js'),
        import('../../ui/prompt.js'),
        import('../../ui/instances.js'),
      ]);
    const timeoutMs = this.flags.timeout;
    const pollIntervalMs = this.flags['poll-interval'];
    const clients = lib.instanceClients(aws);
    const fleet = await fleetLib.describeFleet(clients, settings.env);
    let ids = argv as string[];
    if (ids.length === 0) {
      const { pickMany } = await import('../../ui/pick.js');
      ids = await pickMany(
        'Instances to drain',
        fleet.instances
          .filter((i) => i.ecsStatus === 'ACTIVE')
          .map((i) => ({
            value: i.instanceId,
            name: `${i.instanceId}  ${i.availabilityZone ?? ''}  ${i.runningTasks} task(s)`,
          })),
        `Name them: ecspoc instances drain i-0abc123 --env ${settings.env}`,
      );
    }
    const stopStandaloneTasks = this.flags['stop-standalone-tasks'];
    const prepared = await prepareDrain(clients, fleet, ids, stopStandaloneTasks);
    if (!this.jsonEnabled())
      for (const warning of prepared.warnings) process.stderr.write(`warning: ${warning}\n`);
    const chosen = prepared.instances;
    const tasks = chosen.reduce((n, i) => n + i.runningTasks + i.pendingTasks, 0);
    await confirm(`Drain ${chosen.map((i) => i.instanceId).join(', ')} (${tasks} task(s) to move)?`, {
      yes: this.flags.yes,
      action: 'drain instances',
    });
    const progress = await ui.drainProgress(chosen, this.jsonEnabled());
    const { onInterrupt } = await import('../../ui/interrupt.js');
    const interrupt = onInterrupt(process.stderr, 'Stopping the wait; the instances stay DRAINING');
    try {
      const result = await drainInstances(
        clients,
        {
          env: settings.env,
          ids: chosen.map((i) => i.instanceId),
          stopStandaloneTasks,
          wait: this.flags.wait,
          timeoutMs,
          pollIntervalMs,
        },
        { clock: systemClock, signal: interrupt.signal, emit: progress.emit },
        prepared,
      );
      await progress.end(undefined, this.flags.wait ? 'drained' : 'DRAINING (not waiting)');
      if (!this.jsonEnabled()) process.stdout.write(ui.renderDrainSummary(result));
      return result;
    } catch (error) {
      await progress.end(error);
      throw error;
    } finally {
      interrupt.dispose();
    }
  }
}
