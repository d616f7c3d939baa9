import { describe, expect, it } from '@jest/globals';

import { EXIT_CODES } from '../../../src/lib/errors.js';
import { type InterruptHost, onInterrupt, withInterrupt } from '../../../src/flows/interrupt.js';

/** A SIGINT source that presses Ctrl-C on demand and records exits instead of ending the test. */
function fakeHost() {
  const listeners = new Set<() => void>();
  const exits: number[] = [];
  const host: InterruptHost = {
    on: (_event, listener) => listeners.add(listener),
    off: (_event, listener) => listeners.delete(listener),
    exit: (code) => void exits.push(code),
  };
  const press = () => [...listeners].forEach((listener) => listener());
  return { host, press, exits, listeners };
}

function recorder() {
  let text = '';
  return {
    stream: { write: (chunk: string) => ((text += chunk), true) } as NodeJS.WritableStream,
    text: () => text,
  };
}

describe('onInterrupt', () => {
  it('aborts the signal on the first press and says how it stops, without exiting', () => {
    const { host, press, exits } = fakeHost();
    const out = recorder();
    const interrupt = onInterrupt({ host, stream: out.stream });
    expect(interrupt.signal.aborted).toBe(false);
    press();
    expect(interrupt.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    expect(out.text()).toContain('Stopping at the next safe point (press Ctrl-C again to quit at once)');
  });

  it('exits 130 at once on the second press, with its last words', () => {
    const { host, press, exits } = fakeHost();
    const out = recorder();
    onInterrupt({ host, stream: out.stream, second: () => 'Stopped following. Still running: network.' });
    press();
    press();
    expect(exits).toEqual([EXIT_CODES.interrupted]);
    expect(exits[0]).toBe(130);
    expect(out.text()).toMatch(/Stopped following\. Still running: network\.\n$/);
  });

  it("draws the first press through the flow's note and can say nothing at all", () => {
    const { host, press } = fakeHost();
    const out = recorder();
    const notes: string[] = [];
    onInterrupt({
      host,
      stream: out.stream,
      first: () => 'no new stack will start',
      note: (l) => notes.push(l),
    });
    press();
    expect(notes).toEqual(['no new stack will start']);
    expect(out.text()).toBe('');

    const quiet = fakeHost();
    const silent = recorder();
    const follow = onInterrupt({ host: quiet.host, stream: silent.stream, first: () => undefined });
    quiet.press();
    expect(follow.signal.aborted).toBe(true);
    expect(silent.text()).toBe('');
  });

  it('removes its handler when disposed, and withInterrupt disposes whatever the flow did', async () => {
    const { host, listeners } = fakeHost();
    onInterrupt({ host }).dispose();
    expect(listeners.size).toBe(0);
    await expect(
      withInterrupt({ host }, async () => {
        expect(listeners.size).toBe(1);
        throw new Error('flow failed');
      }),
    ).rejects.toThrow('flow failed');
    expect(listeners.size).toBe(0);
  });

  it('hands the flow the signal the first press aborts', async () => {
    const { host, press } = fakeHost();
    const seen = await withInterrupt({ host, stream: recorder().stream }, async (signal) => {
      press();
      return signal.aborted;
    });
    expect(seen).toBe(true);
  });
});
