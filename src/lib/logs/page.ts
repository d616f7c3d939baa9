import {
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';

import type { FilterLogEventsClient } from './reader.js';

/** One FilterLogEvents page: its events and the token of the next page, if any. */
export interface FilterPage {
  events: FilteredLogEvent[];
  nextToken?: string;
}

/** The raw HTTP response as the deserialize step sees it (NodeHttpHandler's). */
interface RawResult {
  response?: { statusCode?: number; body?: unknown };
}

type Next = (args: unknown) => Promise<RawResult>;

/**
 * The middleware of one call: takes the events of a successful response straight from `JSON.parse`
 * and hands the SDK's deserializer a body with only the next token. A page is up to 1 MB and 10,000
 * events; the deserializer would copy every event into a new object walked from the schema, so two
 * generations of 10,000 objects lived at once, and V8 grew the young generation to hold them (half of
 * a backfill's memory above the CLI's idle floor went there). The JSON is already the SDK's shape:
 * FilteredLogEvent's fields are strings and longs (the CloudWatch Logs API reference: `timestamp` and
 * `ingestionTime` are Long, milliseconds since the epoch; the awsJson1_1 protocol sends them as JSON
 * numbers), with no timestamp or blob the deserializer would convert. Anything else (an error status, a body
 * that is not the JSON of a page) goes to the deserializer untouched, so errors and their codes are
 * the SDK's own.
 */
export function leanPageMiddleware(take: (events: FilteredLogEvent[]) => void) {
  return (next: Next) =>
    async (args: unknown): Promise<RawResult> => {
      const result = await next(args);
      const response = result.response;
      const body = response?.body as AsyncIterable<Uint8Array> | undefined;
      if (!response || response.statusCode !== 200 || typeof body?.[Symbol.asyncIterator] !== 'function')
        return result;
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      let parsed: { events?: unknown; nextToken?: unknown } | undefined;
      try {
        parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
      } catch {
        parsed = undefined;
      }
      if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.events)) {
        // The SDK reads a Uint8Array body as it is (collectBody): its own parse reports the problem.
        response.body = bytes;
        return result;
      }
      take(parsed.events as FilteredLogEvent[]);
      response.body = Buffer.from(
        JSON.stringify(typeof parsed.nextToken === 'string' ? { nextToken: parsed.nextToken } : {}),
      );
      return result;
    };
}

/**
 * One FilterLogEvents call. With the SDK's HTTP stack the events come from the lean middleware above;
 * a client that answers `send` itself (a test double) gives them in its output, as the SDK would.
 */
export async function filterLogEventsPage(
  client: FilterLogEventsClient,
  input: FilterLogEventsCommandInput,
  signal?: AbortSignal,
): Promise<FilterPage> {
  const command = new FilterLogEventsCommand(input);
  let lean: FilteredLogEvent[] | undefined;
  command.middlewareStack.add(
    leanPageMiddleware((events) => (lean = events)) as never,
    // Low priority within the deserialize step: inside the SDK's deserializer, next to the transport.
    { step: 'deserialize', name: 'ecspocLeanFilterLogEventsPage', priority: 'low' },
  );
  const output = await client.send(command, { abortSignal: signal });
  return { events: lean ?? output.events ?? [], nextToken: output.nextToken };
}
