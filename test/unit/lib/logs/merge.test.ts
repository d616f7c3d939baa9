import { describe, expect, it } from '@jest/globals';

import { MAX_BATCH, mergeByTimestamp, type Page } from '../../../../src/lib/logs/merge.js';

interface Ev {
  timestamp: number;
  id: string;
}

async function* pages(...list: Ev[][]): AsyncGenerator<Page<Ev>> {
  for (const page of list) yield listPage(page);
}

const ev = (timestamp: number, id: string): Ev => ({ timestamp, id });

/** A page over events already made. */
function listPage(events: Ev[]): Page<Ev> {
  return {
    length: events.length,
    timestamp: (index) => events[index].timestamp,
    event: (index) => events[index],
  };
}

async function collect(sources: AsyncIterable<Page<Ev>>[]): Promise<Ev[][]> {
  const batches: Ev[][] = [];
  for await (const batch of mergeByTimestamp(sources)) batches.push(batch);
  return batches;
}

describe('mergeByTimestamp', () => {
  it('merges several paged sources into timestamp order', async () => {
    const batches = await collect([
      pages([ev(1, 'a1'), ev(4, 'a4')], [ev(6, 'a6'), ev(9, 'a9')]),
      pages([ev(2, 'b2')], [ev(3, 'b3'), ev(7, 'b7')]),
      pages([ev(5, 'c5'), ev(8, 'c8')]),
    ]);
    expect(batches.flat().map((e) => e.id)).toEqual(['a1', 'b2', 'b3', 'a4', 'c5', 'a6', 'b7', 'c8', 'a9']);
  });

  it('keeps source order for identical timestamps and every event exactly once', async () => {
    const batches = await collect([
      pages([ev(1, 'a1'), ev(1, 'a2')], [ev(1, 'a3'), ev(2, 'a4')]),
      pages([ev(1, 'b1')], [ev(1, 'b2'), ev(2, 'b3')]),
    ]);
    const ids = batches.flat().map((e) => e.id);
    expect(ids.sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3']);
    const timestamps = batches.flat().map((e) => e.timestamp);
    expect(timestamps).toEqual([...timestamps].sort((x, y) => x - y));
  });

  it('puts ties in source order even where a later source holds a run of them', async () => {
    const batches = await collect([
      pages([ev(1, 'a1'), ev(2, 'a2'), ev(3, 'a3')]),
      pages([ev(1, 'b1'), ev(2, 'b2'), ev(2, 'b2bis'), ev(3, 'b3')]),
      pages([ev(2, 'c2')]),
    ]);
    expect(batches.flat().map((e) => e.id)).toEqual(['a1', 'b1', 'a2', 'b2', 'b2bis', 'c2', 'a3', 'b3']);
  });

  it('hands a big page on in batches of at most MAX_BATCH events, in order', async () => {
    const big = Array.from({ length: 2 * MAX_BATCH + 500 }, (_, i) => ev(i, `a${i}`));
    const batches = await collect([pages(big)]);
    expect(batches.map((b) => b.length)).toEqual([MAX_BATCH, MAX_BATCH, 500]);
    expect(batches.flat()).toEqual(big);
  });

  it('handles empty sources and empty pages', async () => {
    const batches = await collect([pages(), pages([], [ev(2, 'b')], []), pages([ev(1, 'c')])]);
    expect(batches.flat().map((e) => e.id)).toEqual(['c', 'b']);
  });

  it('emits the first lines before a slow source has fetched its last page', async () => {
    let releaseLast!: () => void;
    const lastPage = new Promise<void>((resolve) => (releaseLast = resolve));
    let lastFetched = false;
    async function* slow(): AsyncGenerator<Page<Ev>> {
      yield listPage([ev(1, 'a1'), ev(2, 'a2')]);
      await lastPage;
      lastFetched = true;
      yield listPage([ev(5, 'a5')]);
    }
    const merged = mergeByTimestamp([slow(), pages([ev(1, 'b1'), ev(3, 'b3')])]);
    const first = await merged.next();
    expect(lastFetched).toBe(false);
    expect((first.value as Ev[]).map((e) => e.id)).toEqual(['a1', 'b1', 'a2']);
    releaseLast();
    const rest: Ev[] = [];
    for await (const batch of merged) rest.push(...batch);
    expect(rest.map((e) => e.id)).toEqual(['b3', 'a5']);
  });

  it('requests the next page of a source as soon as the previous one arrives, one at a time', async () => {
    const requested: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const source: AsyncIterable<Page<Ev>> = {
      [Symbol.asyncIterator]() {
        let page = 0;
        return {
          async next() {
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            requested.push(page);
            await new Promise((resolve) => setImmediate(resolve));
            inFlight -= 1;
            page += 1;
            return page > 3
              ? { done: true, value: undefined }
              : { done: false, value: listPage([ev(page, `p${page}`)]) };
          },
        };
      },
    };
    const batches = await collect([source]);
    expect(batches.flat().map((e) => e.id)).toEqual(['p1', 'p2', 'p3']);
    expect(maxInFlight).toBe(1);
    expect(requested).toEqual([0, 1, 2, 3]);
  });

  it('fetches ahead for one source at a time, the one whose page ends first, so memory is flat in sources', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let firstRound = true;
    // Four sources of three pages each, interleaved in time: source s, page p holds s + 10p and s + 10p + 5.
    const source = (s: number): AsyncIterable<Page<Ev>> => ({
      [Symbol.asyncIterator]() {
        let page = 0;
        return {
          async next() {
            inFlight += 1;
            if (!firstRound) maxInFlight = Math.max(maxInFlight, inFlight);
            await new Promise((resolve) => setImmediate(resolve));
            inFlight -= 1;
            page += 1;
            if (page > 3) return { done: true, value: undefined };
            const t = s + 10 * page;
            return { done: false, value: listPage([ev(t, `s${s}-${t}`), ev(t + 5, `s${s}-${t + 5}`)]) };
          },
        };
      },
    });
    const merged = mergeByTimestamp([0, 1, 2, 3].map(source));
    const out: Ev[] = [];
    for await (const batch of merged) {
      firstRound = false;
      out.push(...batch);
    }
    expect(out).toHaveLength(24);
    const timestamps = out.map((e) => e.timestamp);
    expect(timestamps).toEqual([...timestamps].sort((x, y) => x - y));
    // After the first pages (asked of every source at once), never more than one page in flight.
    expect(maxInFlight).toBe(1);
  });

  it('passes a source failure on, and closes the other sources', async () => {
    let closed = false;
    async function* failing(): AsyncGenerator<Page<Ev>> {
      yield listPage([ev(1, 'a')]);
      throw new Error('boom');
    }
    async function* other(): AsyncGenerator<Page<Ev>> {
      try {
        yield listPage([ev(1, 'b'), ev(9, 'b9')]);
        yield listPage([ev(10, 'b10')]);
      } finally {
        closed = true;
      }
    }
    await expect(collect([failing(), other()])).rejects.toThrow('boom');
    expect(closed).toBe(true);
  });

  it('releases each page once, only after handing on its last event, and the pages held when closed early', async () => {
    const out: Ev[] = [];
    const released: Array<{ page: string; emitted: number }> = [];
    const tracked = (name: string, events: Ev[]): Page<Ev> => ({
      ...listPage(events),
      release: () => released.push({ page: name, emitted: out.length }),
    });
    async function* source(prefix: string, ...list: Ev[][]): AsyncGenerator<Page<Ev>> {
      for (const [i, page] of list.entries()) yield tracked(`${prefix}${i}`, page);
    }
    const merged = mergeByTimestamp([
      source('a', [ev(1, 'a1'), ev(4, 'a4')], [ev(6, 'a6')]),
      source('b', [ev(2, 'b2'), ev(3, 'b3')], [ev(5, 'b5'), ev(7, 'b7')]),
    ]);
    for await (const batch of merged) out.push(...batch);
    expect(out.map((e) => e.id)).toEqual(['a1', 'b2', 'b3', 'a4', 'b5', 'a6', 'b7']);
    // Each page goes once its events are all out: b0 after b3 (3 out), a0 after a4 (4), and so on.
    const at = Object.fromEntries(released.map((r) => [r.page, r.emitted]));
    expect(released).toHaveLength(4);
    expect(at).toEqual({ b0: 3, a0: 4, a1: 6, b1: 7 });

    released.length = 0;
    out.length = 0;
    const early = mergeByTimestamp([
      source('c', [ev(1, 'c1'), ev(9, 'c9')]),
      source('d', [ev(2, 'd2')], [ev(8, 'd8')]),
    ]);
    await early.next();
    await early.return(undefined);
    expect(released.map((r) => r.page).sort()).toEqual(['c0', 'd0']);
  });
});
