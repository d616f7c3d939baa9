import {
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';

import type { FilterLogEventsClient } from './reader.js';

/**
 * The events of one FilterLogEvents page, read by index, in the service's order. A field the service
 * left out reads as `undefined`.
 */
export interface PageEvents {
  readonly length: number;
  timestamp(index: number): number | undefined;
  ingestionTime(index: number): number | undefined;
  eventId(index: number): string | undefined;
  logStreamName(index: number): string | undefined;
  message(index: number): string | undefined;
  /** Frees what the events hold; none of them may be read after. */
  release?(): void;
}

/** One FilterLogEvents page: its events and the token of the next page, if any. */
export interface FilterPage {
  events: PageEvents;
  nextToken?: string;
}

/** The events of a page as the SDK gives them (a test double's answer, or a body the scanner declined). */
export class ListedEvents implements PageEvents {
  constructor(private readonly list: FilteredLogEvent[]) {}

  get length(): number {
    return this.list.length;
  }

  timestamp(index: number): number | undefined {
    return this.list[index].timestamp;
  }

  ingestionTime(index: number): number | undefined {
    return this.list[index].ingestionTime;
  }

  eventId(index: number): string | undefined {
    return this.list[index].eventId;
  }

  logStreamName(index: number): string | undefined {
    return this.list[index].logStreamName;
  }

  message(index: number): string | undefined {
    return this.list[index].message;
  }
}

// The string fields of an event, in the order of their offsets.
const STREAM = 0;
const MESSAGE = 1;
const EVENT_ID = 2;
const STRINGS = 3;
// Per string field: its bytes hold an escape, or a byte outside ASCII.
const ESCAPED = 1;
const NON_ASCII = 2;

/**
 * The events of a page kept as the bytes of the response, with where each event's fields lie in them:
 * a page (up to 1 MB and 10,000 events) costs its bytes and a few typed arrays, all outside the
 * JavaScript heap, and a field becomes a string only when it is read (when its line is printed).
 * Parsed into objects, a page was ~10,000 objects and 30,000 strings that lived until the merge had
 * printed the page: they outlived the young generation's collections, which V8 answered by growing the
 * young generation and promoting them, so every group tailed at once added ~17 MiB to the peak.
 */
export class PackedEvents implements PageEvents {
  constructor(
    private readonly bytes: Buffer,
    readonly length: number,
    private readonly timestamps: Float64Array,
    private readonly ingestionTimes: Float64Array,
    /** Per event and string field: start and end of the string's contents in `bytes` (-1: absent). */
    private readonly offsets: Int32Array,
    private readonly flags: Uint8Array,
  ) {}

  timestamp(index: number): number | undefined {
    const value = this.timestamps[index];
    return Number.isNaN(value) ? undefined : value;
  }

  ingestionTime(index: number): number | undefined {
    const value = this.ingestionTimes[index];
    return Number.isNaN(value) ? undefined : value;
  }

  eventId(index: number): string | undefined {
    return this.string(index, EVENT_ID);
  }

  logStreamName(index: number): string | undefined {
    return this.string(index, STREAM);
  }

  message(index: number): string | undefined {
    return this.string(index, MESSAGE);
  }

  /**
   * Frees the bytes and arrays now, rather than when V8 next collects the old generation: a page that
   * outlived a young collection sits there dead, and its megabyte outside the heap with it (V8 counts
   * such memory lazily: four groups left ~25 MiB of read pages waiting). Transferring the buffers hands
   * them to a clone nothing refers to, which the next young collection frees; this page is emptied.
   */
  release(): void {
    // The arrays own their buffers; the bytes may be a view of someone else's (a slice of Node's
    // shared pool, when not the middleware's own): those are left to the collector.
    const buffers: ArrayBuffer[] = [this.timestamps, this.ingestionTimes, this.offsets, this.flags].map(
      (array) => array.buffer as ArrayBuffer,
    );
    const bytes = this.bytes.buffer as ArrayBuffer;
    if (this.bytes.byteOffset === 0 && bytes.byteLength === this.bytes.byteLength) buffers.push(bytes);
    // Released already: detached buffers have no bytes, and cannot be transferred again.
    const transfer = buffers.filter((buffer) => buffer.byteLength > 0);
    structuredClone(undefined, { transfer });
  }

  private string(index: number, field: number): string | undefined {
    const slot = index * STRINGS + field;
    const start = this.offsets[2 * slot];
    if (start < 0) return undefined;
    const end = this.offsets[2 * slot + 1];
    return decodeString(this.bytes, start, end, this.flags[slot]);
  }
}

/** The JSON string whose contents are `bytes[start, end)`, scanned with these ESCAPED / NON_ASCII flags. */
function decodeString(bytes: Buffer, start: number, end: number, flags: number): string {
  // JSON's escapes are JSON's to undo; the quotes around the contents make the slice a JSON string.
  if (flags & ESCAPED) return JSON.parse(bytes.toString('utf8', start - 1, end + 1)) as string;
  return bytes.toString(flags & NON_ASCII ? 'utf8' : 'latin1', start, end);
}

/** Thrown inside the scanner on anything it does not expect; the caller hands the body to the SDK. */
class NotAPage extends Error {}

const KEY_EVENTS = Buffer.from('events');
const KEY_NEXT_TOKEN = Buffer.from('nextToken');
const KEY_TIMESTAMP = Buffer.from('timestamp');
const KEY_INGESTION_TIME = Buffer.from('ingestionTime');
const KEY_MESSAGE = Buffer.from('message');
const KEY_STREAM = Buffer.from('logStreamName');
const KEY_EVENT_ID = Buffer.from('eventId');
const MAX_DEPTH = 64;

/**
 * Scans the JSON of a FilterLogEvents response (`{"events":[{…},…],"nextToken":"…",…}`) once, byte by
 * byte, recording where each event's fields are; nothing is copied. JSON's grammar is followed whole
 * (whitespace, escapes, members in any order, members it does not know skipped, `null` as absent);
 * anything else (not an object, an `events` that is not a list, a field of the wrong type, truncated
 * bytes) is not a page, and `undefined` is returned for the SDK to deal with.
 */
export function packFilterPage(bytes: Buffer): FilterPage | undefined {
  try {
    return new PageScanner(bytes).page();
  } catch (error) {
    if (error instanceof NotAPage) return undefined;
    throw error;
  }
}

class PageScanner {
  private pos = 0;
  // The last string scanned: its contents' start and end, and its ESCAPED / NON_ASCII flags.
  private start = 0;
  private end = 0;
  private stringFlags = 0;
  private count = 0;
  private timestamps = new Float64Array(0);
  private ingestionTimes = new Float64Array(0);
  private offsets = new Int32Array(0);
  private flags = new Uint8Array(0);

  constructor(private readonly bytes: Buffer) {
    // About one event per 160 bytes (the JSON of an event with a short message): grown when it is more.
    this.grow(Math.max(16, bytes.length >> 7));
  }

  page(): FilterPage {
    let nextToken: string | undefined;
    let sawEvents = false;
    this.expect(0x7b); // {
    if (!this.take(0x7d)) {
      do {
        this.key();
        if (this.isKey(KEY_EVENTS)) {
          if (this.peek() === 0x6e) this.literal('null');
          else {
            this.events();
            sawEvents = true;
          }
        } else if (this.isKey(KEY_NEXT_TOKEN)) {
          if (this.peek() === 0x6e) this.literal('null');
          else {
            this.string();
            nextToken = this.decoded();
          }
        } else this.skipValue(0);
      } while (this.take(0x2c)); // ,
      this.expect(0x7d); // }
    }
    if (this.peek() !== -1 || !sawEvents) throw new NotAPage();
    const events = new PackedEvents(
      this.bytes,
      this.count,
      this.timestamps,
      this.ingestionTimes,
      this.offsets,
      this.flags,
    );
    return nextToken === undefined ? { events } : { events, nextToken };
  }

  private events(): void {
    this.expect(0x5b); // [
    if (this.take(0x5d)) return;
    do this.event();
    while (this.take(0x2c));
    this.expect(0x5d); // ]
  }

  private event(): void {
    const index = this.count;
    if (index === this.timestamps.length) this.grow(2 * index);
    this.count += 1;
    this.expect(0x7b); // {
    if (this.take(0x7d)) return;
    do {
      this.key();
      if (this.peek() === 0x6e) {
        // null: the field is absent, whichever it is.
        this.literal('null');
        continue;
      }
      if (this.isKey(KEY_TIMESTAMP)) this.timestamps[index] = this.number();
      else if (this.isKey(KEY_INGESTION_TIME)) this.ingestionTimes[index] = this.number();
      else if (this.isKey(KEY_MESSAGE)) this.field(index, MESSAGE);
      else if (this.isKey(KEY_STREAM)) this.field(index, STREAM);
      else if (this.isKey(KEY_EVENT_ID)) this.field(index, EVENT_ID);
      else this.skipValue(1);
    } while (this.take(0x2c));
    this.expect(0x7d); // }
  }

  private field(index: number, field: number): void {
    this.string();
    const slot = index * STRINGS + field;
    this.offsets[2 * slot] = this.start;
    this.offsets[2 * slot + 1] = this.end;
    this.flags[slot] = this.stringFlags;
  }

  /** Room for `capacity` events; the new slots read as absent fields (NaN numbers, -1 offsets). */
  private grow(capacity: number): void {
    const timestamps = new Float64Array(capacity).fill(Number.NaN);
    timestamps.set(this.timestamps);
    this.timestamps = timestamps;
    const ingestionTimes = new Float64Array(capacity).fill(Number.NaN);
    ingestionTimes.set(this.ingestionTimes);
    this.ingestionTimes = ingestionTimes;
    const offsets = new Int32Array(2 * STRINGS * capacity).fill(-1);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const flags = new Uint8Array(STRINGS * capacity);
    flags.set(this.flags);
    this.flags = flags;
  }

  /** A member's name and its colon; the name is left in start/end. */
  private key(): void {
    this.string();
    this.expect(0x3a); // :
  }

  /** True when the last string scanned is exactly `name` (AWS writes member names without escapes). */
  private isKey(name: Buffer): boolean {
    if (this.stringFlags & ESCAPED) return this.decoded() === name.toString('latin1');
    if (this.end - this.start !== name.length) return false;
    const bytes = this.bytes;
    for (let i = 0, p = this.start; i < name.length; i++, p++) if (bytes[p] !== name[i]) return false;
    return true;
  }

  /** The last string scanned, as a string. */
  private decoded(): string {
    return decodeString(this.bytes, this.start, this.end, this.stringFlags);
  }

  private string(): void {
    this.expect(0x22); // "
    const bytes = this.bytes;
    const length = bytes.length;
    let p = this.pos;
    let flags = 0;
    for (;;) {
      if (p >= length) throw new NotAPage();
      const c = bytes[p];
      if (c === 0x22) break;
      if (c === 0x5c) {
        // An escape is two bytes (\uXXXX: its four hex digits hold no quote or backslash).
        flags |= ESCAPED;
        p += 2;
      } else {
        if (c >= 0x80) flags |= NON_ASCII;
        p += 1;
      }
    }
    this.start = this.pos;
    this.end = p;
    this.stringFlags = flags;
    this.pos = p + 1;
  }

  private number(): number {
    const bytes = this.bytes;
    const from = this.pos;
    let p = from;
    let value = 0;
    let simple = true;
    if (bytes[p] === 0x2d) p += 1; // -
    const digits = p;
    for (; p < bytes.length; p++) {
      const c = bytes[p];
      if (c >= 0x30 && c <= 0x39) value = value * 10 + (c - 0x30);
      else if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) simple = false;
      else break;
    }
    if (p === digits) throw new NotAPage();
    this.pos = p;
    if (simple && p - digits <= 15) return bytes[from] === 0x2d ? -value : value;
    const parsed = Number(bytes.toString('latin1', from, p));
    if (Number.isNaN(parsed)) throw new NotAPage();
    return parsed;
  }

  private skipValue(depth: number): void {
    if (depth > MAX_DEPTH) throw new NotAPage();
    const c = this.peek();
    if (c === 0x22) this.string();
    else if (c === 0x7b) {
      this.pos += 1;
      if (this.take(0x7d)) return;
      do {
        this.key();
        this.skipValue(depth + 1);
      } while (this.take(0x2c));
      this.expect(0x7d);
    } else if (c === 0x5b) {
      this.pos += 1;
      if (this.take(0x5d)) return;
      do this.skipValue(depth + 1);
      while (this.take(0x2c));
      this.expect(0x5d);
    } else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else this.number();
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++)
      if (this.bytes[this.pos + i] !== word.charCodeAt(i)) throw new NotAPage();
    this.pos += word.length;
  }

  /** The next byte that is not whitespace, or -1 at the end; the position moves onto it. */
  private peek(): number {
    const bytes = this.bytes;
    let p = this.pos;
    while (p < bytes.length) {
      const c = bytes[p];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p += 1;
    }
    this.pos = p;
    return p < bytes.length ? bytes[p] : -1;
  }

  private take(c: number): boolean {
    if (this.peek() !== c) return false;
    this.pos += 1;
    return true;
  }

  private expect(c: number): void {
    if (!this.take(c)) throw new NotAPage();
  }
}

