/**
 * `events tail`: plan the read of the events log group, then print the events until the history
 * ends or, with a follow, until Ctrl-C, which is how a follow ends: exit 130, no error line.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import { EXIT_CODES } from '../lib/errors.js';
import { withInterrupt } from './interrupt.js';
import type { FlowOutcome } from './outcome.js';

/** What the operator asked of `events tail`. */
export interface EventsTailRequest {
  aws: AwsClients;
  env: string;
  since?: string;
  until?: string;
  follow: boolean;
  kinds?: string[];
  services?: string[];
  format: 'short' | 'detailed' | 'json';
}

/** Prints the events; they are the output, so there is no result to return. */
export async function runEventsTailFlow(request: EventsTailRequest): Promise<FlowOutcome<undefined>> {
  const [{ CloudWatchLogsClient }, events, { TerminalSink }, { kindPainter }] = await Promise.all([
    import('@aws-sdk/client-cloudwatch-logs'),
    import('../lib/events/index.js'),
    import('../ui/log-output.js'),
    import('../ui/event-output.js'),
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
    },
    Date.now(),
  );
  // A closed stdout (`| head`) ends the read too, through its own controller.
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
