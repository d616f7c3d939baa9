/** Anything with a timestamp (epoch milliseconds). */
export interface Timestamped {
  timestamp: number;
}

/** The most events yielded in one batch. */
export const MAX_BATCH = 1_000;

interface Cursor<T> {
  iterator: AsyncIterator<T[]>;
  /** The next page, requested as soon as the previous one arrived (at most one request per source). */
  pending?: Promise<IteratorResult<T[]>>;
  page: T[];
  index: number;
  done: boolean;
}

/**
 * Merges sources that each yield pages of events in timestamp order into one timestamp-ordered
 * stream, yielded in batches as soon as they are safe to emit: an event is emitted once every other
 * live source has buffered an event at or after it, so the first lines appear while later pages are
 * still being fetched. Memory stays flat in the number of sources: each holds one page, and only
 * the source whose page ends first (the one that holds the merge back, so the next to run dry) has
 * its next page fetched ahead, one such page in flight at a time. Ties keep source order, then page
 * order.
 */
export async function* mergeByTimestamp<T extends Timestamped>(
  sources: AsyncIterable<T[]>[],
): AsyncGenerator<T[], void, undefined> {
  const cursors: Cursor<T>[] = sources.map((source) => ({
    iterator: source[Symbol.asyncIterator](),
    page: [],
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
        const last = cursor.page[cursor.page.length - 1].timestamp;
        if (last < bound) [bound, first] = [last, cursor];
      }
      // The source setting the bound is emptied by this batch (all it holds is at or before it), so
      // its next page is the one the merge waits for: fetch it while the caller writes this batch.
      // No other source fetches ahead (a page is up to 10,000 events: two a source doubled memory).
      if (first && !cursors.some((c) => c.pending)) request(first);
      const batch = mergeBuffered(live, bound);
      // Handed on a slice at a time: the caller formats and writes each before the next (a page can
      // hold 10,000 lines: one string of them all, and its bytes for stdout, cost megabytes at once).
      for (let i = 0; i < batch.length; i += MAX_BATCH) yield batch.slice(i, i + MAX_BATCH);
    }
  } finally {
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

/** Takes every buffered event at or before `bound` from the cursors, in timestamp order. */
function mergeBuffered<T extends Timestamped>(cursors: Cursor<T>[], bound: number): T[] {
  if (cursors.length === 1) {
    const [cursor] = cursors;
    const end = upperBound(cursor.page, cursor.index, bound);
    const batch = cursor.page.slice(cursor.index, end);
    cursor.index = end;
    return batch;
  }
  const out: T[] = [];
  for (;;) {
    let best: Cursor<T> | undefined;
    for (const cursor of cursors) {
      if (cursor.index >= cursor.page.length) continue;
      const timestamp = cursor.page[cursor.index].timestamp;
      if (timestamp > bound) continue;
      if (!best || timestamp < best.page[best.index].timestamp) best = cursor;
    }
    if (!best) return out;
    // Take the run of events from the chosen source that stay at or before every other head.
    let limit = bound;
    for (const cursor of cursors) {
      if (cursor !== best && cursor.index < cursor.page.length)
        limit = Math.min(limit, cursor.page[cursor.index].timestamp);
    }
    const end = Math.max(best.index + 1, upperBound(best.page, best.index, limit));
    for (let i = best.index; i < end; i++) out.push(best.page[i]);
    best.index = end;
  }
}

/** First index at or after `from` whose timestamp exceeds `bound` (pages are sorted). */
function upperBound<T extends Timestamped>(page: T[], from: number, bound: number): number {
  let lo = from;
  let hi = page.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (page[mid].timestamp <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
