import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  InvalidParameterException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from '@jest/globals';

import { AwsError } from '../../../../src/lib/errors.js';
import { backoffDelay, readGroupPages, type ReaderDeps } from '../../../../src/lib/logs/reader.js';
import type { LogEvent, SelectedLogGroup, TailNotice } from '../../../../src/lib/logs/types.js';
import { FakeLogs } from './fake-logs.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const logs = mockSdk(CloudWatchLogsClient);

const client = sdkClient(CloudWatchLogsClient);
const GROUP: SelectedLogGroup = {
  name: '/ecspoc/dev/instances/ecs-agent',
  kind: 'instance',
  label: 'ecs-agent',
};

function deps(extra: Partial<ReaderDeps> = {}): ReaderDeps & { slept: number[]; notices: TailNotice[] } {
  const slept: number[] = [];
  const notices: TailNotice[] = [];
  return {
    sleep: async (ms) => void slept.push(ms),
    notice: (notice) => notices.push(notice),
    random: () => 0.5,
    slept,
    notices,
    ...extra,
  };
}

async function readAll(d: ReaderDeps, group = GROUP, startTime = 0): Promise<LogEvent[][]> {
  const pages: LogEvent[][] = [];
  for await (const page of readGroupPages(client, { group, startTime }, d))
    pages.push(Array.from({ length: page.length }, (_, i) => page.event(i)));
  return pages;
}

const raw = (id: string, timestamp: number, stream = 'i-1') => ({
  eventId: id,
  timestamp,
  logStreamName: stream,
  message: `m${id}`,
  ingestionTime: timestamp,
});

/** The inputs of the FilterLogEvents calls made, in order. */
const inputs = () => logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);

