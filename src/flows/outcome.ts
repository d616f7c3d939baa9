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
