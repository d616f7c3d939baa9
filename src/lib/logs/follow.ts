import type { RateBudget } from './budget.js';
import type { LookbackWindow, SeenEvents } from './dedupe.js';
import { readGroupPages, type ReaderDeps } from './reader.js';
import type { PollInterval, TailDeps, TailOptions } from './tail.js';
import { realSleep, type LogEvent } from './types.js';

/** What the first read leaves to the follower. */
export interface FollowStart {
  budget: RateBudget;
  lookback: LookbackWindow;
  readerDeps: ReaderDeps;
  /** Ids already printed, per group. */
  seen: SeenEvents[];
  /** Epoch ms the first follow poll reads from. */
  from: number;
  /** When the first read started: every group is complete up to there. */
  readAt: number;
}

/** How following went. */
export interface FollowResult {
  polls: number;
  maxRemembered: number;
}

interface GroupState {
  index: number;
  /** Where the next poll reads from. */
  nextStart: number;
  /** Every event of the group with a timestamp at or before this has been read. */
  watermark: number;
  /** Current adaptive poll interval, and when the group is next due. */
  interval: number;
  due: number;
  /** When the last poll started (for the look-back's lateness measure). */
  lastPollStart: number;
}

interface Pending {
  event: LogEvent;
  /** When it was read: bounds how long it may wait for a late group. */
  readAt: number;
}

/** The default of `TailDeps.maxLatenessMs`. */
export const DEFAULT_MAX_LATENESS_MS = 3_000;

/**
 * Follows every group within one FilterLogEvents budget and prints in time order across groups.
 *
 * Scheduling: one poll at a time, always of the group due soonest. A group whose poll found new lines
 * is due again after `interval.min`; an idle one waits twice as long each time up to `interval.max`,
 * and a throttled one up to `interval.throttled`: the budget goes where lines arrive. A group that
 * holds back lines already read (see below) is due at once.
 *
 * Order: a group's watermark is the start of its last completed poll (FilterLogEvents returned
 * everything stored by then). A line read from one group waits until every group's watermark has
 * passed its timestamp, so a group whose poll is late (throttled, or its turn not yet come) cannot
 * have an earlier line still to come. A line never waits longer than `maxLatenessMs`: a group that
 * keeps failing delays the others only that long.
 */
export class Follower {
  private readonly clock: () => number;
  private readonly sleep;
  private readonly interval: PollInterval;
  private readonly maxLatenessMs: number;
  private readonly groups: GroupState[];
  private pending: Pending[] = [];
  private readonly ingestion = new IngestionLag();

  constructor(
    private readonly options: TailOptions,
    private readonly deps: TailDeps,
    private readonly start: FollowStart,
  ) {
    this.clock = deps.clock ?? Date.now;
    this.sleep = deps.sleep ?? realSleep;
    this.interval = { min: 500, max: 1_000, throttled: 10_000, ...deps.pollInterval };
    this.maxLatenessMs = deps.maxLatenessMs ?? DEFAULT_MAX_LATENESS_MS;
    const now = this.clock();
    this.groups = options.groups.map((_, index) => ({
      index,
      nextStart: start.from,
      watermark: start.readAt - this.ingestion.ms(start.readAt),
      interval: this.interval.min,
      // Spread the first polls over one interval, in group order, rather than all at once.
      due: now + this.interval.min,
      lastPollStart: start.readAt,
    }));
  }

  /** Polls until the signal aborts; hands ordered batches to `emit`. */
  async run(emit: (batch: LogEvent[]) => Promise<void>): Promise<FollowResult> {
    const { signal } = this.deps;
    const result: FollowResult = { polls: 0, maxRemembered: 0 };
    while (!signal?.aborted) {
      const group = this.nextDue();
      const wait = group.due - this.clock();
      if (wait > 0) await this.sleep(wait, signal);
      if (signal?.aborted) break;
      const found = await this.poll(group);
      if (signal?.aborted) {
        this.hold(found);
        break;
      }
      result.polls += 1;
      this.hold(found);
      await emit(this.release(false));
      let remembered = 0;
      for (const ids of this.start.seen) remembered += ids.size;
      result.maxRemembered = Math.max(result.maxRemembered, remembered);
    }
    // Ctrl-C: what was read is printed, in order.
    await emit(this.release(true));
    return result;
  }

  /**
   * The group to poll next, the one due soonest; ties go to the longest unpolled. A group that holds
   * back lines already read is due as soon as a poll can pass the oldest of them (its timestamp plus
   * the ingestion lag), not later.
   */
  private nextDue(): GroupState {
    const oldest = this.pending[0]?.event.timestamp;
    const unblocked = oldest === undefined ? undefined : oldest + this.ingestion.ms(this.clock());
    const dueOf = (group: GroupState) =>
      unblocked !== undefined && group.watermark < oldest! ? Math.min(group.due, unblocked) : group.due;
    let best = this.groups[0];
    for (const group of this.groups) {
      const due = dueOf(group);
      const bestDue = dueOf(best);
      if (due < bestDue || (due === bestDue && group.lastPollStart < best.lastPollStart)) best = group;
    }
    best.due = dueOf(best);
    return best;
  }

