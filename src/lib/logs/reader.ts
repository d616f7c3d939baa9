import type { CloudWatchLogsClient, FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';

import { toAwsError } from '../aws/clients.js';
import { AwsError } from '../errors.js';
import { filterLogEventsPage } from './page.js';
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
): AsyncGenerator<LogEvent[], void, undefined> {
  const { group } = query;
  const random = deps.random ?? Math.random;
  // One stream name string and one source per stream, shared by its events: a page holds up to 10,000.
  const sources = new Map<string, { stream: string; source: LogSource }>();
  let startTime = query.startTime;
  let nextToken: string | undefined;
  let throttled = 0;
  // The timestamp of the last event yielded and the ids yielded at it: what a restart must skip.
  let lastTimestamp = Number.NEGATIVE_INFINITY;
  let idsAtLastTimestamp = new Set<string>();
  let restarted = false;

  for (;;) {
    if (deps.signal?.aborted) return;
    let events: FilteredLogEvent[] | undefined;
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

    const page: LogEvent[] = [];
    for (const raw of events) {
      const timestamp = raw.timestamp ?? 0;
      const eventId = raw.eventId;
      if (restarted && timestamp <= lastTimestamp) {
        if (timestamp < lastTimestamp || (eventId !== undefined && idsAtLastTimestamp.has(eventId))) continue;
      }
      if (timestamp !== lastTimestamp) {
        lastTimestamp = timestamp;
        idsAtLastTimestamp = new Set();
      }
      if (eventId !== undefined) idsAtLastTimestamp.add(eventId);
      const name = raw.logStreamName ?? '';
      let known = sources.get(name);
      if (!known) {
        known = { stream: name, source: sourceOf(group, name) };
        sources.set(name, known);
      }
      page.push({
        group: group.name,
        stream: known.stream,
        timestamp,
        ingestionTime: raw.ingestionTime,
        eventId,
        message: raw.message ?? '',
        source: known.source,
      });
    }
    // The service's page is not needed once converted: let it go while the caller prints this one.
    events = undefined;
    if (page.length > 0) yield page;
    if (!token) return;
    nextToken = token;
  }
}