/** The raw HTTP response as the deserialize step sees it (NodeHttpHandler's). */
interface RawResult {
  response?: { statusCode?: number; body?: unknown };
}

type Next = (args: unknown) => Promise<RawResult>;

/**
 * The middleware of one call: packs the events of a successful response (above) and hands the SDK's
 * deserializer a body with only the next token. The SDK's deserializer would parse the page and copy
 * every event into a new object walked from its schema. The JSON is already the SDK's shape:
 * FilteredLogEvent's fields are strings and longs (the CloudWatch Logs API reference: `timestamp` and
 * `ingestionTime` are Long, milliseconds since the epoch; the awsJson1_1 protocol sends them as JSON
 * numbers), with no timestamp or blob the deserializer would convert. Anything else (an error status,
 * a body that is not the JSON of a page) goes to the deserializer untouched, so errors and their codes
 * are the SDK's own.
 */
export function leanPageMiddleware(take: (page: FilterPage) => void) {
  return (next: Next) =>
    async (args: unknown): Promise<RawResult> => {
      const result = await next(args);
      const response = result.response;
      const body = response?.body as AsyncIterable<Uint8Array> | undefined;
      if (!response || response.statusCode !== 200 || typeof body?.[Symbol.asyncIterator] !== 'function')
        return result;
      const chunks: Uint8Array[] = [];
      let length = 0;
      for await (const chunk of body) {
        chunks.push(chunk);
        length += chunk.length;
      }
      // Its own memory, never a slice of Node's shared pool: a packed page frees it when released.
      const bytes = Buffer.allocUnsafeSlow(length);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      const page = packFilterPage(bytes);
      if (!page) {
        // The SDK reads a Uint8Array body as it is (collectBody): its own parse reports the problem.
        response.body = bytes;
        return result;
      }
      take(page);
      response.body = Buffer.from(
        JSON.stringify(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      );
      return result;
    };
}

/**
 * One FilterLogEvents call. With the SDK's HTTP stack the events come packed from the middleware
 * above; a client that answers `send` itself (a test double) gives them in its output, as the SDK would.
 */
export async function filterLogEventsPage(
  client: FilterLogEventsClient,
  input: FilterLogEventsCommandInput,
  signal?: AbortSignal,
): Promise<FilterPage> {
  const command = new FilterLogEventsCommand(input);
  let packed: FilterPage | undefined;
  command.middlewareStack.add(
    leanPageMiddleware((page) => (packed = page)) as never,
    // Low priority within the deserialize step: inside the SDK's deserializer, next to the transport.
    { step: 'deserialize', name: 'ecspocLeanFilterLogEventsPage', priority: 'low' },
  );
  const output = await client.send(command, { abortSignal: signal });
  return { events: packed?.events ?? new ListedEvents(output.events ?? []), nextToken: output.nextToken };
}
