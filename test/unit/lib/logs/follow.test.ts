import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  ThrottlingException,
  type FilterLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';

import { IngestionLag } from '../../../../src/lib/logs/follow.js';
import { tailLogs, type TailDeps } from '../../../../src/lib/logs/tail.js';
import type { LogEvent, SelectedLogGroup, TailNotice } from '../../../../src/lib/logs/types.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { expectWithinQuota } from '../../helpers/quota.js';
import { FakeLogs } from './fake-logs.js';

const logs = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: 'us-east-1' });
const group = (i: number): SelectedLogGroup => ({
  name: `/ecspoc/dev/tasks/svc${i}`,
  kind: 'task',
  label: `svc${i}`,
});

/**
 * Follows `groups` on a fake clock: `between(now)` runs after every sleep (the writers), calls take
 * 20 ms, and the run is aborted at `untilMs` of fake time.
 */
async function follow(
  fake: FakeLogs,
  groups: SelectedLogGroup[],
  between: (now: number) => void,
  untilMs: number,
  extra: Partial<TailDeps> = {},
  throttle: (input: FilterLogEventsCommandInput, now: number) => boolean = () => false,
) {
  // Polls of one sweep wait side by side: their sleeps must overlap as real timers do.
  const clock = fakeClock(undefined, { overlapping: true });
  const start = clock.now();
  const abort = new AbortController();
  const printed: LogEvent[] = [];
  const notices: TailNotice[] = [];
  const callTimes: { group: string; at: number }[] = [];
  let followingAt = Number.POSITIVE_INFINITY;
  logs.on(FilterLogEventsCommand).callsFake(async (input) => {
    callTimes.push({ group: input.logGroupName as string, at: clock.now() });
    await clock.sleep(20);
    if (throttle(input, clock.now()))
      throw new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    return fake.filter(input);
  });
  const deps: TailDeps = {
    client,
    clock: clock.now,
    sleep: async (ms) => {
      await clock.sleep(ms);
      between(clock.now());
      if (clock.now() - start >= untilMs) abort.abort();
    },
    signal: abort.signal,
    reader: { random: () => 0.5 },
    ...extra,
  };
  const sink = {
    events: (batch: LogEvent[]) => {
      for (const event of batch) printed.push({ ...event, ingestionTime: clock.now() });
    },
    notice: (notice: TailNotice) => {
      notices.push(notice);
      if (notice.type === 'following') followingAt = clock.now();
    },
  };
  for (const g of groups) fake.groups.add(g.name);
  // The writers also run on their own timer, every 50 ms, so lines are stored when they are stamped
  // (not only when the follower happens to wake up).
  const writers = (async () => {
    while (!abort.signal.aborted) {
      await clock.sleep(50, abort.signal).catch(() => undefined);
      between(clock.now());
    }
  })();
  const result = await tailLogs({ groups, startTime: start - 60_000, follow: true }, deps, sink);
  await writers;
  // The first read's calls overlap in time, which a fake clock cannot show; following is sequential.
  const followCalls = callTimes.filter((c) => c.at >= followingAt);
  return { result, printed, notices, callTimes, followCalls, start };
}

const T0 = Date.parse('2026-01-01T10:00:00Z'); // fakeClock's start
const inOrder = (events: LogEvent[]) =>
  events.every((e, i) => i === 0 || e.timestamp >= events[i - 1].timestamp);

beforeEach(() => {
  logs.reset();
});

