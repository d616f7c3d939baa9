/**
 * The one Ctrl-C handler of every flow. The first press aborts the flow's AbortSignal: the engine
 * stops at its next safe point and the flow's outcome says how to carry on. A second press exits
 * 130 at once, for an operator who will not wait for that safe point.
 */
import { EXIT_CODES } from '../lib/errors.js';

/** A handler installed for the length of one flow. */
export interface Interrupt {
  signal: AbortSignal;
  /** Removes the handler; call when the flow ends, whatever happened. */
  dispose(): void;
}

/** Where SIGINT comes from and how the process ends; injected so tests neither signal nor exit. */
export interface InterruptHost {
  on(event: 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGINT', listener: () => void): unknown;
  exit(code: number): void;
}

/** What a flow says at each press. */
export interface InterruptOptions {
  /**
   * The line of the first press (what stops, what still runs); undefined says nothing, for a
   * follow where Ctrl-C is simply how it ends. Default: "Stopping at the next safe point…".
   */
  first?: () => string | undefined;
  /** Draws the first-press line; a live display passes its own note so the line is not overdrawn. */
  note?: (line: string) => void;
  /** The last words of the second press, written straight to `stream` before exiting. */
  second?: () => string;
  stream?: NodeJS.WritableStream;
  host?: InterruptHost;
}

const defaultFirst = () => 'Stopping at the next safe point (press Ctrl-C again to quit at once)…';

/** Installs the handler; the returned signal is what the flow passes to the engine. */
export function onInterrupt(options: InterruptOptions = {}): Interrupt {
  const stream = options.stream ?? process.stderr;
  const host: InterruptHost = options.host ?? {
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
    exit: (code) => process.exit(code),
  };
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) {
      stream.write(`\n${options.second?.() ?? 'Interrupted again: exiting now.'}\n`);
      host.exit(EXIT_CODES.interrupted);
      return;
    }
    const line = (options.first ?? defaultFirst)();
    if (line !== undefined) (options.note ?? ((text: string) => stream.write(`\n${text}\n`)))(line);
    controller.abort();
  };
  host.on('SIGINT', handler);
  return { signal: controller.signal, dispose: () => host.off('SIGINT', handler) };
}

/** Runs `flow` with the handler installed and removes it afterwards. */
export async function withInterrupt<T>(
  options: InterruptOptions,
  flow: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const interrupt = onInterrupt(options);
  try {
    return await flow(interrupt.signal);
  } finally {
    interrupt.dispose();
  }
}
