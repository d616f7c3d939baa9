/**
 * What every flow returns: the command's result, the exit code the process ends with, and for
 * human output the one error line to end with. The base command applies it (see applyOutcome).
 */
import type { EcspocError } from '../lib/errors.js';
import { EXIT_CODES } from '../lib/errors.js';

/** How a flow ended. Under --json `output` is printed and says it all; `error` is for people. */
export interface FlowOutcome<T = unknown> {
  output: T;
  exitCode: number;
  error?: EcspocError;
}

/** A flow that ended well: exit 0, no error line. */
export function succeeded<T>(output: T): FlowOutcome<T> {
  return { output, exitCode: EXIT_CODES.success };
}

/** A flow that ended with `error`, exiting with its exit code unless `exitCode` says otherwise. */
export function failed<T>(output: T, error: EcspocError, exitCode: number = error.exitCode): FlowOutcome<T> {
  return { output, exitCode, error };
}

/** Where an outcome is applied: the error stream, the renderer of an error, the process's exit code. */
export interface OutcomeSink {
  json: boolean;
  stderr: NodeJS.WritableStream;
  /** The lines that say what went wrong and what to try (the base command's error renderer). */
  errorLines(error: EcspocError): string[];
  setExitCode(code: number): void;
}

/**
 * Applies a flow's outcome. Human output ends with the error's one line and its `Try:` lines on
 * stderr; under --json nothing is written here, since the output (returned, printed by oclif) says
 * it all. Either way the process ends with the outcome's exit code, so a script can tell them apart.
 */
export function applyOutcome<O>(outcome: FlowOutcome<O>, sink: OutcomeSink): O {
  if (outcome.error && !sink.json) sink.stderr.write(sink.errorLines(outcome.error).join('\n') + '\n');
  sink.setExitCode(outcome.exitCode);
  return outcome.output;
}
