import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

import { toAwsError } from '../aws/clients.js';
import { AwsError } from '../errors.js';
import type { Page } from './merge.js';
import { filterLogEventsPage, type PageEvents } from './page.js';
import { sourceOf } from './source.js';
import type { LogEvent, LogSource, SelectedLogGroup, Sleep, TailNotice } from './types.js';

/** The one call the reader makes; a CloudWatchLogsClient or a fake. */
export type FilterLogEventsClient = Pick<CloudWatchLogsClient, 'send'>;

/** One FilterLogEvents query over a whole group (all its streams, or the chosen ones). */
export interface GroupQuery {
  group: SelectedLogGroup;
  startTime: number;
  /** Inclusive, as in FilterLogEvents; open when absent. */
  endTime?: number;
  filterPattern?: string;
  /** FilterLogEvents `limit` (events per page); the service's default (10,000) when absent. */
  pageLimit?: number;
}

/** What the reader needs besides the client; everything slow or random is injected. */
export interface ReaderDeps {
  sleep: Sleep;
  signal?: AbortSignal;
  notice?: (notice: TailNotice) => void;
  /** First back-off after throttling (default 500 ms), doubled per retry up to `maxBackoffMs` (default 20 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Throttled calls in a row before giving up (default: never give up). */
  maxThrottleRetries?: number;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
  /** Told when a call was throttled, so a poller can slow down. */
  onThrottle?: () => void;
  /** Awaited before every FilterLogEvents call: the shared rate budget (see budget.ts). */
  beforeCall?: () => Promise<void>;
  /** Told when a call went through. */
  onSuccess?: () => void;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailableException',
]);

/** True when an SDK error says "slow down". */
export function isThrottling(error: unknown): boolean {
  const err = error as { name?: string; $retryable?: { throttling?: boolean } };
  return THROTTLING.has(err?.name ?? '') || Boolean(err?.$retryable?.throttling);
}

/** The back-off before retry number `attempt` (0-based): exponential, capped, with jitter in [50 %, 100 %]. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** The stream names of a group seen so far, each with its source: shared by all their events. */
type StreamSources = Map<string, { stream: string; source: LogSource }>;

/**
 * A page of one group's events in timestamp order. The events stay packed as the service sent them
 * (see page.ts) until one is read: `event` makes it, tagged with its source.
 */
export class LogPage implements Page<LogEvent> {
  constructor(
    private readonly group: SelectedLogGroup,
    private readonly events: PageEvents,
    private readonly sources: StreamSources,
    /** The events of `events` this page holds, when not all of them (a restart skipped some). */
    private readonly indices?: number[],
  ) {}

  get length(): number {
    return this.indices ? this.indices.length : this.events.length;
  }

  timestamp(index: number): number {
    return this.events.timestamp(this.at(index)) ?? 0;
  }

  eventId(index: number): string | undefined {
    return this.events.eventId(this.at(index));
  }

  event(index: number): LogEvent {
    const at = this.at(index);
    const events = this.events;
    const name = events.logStreamName(at) ?? '';
    let known = this.sources.get(name);
    if (!known) {
      known = { stream: name, source: sourceOf(this.group, name) };
      this.sources.set(name, known);
    }
    return {
      group: this.group.name,
      stream: known.stream,
      timestamp: events.timestamp(at) ?? 0,
      ingestionTime: events.ingestionTime(at),
      eventId: events.eventId(at),
      message: events.message(at) ?? '',
      source: known.source,
    };
  }

  /** Where event `index` of this page is among the service's events. */
  private at(index: number): number {
    return this.indices ? this.indices[index] : index;
  }

  /** Frees the packed events (see page.ts); the page is empty after. */
  release(): void {
    this.events.release?.();
  }
}

/**
 * Reads one group with FilterLogEvents, one page at a time (the next request starts only when the
 * caller asks for the next page), yielding the events of each page in timestamp order. Empty pages
 * that still carry a next token are followed, not taken for the end. Throttling is backed off and
 * retried. An expired or rejected next token restarts the query at the last timestamp read, skipping
 * the events of that timestamp already yielded, so nothing is lost or repeated. Ends quietly on abort.
 */
