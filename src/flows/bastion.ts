/**
 * `bastion start` and `bastion stop`: ask (stop), change the state, follow it under one deadline
 * with Ctrl-C, print the new addresses, and after a start offer to refresh the SSH config.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { BastionActionResult } from '../lib/bastion/index.js';
import { InterruptedError } from '../lib/errors.js';
import { bastionEventPrinter, renderBastionStatus } from '../ui/bastion-output.js';
import { confirm } from '../ui/prompt.js';
import { onInterrupt } from './interrupt.js';
import { type FlowOutcome, succeeded } from './outcome.js';
import { offerSshConfigRefresh } from './ssh-refresh.js';

/** What the operator asked of `bastion start` or `bastion stop`. */
export interface BastionRequest {
  aws: AwsClients;
  env: string;
  wait: boolean;
  timeoutMs: number;
  yes: boolean;
  json: boolean;
}

/** What `bastion start` also takes: whether and where to refresh the SSH config. */
export interface BastionStartRequest extends BastionRequest {
  /** true: refresh without asking, false: never, undefined: ask on a terminal. */
  refreshSshConfig?: boolean;
  sshConfigFile?: string;
}

/** The start result, and whether the SSH config was refreshed with the new address. */
export type BastionStartResult = BastionActionResult & { sshConfig?: { file: string; refreshed: boolean } };

/**
 * Runs one bastion action under the Ctrl-C handler. Ctrl-C stops the wait, not the instance: the
 * error says so and how to look again; with no result to show, it is thrown for the base command
 * to render (as JSON under --json), exit 130.
 */
async function underInterrupt(
  env: string,
  action: (signal: AbortSignal) => Promise<BastionActionResult>,
): Promise<BastionActionResult> {
  const interrupt = onInterrupt({
    first: () => 'Stopping the wait; the bastion keeps changing state (press Ctrl-C again to quit at once)…',
  });
  try {
    return await action(interrupt.signal);
  } catch (error) {
    // Ctrl-C at the stop question is an interruption before anything changed: said as such by the base command.
    if (!(error instanceof InterruptedError) || !interrupt.signal.aborted) throw error;
    throw new InterruptedError('Interrupted: stopped waiting; the bastion is still changing state.', {
      cause: error,
      suggestions: [`ecspoc bastion status --env ${env}`],
    });
  } finally {
    interrupt.dispose();
  }
}

/** Starts the bastion, waits for it, prints it, and offers the SSH config refresh. */
export async function runBastionStartFlow(
  request: BastionStartRequest,
): Promise<FlowOutcome<BastionStartResult>> {
  const bastionLib = await import('../lib/bastion/index.js');
  const { env, json } = request;
  const result = await underInterrupt(env, (signal) =>
    bastionLib.startBastion(bastionLib.bastionClients(request.aws), env, {
      wait: request.wait,
      timeoutMs: request.timeoutMs,
      signal,
      ...(json ? {} : { onEvent: bastionEventPrinter() }),
    }),
  );
  if (!json) process.stdout.write(renderBastionStatus(result.bastion));
  if (result.bastion.state !== 'running') {
    if (!json)
      process.stderr.write(`Its public address is known once it runs: ecspoc bastion status --env ${env}\n`);
    return succeeded(result);
  }
  const sshConfig = await offerSshConfigRefresh(request.aws, result.bastion, {
    file: request.sshConfigFile,
    refresh: request.refreshSshConfig ?? (request.yes ? true : undefined),
    json,
  });
  return succeeded({ ...result, ...(sshConfig ? { sshConfig } : {}) });
}

/** Asks, stops the bastion, waits for it, and says how to start it again. */
export async function runBastionStopFlow(request: BastionRequest): Promise<FlowOutcome<BastionActionResult>> {
  const { bastionClients, stopBastion, startBastionHint } = await import('../lib/bastion/index.js');
  const { env, json } = request;
  const result = await underInterrupt(env, (signal) =>
    stopBastion(bastionClients(request.aws), env, {
      wait: request.wait,
      timeoutMs: request.timeoutMs,
      signal,
      ...(json ? {} : { onEvent: bastionEventPrinter() }),
      confirm: (bastion) =>
        confirm(
          `Stop the bastion ${bastion.instanceId} of "${env}"? SSH to its instances stops working until it is started again.`,
          { yes: request.yes, action: `stop the bastion of "${env}"` },
        ),
    }),
  );
  if (!json) {
    const { bastion } = result;
    const what =
      !result.changed && bastion.state === 'stopped' ? 'is already stopped' : `is ${bastion.state}`;
    process.stderr.write(
      `The bastion ${bastion.instanceId} of "${env}" ${what}. Start it again with: ${startBastionHint(env)}\n`,
    );
  }
  return succeeded(result);
}
