/**
 * The one prompt seam: confirmations and pickers, drawn on stderr with @inquirer/prompts (loaded
 * only when a question is asked). Without a terminal every question fails at once, naming the flag
 * that answers it, because inquirer would otherwise read a piped or empty stdin as an answer.
 */
import { AbortedError, InterruptedError, UsageError } from '../lib/errors.js';
import { canPrompt } from './terminal.js';

/** How a command wants a confirmation answered. */
export interface ConfirmOptions {
  /** `--yes` was given: proceed without asking. */
  yes: boolean;
  /** What the operator would re-run with to skip the question, shown when there is no TTY. */
  action: string;
}

function confirmationRequired(options: ConfirmOptions): UsageError {
  return new UsageError(
    'CONFIRMATION_REQUIRED',
    `Refusing to ${options.action} without confirmation: no terminal to ask on.`,
    { suggestions: ['Re-run with --yes to confirm non-interactively.'] },
  );
}

/** Runs one inquirer question; Ctrl-C at the question is an interruption, not an answer. */
async function ask<T>(question: () => Promise<T>): Promise<T> {
  try {
    return await question();
  } catch (error) {
    // inquirer names its Ctrl-C rejection ExitPromptError; its class is not exported by @inquirer/prompts.
    if (error instanceof Error && error.name === 'ExitPromptError') throw new InterruptedError();
    throw error;
  }
}

/**
 * Asks a yes/no question: `--yes` proceeds, no TTY fails at once (never reads a piped answer),
 * a TTY asks on stderr. A "no" throws AbortedError; Ctrl-C throws InterruptedError.
 */
export async function confirm(message: string, options: ConfirmOptions): Promise<void> {
  if (options.yes) return;
  if (!canPrompt()) throw confirmationRequired(options);
  const prompts = await import('@inquirer/prompts');
  const answer = await ask(() => prompts.confirm({ message, default: false }, { output: process.stderr }));
  if (!answer) throw new AbortedError();
}

/** Like confirm, but a "no" answers false instead of throwing (for optional steps: "also empty buckets?"). */
export async function agree(message: string, options: ConfirmOptions): Promise<boolean> {
  try {
    await confirm(message, options);
    return true;
  } catch (error) {
    if (error instanceof AbortedError) return false;
    throw error;
  }
}

/** Asks the operator to type `expected` (e.g. the environment name) before a destructive step. */
export async function confirmByTyping(
  message: string,
  expected: string,
  options: ConfirmOptions,
): Promise<void> {
  if (options.yes) return;
  if (!canPrompt()) throw confirmationRequired(options);
  const prompts = await import('@inquirer/prompts');
  const answer = await ask(() => prompts.input({ message }, { output: process.stderr }));
  if (answer.trim() !== expected)
    throw new AbortedError(`Aborted: "${answer.trim()}" is not "${expected}"; nothing was changed.`);
}

/** One choice of a picker. */
export interface Choice<T> {
  name: string;
  value: T;
  checked?: boolean;
  /** A line shown under the list while this choice is highlighted (single-choice pickers). */
  description?: string;
}

/** How a multi-choice picker treats an empty answer. */
export interface PickManyOptions {
  /** Enter with nothing ticked backs out (AbortedError) instead of insisting on a choice. */
  noneBacksOut?: boolean;
}

/**
 * The questions a flow asks, as one interface: the terminal implementation below, or a script of
 * answers in tests (so a menu can be driven and what it asked asserted without a terminal).
 */
export interface Prompts {
  pickOne<T>(message: string, choices: Choice<T>[], hint: string): Promise<T>;
  pickMany<T>(message: string, choices: Choice<T>[], hint: string, options?: PickManyOptions): Promise<T[]>;
  confirm(message: string, options: ConfirmOptions): Promise<void>;
}

function noTerminalToPick(message: string, hint: string): UsageError {
  return new UsageError('NOTHING_CHOSEN', `${message}: no terminal to pick on.`, { suggestions: [hint] });
}

function nothingToPick(message: string, hint: string): UsageError {
  return new UsageError('NOTHING_TO_PICK', `${message}: there is nothing to choose from.`, {
    suggestions: [hint],
  });
}

/**
 * Lets the operator choose exactly one of `choices` on a terminal. Without one it fails at once with
 * `hint`, the flag or command that makes the choice non-interactively (e.g. "--env NAME"); so does
 * an empty list. Ctrl-C throws InterruptedError.
 */
export async function pickOne<T>(message: string, choices: Choice<T>[], hint: string): Promise<T> {
  if (!canPrompt()) throw noTerminalToPick(message, hint);
  if (choices.length === 0) throw nothingToPick(message, hint);
  const prompts = await import('@inquirer/prompts');
  return ask(() =>
    prompts.select(
      {
        message,
        choices: choices.map(({ name, value, description }) => ({
          name,
          value,
          ...(description ? { description } : {}),
        })),
        pageSize: 20,
      },
      { output: process.stderr },
    ),
  );
}

/**
 * Lets the operator tick one or more of `choices` on a terminal. Without one it fails at once with
 * `hint`, the flags or arguments that name the choice on the command line (e.g. "Name them: ecspoc
 * instances drain i-0abc123"); so does an empty list. Ctrl-C throws InterruptedError.
 */
export async function pickMany<T>(
  message: string,
  choices: Choice<T>[],
  hint: string,
  options: PickManyOptions = {},
): Promise<T[]> {
  if (!canPrompt()) throw noTerminalToPick(message, hint);
  if (choices.length === 0) throw nothingToPick(message, hint);
  const prompts = await import('@inquirer/prompts');
  const backOut = options.noneBacksOut === true;
  const picked = await ask(() =>
    prompts.checkbox(
      {
        message: backOut ? `${message} (Enter with none ticked: back)` : message,
        choices: choices.map(({ name, value, checked }) => ({
          name,
          value,
          ...(checked ? { checked } : {}),
        })),
        required: !backOut,
        pageSize: 15,
      },
      { output: process.stderr },
    ),
  );
  if (picked.length === 0) throw new AbortedError('Nothing chosen: nothing was changed.');
  return picked;
}

/** The prompts drawn on the terminal (stderr), each failing at once without one. */
export const terminalPrompts: Prompts = { pickOne, pickMany, confirm };
