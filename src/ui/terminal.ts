/**
 * What the terminal allows, decided in one place: whether a person can answer a prompt, whether a
 * stream is a terminal that can be redrawn, and whether colour may be written to it. Renderers and
 * flows ask here instead of reading `isTTY` or the environment themselves.
 */

/** The parts of a stream the answers depend on (tests pass plain objects). */
export interface TerminalStream {
  isTTY?: boolean;
}

/** The environment variables the answers depend on; injectable for tests. */
export type TerminalEnv = Record<string, string | undefined>;

/** True when a person can answer a prompt: stdin and stderr (where prompts are drawn) are terminals. */
export function canPrompt(
  stdin: TerminalStream = process.stdin,
  stderr: TerminalStream = process.stderr,
): boolean {
  return Boolean(stdin.isTTY && stderr.isTTY);
}

/** True when `stream` is a terminal that can be redrawn in place (a live progress display); TERM=dumb cannot. */
export function isLiveTerminal(
  stream: TerminalStream = process.stderr,
  env: TerminalEnv = process.env,
): boolean {
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** True when `stream` is a terminal at all (for hints that only make sense to a person watching). */
export function isTerminal(stream: TerminalStream = process.stderr): boolean {
  return Boolean(stream.isTTY);
}

/**
 * True when colour may be written to `stream`: FORCE_COLOR (not 0) forces it, a non-empty NO_COLOR
 * (no-color.org) or TERM=dumb turns it off, otherwise only on a terminal.
 */
export function colourEnabled(
  stream: TerminalStream = process.stderr,
  env: TerminalEnv = process.env,
): boolean {
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}