describe('following under one FilterLogEvents budget', () => {
  it('makes at most 5 calls a second across 8 busy groups, and still prints every line once', async () => {
    const fake = new FakeLogs();
    const groups = Array.from({ length: 8 }, (_, i) => group(i));
    const written: string[] = [];
    let nextWrite = T0;
    const { printed, followCalls: follows } = await follow(
      fake,
      groups,
      (now) => {
        // Every group gets a line every 100 ms of fake time for 30 s.
        for (; nextWrite <= now && nextWrite < T0 + 30_000; nextWrite += 100) {
          for (const g of groups) {
            const message = `${g.label} ${written.length}`;
            fake.put(g.name, 'svc/app/t1', nextWrite, message);
            written.push(message);
          }
        }
      },
      45_000,
    );
    expect(written.length).toBeGreaterThan(1_000);
    expect(follows.length).toBeGreaterThan(100);
    // Never a call the service's 5/s bucket would refuse, and 5 a second sustained.
    expectWithinQuota(
      follows.map((c) => c.at),
      5,
    );
    for (let i = 10; i < follows.length; i++)
      expect(follows[i].at - follows[i - 10].at).toBeGreaterThanOrEqual(1_000);
    const messages = printed.map((e) => e.message);
    expect(new Set(messages).size).toBe(messages.length);
    expect([...messages].sort()).toEqual([...written].sort());
    expect(inOrder(printed)).toBe(true);
  });

  it('polls a group with new lines first, and slows down to the idle interval when nothing arrives', async () => {
    const fake = new FakeLogs();
    const groups = [group(0), group(1), group(2)];
    let n = 0;
    const { followCalls } = await follow(
      fake,
      groups,
      (now) => {
        // Group 0 is busy for the first 10 s; then everything is quiet for 20 s.
        if (now < T0 + 10_000) fake.put(groups[0].name, 'svc/app/t1', now, `busy ${n++}`);
      },
      30_000,
      { pollInterval: { min: 250, max: 4_000 } },
    );
    const busy = followCalls.filter((c) => c.at < T0 + 10_000);
    const idle = followCalls.filter((c) => c.at >= T0 + 14_000);
    const count = (calls: typeof followCalls, name: string) => calls.filter((c) => c.group === name).length;
    // While lines arrive the budget (5/s) is spent: the busy group's own polls, and the idle groups'
    // polls that let its lines past their watermark; never fewer polls of the busy one.
    expect(busy.length).toBeGreaterThanOrEqual(45);
    expect(count(busy, groups[0].name)).toBeGreaterThanOrEqual(count(busy, groups[1].name));
    // Quiet: each group once per 4 s (3 groups over 16 s: about 12 calls, not 80).
    expect(idle.length).toBeLessThanOrEqual(15);
    expect(idle.length).toBeGreaterThanOrEqual(9);
  });

  it('prints in time order across groups even when one group is throttled and read late', async () => {
    const groups = [group(0), group(1), group(2)];
    const run = async (maxLatenessMs: number) => {
      const fake = new FakeLogs();
      let n = 0;
      const run = await follow(
        fake,
        groups,
        (now) => {
          if (now < T0 + 15_000)
            for (const g of groups) fake.put(g.name, 'svc/app/t1', now - 50, `${g.label} ${n++}`);
        },
        20_000,
        { maxLatenessMs },
        // Group 2 is throttled one second in every three.
        (input, now) => input.logGroupName === groups[2].name && Math.floor((now - T0) / 1_000) % 3 === 1,
      );
      expect(run.printed).toHaveLength(n); // nothing lost either way
      return run;
    };
    const ordered = await run(10_000);
    expect(ordered.notices.some((notice) => notice.type === 'throttled')).toBe(true);
    expect(ordered.printed.length).toBeGreaterThan(100);
    expect(inOrder(ordered.printed)).toBe(true);
    // Without waiting for the late group (no lateness allowed), the same run prints out of order:
    // the watermark is what keeps the order.
    const unordered = await run(0);
    expect(inOrder(unordered.printed)).toBe(false);
  });
});

describe('IngestionLag', () => {
  it('is the largest recent lag plus a margin, and forgets it after two buckets', () => {
    const lag = new IngestionLag(100, 60_000);
    lag.observe(40, 0);
    lag.observe(900, 1_000);
    expect(lag.ms(2_000)).toBe(1_000);
    expect(lag.ms(70_000)).toBe(1_000); // the previous bucket still counts
    expect(lag.ms(200_000)).toBe(100);
  });
});
