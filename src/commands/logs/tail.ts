import { Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import { clusterFlag, instanceLogPrefixFlag } from '../../flags/cluster.js';
import { timeSpecFlag } from '../../flags/duration.js';
import { maxRateFlag } from '../../flags/rate.js';

const many = (description: string) => Flags.string({ description, multiple: true, delimiter: ',' });

export default class LogsTail extends BaseCommand<typeof LogsTail> {
  static override readsExistingEnvironment = true;
  static override summary = 'Tail container-instance and task log groups, merged in time order';
  static override description =
    'Prints the lines of the chosen log groups as one stream in timestamp order, each tagged with its source ' +
    '(instance log file and instance id, or service and task id). Choose groups with --instances, --tasks, --service, ' +
    '--instance, --file or --group; with none of these, a terminal offers a multi-select and otherwise every log group ' +
    'of the environment is tailed. --follow keeps printing new lines (polling; never a line twice or missing) until Ctrl-C; ' +
    '--live follows with CloudWatch Logs Live Tail instead (at most 10 groups, billed per session minute). Times are UTC.';
  static override examples = [
    '<%= config.bin %> logs tail --instances --file ecs-agent,docker --since 1h',
    '<%= config.bin %> logs tail --service 404 --follow',
    '<%= config.bin %> logs tail --instance i-0abc123 --since 2024-05-01T10:00:00Z --until 2024-05-01T11:00:00Z',
    '<%= config.bin %> logs tail --tasks --filter ERROR --format json',
    '<%= config.bin %> logs tail --cluster payments-prod --service api --follow',
  ];
  static override flags = {
    ...clusterFlag,
    ...instanceLogPrefixFlag,
    instances: Flags.boolean({
      description: 'every instance log group (dmesg, messages, docker, ecs-agent, ecs-init, audit)',
    }),
    tasks: Flags.boolean({ description: "every service's task log group" }),
    service: many('task log groups of these services'),
    instance: many('only these container instances (by EC2 instance id) in the instance log groups'),
    file: many('only these instance log files: dmesg, messages, docker, ecs-agent, ecs-init, audit'),
    group: many('any log group, by name'),
    since: timeSpecFlag({
      description: 'start: a duration before now (10m, 1h30m, 2d) or an ISO-8601 time',
      default: '10m',
    }),
    until: timeSpecFlag({ description: 'end: a duration before now or an ISO-8601 time (default: now)' }),
    filter: Flags.string({
      description: 'CloudWatch Logs filter pattern, e.g. ERROR or "connection refused"',
    }),
    format: Flags.string({
      description: 'output format',
      options: ['short', 'detailed', 'json'],
      default: 'short',
    }),
    json: Flags.boolean({ description: 'same as --format json: one JSON object per line' }),
    follow: Flags.boolean({ char: 'f', description: 'keep printing new lines until Ctrl-C' }),
    live: Flags.boolean({
      description: 'follow with CloudWatch Logs Live Tail (at most 10 groups; billed per session minute)',
    }),
    'max-rate': maxRateFlag(),
    'page-size': Flags.integer({ description: 'events per FilterLogEvents page (1-10000)', hidden: true }),
  };

  public async run(): Promise<void> {
    const { flags } = this;
    const { settings, aws } = await this.awsContext();
    const { runTailFlow } = await import('../../flows/logs-tail.js');
    const outcome = await runTailFlow({
      aws,
      env: settings.env,
      adopt: await this.adoption(settings),
      selection: {
        instances: flags.instances,
        tasks: flags.tasks,
        services: flags.service,
        instanceIds: flags.instance,
        files: flags.file,
        groups: flags.group,
      },
      since: flags.since,
      until: flags.until,
      filterPattern: flags.filter,
      follow: flags.follow,
      live: flags.live,
      format: flags.json ? 'json' : (flags.format as 'short' | 'detailed' | 'json'),
      pageLimit: flags['page-size'],
      maxRate: flags['max-rate'] ?? settings.logs.maxRate,
    });
    this.finish(outcome);
  }
}
