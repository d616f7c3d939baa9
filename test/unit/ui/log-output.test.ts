import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';

import { LineFormatter } from '../../../src/lib/logs/format.js';
import type { LogEvent } from '../../../src/lib/logs/types.js';
import { describeNotice, TerminalSink } from '../../../src/ui/log-output.js';

/** A writable that records writes and can refuse more (backpressure). */
class FakeStream extends EventEmitter {
  writes: string[] = [];
  full = false;
  isTTY = false;
  write(text: string, callback?: () => void): boolean {
    if (text) this.writes.push(text);
    callback?.();
    return !this.full;
  }
}

const event = (i: number, message = `line ${i}`): LogEvent => ({
  group: 'g',
  stream: 'i-1',
  timestamp: Date.UTC(2024, 4, 1, 10, 0, 0, i),
  message,
  source: { kind: 'instance', name: 'docker', id: 'i-1' },
});

const tick = () => new Promise((resolve) => setImmediate(resolve));

function sink(out = new FakeStream(), err = new FakeStream()) {
  let closed = 0;
  const s = new TerminalSink(new LineFormatter('short'), out as never, err as never, () => (closed += 1));
  return { s, out, err, closed: () => closed };
}

describe('TerminalSink', () => {
  it('coalesces batches that arrive together into one write', async () => {
    const { s, out } = sink();
    void s.events([event(1)]);
    void s.events([event(2), event(3)]);
    expect(out.writes).toEqual([]);
    await tick();
    expect(out.writes).toEqual([
      '10:00:00.001 docker i-1 line 1\n10:00:00.002 docker i-1 line 2\n10:00:00.003 docker i-1 line 3\n',
    ]);
  });

  it('writes at once past 64 KiB and makes the engine wait until stdout drains', async () => {
    const { s, out } = sink();
    out.full = true;
    const big = Array.from({ length: 600 }, (_, i) => event(i, 'x'.repeat(100)));
    const pending = s.events(big);
    expect(pending).toBeInstanceOf(Promise);
    expect(out.writes).toHaveLength(1);
    let resolved = false;
    void (pending as Promise<void>).then(() => (resolved = true));
    await tick();
    expect(resolved).toBe(false);
    out.emit('drain');
    await tick();
    expect(resolved).toBe(true);
  });

  it('treats a closed stdout (EPIPE) as the end, quietly', async () => {
    const { s, out, closed } = sink();
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(closed()).toBe(1);
    expect(s.isClosed).toBe(true);
    void s.events([event(1)]);
    await s.flush();
    expect(out.writes).toEqual([]);
  });

  it('flush writes what is buffered', async () => {
    const { s, out } = sink();
    void s.events([event(1)]);
    await s.flush();
    expect(out.writes).toHaveLength(1);
  });

  it('shows notices on stderr, throttling at most every 30 s per group', () => {
    const { s, err } = sink();
    s.notice({ type: 'throttled', group: 'g', retryInMs: 1_500 });
    s.notice({ type: 'throttled', group: 'g', retryInMs: 3_000 });
    expect(err.writes).toEqual(['ecspoc: CloudWatch Logs is throttling reads of g; retrying in 1.5 s.\n']);
  });
});

describe('describeNotice', () => {
  it('says Live Tail is billed, and mentions following only on a terminal', () => {
    expect(describeNotice({ type: 'live-started', groups: 2 }, false)).toContain('billed per session minute');
    expect(describeNotice({ type: 'following', groups: 2 }, false)).toBeUndefined();
    expect(describeNotice({ type: 'following', groups: 2 }, true)).toBe(
      'following 2 log group(s); Ctrl-C to stop.',
    );
    expect(describeNotice({ type: 'live-sampled' }, false)).toContain('some lines are not shown');
  });
});
