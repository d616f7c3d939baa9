import { AbortedError, InterruptedError, UsageError } from '../lib/errors.js';

/** How a command wants a confirmation answered. */
export interface ConfirmOptions {
  /** `--yes` was given: proceed without asking. */
  yes: boolean;
  /** What the operator would re-run with to skip the question, shown when there is no TTY. */
  action: string;
}

/** True when a person can answer a prompt (stdin and stderr are terminals). */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * The one confirmation seam: `--yes` proceeds, no TTY fails at once (never reads a piped answer),
 * a TTY asks on stderr. A "no" throws AbortedError; Ctrl-C throws InterruptedError.
 */
export async function confirm(message: string, options: ConfirmOptions): Promise<void> {
  if (options.yes) return;
  if (!canPrompt()) {
    throw new UsageError(
      'CONFIRMATION_REQUIRED',
      `Refusing to ${options.action} without confirmation: no terminal to ask on.`,
      {
        suggestions: ['Re-run with --yes to confirm non-interactively.'],
      },
    );
  }
  const { confirm: ask } = await import('@inquirer/prompts');
  let answer: boolean;
  try {
    answer = await ask({ message, default: false }, { output: process.stderr });
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError') throw new InterruptedError();
    throw error;
  }
  if (!answer) throw new AbortedError();
}

/** Asks the operator to type `expected` (e.g. the environment name) before a destructive step. */
export async function confirmByTyping(
  message: string,
  expected: string,
  options: ConfirmOptions,
): Promise<void> {
  if (options.yes) return;
  if (!canPrompt()) {
    throw new UsageError(
      'CONFIRMATION_REQUIRED',
      `Refusing to ${options.action} without confirmation: no terminal to ask on.`,
      {
        suggestions: ['Re-run with --yes to confirm non-interactively.'],
      },
    );
  }
  const { input } = await import('@inquirer/prompts');
  let answer: string;
  try {
    answer = await input({ message }, { output: process.stderr });
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError') throw new InterruptedError();
    throw error;
  }
  if (answer.trim() !== expected)
    throw new AbortedError(`Aborted: "${answer.trim()}" is not "${expected}"; nothing was changed.`);
}

/** One choice of a multi-select. */
export interface Choice<T> {
  name: string;
  value: T;
  checked?: boolean;
}

/**
 * Asks the operator to pick one or more of `choices` (on stderr). Callers check `canPrompt()` first;
 * without a terminal this fails at once rather than read a piped answer. Ctrl-C throws InterruptedError.
 */
export async function chooseMany<T>(message: string, choices: Choice<T>[]): Promise<T[]> {
  if (!canPrompt())
    throw new UsageError('CHOICE_REQUIRED', `${message}: no terminal to ask on.`, {
      suggestions: ['Name what you want with flags (see --help).'],
    });
  const { checkbox } = await import('@inquirer/prompts');
  try {
    return await checkbox({ message, choices, required: true, pageSize: 20 }, { output: process.stderr });
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError') throw new InterruptedError();
    throw error;
  }
}
