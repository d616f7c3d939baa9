/** Ctrl-C handling for long-running commands: the first press asks the engine to stop at a safe point. */
export interface Interrupt {
  signal: AbortSignal;
  /** Removes the handler; call when the command ends. */
  dispose(): void;
}

/**
 * Installs a SIGINT handler: the first Ctrl-C aborts `signal` (the engine stops at its next safe
 * point and says how to carry on), a second one exits at once with code 130.
 */
export function onInterrupt(
  stream: NodeJS.WritableStream = process.stderr,
  what = 'Stopping at the next safe point',
): Interrupt {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) {
      stream.write('\nInterrupted again: exiting now.\n');
      process.exit(130);
    }
    stream.write(`\n${what} (press Ctrl-C again to quit at once)…\n`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', handler) };
}
