/**
 * `events tail`: plan the read of the events log group, then print the events until the history
 * ends or, with a follow, until Ctrl-C, which is how a follow ends: exit 130, no error line.
 */
import type { AwsClients } from '../lib/aws/clients.js';
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
  const [{ CloudWatchLogsClient }, events, { kindPainter }, { printTail }] = await Promise.all([
    import('@aws-sdk/client-cloudwatch-logs'),
    import('../lib/events/index.js'),
    import('../ui/event-output.js'),
    import('./logs-tail.js'),
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
  return printTail(new events.EventFormatter(request.format, kindPainter(process.stdout)), (sink, signal) =>
    events.runEventsTail(plan, { client, signal }, sink),
  );
}