export async function* readGroupPages(
  client: FilterLogEventsClient,
  query: GroupQuery,
  deps: ReaderDeps,
): AsyncGenerator<LogPage, void, undefined> {
  const { group } = query;
  const random = deps.random ?? Math.random;
  // One stream name string and one source per stream, shared by its events: a page holds up to 10,000.
  const sources: StreamSources = new Map();
  let startTime = query.startTime;
  let nextToken: string | undefined;
  let throttled = 0;
  // The timestamp of the last event yielded and the ids yielded at it: what a restart must skip.
  let lastTimestamp = Number.NEGATIVE_INFINITY;
  let idsAtLastTimestamp = new Set<string>();
  let restarted = false;

  for (;;) {
    if (deps.signal?.aborted) return;
    let events: PageEvents;
    let token: string | undefined;
    try {
      if (deps.beforeCall) await deps.beforeCall();
      if (deps.signal?.aborted) return;
      const output = await filterLogEventsPage(
        client,
        {
          logGroupName: group.name,
          startTime,
          endTime: query.endTime,
          filterPattern: query.filterPattern || undefined,
          logStreamNames: group.streamNames?.length ? group.streamNames : undefined,
          limit: query.pageLimit,
          nextToken,
          interleaved: true,
        },
        deps.signal,
      );
      events = output.events;
      token = output.nextToken;
    } catch (error) {
      if (deps.signal?.aborted) return;
      if (isThrottling(error)) {
        if (throttled >= (deps.maxThrottleRetries ?? Number.POSITIVE_INFINITY)) {
          throw new AwsError('THROTTLED', `CloudWatch Logs kept throttling reads of ${group.name}.`, {
            cause: error,
            suggestions: [
              'Tail fewer log groups at once, or try again in a minute (FilterLogEvents has a per-account rate quota).',
            ],
          });
        }
        const retryInMs = backoffDelay(throttled, deps.backoffMs ?? 500, deps.maxBackoffMs ?? 20_000, random);
        throttled += 1;
        deps.onThrottle?.();
        deps.notice?.({ type: 'throttled', group: group.name, retryInMs });
        await deps.sleep(retryInMs, deps.signal);
        continue;
      }
      if ((error as { name?: string }).name === 'InvalidParameterException' && nextToken !== undefined) {
        // The token expired (or the service no longer accepts it): start again where we stopped.
        deps.notice?.({ type: 'token-expired', group: group.name });
        nextToken = undefined;
        if (lastTimestamp > startTime) startTime = lastTimestamp;
        restarted = true;
        continue;
      }
      if ((error as { name?: string }).name === 'ResourceNotFoundException') {
        throw new AwsError('LOG_GROUP_MISSING', `Log group ${group.name} does not exist (any more).`, {
          cause: error,
          suggestions: ['Run "ecspoc logs tail" again to choose among the existing groups.'],
        });
      }
      throw toAwsError(error, `reading log group ${group.name}`);
    }
    throttled = 0;
    deps.onSuccess?.();

    // After a restart the service answers again from the last timestamp read: what was yielded at it
    // is skipped (pages are in timestamp order, so only their first events can be).
    let indices: number[] | undefined;
    if (restarted) {
      const kept: number[] = [];
      for (let i = 0; i < events.length; i++) {
        const timestamp = events.timestamp(i) ?? 0;
        if (timestamp < lastTimestamp) continue;
        if (timestamp === lastTimestamp) {
          const eventId = events.eventId(i);
          if (eventId !== undefined && idsAtLastTimestamp.has(eventId)) continue;
        }
        kept.push(i);
      }
      if (kept.length < events.length) indices = kept;
    }
    const page = new LogPage(group, events, sources, indices);
    if (page.length > 0) {
      // What a restart must skip: the ids at the last timestamp yielded, carried over when this page
      // is all at the timestamp the previous one ended on.
      const last = page.timestamp(page.length - 1);
      let from = page.length - 1;
      while (from > 0 && page.timestamp(from - 1) === last) from -= 1;
      if (last !== lastTimestamp || from > 0) idsAtLastTimestamp = new Set();
      lastTimestamp = last;
      for (let i = from; i < page.length; i++) {
        const eventId = page.eventId(i);
        if (eventId !== undefined) idsAtLastTimestamp.add(eventId);
      }
      yield page;
    }
    if (!token) return;
    nextToken = token;
  }
}
