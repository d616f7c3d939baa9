import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from '@jest/globals';

import { MAX_SLACK_MS, SLACK_MS } from '../../../../src/lib/logs/budget.js';
import { INGESTION_MARGIN_MS } from '../../../../src/lib/logs/follow.js';
import { LookbackWindow } from '../../../../src/lib/logs/dedupe.js';
import { tailLogs, type TailDeps, type TailOptions } from '../../../../src/lib/logs/tail.js';
import type { LogEvent, SelectedLogGroup, TailNotice } from '../../../../src/lib/logs/types.js';
import { FakeLogs } from './fake-logs.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const logs = mockSdk(CloudWatchLogsClient);

const client = sdkClient(CloudWatchLogsClient);
const AGENT: SelectedLogGroup = {
  name: '/ecspoc/dev/instances/ecs-agent',
  kind: 'instance',
  label: 'ecs-agent',
};
const DOCKER: SelectedLogGroup = { name: '/ecspoc/dev/instances/docker', kind: 'instance', label: 'docker' };
const SERVICE: SelectedLogGroup = { name: '/ecspoc/dev/tasks/404', kind: 'task', label: '404' };
const T0 = Date.UTC(2024, 4, 1, 12);

/** A fake clock, a sleep that advances it and runs `between` (writers), and a recording sink. */
function harness(fake: FakeLogs, between: (now: number, sleeps: number) => void = () => {}) {
  let now = T0;
  let sleeps = 0;
  const abort = new AbortController();
  const printed: LogEvent[] = [];
  const batches: LogEvent[][] = [];
  const notices: TailNotice[] = [];
  const waits: number[] = [];
  logs.on(FilterLogEventsCommand).callsFake(async (input) => {
    now += 1; // every call takes a millisecond
    return fake.filter(input);
  });
  const deps: TailDeps = {
    client,
    clock: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
      sleeps += 1;
      between(now, sleeps);
    },
    signal: abort.signal,
    reader: { random: () => 0.5 },
  };
  const sink = {
    events: (batch: LogEvent[]) => {
      batches.push(batch);
      printed.push(...batch);
    },
    notice: (notice: TailNotice) => notices.push(notice),
  };
  return { deps, sink, abort, printed, batches, notices, waits, now: () => now };
}

const options = (groups: SelectedLogGroup[], extra: Partial<TailOptions> = {}): TailOptions => ({
  groups,
  startTime: T0 - 600_000,
  ...extra,
});

describe('tailLogs without --follow', () => {
  it('prints every group merged in timestamp order, within --since and --until', async () => {
    const fake = new FakeLogs(2);
    fake.put(AGENT.name, 'i-1', T0 - 700_000, 'too old');
    fake.put(AGENT.name, 'i-1', T0 - 5_000, 'agent a');
    fake.put(DOCKER.name, 'i-2', T0 - 4_000, 'docker b');
    fake.put(SERVICE.name, '404/web/t1', T0 - 4_500, 'task c');
    fake.put(AGENT.name, 'i-2', T0 - 3_000, 'agent d');
    fake.put(SERVICE.name, '404/web/t1', T0 - 1_000, 'after until');
    const h = harness(fake);
    const result = await tailLogs(options([AGENT, DOCKER, SERVICE], { endTime: T0 - 2_000 }), h.deps, h.sink);
    expect(h.printed.map((e) => e.message)).toEqual(['agent a', 'task c', 'docker b', 'agent d']);
    expect(h.printed.map((e) => `${e.source.name} ${e.source.id}`)).toEqual([
      'ecs-agent i-1',
      '404 t1',
      'docker i-2',
      'ecs-agent i-2',
    ]);
    expect(result).toMatchObject({ events: 4, polls: 0, interrupted: false });
  });

  it('prints the first lines before the last page of a large backfill is fetched', async () => {
    const fake = new FakeLogs(100);
    for (let i = 0; i < 1_000; i++) fake.put(AGENT.name, 'i-1', T0 - 100_000 + i, `line ${i}`);
    const h = harness(fake);
    let callsAtFirstBatch = 0;
    const sink = {
      ...h.sink,
      events: (batch: LogEvent[]) => {
        if (callsAtFirstBatch === 0) callsAtFirstBatch = fake.calls.length;
        h.sink.events(batch);
      },
    };
    await tailLogs(options([AGENT]), h.deps, sink);
    expect(h.printed).toHaveLength(1_000);
    expect(fake.calls).toHaveLength(10);
    expect(callsAtFirstBatch).toBeLessThanOrEqual(2);
  });

  it('waits for the sink when it pushes back', async () => {
    const fake = new FakeLogs(10);
    for (let i = 0; i < 30; i++) fake.put(AGENT.name, 'i-1', T0 - 1_000 + i, `line ${i}`);
    const h = harness(fake);
    let release!: () => void;
    let blocked = true;
    const sink = {
      ...h.sink,
      events: (batch: LogEvent[]) => {
        h.sink.events(batch);
        if (h.batches.length === 1) return new Promise<void>((resolve) => (release = resolve));
        return undefined;
      },
    };
    const done = tailLogs(options([AGENT]), h.deps, sink).then(() => (blocked = false));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(blocked).toBe(true);
    expect(fake.calls.length).toBeLessThanOrEqual(2); // at most the page being prefetched
    release();
    await done;
    expect(h.printed).toHaveLength(30);
  });
});

