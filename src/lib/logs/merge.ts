/**
 * A page of events in timestamp order, read by index: the merge compares timestamps and makes an
 * event only when it hands it on (a log page keeps its events packed until then, see page.ts).
 */
export interface Page<T> {
  readonly length: number;
  timestamp(index: number): number;
  event(index: number): T;
  /** Told when the merge has handed on the page's last event: it will not read the page again. */
  release?(): void;
}

/** The most events yielded in one batch. */
export const MAX_BATCH = 1_000;

interface Cursor<T> {
  iterator: AsyncIterator<Page<T>>;
  /** The next page, requested as soon as the previous one arrived (at most one request per source). */
  pending?: Promise<IteratorResult<Page<T>>>;
  page: Page<T>;
  index: number;
  done: boolean;
}

/** Events `from` to `to` (exclusive) of a page: a piece of a merged batch, made into events late. */
interface Run<T> {
  page: Page<T>;
  from: number;
  to: number;
}

const EMPTY: Page<never> = { length: 0, timestamp: () => Number.NaN, event: () => undefined as never };

/**
 * Merges sources that each yield pages of events in timestamp order into one timestamp-ordered
 * stream, yielded in batches as soon as they are safe to emit: an event is emitted once every other
 * live source has buffered an event at or after it, so the first lines appear while later pages are
 * still being fetched. Memory stays flat in the number of sources: each holds one page, and only
 * the source whose page ends first (the one that holds the merge back, so the next to run dry) has
 * its next page fetched ahead, one such page in flight at a time. Events of one timestamp that are
 * buffered together go in source order (one that arrives in a later page comes after those already
 * handed on).
 */
export async function* mergeByTimestamp<T>(
  sources: AsyncIterable<Page<T>>[],
): AsyncGenerator<T[], void, undefined> {
  const cursors: Cursor<T>[] = sources.map((source) => ({
    iterator: source[Symbol.asyncIterator](),
    page: EMPTY,
    index: 0,
    done: false,
  }));
  try {
    // Every source's first page is needed before anything can be emitted: ask for all at once.
    for (const cursor of cursors) request(cursor);
    for (;;) {
      // Every live source needs a buffered event before anything can be emitted.
      for (const cursor of cursors) {
        while (!cursor.done && cursor.index >= cursor.page.length) {
          // Handed on whole: freed before the wait for the next, not after.
          cursor.page.release?.();
          cursor.page = EMPTY;
          const result = await (cursor.pending ?? cursor.iterator.next());
          cursor.pending = undefined;
          if (result.done) {
            cursor.done = true;
          } else {
            cursor.page = result.value;
            cursor.index = 0;
          }
        }
      }
      const live = cursors.filter((c) => c.index < c.page.length);
      if (live.length === 0) return;
      // Safe bound: no source can later produce an event before the last one it has buffered.
      let bound = Number.POSITIVE_INFINITY;
      let first: Cursor<T> | undefined;
      for (const cursor of live) {
        const last = cursor.page.timestamp(cursor.page.length - 1);
        if (last < bound) [bound, first] = [last, cursor];
      }
      // The source setting the bound is emptied by this batch (all it holds is at or before it), so
      // its next page is the one the merge waits for: fetch it while the caller writes this batch.
      // No other source fetches ahead (a page is up to 10,000 events: two a source doubled memory).
      if (first && !cursors.some((c) => c.pending)) request(first);
      // Handed on a slice at a time, each made into events only then: the caller formats and writes each
      // before the next (a page can hold 10,000 lines: one string of them all, and its bytes for stdout,
      // cost megabytes at once, and events made ahead outlive the young generation's collections).
      let batch: T[] = [];
      for (const run of mergeBuffered(live, bound)) {
        for (let i = run.from; i < run.to; i++) {
          batch.push(run.page.event(i));
          if (batch.length === MAX_BATCH) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    }
  } finally {
    for (const cursor of cursors) cursor.page.release?.();
    await Promise.all(
      cursors.map(async (cursor) => {
        if (cursor.done) return;
        await cursor.iterator.return?.();
      }),
    );
  }
}

/** Asks a source for its next page now, so fetching overlaps the caller's work. */
function request<T>(cursor: Cursor<T>): void {
  const pending = cursor.iterator.next();
  // Handled later, when this source's turn comes; until then a failure must not go unhandled.
  pending.catch(() => undefined);
  cursor.pending = pending;
}

/** Takes every buffered event at or before `bound` from the cursors, in timestamp order, as runs. */
function mergeBuffered<T>(cursors: Cursor<T>[], bound: number): Run<T>[] {
  if (cursors.length === 1) {
    const [cursor] = cursors;
    const end = upperBound(cursor.page, cursor.index, bound);
    const run = { page: cursor.page, from: cursor.index, to: end };
    cursor.index = end;
    return [run];
  }
  const out: Run<T>[] = [];
  for (;;) {
    let best = -1;
    let bestTimestamp = Number.POSITIVE_INFINITY;
    for (const [at, cursor] of cursors.entries()) {
      if (cursor.index >= cursor.page.length) continue;
      const timestamp = cursor.page.timestamp(cursor.index);
      if (timestamp <= bound && timestamp < bestTimestamp) [best, bestTimestamp] = [at, timestamp];
    }
    if (best < 0) return out;
    // Take the run of events from the chosen source that stay before the head of every source ahead
    // of it in order, and at or before the head of every source after it: ties go in source order.
    let before = Number.POSITIVE_INFINITY;
    let atOrBefore = bound;
    for (const [at, cursor] of cursors.entries()) {
      if (at === best || cursor.index >= cursor.page.length) continue;
      const head = cursor.page.timestamp(cursor.index);
      if (at < best) before = Math.min(before, head);
      else atOrBefore = Math.min(atOrBefore, head);
    }
    const cursor = cursors[best];
    const end = Math.max(
      cursor.index + 1,
      Math.min(
        upperBound(cursor.page, cursor.index, atOrBefore),
        lowerBound(cursor.page, cursor.index, before),
      ),
    );
    out.push({ page: cursor.page, from: cursor.index, to: end });
    cursor.index = end;
  }
}

/** First index at or after `from` whose timestamp is at or after `bound` (pages are sorted). */
function lowerBound<T>(page: Page<T>, from: number, bound: number): number {
  let lo = from;
  let hi = page.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (page.timestamp(mid) < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index at or after `from` whose timestamp exceeds `bound` (pages are sorted). */
function upperBound<T>(page: Page<T>, from: number, bound: number): number {
  let lo = from;
  let hi = page.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (page.timestamp(mid) <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
