/**
 * `ssh-config`: build the managed block of one environment, then print it, show the diff a write
 * would make, or merge it into the SSH config file; warnings go to stderr with what to do.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { SshConfigRequest, SshConfigResult } from '../lib/ssh/index.js';
import { type FlowOutcome, succeeded } from './outcome.js';

/** What the operator asked of `ssh-config`: the engine's request, and the clients to ask with. */
export interface SshConfigFlowRequest extends SshConfigRequest {
  aws: AwsClients;
  json: boolean;
}

/** Generates the block and prints it (or writes it); the result is the `--json` contract. */
export async function runSshConfigFlow(request: SshConfigFlowRequest): Promise<FlowOutcome<SshConfigResult>> {
  const [{ generateSshConfig, sshClients }, { renderSshConfigResult }] = await Promise.all([
    import('../lib/ssh/index.js'),
    import('../ui/ssh-output.js'),
  ]);
  const { aws, json, ...engineRequest } = request;
  const result = await generateSshConfig(sshClients(aws), engineRequest);
  renderSshConfigResult(result, { json });
  return succeeded(result);
}
