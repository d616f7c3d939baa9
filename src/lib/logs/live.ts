import {
  StartLiveTailCommand,
  type LiveTailSessionLogEvent,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';

import { toAwsError } from '../aws/clients.js';
import { AwsError, UsageError } from '../errors.js';
import { RecentLines } from './dedupe.js';
import type { FilterLogEventsClient, ReaderDeps } from './reader.js';
import { sourceOf } from './source.js';
import { readMerged, type TailDeps, type TailOptions, type TailResult } from './tail.js';
import { realSleep, type LogEvent, type SelectedLogGroup, type TailSink } from './types.js';

/** StartLiveTail takes at most this many log groups. */
export const LIVE_TAIL_MAX_GROUPS = 10;

/** How far before a session (re)start the bridging FilterLogEvents read reaches, after the first session. */
const BRIDGE_MS = 60_000;
/** Session failures in a row (each less than a minute after the last start) before giving up. */
const MAX_SESSION_FAILURES = 3;

/** Why a Live Tail session ended. */
type SessionEnd =
  { kind: 'aborted' } | { kind: 'timeout' } | { kind: 'ended' } | { kind: 'failed'; error: unknown };

/** Says why Live Tail cannot serve these groups, or undefined when it can. */
export function liveTailProblem(groups: SelectedLogGroup[]): string | undefined {
  if (groups.length > LIVE_TAIL_MAX_GROUPS)
    return `Live Tail takes at most ${LIVE_TAIL_MAX_GROUPS} log groups; ${groups.length} are selected.`;
  const missing = groups.find((group) => !group.arn);
  if (missing)
    return `Live Tail needs the ARN of log group ${missing.name}, and DescribeLogGroups gave none.`;
  return undefined;
}

/**
 * Follows the groups with a CloudWatch Logs Live Tail session (billed per session minute): first the
 * lines since `startTime` through FilterLogEvents, then the session's lines as they are ingested. The
 * session starts before that first read, so nothing falls between the two; a line both return is
 * printed once (Live Tail events have no id, so they are matched by group, stream, timestamp and
 * message). A session that times out (three hours) or ends is reopened, bridged the same way. Live
 * Tail samples above 500 lines a second; the sink is told when it did.
 */
export async function liveTail(options: TailOptions, deps: TailDeps, sink: TailSink): Promise<TailResult> {
  const problem = liveTailProblem(options.groups);
  if (problem)
    throw new UsageError('LIVE_TAIL_UNSUITABLE', problem, {
      suggestions: ['Drop --live to follow by polling, or select fewer groups.'],
    });
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const signal = deps.signal;
  const client = deps.client as FilterLogEventsClient;
  const readerDeps: ReaderDeps = {
    ...deps.reader,
    sleep,
    signal,
    notice: (notice) => sink.notice(notice),
    maxThrottleRetries: deps.reader?.maxThrottleRetries ?? 10,
  };
  const byIdentifier = new Map<string, SelectedLogGroup>();
  for (const group of options.groups) {
    byIdentifier.set(group.name, group);
    if (group.arn) byIdentifier.set(group.arn, group);
  }
  // StartLiveTail filters streams only for a single group; for several, filter here.
  const single = options.groups.length === 1 ? options.groups[0] : undefined;
  const streamFilter = new Map(
    options.groups
      .filter((group) => group.streamNames?.length && group !== single)
      .map((group) => [group.name, new Set(group.streamNames)]),
  );
  const result: TailResult = { events: 0, polls: 0, interrupted: false, maxRemembered: 0 };
  const emit = async (batch: LogEvent[]) => {
    if (batch.length === 0) return;
    result.events += batch.length;
    const pending = sink.events(batch);
    if (pending) await pending;
  };

  let bridgeFrom = options.startTime;
  let livePrinted = new RecentLines(2 * BRIDGE_MS);
  let failures = 0;
  let lastSampledNotice = Number.NEGATIVE_INFINITY;
  for (;;) {
    if (signal?.aborted) return { ...result, interrupted: true };
    const openedAt = clock();
    let stream: AsyncIterable<StartLiveTailResponseStream>;
    try {
      const output = await deps.client.send(
        new StartLiveTailCommand({
          logGroupIdentifiers: options.groups.map((group) => group.arn as string),
          logStreamNames: single?.streamNames?.length ? single.streamNames : undefined,
          logEventFilterPattern: options.filterPattern || undefined,
        }),
        { abortSignal: signal },
      );
      if (!output.responseStream)
        throw new AwsError('LIVE_TAIL_NO_STREAM', 'StartLiveTail returned no stream.');
      stream = output.responseStream;
    } catch (error) {
      if (signal?.aborted) return { ...result, interrupted: true };
      const failure = toAwsError(error, 'starting a Live Tail session');
      throw new AwsError(failure.code, failure.message.split('\n')[0], {
        cause: error,
        suggestions: [...failure.suggestions, 'Drop --live to follow by polling with FilterLogEvents.'],
      });
    }
    result.polls += 1;

    // Consume the session in the background: the service drops lines a slow reader leaves unread.
    const session = {
      queue: [] as LogEvent[][],
      started: false,
      sessionId: undefined as string | undefined,
      end: undefined as SessionEnd | undefined,
      wake: () => {},
    };
    const onAbort = () => session.wake();
    signal?.addEventListener('abort', onAbort, { once: true });
    const changed = () => new Promise<void>((resolve) => (session.wake = resolve));
    void (async () => {
      try {
        for await (const item of stream) {
          if (item.sessionStart) {
            session.started = true;
            session.sessionId = item.sessionStart.sessionId;
          } else if (item.sessionUpdate) {
            if (item.sessionUpdate.sessionMetadata?.sampled && clock() - lastSampledNotice >= 60_000) {
              lastSampledNotice = clock();
              sink.notice({ type: 'live-sampled' });
            }
            const events = toEvents(item.sessionUpdate.sessionResults ?? []);
            if (events.length > 0) session.queue.push(events);
          } else if (item.SessionTimeoutException) {
            session.end = { kind: 'timeout' };
            return;
          } else if (item.SessionStreamingException) {
            session.end = { kind: 'failed', error: item.SessionStreamingException };
            return;
          }
          session.wake();
        }
        session.end = { kind: 'ended' };
      } catch (error) {
        const name = (error as { name?: string }).name;
        session.end = signal?.aborted
          ? { kind: 'aborted' }
          : name === 'SessionTimeoutException'
            ? { kind: 'timeout' }
            : { kind: 'failed', error };
      } finally {
        session.wake();
      }
    })();

    while (!session.started && !session.end && !signal?.aborted) await changed();
    if (signal?.aborted) break;
    if (session.started) {
      const startedAt = clock();
      sink.notice(
        result.polls === 1
          ? { type: 'live-started', groups: options.groups.length, sessionId: session.sessionId }
          : { type: 'live-restarting', reason: 'reopened the Live Tail session' },
      );
      // Bridge: what was ingested before the session, minus what an earlier session already printed.
      const previousLive = livePrinted;
      livePrinted = new RecentLines(2 * BRIDGE_MS);
      const bridgePrinted = new RecentLines(2 * BRIDGE_MS);
      const rememberFrom = openedAt - 2 * BRIDGE_MS;
      for await (const batch of readMerged(
        client,
        { ...options, startTime: bridgeFrom, endTime: undefined },
        readerDeps,
      )) {
        const now = clock();
        const fresh = batch.filter((event) => {
          const key = RecentLines.key(event.group, event.stream, event.timestamp, event.message);
          if (previousLive.take(key)) return false;
          if (event.timestamp >= rememberFrom) bridgePrinted.add(key, now);
          return true;
        });
        await emit(fresh);
      }
      // Then the session's lines, in the order they arrive.
      for (;;) {
        while (session.queue.length > 0 && !signal?.aborted) {
          const batch = session.queue.shift() as LogEvent[];
          const now = clock();
          const fresh = batch.filter((event) => {
            const key = RecentLines.key(event.group, event.stream, event.timestamp, event.message);
            if (bridgePrinted.take(key)) return false;
            livePrinted.add(key, now);
            return true;
          });
          await emit(fresh);
        }
        const now = clock();
        bridgePrinted.expire(now);
        livePrinted.expire(now);
        result.maxRemembered = Math.max(result.maxRemembered, bridgePrinted.size + livePrinted.size);
        if (session.end || signal?.aborted) break;
        await changed();
      }
      // A session that ran a while before it failed starts a fresh count of failures.
      if (clock() - startedAt >= BRIDGE_MS) failures = 0;
    }
    signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted || session.end?.kind === 'aborted') break;
    const end = session.end as SessionEnd;
    if (end.kind === 'failed') {
      failures += 1;
      if (failures >= MAX_SESSION_FAILURES) {
        const failure = toAwsError(end.error, 'reading the Live Tail session');
        throw new AwsError(failure.code, failure.message.split('\n')[0], {
          cause: end.error,
          suggestions: ['Drop --live to follow by polling with FilterLogEvents.'],
        });
      }
      sink.notice({ type: 'live-restarting', reason: `the session failed (${describe(end.error)})` });
      await sleep(1_000 * 2 ** (failures - 1), signal);
    } else {
      sink.notice({
        type: 'live-restarting',
        reason: end.kind === 'timeout' ? 'the session reached its three-hour limit' : 'the session ended',
      });
    }
    bridgeFrom = Math.max(options.startTime, clock() - BRIDGE_MS);
  }
  return { ...result, interrupted: true };

  function toEvents(raw: LiveTailSessionLogEvent[]): LogEvent[] {
    const events: LogEvent[] = [];
    for (const item of raw) {
      const identifier = (item.logGroupIdentifier ?? '').replace(/:\*$/, '');
      const group = byIdentifier.get(identifier) ?? {
        name: identifier.includes(':log-group:') ? identifier.split(':log-group:')[1] : identifier,
        kind: 'group' as const,
      };
      const stream = item.logStreamName ?? '';
      const allowed = streamFilter.get(group.name);
      if (allowed && !allowed.has(stream)) continue;
      events.push({
        group: group.name,
        stream,
        timestamp: item.timestamp ?? 0,
        ingestionTime: item.ingestionTime,
        message: item.message ?? '',
        source: sourceOf(group, stream),
      });
    }
    events.sort((a, b) => a.timestamp - b.timestamp);
    return events;
  }
}

function describe(error: unknown): string {
  const err = error as { name?: string; message?: string };
  return err?.name ?? err?.message ?? String(error);
}
