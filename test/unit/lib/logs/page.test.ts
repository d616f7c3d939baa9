import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  filterLogEventsPage,
  leanPageMiddleware,
  packFilterPage,
  type FilterPage,
  type PageEvents,
} from '../../../../src/lib/logs/page.js';

// The SDK's own HTTP stack against a loopback server: the lean middleware only runs there (a mocked
// `send` never reaches the deserialize step), so this is where it is proven.
let server: Server;
let client: CloudWatchLogsClient;
let answer: { status: number; body: string; headers?: Record<string, string> };
const requests: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new CloudWatchLogsClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** The events of a page as the SDK's objects (fields left out stay out). */
function listed(events: PageEvents): FilteredLogEvent[] {
  return Array.from({ length: events.length }, (_, i) => {
    const event: FilteredLogEvent = {};
    const fields = {
      logStreamName: events.logStreamName(i),
      timestamp: events.timestamp(i),
      message: events.message(i),
      ingestionTime: events.ingestionTime(i),
      eventId: events.eventId(i),
    };
    for (const [key, value] of Object.entries(fields))
      if (value !== undefined) Object.assign(event, { [key]: value });
    return event;
  });
}

const events: FilteredLogEvent[] = [
  { logStreamName: 'i-1', timestamp: 1000, message: 'a', ingestionTime: 1010, eventId: 'e1' },
  { logStreamName: 'i-2', timestamp: 1001, message: 'b\n', ingestionTime: 1011, eventId: 'e2' },
];

