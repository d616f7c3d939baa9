import type {
  FilterLogEventsCommandInput,
  FilterLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  InvalidParameterException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-cloudwatch-logs';

/** An event stored by the fake. */
export interface StoredEvent {
  group: string;
  stream: string;
  timestamp: number;
  message: string;
  eventId: string;
  seq: number;
}

/**
 * An in-memory CloudWatch Logs that answers FilterLogEvents as the service does (whole group,
 * interleaved in timestamp order, inclusive start and end, `limit`, a next token that resumes after
 * the last event returned), plus scripted failures: throttling, expired tokens, empty pages.
 */
export class FakeLogs {
  readonly events: StoredEvent[] = [];
  readonly groups = new Set<string>();
  readonly calls: FilterLogEventsCommandInput[] = [];
  private seq = 0;
  /** Throw ThrottlingException on these call numbers (0-based). */
  throttleCalls = new Set<number>();
  /** Reject the next token on these call numbers. */
  expireTokenCalls = new Set<number>();
  /** Return an empty page (with a token) on these call numbers. */
  emptyPageCalls = new Set<number>();

  constructor(readonly defaultLimit = 10_000) {}

  /** Stores one event; returns it. */
  put(group: string, stream: string, timestamp: number, message: string): StoredEvent {
    this.groups.add(group);
    const seq = this.seq++;
    const event = { group, stream, timestamp, message, eventId: `e${seq}`, seq };
    this.events.push(event);
    return event;
  }

  /** Answers one FilterLogEvents call. */
  async filter(input: FilterLogEventsCommandInput): Promise<FilterLogEventsCommandOutput> {
    const call = this.calls.length;
    this.calls.push({ ...input });
    if (this.throttleCalls.has(call))
      throw new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    if (input.nextToken && this.expireTokenCalls.has(call))
      throw new InvalidParameterException({ message: 'The specified nextToken has expired.', $metadata: {} });
    const group = input.logGroupName as string;
    if (!this.groups.has(group))
      throw new ResourceNotFoundException({
        message: 'The specified log group does not exist.',
        $metadata: {},
      });
    const after = input.nextToken ? decode(input.nextToken) : undefined;
    if (this.emptyPageCalls.has(call))
      return {
        events: [],
        nextToken: input.nextToken ?? encode(Number.NEGATIVE_INFINITY, -1),
        $metadata: {},
      };
    const matching = this.events
      .filter(
        (e) =>
          e.group === group &&
          (!input.logStreamNames || input.logStreamNames.includes(e.stream)) &&
          (input.startTime === undefined || e.timestamp >= input.startTime) &&
          (input.endTime === undefined || e.timestamp <= input.endTime) &&
          (!input.filterPattern || e.message.includes(input.filterPattern)) &&
          (!after || e.timestamp > after.timestamp || (e.timestamp === after.timestamp && e.seq > after.seq)),
      )
      .sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
    const page = matching.slice(0, input.limit ?? this.defaultLimit);
    const last = page[page.length - 1];
    return {
      events: page.map((e) => ({
        logStreamName: e.stream,
        timestamp: e.timestamp,
        message: e.message,
        eventId: e.eventId,
        ingestionTime: e.timestamp,
      })),
      nextToken: matching.length > page.length ? encode(last.timestamp, last.seq) : undefined,
      $metadata: {},
    };
  }
}

function encode(timestamp: number, seq: number): string {
  return `${timestamp}/${seq}`;
}

function decode(token: string): { timestamp: number; seq: number } {
  const [timestamp, seq] = token.split('/').map(Number);
  return { timestamp, seq };
}