describe('readGroupPages', () => {
  it('reads every page of the whole group, interleaved, and tags each event with its source', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [raw('1', 10), raw('2', 11, 'i-2')], nextToken: 't1' })
      .resolvesOnce({ events: [raw('3', 12)] });
    const pages = await readAll(deps(), GROUP, 5);
    expect(pages.map((page) => page.map((e) => e.eventId))).toEqual([['1', '2'], ['3']]);
    expect(pages[0][1]).toMatchObject({
      group: GROUP.name,
      stream: 'i-2',
      timestamp: 11,
      message: 'm2',
      source: { kind: 'instance', name: 'ecs-agent', id: 'i-2' },
    });
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 2);
    expect(inputs()[0]).toMatchObject({
      logGroupName: GROUP.name,
      startTime: 5,
      interleaved: true,
    });
    expect(inputs()[1]).toMatchObject({ nextToken: 't1', startTime: 5 });
  });

  it('follows empty pages that still carry a next token instead of stopping', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [], nextToken: 'a' })
      .resolvesOnce({ events: [], nextToken: 'b' })
      .resolvesOnce({ events: [raw('1', 10)], nextToken: 'c' })
      .resolvesOnce({ events: [] });
    const pages = await readAll(deps());
    expect(pages.flat().map((e) => e.eventId)).toEqual(['1']);
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 4);
  });

  it('backs off on throttling, exponentially, and retries the same page', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [raw('1', 10)], nextToken: 't1' })
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }))
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }))
      .resolvesOnce({ events: [raw('2', 11)] });
    const d = deps({ backoffMs: 100 });
    const pages = await readAll(d);
    expect(pages.flat().map((e) => e.eventId)).toEqual(['1', '2']);
    expect(d.slept).toEqual([75, 150]);
    expect(d.notices).toEqual([
      { type: 'throttled', group: GROUP.name, retryInMs: 75 },
      { type: 'throttled', group: GROUP.name, retryInMs: 150 },
    ]);
    expect(inputs()[1]).toMatchObject({ nextToken: 't1' });
    expect(inputs()[3]).toMatchObject({ nextToken: 't1' });
  });

  it('gives up after the allowed number of throttled calls in a row', async () => {
    logs
      .on(FilterLogEventsCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    const d = deps({ maxThrottleRetries: 3 });
    await expect(readAll(d)).rejects.toMatchObject({ code: 'THROTTLED' });
    expect(d.slept).toHaveLength(3);
  });

  it('caps the back-off and spreads it with jitter', () => {
    expect(backoffDelay(0, 500, 20_000, () => 0)).toBe(250);
    expect(backoffDelay(3, 500, 20_000, () => 0.999)).toBe(3_998);
    expect(backoffDelay(20, 500, 20_000, () => 0.999)).toBe(19_990);
  });

  it('restarts an expired token at the last timestamp read, skipping what it already gave', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [raw('1', 10), raw('2', 12), raw('3', 12)], nextToken: 'old' })
      .rejectsOnce(
        new InvalidParameterException({ message: 'The specified nextToken has expired.', $metadata: {} }),
      )
      .resolvesOnce({ events: [raw('2', 12), raw('3', 12), raw('4', 12)], nextToken: 'fresh' })
      .resolvesOnce({ events: [raw('5', 13)] });
    const d = deps();
    const pages = await readAll(d, GROUP, 0);
    expect(pages.flat().map((e) => e.eventId)).toEqual(['1', '2', '3', '4', '5']);
    expect(d.notices).toEqual([{ type: 'token-expired', group: GROUP.name }]);
    expect(inputs()[2]).toMatchObject({ startTime: 12 });
    expect(inputs()[2].nextToken).toBeUndefined();
    expect(inputs()[3]).toMatchObject({ startTime: 12, nextToken: 'fresh' });
  });

  it('recovers from expired tokens over a real paging of identical timestamps, nothing lost or repeated', async () => {
    const fake = new FakeLogs(3);
    for (let i = 0; i < 20; i++) fake.put(GROUP.name, `i-${i % 3}`, 100 + Math.floor(i / 7), `line ${i}`);
    fake.expireTokenCalls = new Set([2, 5, 6]);
    logs.on(FilterLogEventsCommand).callsFake((input) => fake.filter(input));
    const pages = await readAll(deps());
    expect(pages.flat().map((e) => e.message)).toEqual(fake.events.map((e) => e.message));
  });

  it('turns a vanished group into a clear error', async () => {
    logs
      .on(FilterLogEventsCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    const error = await readAll(deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ code: 'LOG_GROUP_MISSING' });
  });

  it('an InvalidParameterException without a token is a real error, not an expired token', async () => {
    logs
      .on(FilterLogEventsCommand)
      .rejects(new InvalidParameterException({ message: 'bad pattern', $metadata: {} }));
    await expect(readAll(deps())).rejects.toMatchObject({ code: 'AWS_CALL_FAILED' });
  });

  it('asks only for the chosen streams, with the filter pattern and page size', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const group = { ...GROUP, streamNames: ['i-1'] };
    const pages = readGroupPages(
      client,
      { group, startTime: 1, endTime: 2, filterPattern: 'ERROR', pageLimit: 50 },
      deps(),
    );
    for await (const _ of pages) throw new Error('no page expected');
    expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, {
      logStreamNames: ['i-1'],
      filterPattern: 'ERROR',
      limit: 50,
      startTime: 1,
      endTime: 2,
    });
  });

  it('ends quietly when aborted, even mid-request', async () => {
    const abort = new AbortController();
    logs.on(FilterLogEventsCommand).callsFake(async () => {
      abort.abort();
      throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    });
    expect(await readAll(deps({ signal: abort.signal }))).toEqual([]);
  });

  it('tags task streams with service, container and task id', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [raw('1', 1, '404/web/0a1b2c'), raw('2', 2, 'odd')] });
    const group: SelectedLogGroup = { name: '/ecspoc/dev/tasks/404', kind: 'task', label: '404' };
    const [page] = await readAll(deps(), group);
    expect(page[0].source).toEqual({ kind: 'task', name: '404', id: '0a1b2c', container: 'web' });
    expect(page[1].source).toEqual({ kind: 'task', name: '404', id: 'odd' });
  });
});