describe('tailLogs --follow', () => {
  it('prints every event written while it follows exactly once: several writers, identical timestamps, small pages, expired tokens, throttling', async () => {
    const fake = new FakeLogs(7);
    const written: string[] = [];
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const groups = [AGENT, DOCKER, SERVICE];
    const streams = [
      [AGENT.name, 'i-1'],
      [AGENT.name, 'i-2'],
      [DOCKER.name, 'i-1'],
      [SERVICE.name, '404/web/t1'],
      [SERVICE.name, '404/web/t2'],
    ];
    const write = (now: number) => {
      // Each writer writes a burst at one timestamp, a bit in the past (agent batching), all writers alike.
      const timestamp = now - Math.floor(random() * 3_000);
      for (const [group, stream] of streams) {
        const count = Math.floor(random() * 6);
        for (let i = 0; i < count; i++) {
          const message = `${stream} ${written.length}`;
          fake.put(group, stream, timestamp, message);
          written.push(message);
        }
      }
    };
    write(T0);
    const h: ReturnType<typeof harness> = harness(fake, (now, sleeps) => {
      if (sleeps <= 200) write(now);
      // Pages of 7 under the 5 calls/s budget read slower than these writers write: after the writes
      // stop, leave the follower time to catch up.
      if (sleeps === 1_500) h.abort.abort();
      // Now and then the service throttles a call or expires a token.
      const next = fake.calls.length;
      if (random() < 0.1) fake.throttleCalls.add(next + Math.floor(random() * 3));
      if (random() < 0.2) fake.expireTokenCalls.add(next + Math.floor(random() * 3));
    });
    const result = await tailLogs(options(groups, { follow: true }), h.deps, h.sink);
    expect(result.interrupted).toBe(true);
    expect(written.length).toBeGreaterThan(1_000);
    const printed = h.printed.map((e) => e.message);
    expect(new Set(printed).size).toBe(printed.length); // nothing twice
    expect([...printed].sort()).toEqual([...written].sort()); // nothing missing
    expect(h.notices.some((n) => n.type === 'throttled')).toBe(true);
    expect(h.notices.some((n) => n.type === 'token-expired')).toBe(true);
  });

  it('reaches back over the look-back window and widens it after seeing late events', async () => {
    const run = async (lookback: LookbackWindow) => {
      const fake = new FakeLogs();
      fake.groups.add(AGENT.name);
      const h: ReturnType<typeof harness> = harness(fake, (now, sleeps) => {
        if (sleeps === 3) fake.put(AGENT.name, 'i-1', now - 4_000, '4 s late'); // inside the 5 s window
        if (sleeps === 8) fake.put(AGENT.name, 'i-1', now - 6_500, '6.5 s late'); // needs a wider one
        if (sleeps === 12) h.abort.abort();
      });
      h.deps.lookback = lookback;
      h.deps.pollInterval = { min: 1_000, max: 1_000 };
      await tailLogs(options([AGENT], { follow: true }), h.deps, h.sink);
      return h.printed.map((e) => e.message);
    };
    const adaptive = new LookbackWindow(5_000, 60_000, 150_000, T0);
    expect(await run(adaptive)).toEqual(['4 s late', '6.5 s late']);
    expect(adaptive.ms(T0 + 10_000)).toBeGreaterThan(6_500);
    // The same writes with a window that cannot grow lose the second line: the adaptation matters.
    expect(await run(new LookbackWindow(5_000, 5_000, 150_000, T0))).toEqual(['4 s late']);
  });

  it('picks up streams that appear while it follows (a new instance, a new task)', async () => {
    const fake = new FakeLogs();
    fake.put(SERVICE.name, '404/web/t1', T0 - 1_000, 'old task');
    const h: ReturnType<typeof harness> = harness(fake, (now, sleeps) => {
      if (sleeps === 2) fake.put(SERVICE.name, '404/web/t2', now, 'new task');
      if (sleeps === 4) h.abort.abort();
    });
    await tailLogs(options([SERVICE], { follow: true }), h.deps, h.sink);
    expect(h.printed.map((e) => `${e.source.id}: ${e.message}`)).toEqual(['t1: old task', 't2: new task']);
  });

  it('keeps memory bounded however long it runs', async () => {
    const fake = new FakeLogs();
    fake.groups.add(AGENT.name);
    const h: ReturnType<typeof harness> = harness(fake, (now, sleeps) => {
      if (sleeps === 500) return h.abort.abort();
      for (let i = 0; i < 20; i++) fake.put(AGENT.name, `i-${i % 4}`, now - 100, `poll ${sleeps} line ${i}`);
    });
    h.deps.pollInterval = { min: 500, max: 500 };
    const result = await tailLogs(options([AGENT], { follow: true }), h.deps, h.sink);
    expect(result.events).toBe(499 * 20);
    // The window is 5 s of 500 ms polls: about 11 polls of 20 ids, never the whole run.
    expect(result.maxRemembered).toBeLessThanOrEqual(12 * 20);
    expect(result.maxRemembered).toBeGreaterThan(0);
  });

  it('polls faster while lines arrive, slower when idle, and backs off while throttled', async () => {
    const fake = new FakeLogs();
    fake.groups.add(AGENT.name);
    const h: ReturnType<typeof harness> = harness(fake, (now, sleeps) => {
      if (sleeps === 1) fake.put(AGENT.name, 'i-1', now, 'busy');
      if (sleeps === 5) fake.throttleCalls = new Set([fake.calls.length, fake.calls.length + 1]);
      if (sleeps === 12) h.abort.abort();
    });
    h.deps.pollInterval = { min: 250, max: 1_000, throttled: 10_000 };
    await tailLogs(options([AGENT], { follow: true }), h.deps, h.sink);
    // first wait is the minimum; the busy poll's line waits for a poll that passes its timestamp plus
    // the ingestion margin (less a millisecond later: the order watermark), whose call the budget's one-second burst
    // lets go at once; then idle doubling to 1 s; the throttled round's two back-offs (500 and
    // 1,000 ms less jitter), each followed by a wait for the halved budget (with its slack, doubled by each throttle up to its ceiling), then a longer poll
    // interval, decaying back.
    expect(h.waits.slice(0, 5)).toEqual([250, INGESTION_MARGIN_MS - 1, 500, 1_000, 1_000]);
    expect(h.waits.slice(5, 10)).toEqual([375, 25 + 2 * SLACK_MS, 750, 50 + MAX_SLACK_MS, 2_000]);
    expect(h.waits.slice(10)).toEqual([1_000, 1_000]);
    expect(h.notices.filter((n) => n.type === 'throttled')).toHaveLength(2);
  });

  it('stops at once when aborted while waiting', async () => {
    const fake = new FakeLogs();
    fake.groups.add(AGENT.name);
    const h: ReturnType<typeof harness> = harness(fake, () => h.abort.abort());
    const result = await tailLogs(options([AGENT], { follow: true }), h.deps, h.sink);
    expect(result).toMatchObject({ interrupted: true, polls: 0 });
    expect(h.notices).toEqual([{ type: 'following', groups: 1 }]);
  });
});
