import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, describe, expect, it } from '@jest/globals';

import { LogProducer } from './helpers/log-producer.js';

const producer = new LogProducer();
afterAll(() => producer.destroy());

async function stored(group: string) {
  const events = [];
  let nextToken: string | undefined;
  do {
    const page = await producer.client.send(
      new FilterLogEventsCommand({ logGroupName: group, startTime: 0, interleaved: true, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

describe('the log producer of the rig', () => {
  it('creates groups and streams and writes events with the timestamps it is given', async () => {
    const t = Date.now() - 60_000;
    const written = await producer.write('/producer/one', 'i-1', [
      { timestamp: t + 2, message: 'second' },
      { timestamp: t, message: 'first' },
    ]);
    expect(written.map((e) => e.message)).toEqual(['first', 'second']);
    const events = await stored('/producer/one');
    expect(events.map((e) => [e.logStreamName, e.timestamp, e.message])).toEqual([
      ['i-1', t, 'first'],
      ['i-1', t + 2, 'second'],
    ]);
  });

  it('runs several writers at once, identical timestamps included, and returns exactly what it wrote', async () => {
    const t = Date.now() - 30_000;
    const written = await producer.writeConcurrently(
      ['a', 'b', 'c'].map((name) => ({
        group: '/producer/many',
        stream: name,
        count: 250,
        batchSize: 50,
        timestamp: (i: number) => t + Math.floor(i / 50), // 50 events share each timestamp, across writers too
      })),
    );
    expect(written).toHaveLength(750);
    const events = await stored('/producer/many');
    const key = (e: { logStreamName?: string; stream?: string; timestamp?: number; message?: string }) =>
      `${e.logStreamName ?? e.stream} ${e.timestamp} ${e.message}`;
    expect(events.map(key).sort()).toEqual(written.map(key).sort());
    expect(new Set(events.map((e) => e.timestamp)).size).toBe(5);
    expect(producer.written).toEqual(expect.arrayContaining(written));
  });
});
