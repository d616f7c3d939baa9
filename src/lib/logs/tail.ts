import { DEFAULT_MAX_RATE, RateBudget } from './budget.js';
import { LookbackWindow, SeenEvents } from './dedupe.js';
import { Follower, INGESTION_MARGIN_MS } from './follow.js';
import { mergeByTimestamp } from './merge.js';
import { readGroupPages, type FilterLogEventsClient, type LogPage, type ReaderDeps } from './reader.js';
import { realSleep, type LogEvent, type SelectedLogGroup, type Sleep, type TailSink } from './types.js';

/** What to tail. */
export interface TailOptions {
  groups: SelectedLogGroup[];
  /** Epoch ms; events at or after it. */
  startTime: number;
  /** Epoch ms, inclusive; open when absent. Ignored by `follow`, which runs until aborted. */
  endTime?: number;
  /** CloudWatch filter pattern. */
  filterPattern?: string;
  follow?: boolean;
  /** Events per FilterLogEvents page (default: the service's, 10,000). */
  pageLimit?: number;
  /** FilterLogEvents calls per second, shared by every group (default 5, AWS's quota in several regions). */
  maxRate?: number;
}

/** Poll interval bounds of `follow`, in ms. */
export interface PollInterval {
  /** While events keep arriving (default 500 ms; each poll re-reads the look-back window, so not faster). */
  min: number;
  /** When idle (default 1,000 ms: new lines appear within about a second). */
  max: number;
  /** Ceiling while the service throttles (default 10,000 ms). */
  throttled: number;
}

/** The engine's collaborators; everything slow or time-dependent is injected. */
export interface TailDeps {
  client: FilterLogEventsClient;
  /** Epoch ms now (default Date.now). */
  clock?: () => number;
  sleep?: Sleep;
  /** Aborting ends the tail cleanly (Ctrl-C). */
  signal?: AbortSignal;
  pollInterval?: Partial<PollInterval>;
  /** How far back each follow poll reaches (default: adaptive, 5 s to 2 min). */
  lookback?: LookbackWindow;
  /** Back-off settings and jitter of the reader. */
  reader?: Pick<ReaderDeps, 'backoffMs' | 'maxBackoffMs' | 'maxThrottleRetries' | 'random'>;
  /** The FilterLogEvents budget (default: one of `options.maxRate` calls per second on `clock`). */
  budget?: RateBudget;
  /** How long a read line may wait for a group that is behind before it is printed anyway (default 6,000 ms). */
  maxLatenessMs?: number;
}

/** How a tail ended. */
export interface TailResult {
  /** Lines delivered to the sink. */
  events: number;
  /** Follow polls made after the first read. */
  polls: number;
  /** True when the signal ended it. */
  interrupted: boolean;
  /** The most event ids remembered at once for de-duplication (bounded by the look-back window). */
  maxRemembered: number;
}

/** Shown each page of group `groupIndex` as it is read (before its events are merged). */
export type PageObserver = (groupIndex: number, page: LogPage) => void;

/**
 * Reads every selected group over one time range, one page stream per group, merged in timestamp
 * order and yielded batch by batch as pages arrive.
 */
export function readMerged(
  client: FilterLogEventsClient,
  options: Pick<TailOptions, 'groups' | 'filterPattern' | 'pageLimit'> & {
    startTime: number;
    endTime?: number;
  },
  readerDeps: ReaderDeps,
  observe?: PageObserver,
): AsyncGenerator<LogEvent[], void, undefined> {
  const sources = options.groups.map((group, index) => {
    const pages = readGroupPages(
      client,
      {
        group,
        startTime: options.startTime,
        endTime: options.endTime,
        filterPattern: options.filterPattern,
        pageLimit: options.pageLimit,
      },
      readerDeps,
    );
    return observe ? observePages(pages, (page) => observe(index, page)) : pages;
  });
  return mergeByTimestamp(sources);
}

async function* observePages(
  pages: AsyncIterable<LogPage>,
  observe: (page: LogPage) => void,
): AsyncGenerator<LogPage, void, undefined> {
  for await (const page of pages) {
    observe(page);
    yield page;
  }
}

/**
 * Tails the groups: reads `[startTime, endTime]` merged in timestamp order and, with `follow`, keeps
 * polling. Each poll reaches back over an adaptive look-back window before the previous poll's start,
 * so events that arrive late are still found; event ids seen inside that window are remembered and
 * never printed twice, and ids older than the window are forgotten (bounded memory). New streams of a
 * group are found because every poll reads the whole group. Every FilterLogEvents call, backfill and
 * follow alike, spends one shared budget (`maxRate` calls a second, see budget.ts); following polls one
 * group at a time and prints in time order across groups behind a watermark (see follow.ts).
 */
export async function tailLogs(options: TailOptions, deps: TailDeps, sink: TailSink): Promise<TailResult> {
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const signal = deps.signal;
  const budget = deps.budget ?? new RateBudget(options.maxRate ?? DEFAULT_MAX_RATE, clock);
  const readerDeps: ReaderDeps = {
    ...deps.reader,
    sleep,
    signal,
    notice: (notice) => sink.notice(notice),
    beforeCall: () => budget.acquire(sleep, signal),
    onThrottle: () => budget.throttled(),
    onSuccess: () => budget.succeeded(),
    maxThrottleRetries: options.follow ? undefined : (deps.reader?.maxThrottleRetries ?? 10),
  };
  const result: TailResult = { events: 0, polls: 0, interrupted: false, maxRemembered: 0 };
  const emit = async (batch: LogEvent[]) => {
    if (batch.length === 0) return;
    result.events += batch.length;
    const pending = sink.events(batch);
    if (pending) await pending;
  };

  const lookback = deps.lookback ?? new LookbackWindow(undefined, undefined, undefined, clock());
  const seen = options.groups.map(() => new SeenEvents());
  const pollStart = clock();
  const keepFrom = pollStart - lookback.ms(pollStart);
  const remember: PageObserver | undefined = options.follow
    ? (index, page) => {
        for (let i = 0; i < page.length; i++) {
          const timestamp = page.timestamp(i);
          if (timestamp < keepFrom) continue;
          const eventId = page.eventId(i);
          if (eventId !== undefined) seen[index].add(eventId, timestamp);
        }
      }
    : undefined;
  // Followed, the first read ends where the follower's watermarks begin (the read's start, less what may
  // still be on its way in), the same bound for every group: groups read later (the budget spaces their
  // calls) must not print lines past a bound an earlier group was read to.
  const first = {
    ...options,
    endTime: options.follow ? pollStart - INGESTION_MARGIN_MS : options.endTime,
  };
  for await (const batch of readMerged(deps.client, first, readerDeps, remember)) await emit(batch);
  if (signal?.aborted) return { ...result, interrupted: true };
  if (!options.follow) return result;

  sink.notice({ type: 'following', groups: options.groups.length });
  const from = Math.max(options.startTime, keepFrom);
  for (const ids of seen) ids.forgetBefore(from);
  const follower = new Follower(options, deps, {
    budget,
    lookback,
    readerDeps,
    seen,
    from,
    readAt: pollStart,
  });
  const followed = await follower.run(emit);
  result.polls = followed.polls;
  result.maxRemembered = followed.maxRemembered;
  return { ...result, interrupted: true };
}
