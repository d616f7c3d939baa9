import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import { EXIT_CODES } from '../../lib/errors.js';
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
    'again carries on where it stopped; so does a per-step --timeout (exit 5).';
  static override examples = [
    '<%= config.bin %> instances cycle --outdated --plan',
    '<%= config.bin %> instances cycle --batch-size 2 --env staging',
    '<%= config.bin %> instances cycle i-0abc123 --yes --json',
  ];
  static override strict = false;
  static override args = { ids: Args.string({ description: 'instance ids to replace (default: all)' }) };
  static override flags = {
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
    const ids = argv as string[];
    const { settings, aws } = await this.awsContext();
    const [{ instanceClients }, { cycleInstances }, { systemClock }, { apiCalls }, ui] = await Promise.all([
      import('../../lib/instances/clients.js'),
      import('../../lib/instances/cycle.js'),
      import('../../lib/time/clock.js'),
      import('../../lib/aws/counter.js'),
      import('../../ui/instances.js'),
    ]);
    const [{ cycleSession }, { onInterrupt }, { UsageError }] = await Promise.all([
      import('../../ui/cycle-session.js'),
      import('../../ui/interrupt.js'),
      import('../../lib/errors.js'),
    ]);
    if (ids.length > 0 && this.flags.outdated) {
      throw new UsageError('CONFLICTING_SELECTION', 'Name instances or pass --outdated, not both.', {
        suggestions: ['ecspoc instances cycle --outdated, or: ecspoc instances cycle i-0abc123 i-0def456'],
      });
    }
    const json = this.jsonEnabled();
    const session = cycleSession({ json, yes: this.flags.yes });
    const interrupt = onInterrupt();
    try {
      const result = await cycleInstances(
        instanceClients(aws),
        {
          env: settings.env,
          selection: ids.length ? { kind: 'ids', ids } : { kind: this.flags.outdated ? 'outdated' : 'all' },
          batchSize: this.flags['batch-size'],
          maxUnavailable: this.flags['max-unavailable'],
          raiseMax: this.flags['raise-max'],
          stopStandaloneTasks: this.flags['stop-standalone-tasks'],
          stepTimeoutMs: this.flags.timeout,
          pollIntervalMs: this.flags['poll-interval'],
          planOnly: this.flags.plan,
        },
        {
          ...session,
          clock: systemClock,
          signal: interrupt.signal,
          apiCallCount: () => apiCalls.snapshot().total.operations,
        },
      );
      await session.end();
      if (!json) {
        const view = { ...result, resumedRun: result.resumed ? result.runId : undefined };
        process.stdout.write(this.flags.plan ? ui.renderPlan(view) : ui.renderCycleSummary(result));
      }
      // The plan is printed (or returned) either way; the exit code says whether the cycle would run.
      if (this.flags.plan && result.plan.problems.length > 0) process.exitCode = EXIT_CODES.refused;
      return result;
    } catch (error) {
      await session.end(error);
      throw error;
    } finally {
      interrupt.dispose();
    }
  }
}
