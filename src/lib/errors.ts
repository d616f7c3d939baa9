/**
 * The one error hierarchy of ecspoc. Every expected failure is an EcspocError with a stable code,
 * an exit code from EXIT_CODES, and suggestions that tell the operator what to do next.
 */

/** Process exit codes; documented in the README ("Exit codes"). */
export const EXIT_CODES = {
  success: 0,
  failure: 1,
  usage: 2,
  /** `diff` / `deploy --dry-run`: the plan has changes. */
  changes: 3,
  aborted: 4,
  timedOut: 5,
  /** `instances cycle --plan`: the plan has problems, so the cycle would be refused (a CI gate). */
  refused: 6,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export interface ErrorOptions {
  cause?: unknown;
  suggestions?: string[];
}

/** Base class: a coded, user-facing failure. */
export class EcspocError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly suggestions: string[];

  constructor(code: string, message: string, exitCode: ExitCode, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.suggestions = options.suggestions ?? [];
  }
}

/** The operator asked for something invalid (flag, environment name, parameter, config file). */
export class UsageError extends EcspocError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(code, message, EXIT_CODES.usage, options);
  }
}

/** AWS could not be reached or refused a call (credentials, region, endpoint, permissions). */
export class AwsError extends EcspocError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(code, message, EXIT_CODES.failure, options);
  }
}

/** A stack deployment or another operation on the environment failed. */
export class OperationError extends EcspocError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(code, message, EXIT_CODES.failure, options);
  }
}

/** The operator declined a confirmation. */
export class AbortedError extends EcspocError {
  constructor(message = 'Aborted: nothing was changed.', options: ErrorOptions = {}) {
    super('ABORTED', message, EXIT_CODES.aborted, options);
  }
}

/** A wait ran out of time; the resource may still be changing. */
export class TimeoutError extends EcspocError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('TIMED_OUT', message, EXIT_CODES.timedOut, options);
  }
}

/** The operator pressed Ctrl-C. */
export class InterruptedError extends EcspocError {
  constructor(message = 'Interrupted.', options: ErrorOptions = {}) {
    super('INTERRUPTED', message, EXIT_CODES.interrupted, options);
  }
}

/** Reads the error name and message of anything thrown, without assuming its shape. */
export function describeThrown(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
