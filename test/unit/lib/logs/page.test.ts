import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { filterLogEventsPage, leanPageMiddleware } from '../../../../src/lib/logs/page.js';

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

const events: FilteredLogEvent[] = [
  { logStreamName: 'i-1', timestamp: 1000, message: 'a', ingestionTime: 1010, eventId: 'e1' },
  { logStreamName: 'i-2', timestamp: 1001, message: 'b\n', ingestionTime: 1011, eventId: 'e2' },
];

describe('filterLogEventsPage', () => {
  it('returns the events and the next token of a page, as the SDK would', async () => {
    answer = { status: 200, body: JSON.stringify({ events, nextToken: 'tok-2', searchedLogStreams: [] }) };
    const page = await filterLogEventsPage(client, { logGroupName: '/g', startTime: 5, nextToken: 'tok-1' });
    expect(page).toEqual({ events, nextToken: 'tok-2' });
    expect(requests.at(-1)).toMatchObject({ logGroupName: '/g', startTime: 5, nextToken: 'tok-1' });
  });

  it('takes the events from the response itself, not from a copy the SDK made', async () => {
    // The SDK's deserializer keeps only the fields of its schema: one it does not know survives only
    // on the lean path, which is what keeps a page from being held twice.
    answer = { status: 200, body: JSON.stringify({ events: [{ ...events[0], unknownToTheSdk: 1 }] }) };
    const page = await filterLogEventsPage(client, { logGroupName: '/g' });
    expect(page.events[0]).toHaveProperty('unknownToTheSdk', 1);
  });

  it('ends with no next token on the last page, and an empty page has no events', async () => {
    answer = { status: 200, body: JSON.stringify({ events: [] }) };
    expect(await filterLogEventsPage(client, { logGroupName: '/g' })).toEqual({ events: [] });
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
    let taken: FilteredLogEvent[] | undefined;
    const response = { statusCode: 200, body: chunks(JSON.stringify({ events, nextToken: 'n' })) as unknown };
    const result = await leanPageMiddleware((e) => (taken = e))(async () => ({ response }))({});
    expect(taken).toEqual(events);
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
