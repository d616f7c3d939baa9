import { InterruptedError, UsageError } from '../lib/errors.js';
import { canPrompt } from './prompt.js';

/** One choice of a multiple pick. */
export interface PickChoice {
  value: string;
  name: string;
  checked?: boolean;
}

/**
 * Lets the operator tick several items on a TTY (checkbox prompt, loaded only when used). Without a
 * TTY it fails at once with `hint`, the way to name the items on the command line.
 */
export async function pickMany(message: string, choices: PickChoice[], hint: string): Promise<string[]> {
  if (!canPrompt()) {
    throw new UsageError('NOTHING_CHOSEN', `${message}: no terminal to pick on.`, { suggestions: [hint] });
  }
  if (choices.length === 0) {
    throw new UsageError('NOTHING_TO_PICK', `${message}: there is nothing to choose from.`, {
      suggestions: [hint],
    });
  }
  const { checkbox } = await import('@inquirer/prompts');
  try {
    return await checkbox({ message, choices, required: true, pageSize: 15 }, { output: process.stderr });
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError') throw new InterruptedError();
    throw error;
  }
}
