import { Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import { clusterFlag } from '../../flags/cluster.js';
import { timeSpecFlag } from '../../flags/duration.js';
import { maxRateFlag } from '../../flags/rate.js';

export default class EventsTail extends BaseCommand<typeof EventsTail> {
  static override summary = 'Show the ECS and deploy events the bundle’s rules catch, rendered for a person';
  static override description =
    'Reads the events log group of the environment (every EventBridge rule of the cluster stack delivers to it) on ' +
    'the same engine as logs tail: history from --since, --follow until Ctrl-C, in time order, never an event twice ' +
    '(an event two rules caught is shown once). By default only the alerts: tasks whose essential container exited ' +
    'or that failed to start, container instances gone INACTIVE, failed deploys. Times are UTC.';
  static override examples = [
    '<%= config.bin %> events tail --since 1h',
    '<%= config.bin %> events tail --kind task --service 404 --follow',
    '<%= config.bin %> events tail --kind all --format json',
  ];
  static override flags = {
    ...clusterFlag,
    since: timeSpecFlag({
      description: 'start: a duration before now (10m, 1h30m, 2d) or an ISO-8601 time',
      default: '10m',
    }),
    until: timeSpecFlag({ description: 'end: a duration before now or an ISO-8601 time (default: now)' }),
    follow: Flags.boolean({ char: 'f', description: 'keep printing new events until Ctrl-C' }),
    kind: Flags.string({
      description: 'which events (default: the alerts — task-stopped, instances gone INACTIVE, deploy)',
      options: ['task-stopped', 'instance', 'deploy', 'task', 'all'],
      multiple: true,
      delimiter: ',',
    }),
    service: Flags.string({
      description: 'only events of these services (their tasks, stacks and pipelines)',
      multiple: true,
      delimiter: ',',
    }),
    format: Flags.string({
      description: 'output format',
      options: ['short', 'detailed', 'json'],
      default: 'short',
    }),
    json: Flags.boolean({ description: 'same as --format json: one JSON object per line' }),
    'max-rate': maxRateFlag(),
  };

  public async run(): Promise<void> {
    const { flags } = this;
    const { settings, aws } = await this.awsContext();
    const adopt = await this.adoption(settings);
    const { runEventsTailFlow } = await import('../../flows/events-tail.js');
    // An adopted cluster has the rules only when ecspoc's cluster stack made it (ecspoc-<env>).
    const env = adopt
      ? (await import('../../lib/events/index.js')).eventsEnvironmentOf(adopt.cluster)
      : settings.env;
    const outcome = await runEventsTailFlow({
      aws,
      env,
      since: flags.since,
      until: flags.until,
      follow: flags.follow,
      kinds: flags.kind,
      services: flags.service,
      format: flags.json ? 'json' : (flags.format as 'short' | 'detailed' | 'json'),
      maxRate: flags['max-rate'] ?? settings.logs.maxRate,
    });
    this.finish(outcome);
  }
}
