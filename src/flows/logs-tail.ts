/**
 * `logs tail`: choose the log groups (flags, a picker on a terminal, or all of them), then print
 * the merged stream until it ends or Ctrl-C, which is how a follow ends: exit 130, no error line.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { AdoptRequest } from '../lib/clusters/target.js';
import { EXIT_CODES } from '../lib/errors.js';
import type { LogSelection } from '../lib/logs/index.js';
import type { LogEvent } from '../lib/logs/types.js';
import { type BatchFormatter, TerminalSink, tagPainter } from '../ui/log-output.js';
import { type Prompts, terminalPrompts } from '../ui/prompt.js';
import { canPrompt } from '../ui/terminal.js';
import { withInterrupt } from './interrupt.js';
import type { FlowOutcome } from './outcome.js';

/** What the operator asked of `logs tail`. */
export interface TailRequest {
  aws: AwsClients;
  env: string;
  /** A cluster ecspoc did not deploy: its task log groups come from its services' task definitions. */
  adopt?: AdoptRequest;
  selection: LogSelection;
  since?: string;
  until?: string;
  filterPattern?: string;
  follow: boolean;
  live: boolean;
  format: 'short' | 'detailed' | 'json';
  pageLimit?: number;
  /** FilterLogEvents calls per second for the whole tail (the account's quota). */
  maxRate?: number;
  /** Where the log-group picker is asked; default: the terminal. */
  prompts?: Pick<Prompts, 'pickMany'>;
}

/** The log groups of an adopted cluster: its services' awslogs groups, and those under --instance-log-prefix. */
function adoptedGroups(
  aws: AwsClients,
  client: Parameters<typeof import('../lib/logs/index.js').planTail>[0],
  adopt: AdoptRequest,
  logs: typeof import('../lib/logs/index.js'),
) {
  return async () => {
    const [{ ECSClient }, { discoverTaskLogGroups }] = await Promise.all([
      import('../lib/aws/sdk/ecs.js'),
      import('../lib/clusters/adopt.js'),
    ]);
    const services = await discoverTaskLogGroups({ ecs: aws.client(ECSClient) }, adopt.cluster);
    return logs.discoverClusterLogGroups(client, services, adopt.instanceLogPrefix);
  };
}

/** Plans the tail, then prints it; the lines are the output, so there is no result to return. */
export async function runTailFlow(request: TailRequest): Promise<FlowOutcome<undefined>> {
  const [{ CloudWatchLogsClient }, logs] = await Promise.all([
    import('../lib/aws/sdk/cloudwatch-logs.js'),
    import('../lib/logs/index.js'),
  ]);
  const client = request.aws.client(CloudWatchLogsClient);
  const plan = await logs.planTail(
    client,
    {
      env: request.env,
      selection: request.selection,
      since: request.since,
      until: request.until,
      filterPattern: request.filterPattern,
      follow: request.follow,
      live: request.live,
      pageLimit: request.pageLimit,
      maxRate: request.maxRate,
      ...(request.adopt ? { discover: adoptedGroups(request.aws, client, request.adopt, logs) } : {}),
    },
    Date.now(),
    canPrompt()
      ? (groups) =>
          (request.prompts ?? terminalPrompts).pickMany(
            `Log groups of ${request.env} to tail`,
            groups.map((group) => ({ name: `${group.kind.padEnd(8)}  ${group.label}`, value: group })),
            `Name them: ecspoc logs tail --instances, --tasks, --service NAME, --instance ID, --file NAME or --group NAME --env ${request.env}`,
          )
      : undefined,
  );
  if (plan.defaulted)
    process.stderr.write(
      `ecspoc: tailing all ${plan.options.groups.length} log groups of ${request.env} (narrow with --instances, --tasks, --service, --instance, --file or --group).\n`,
    );
  return printTail(new logs.LineFormatter(request.format, tagPainter(process.stdout)), (sink, signal) =>
    logs.runTail(plan, { client, signal }, sink),
  );
}

/**
 * Prints a tail to stdout until it ends, Ctrl-C (exit 130, no error line: that is how a follow ends)
 * or a closed stdout (`| head`: exit 0); `logs tail` and `events tail` end alike.
 */
export async function printTail<E extends LogEvent>(
  formatter: BatchFormatter<E>,
  run: (sink: TerminalSink<E>, signal: AbortSignal) => Promise<{ interrupted: boolean }>,
): Promise<FlowOutcome<undefined>> {
  const closed = new AbortController();
  return withInterrupt({ first: () => undefined }, async (signal) => {
    const sink = new TerminalSink(formatter, process.stdout, process.stderr, () => closed.abort());
    const result = await run(sink, AbortSignal.any([signal, closed.signal]));
    await sink.flush();
    const interrupted = result.interrupted && !sink.isClosed;
    return { output: undefined, exitCode: interrupted ? EXIT_CODES.interrupted : EXIT_CODES.success };
  });
}
