import { styleText } from 'node:util';

import type { LogEvent, TailNotice, TailSink } from '../lib/logs/index.js';
import { colourEnabled, isTerminal } from './terminal.js';

type Colour = Parameters<typeof styleText>[0];
const PALETTE: Colour[] = [
  'cyan',
  'green',
  'yellow',
  'magenta',
  'blue',
  'red',
  'cyanBright',
  'greenBright',
  'yellowBright',
  'magentaBright',
  'blueBright',
  'redBright',
];

/** A stable colour per source tag, so the same instance or task keeps its colour between runs. */
export function tagPainter(
  stream: NodeJS.WriteStream,
): ((tag: string, source: { name: string; id: string }) => string) | undefined {
  if (!colourEnabled(stream)) return undefined;
  return (tag, source) => {
    let hash = 0;
    for (const ch of `${source.name} ${source.id}`) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
    return styleText(PALETTE[Math.abs(hash) % PALETTE.length], tag);
  };
}

const CHUNK = 64 * 1024;

/** Turns a batch of lines into text: the log tail's LineFormatter, or the events tail's EventFormatter. */
export interface BatchFormatter<E extends LogEvent> {
  lines(batch: E[]): string;
}

/**
 * Draws the tail: lines to stdout, written in chunks (batches that arrive together are coalesced, up
 * to about 64 KiB) and respecting backpressure; notices to stderr. A closed stdout (`| head`) ends the tail
 * quietly through `onClosed`.
 */
export class TerminalSink<E extends LogEvent = LogEvent> implements TailSink {
  private pending: E[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private closed = false;
  private readonly lastThrottleNotice = new Map<string, number>();

  constructor(
    private readonly formatter: BatchFormatter<E>,
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly err: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly onClosed: () => void,
  ) {
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
        this.closed = true;
        this.onClosed();
      } else throw error;
    });
  }

  events(batch: E[]): void | Promise<void> {
    if (this.closed) return;
    // Batches that arrive together are formatted together (one column width) and written at once.
    for (const event of batch) {
      this.pending.push(event);
      this.pendingBytes += event.message.length + 64;
    }
    if (this.pendingBytes >= CHUNK) return this.write();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.write();
      });
    }
  }

  notice(notice: TailNotice): void {
    const text = describeNotice(notice, isTerminal(this.err));
    if (notice.type === 'throttled') {
      const last = this.lastThrottleNotice.get(notice.group) ?? 0;
      if (Date.now() - last < 30_000) return;
      this.lastThrottleNotice.set(notice.group, Date.now());
    }
    if (text) this.err.write(`ecspoc: ${text}\n`);
  }

  /** True once stdout was closed by its reader. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Writes what is buffered and resolves once stdout has taken it. */
  async flush(): Promise<void> {
    await this.write();
    if (this.closed) return;
    await new Promise<void>((resolve) => this.out.write('', () => resolve()));
  }

  private write(): void | Promise<void> {
    if (this.closed || this.pending.length === 0) return;
    const text = this.formatter.lines(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.out.write(text)) return;
    return new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
    });
  }
}

/** The stderr line for a notice; undefined for notices shown only on a terminal when there is none. */
export function describeNotice(notice: TailNotice, terminal: boolean): string | undefined {
  switch (notice.type) {
    case 'throttled':
      return `CloudWatch Logs is throttling reads of ${notice.group}; retrying in ${(notice.retryInMs / 1000).toFixed(1)} s.`;
    case 'token-expired':
      return `the page token of ${notice.group} expired; resumed after the last line read.`;
    case 'following':
      return terminal ? `following ${notice.groups} log group(s); Ctrl-C to stop.` : undefined;
    case 'live-started':
      return `Live Tail session started on ${notice.groups} log group(s). Live Tail is billed per session minute; Ctrl-C to stop.`;
    case 'live-sampled':
      return 'Live Tail is sampling (more than 500 lines a second match): some lines are not shown. Narrow with --filter, or drop --live to poll.';
    case 'live-restarting':
      return `Live Tail: ${notice.reason}; reopening the session.`;
  }
}
