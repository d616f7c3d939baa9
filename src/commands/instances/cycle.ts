import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import type { CycleResult } from '../../lib/instances/cycle.js';

export default class InstancesCycle extends BaseCommand<typeof InstancesCycle> {
  static override summary =
    'Replace container instances without losing capacity: surge, drain, terminate, batch by batch';
  static override description =
    "Replaces every instance of the environment's Auto Scaling Group (or the --outdated ones, or the ids given). " +
    'For each batch: raise the desired capacity by the batch size and wait for the new instances to register ACTIVE, ' +
    'drain the batch, wait until its tasks are gone and every service is steady, then terminate it through the group ' +
    '(decrementing desired capacity back). Refuses before changing anything when the remaining capacity cannot hold ' +
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
      default: 1,
      min: 1,
      description: 'instances drained at once (the surge adds as many first)',
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
    plan: Flags.boolean({ description: 'print the batches, surge and capacity check; change nothing' }),
    timeout: Flags.string({
      default: '20m',
      description: 'limit of each step (registration, drain, services), e.g. 10m',
    }),
    'poll-interval': Flags.string({ default: '5s', description: 'how often to check progress' }),
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };
  static override enableJsonFlag = true;

  public async run(): Promise<CycleResult> {
    const { argv } = await this.parse(InstancesCycle);
    const ids = argv as string[];
    const { settings, aws } = await this.awsContext();
    const [
      { instanceClients },
      { cycleInstances },
      { parseDuration },
      { systemClock },
      { apiCalls },
      prompt,
      ui,
    ] = await Promise.all([
      import('../../lib/instances/clients.js'),
      import('../../lib/instances/cycle.js'),
      import('../../lib/instances/duration.js'),
      import('../../lib/instances/clock.js'),
      import('../../lib/aws/counter.js'),
      import('../../ui/prompt.js'),
      import('../../ui/instances.js'),
    ]);
    const { UsageError } = await import('../../lib/errors.js');
    if (ids.length > 0 && this.flags.outdated) {
      throw new UsageError('CONFLICTING_SELECTION', 'Name instances or pass --outdated, not both.', {
        suggestions: ['ecspoc instances cycle --outdated, or: ecspoc instances cycle i-0abc123 i-0def456'],
      });
    }
    const json = this.jsonEnabled();
    const { onInterrupt } = await import('../../ui/interrupt.js');
    const interrupt = onInterrupt();
    let progress: Awaited<ReturnType<typeof ui.cycleProgress>> | undefined;
    const noteBeforeStart = ui.noteSink(json);
    try {
      const result = await cycleInstances(
        instanceClients(aws),
        {
          env: settings.env,
          selection: ids.length
            ? { kind: 'ids', ids }
            : this.flags.outdated
              ? { kind: 'outdated' }
              : { kind: 'all' },
          batchSize: this.flags['batch-size'],
          maxUnavailable: this.flags['max-unavailable'],
          raiseMax: this.flags['raise-max'],
          stopStandaloneTasks: this.flags['stop-standalone-tasks'],
          stepTimeoutMs: parseDuration(this.flags.timeout, '--timeout'),
          pollIntervalMs: parseDuration(this.flags['poll-interval'], '--poll-interval'),
          planOnly: this.flags.plan,
        },
        {
          clock: systemClock,
          signal: interrupt.signal,
          emit: (event) => (progress ? progress.emit(event) : noteBeforeStart(event)),
          apiCallCount: () => apiCalls.snapshot().total.operations,
          agreeToRaiseMax:
            this.flags.yes || !prompt.canPrompt()
              ? undefined
              : (from, to) =>
                  prompt
                    .confirm(`The surge needs max size ${to} (now ${from}). Raise it during the cycle?`, {
                      yes: false,
                      action: 'raise max size',
                    })
                    .then(
                      () => true,
                      () => false,
                    ),
          confirm: async (prepared, question) => {
            if (!json) process.stderr.write(ui.renderPlan(ui.planView(prepared), process.stderr));
            await prompt.confirm(question, { yes: this.flags.yes, action: 'cycle instances' });
            progress = await ui.cycleProgress(prepared.plan, json);
          },
        },
      );
      await progress?.end();
      if (!json) {
        const view = { ...result, resumedRun: result.resumed ? result.runId : undefined };
        process.stdout.write(this.flags.plan ? ui.renderPlan(view) : ui.renderCycleSummary(result));
      }
      return result;
    } catch (error) {
      await progress?.end(error);
      throw error;
    } finally {
      interrupt.dispose();
    }
  }
}
