/**
 * `events tail`: check the request and the events log group, then print the selected events as
 * `logs tail` prints lines (printTail), until the range ends or Ctrl-C.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { EventFormat } from '../lib/events/index.js';
import { kindPainter } from '../ui/event-output.js';
import { printTail } from './logs-tail.js';
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
    import('../lib/aws/sdk/cloudwatch-logs.js'),
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
  return printTail(new events.EventFormatter(request.format, kindPainter(process.stdout)), (sink, signal) =>
    events.runEventsTail(plan, { client, signal }, sink),
  );
}