  /** One poll of one group: every page from its read position; new lines only. */
  private async poll(group: GroupState): Promise<LogEvent[]> {
    const { lookback, seen } = this.start;
    const ids = seen[group.index];
    const previousPollStart = group.lastPollStart;
    // The poll's first call spends the budget here, so that its start is when the call goes out.
    await this.start.budget.acquire(this.sleep, this.deps.signal);
    if (this.deps.signal?.aborted) return [];
    const pollStart = this.clock();
    let throttled = false;
    let first = true;
    const readerDeps: ReaderDeps = {
      ...this.start.readerDeps,
      beforeCall: async () => {
        if (first) first = false;
        else await this.start.readerDeps.beforeCall?.();
      },
      onThrottle: () => {
        throttled = true;
        this.start.readerDeps.onThrottle?.();
      },
    };
    const found: LogEvent[] = [];
    const pages = readGroupPages(
      this.deps.client,
      {
        group: this.options.groups[group.index],
        startTime: group.nextStart,
        // Up to the poll's start: later lines are the next poll's, so a busy group's poll still ends
        // (its pages would otherwise chase the writers) and the watermark is exactly this bound.
        endTime: pollStart,
        filterPattern: this.options.filterPattern,
        pageLimit: this.options.pageLimit,
      },
      readerDeps,
    );
    for await (const page of pages) {
      for (const event of page) {
        if (event.eventId !== undefined && !ids.add(event.eventId, event.timestamp)) continue;
        lookback.observe(previousPollStart, event.timestamp, pollStart);
        if (event.ingestionTime !== undefined)
          this.ingestion.observe(event.ingestionTime - event.timestamp, pollStart);
        found.push(event);
      }
    }
    if (this.deps.signal?.aborted) return found;
    group.lastPollStart = pollStart;
    // An event stamped before the poll may still have been on its way in: keep the ingestion lag seen.
    group.watermark = Math.max(
      group.watermark,
      pollStart - Math.min(this.maxLatenessMs, this.ingestion.ms(pollStart)),
    );
    group.nextStart = Math.max(group.nextStart, pollStart - lookback.ms(this.clock()));
    ids.forgetBefore(group.nextStart);
    const { min, max } = this.interval;
    if (throttled) group.interval = Math.min(this.interval.throttled, Math.max(group.interval * 2, max));
    else if (group.interval > max) group.interval = Math.max(max, Math.floor(group.interval / 2));
    else if (found.length > 0) group.interval = min;
    else group.interval = Math.min(max, group.interval * 2);
    group.due = this.clock() + group.interval;
    return found;
  }

  /** Adds a poll's lines (in timestamp order within the group) to the lines waiting to be printed. */
  private hold(found: LogEvent[]): void {
    if (found.length === 0) return;
    const readAt = this.clock();
    const merged: Pending[] = [];
    let i = 0;
    let j = 0;
    while (i < this.pending.length || j < found.length) {
      // Ties keep what was read first ahead, as the merge of the first read does.
      if (
        j >= found.length ||
        (i < this.pending.length && this.pending[i].event.timestamp <= found[j].timestamp)
      )
        merged.push(this.pending[i++]);
      else merged.push({ event: found[j++], readAt });
    }
    this.pending = merged;
  }

  /** Takes the lines that can no longer be preceded by one still unread (or that waited long enough). */
  private release(all: boolean): LogEvent[] {
    if (all) {
      const everything = this.pending.map((p) => p.event);
      this.pending = [];
      return everything;
    }
    let watermark = Number.POSITIVE_INFINITY;
    for (const group of this.groups) watermark = Math.min(watermark, group.watermark);
    const overdue = this.clock() - this.maxLatenessMs;
    // Lines are in time order: release up to the last one past every watermark or overdue.
    let end = 0;
    for (let i = 0; i < this.pending.length; i++) {
      const { event, readAt } = this.pending[i];
      if (event.timestamp <= watermark || readAt <= overdue) end = i + 1;
    }
    const out = this.pending.slice(0, end).map((p) => p.event);
    this.pending = this.pending.slice(end);
    return out;
  }
}

/**
 * The largest delay seen recently between an event's timestamp and its ingestion (at least
 * `marginMs`): a poll has surely seen every event stamped that long before it. Forgets after two
 * buckets of `bucketMs`, so one slow writer widens the wait only for a while.
 */
export class IngestionLag {
  private current = 0;
  private previous = 0;
  private bucketStart = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly marginMs = 100,
    private readonly bucketMs = 60_000,
  ) {}

  /** Records one event's ingestion lag (ingestionTime - timestamp). */
  observe(lagMs: number, now: number): void {
    this.rotate(now);
    if (lagMs > this.current) this.current = lagMs;
  }

  /** How long before a poll an event must be stamped to be surely visible to it. */
  ms(now: number): number {
    this.rotate(now);
    return Math.max(this.current, this.previous) + this.marginMs;
  }

  private rotate(now: number): void {
    if (now - this.bucketStart < this.bucketMs) return;
    this.previous = now - this.bucketStart < 2 * this.bucketMs ? this.current : 0;
    this.current = 0;
    this.bucketStart = now;
  }
}
