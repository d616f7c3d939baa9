import { sourceTag } from './source.js';
import type { LogEvent, LogSource } from './types.js';

/** The output formats of `logs tail`. */
export const LOG_FORMATS = ['short', 'detailed', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Colours a source tag (the terminal decides whether to); identity when colour is off. */
export type TagPainter = (tag: string, source: LogSource) => string;

/** The JSON object printed per line by `--format json`. */
export interface LogLineJson {
  timestamp: string;
  group: string;
  stream: string;
  source: LogSource;
  eventId?: string;
  ingestionTime?: string;
  message: string;
}

const TAG_WIDTH_LIMIT = 48;

/**
 * Formats events as lines. `short`: UTC time of day, source tag, message. `detailed`: full UTC
 * timestamp, source tag, group and stream, message. `json`: one object per line. Tags are padded to
 * the widest seen so far, so columns line up as sources appear.
 */
export class LineFormatter {
  private tagWidth = 0;
  private readonly tags = new WeakMap<LogSource, string>();

  constructor(
    readonly format: LogFormat,
    private readonly paint: TagPainter = (tag) => tag,
  ) {}

  /** The lines of a batch, each ending in a newline. */
  lines(batch: LogEvent[]): string {
    // Widen the tag column for the whole batch first, so a backfill lines up from its first line.
    if (this.format !== 'json') for (const event of batch) this.plainTag(event.source);
    let out = '';
    for (const event of batch) out += this.line(event);
    return out;
  }

  /** One line, ending in a newline. */
  line(event: LogEvent): string {
    const message = trimNewline(event.message);
    if (this.format === 'json') return JSON.stringify(toJson(event, message)) + '\n';
    const iso = new Date(event.timestamp).toISOString();
    const tag = this.tag(event.source);
    if (this.format === 'short') return `${iso.slice(11, 23)} ${tag} ${message}\n`;
    return `${iso} ${tag} ${event.group} ${event.stream} ${message}\n`;
  }

  private tag(source: LogSource): string {
    return this.paint(this.plainTag(source).padEnd(this.tagWidth), source);
  }

  private plainTag(source: LogSource): string {
    let plain = this.tags.get(source);
    if (plain === undefined) {
      plain = sourceTag(source);
      this.tags.set(source, plain);
      if (plain.length > this.tagWidth) this.tagWidth = Math.min(TAG_WIDTH_LIMIT, plain.length);
    }
    return plain;
  }
}

/** The JSON form of an event. */
export function toJson(event: LogEvent, message = trimNewline(event.message)): LogLineJson {
  return {
    timestamp: new Date(event.timestamp).toISOString(),
    group: event.group,
    stream: event.stream,
    source: event.source,
    ...(event.eventId !== undefined ? { eventId: event.eventId } : {}),
    ...(event.ingestionTime !== undefined
      ? { ingestionTime: new Date(event.ingestionTime).toISOString() }
      : {}),
    message,
  };
}

function trimNewline(message: string): string {
  return message.endsWith('\n') ? message.replace(/\r?\n+$/, '') : message;
}
