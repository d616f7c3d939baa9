/**
 * `events tail`: check the request and the events log group, then print the selected events until
 * the range ends or Ctrl-C, which is how a follow ends: exit 130, no error line.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import { EXIT_CODES } from '../lib/errors.js';
import type { EventFormat } from '../lib/events/index.js';
import { kindPainter } from '../ui/event-output.js';
import { TerminalSink } from '../ui/log-output.js';
import { withInterrupt } from './interrupt.js';
import type { FlowOutcome } from './outcome.js';

/** What the operator asked of `events tail`. */
export interface EventsTailFlowRequest {
  aws: AwsClients;
  env: string;
  since?: string;
  until?: string;
  follow: boolean;
  kinds?: string[];
  services?: string[];
  format: EventFormat;
  /** FilterLogEvents calls per second (the account's quota, shared with any other tail). */
  maxRate?: number;
}

/** Plans the tail, then prints it; the events are the output, so there is no result to return. */
export async function runEventsTailFlow(request: EventsTailFlowRequest): Promise<FlowOutcome<undefined>> {
  const [{ CloudWatchLogsClient }, events] = await Promise.all([
    import('@aws-sdk/client-cloudwatch-logs'),
    import('../lib/events/index.js'),
  ]);
  const client = request.aws.client(CloudWatchLogsClient);
  const plan = await events.planEventsTail(
    client,
    {
      env: request.env,
      since: request.since,
      until: request.until,
      follow: request.follow,
      kinds: request.kinds,
      services: request.services,
      maxRate: request.maxRate,
    },
    Date.now(),
  );
  // Ctrl-C ends a follow quietly; a closed stdout (`| head`) ends it too, through its own controller.
  const closed = new AbortController();
  return withInterrupt({ first: () => undefined }, async (signal) => {
    const sink = new TerminalSink(
      new events.EventFormatter(request.format, kindPainter(process.stdout)),
      process.stdout,
      process.stderr,
      () => closed.abort(),
    );
    const result = await events.runEventsTail(
      plan,
      { client, signal: AbortSignal.any([signal, closed.signal]) },
      sink,
    );
    await sink.flush();
    const interrupted = result.interrupted && !sink.isClosed;
    return { output: undefined, exitCode: interrupted ? EXIT_CODES.interrupted : EXIT_CODES.success };
  });
}