describe('filterLogEventsPage', () => {
  it('returns the events and the next token of a page, as the SDK would', async () => {
    answer = { status: 200, body: JSON.stringify({ events, nextToken: 'tok-2', searchedLogStreams: [] }) };
    const page = await filterLogEventsPage(client, { logGroupName: '/g', startTime: 5, nextToken: 'tok-1' });
    expect(listed(page.events)).toEqual(events);
    expect(page.nextToken).toBe('tok-2');
    expect(requests.at(-1)).toMatchObject({ logGroupName: '/g', startTime: 5, nextToken: 'tok-1' });
  });

  it('packs the events of the response itself instead of taking the copies the SDK made', async () => {
    answer = { status: 200, body: JSON.stringify({ events }) };
    const page = await filterLogEventsPage(client, { logGroupName: '/g' });
    expect(page.events.release).toBeInstanceOf(Function);
    expect(listed(page.events)).toEqual(events);
  });

  it('ends with no next token on the last page, and an empty page has no events', async () => {
    answer = { status: 200, body: JSON.stringify({ events: [] }) };
    const page = await filterLogEventsPage(client, { logGroupName: '/g' });
    expect(page.events.length).toBe(0);
    expect(page.nextToken).toBeUndefined();
  });

  it('leaves errors to the SDK: their names and codes are its own', async () => {
    answer = {
      status: 400,
      body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
      headers: { 'x-amzn-errortype': 'ThrottlingException' },
    };
    await expect(filterLogEventsPage(client, { logGroupName: '/g' })).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('hands a body that is not a page to the SDK, which reports it', async () => {
    answer = { status: 200, body: '<html>proxy error</html>' };
    await expect(filterLogEventsPage(client, { logGroupName: '/g' })).rejects.toThrow();
  });
});

describe('leanPageMiddleware', () => {
  async function* chunks(text: string) {
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
  }

  it('takes the events from a chunked body and leaves the SDK only the next token', async () => {
    let taken: FilterPage | undefined;
    const response = { statusCode: 200, body: chunks(JSON.stringify({ events, nextToken: 'n' })) as unknown };
    const result = await leanPageMiddleware((page) => (taken = page))(async () => ({ response }))({});
    expect(listed(taken!.events)).toEqual(events);
    expect(taken!.nextToken).toBe('n');
    expect(JSON.parse(Buffer.from(response.body as Uint8Array).toString())).toEqual({ nextToken: 'n' });
    expect(result.response).toBe(response);
  });

  it('passes a body with no events list through whole', async () => {
    let taken = false;
    const text = JSON.stringify({ something: 'else' });
    const response = { statusCode: 200, body: chunks(text) as unknown };
    await leanPageMiddleware(() => (taken = true))(async () => ({ response }))({});
    expect(taken).toBe(false);
    expect(Buffer.from(response.body as Uint8Array).toString()).toBe(text);
  });

  it('does not touch an error response', async () => {
    const body = chunks('{}');
    const response = { statusCode: 500, body: body as unknown };
    await leanPageMiddleware(() => undefined)(async () => ({ response }))({});
    expect(response.body).toBe(body);
  });
});

describe('packFilterPage', () => {
  const pack = (json: string) => packFilterPage(Buffer.from(json));

  it('reads back every field as JSON.parse does: escapes, UTF-8, any member order, unknown members', () => {
    const tricky: FilteredLogEvent[] = [
      {
        eventId: 'e"1',
        message: 'quote " backslash \\ tab \t newline \n',
        timestamp: 1,
        logStreamName: 'i-1',
      },
      {
        message: 'é ü 漢字 😀 \u2028',
        logStreamName: 'svc/web/ab\\c',
        timestamp: 2,
        ingestionTime: 3,
        eventId: 'e2',
      },
      {
        timestamp: 1_735_689_600_123,
        ingestionTime: 1_735_689_600_999,
        message: '',
        eventId: '',
        logStreamName: '',
      },
      { message: 'ends with a backslash \\', timestamp: 4 },
    ];
    const json = JSON.stringify({
      searchedLogStreams: [{ logStreamName: 'i-1', searchedCompletely: true }],
      nextToken: 'tok\u00e9',
      events: tricky.map((e, i) => ({
        future: { nested: [1, -2.5e3, null, false, 'x'] },
        ...e,
        [`extra${i}`]: i,
      })),
    });
    const page = pack(json)!;
    expect(listed(page.events)).toEqual(JSON.parse(JSON.stringify(tricky)));
    expect(page.nextToken).toBe('tok\u00e9');
  });

  it('takes escaped characters the way JSON writes them, \\u escapes and surrogate pairs included', () => {
    const json = '{"events":[{"message":"a\\u0041\\"\\/\\ud83d\\ude00\\\\","timestamp":5}]}';
    expect(pack(json)!.events.message(0)).toBe(JSON.parse(json).events[0].message);
  });

  it('reads pretty-printed JSON, null members as absent, and numbers in any JSON form', () => {
    const json = `{
      "events" : [ {
        "timestamp" : 1.5e3 , "message" : null , "eventId" : "x" ,
        "ingestionTime" : -7, "logStreamName" : null
      } ] ,
      "nextToken" : null
    }`;
    const page = pack(json)!;
    expect(listed(page.events)).toEqual([{ timestamp: 1500, ingestionTime: -7, eventId: 'x' }]);
    expect(page.nextToken).toBeUndefined();
  });

  it('agrees with JSON.parse over many generated pages', () => {
    // A fixed-seed generator: each run checks the same pages, and a failure is reproducible.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const alphabet = [
      'a',
      'Z',
      '0',
      ' ',
      '"',
      '\\',
      '/',
      '\n',
      '\t',
      '\u0001',
      'é',
      '漢',
      '😀',
      '\u2028',
      '}',
      ']',
      ',',
    ];
    const text = () =>
      Array.from(
        { length: Math.floor(random() * 12) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
    for (let round = 0; round < 200; round++) {
      const list: FilteredLogEvent[] = Array.from({ length: Math.floor(random() * 8) }, () => {
        const event: FilteredLogEvent = {};
        if (random() < 0.9) event.timestamp = Math.floor(random() * 2 ** 42);
        if (random() < 0.9) event.message = text();
        if (random() < 0.9) event.logStreamName = text();
        if (random() < 0.9) event.eventId = text();
        if (random() < 0.5) event.ingestionTime = Math.floor(random() * 2 ** 42);
        return event;
      });
      const token = random() < 0.5 ? { nextToken: text() } : {};
      const page = pack(JSON.stringify({ events: list, ...token }, null, round % 3 === 0 ? 1 : undefined))!;
      expect(listed(page.events)).toEqual(list);
      expect(page.nextToken).toBe(token.nextToken);
    }
  });

  it.each([
    ['not JSON', '<html>proxy error</html>'],
    ['no events list', '{"nextToken":"t"}'],
    ['events that are not a list', '{"events":{}}'],
    ['a timestamp that is a string', '{"events":[{"timestamp":"12"}]}'],
    ['a message that is a number', '{"events":[{"message":12}]}'],
    ['an event that is not an object', '{"events":[12]}'],
    ['truncated bytes', '{"events":[{"message":"abc'],
    ['an unterminated escape', '{"events":[{"message":"abc\\'],
    ['something after the object', '{"events":[]} {}'],
    ['a missing comma', '{"events":[{"timestamp":1 "message":"a"}]}'],
  ])('declines %s, leaving it to the SDK', (_, json) => {
    expect(pack(json)).toBeUndefined();
  });

  it('frees its buffers when released, and a second release is harmless', () => {
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(JSON.stringify({ events })));
    bytes.write(JSON.stringify({ events }));
    const page = packFilterPage(bytes)!;
    expect(page.events.message(0)).toBe('a');
    page.events.release?.();
    expect(bytes.buffer.byteLength).toBe(0);
    expect(page.events.length).toBe(2);
    expect(() => page.events.release?.()).not.toThrow();
  });

  it('leaves a pooled buffer it does not own to the collector', () => {
    // Buffer.from of a short string is a view of Node's shared pool: detaching it would break others.
    const bytes = Buffer.from(JSON.stringify({ events }));
    const neighbour = Buffer.from('still here');
    const page = packFilterPage(bytes)!;
    page.events.release?.();
    expect(neighbour.toString()).toBe('still here');
    expect(bytes.toString()).toBe(JSON.stringify({ events }));
  });
});
