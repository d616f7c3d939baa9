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
  /** Its poll now in progress was throttled and is being retried. */
  retrying?: boolean;
}

interface Pending {
  event: LogEvent;
  /** When it was read: bounds how long it may wait for a late group. */
  readAt: number;
}

/**
 * How long before a poll a line must be stamped to surely be visible to it, on top of the largest
 * ingestion lag seen (ingestionTime - timestamp, which already holds the writers' clock skew against
 * the service): room for this machine's clock against the service's. Every line waits this long more.
 */
export const INGESTION_MARGIN_MS = 30;

/** How many lateness windows a line waits while a group's poll is being retried after a throttle. */
export const THROTTLED_LATENESS_FACTOR = 4;

/**
 * The default of `TailDeps.maxLatenessMs`. It only ever delays a line when a group is behind (the
 * watermark prints the rest as soon as every group has been read past it); at 3 s, a group held back
 * by throttling for 4 s (another caller spending the quota, the e2e test logs-follow-throttled) had
 * lines of the others printed before its own.
 */
export const DEFAULT_MAX_LATENESS_MS = 6_000;

/**
 * Follows every group within one FilterLogEvents budget and prints in time order across groups.
 *
 * Scheduling: in sweeps. A sweep polls every group due within `interval.min`, together: the budget
 * is saved up until it can pay for the sweep at once (or its bucket is full), and the calls then go
 * out as fast as it allows. A group whose poll found new lines is due again after `interval.min`; an
 * idle one waits twice as long each time up to `interval.max`, and a throttled one up to
 * `interval.throttled`: the budget goes where lines arrive. A group that holds back lines already
 * read (see below) is due at once.
 *
 * Order: a group's watermark is the start of its last completed poll (FilterLogEvents returned
 * everything stored by then). A line read from one group waits until every group's watermark has
 * passed its timestamp, so a group whose poll is late (throttled, or its turn not yet come) cannot
 * have an earlier line still to come. Lines are released as each poll of a sweep ends. A line never
 * waits longer than `maxLatenessMs` (checked when a sweep has ended, so never while a group that could
 * precede it is still being read): a group that keeps failing delays the others only that long.
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
    const { budget } = this.start;
    const result: FollowResult = { polls: 0, maxRemembered: 0 };
    // Batches go out one after the other, in the order they were released.
    let emitted = Promise.resolve();
    const send = (batch: LogEvent[]) => {
      if (batch.length > 0) emitted = emitted.then(() => emit(batch));
      return emitted;
    };
    while (!signal?.aborted) {
      const now = this.clock();
      const soonest = Math.min(...this.groups.map((group) => this.dueOf(group, now)));
      if (soonest > now) {
        await this.sleep(soonest - now, signal);
        continue;
      }
      const sweep = this.sweep(now);
      // Save up until the bucket can pay for the whole sweep at once (or is full): the calls then go
      // out together, so every group's watermark passes a line at about the same moment. Spent one by
      // one as each token comes, a line would wait for a full cycle of single polls instead.
      const saving = budget.msUntil(sweep.length);
      if (saving > 0) {
        await this.sleep(saving, signal);
        continue; // more groups may be due by then: plan again
      }
      await Promise.all(
        sweep.map(async (group) => {
          await this.poll(group);
          if (signal?.aborted) return;
          result.polls += 1;
          let remembered = 0;
          for (const ids of this.start.seen) remembered += ids.size;
          result.maxRemembered = Math.max(result.maxRemembered, remembered);
          // Only what every watermark has passed: the lateness bound waits for the sweep's end, so a
          // group still being read (throttled, retrying) is never overtaken by a line it precedes.
          await send(this.release(false));
        }),
      );
      if (signal?.aborted) break;
      await send(this.release(true));
    }
    // Ctrl-C: what was read is printed, in order.
    await send(this.release('all'));
    return result;
  }

  /**
   * When a group is next due. A group that holds back lines already read (its watermark is behind the
   * oldest of them) is due as soon as a poll can pass that line (its timestamp plus the ingestion lag).
   */
  private dueOf(group: GroupState, now: number): number {
    const oldest = this.pending[0]?.event.timestamp;
    if (oldest === undefined || group.watermark >= oldest) return group.due;
    return Math.min(group.due, oldest + this.ingestion.ms(now));
  }

  /**
   * The groups to poll together now: every group due within one short interval, the longest unpolled
   * first (so the sweep's order stays the same from one sweep to the next, and the first groups of
   * one sweep are the first of the next).
   */
  private sweep(now: number): GroupState[] {
    const by = now + this.interval.min;
    const due = this.groups.filter((group) => this.dueOf(group, now) <= by);
    return due.sort((a, b) => a.lastPollStart - b.lastPollStart || a.index - b.index);
  }

  /** One poll of one group: every page from its read position; its new lines are held for release. */
  private async poll(group: GroupState): Promise<void> {
    const { lookback, seen } = this.start;
    const ids = seen[group.index];
    const previousPollStart = group.lastPollStart;
    // The poll's first call spends the budget here, so that its start is when the call goes out.
    await this.start.budget.acquire(this.sleep, this.deps.signal);
    if (this.deps.signal?.aborted) return;
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
        group.retrying = true;
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
      for (let i = 0; i < page.length; i++) {
        const eventId = page.eventId(i);
        if (eventId !== undefined && !ids.add(eventId, page.timestamp(i))) continue;
        const event = page.event(i);
        lookback.observe(previousPollStart, event.timestamp, pollStart);
        if (event.ingestionTime !== undefined)
          this.ingestion.observe(event.ingestionTime - event.timestamp, pollStart);
        found.push(event);
      }
    }
    // Held in the same step as the watermark moves: another poll's release must never see this group's
    // watermark past lines it has read but not yet handed over.
    this.hold(found);
    group.retrying = false;
    if (this.deps.signal?.aborted) return;
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
  }

  /**
   * How long a read line waits for a group that is behind: the lateness window, and four of them
   * while a group's poll is being retried after a throttle. Such a group is behind because the
   * service holds it back, and its lines are on their way: a burst throttled together retries for
   * seconds, and a window that ran out meanwhile printed the others' lines before its own (the e2e
   * test logs-follow-throttled, another caller spending the quota).
   */
  private latenessMs(): number {
    return this.groups.some((g) => g.retrying)
      ? THROTTLED_LATENESS_FACTOR * this.maxLatenessMs
      : this.maxLatenessMs;
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

  /**
   * Takes the lines that can no longer be preceded by one still unread: past every group's watermark,
   * or (`overdue`) waited long enough, or (`all`) everything.
   */
  private release(mode: boolean | 'all'): LogEvent[] {
    if (mode === 'all') {
      const everything = this.pending.map((p) => p.event);
      this.pending = [];
      return everything;
    }
    let watermark = Number.POSITIVE_INFINITY;
    for (const group of this.groups) watermark = Math.min(watermark, group.watermark);
    const overdue = mode ? this.clock() - this.latenessMs() : Number.NEGATIVE_INFINITY;
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
    private readonly marginMs = INGESTION_MARGIN_MS,
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
