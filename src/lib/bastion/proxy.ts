import { UsageError, OperationError } from '../errors.js';
import { type BastionActionOptions, type BastionClients, type BastionStatus, startBastion } from './index.js';

/** Where `ecspoc bastion proxy` tunnels to, and as whom it logs in to the bastion. */
export interface BastionProxyRequest {
  env: string;
  host: string;
  port: string;
  /** Login user on the bastion. */
  user: string;
  /** Private key for the bastion. */
  identityFile?: string;
}

/** What the proxy resolved: the bastion as it now runs, whether it had to be started, and the ssh arguments. */
export interface BastionTunnel {
  bastion: BastionStatus;
  started: boolean;
  address: string;
  /** The arguments of `ssh` (without the program name) that forward stdio to host:port. */
  sshArgs: string[];
}

/**
 * Resolves the tunnel of `ecspoc bastion proxy`: checks the target, starts the bastion when it is
 * stopped (waiting until it passes its status checks, with events for stderr), reads its current
 * public address, and returns `ssh -W host:port` through it. The caller runs ssh.
 */
export async function prepareBastionTunnel(
  clients: BastionClients,
  request: BastionProxyRequest,
  options: BastionActionOptions = {},
): Promise<BastionTunnel> {
  const { env, host, port, user } = request;
  // ssh expands %h to a host name or address; anything starting with "-" or holding spaces would be read as options.
  if (!/^[A-Za-z0-9_.:%[\]-]+$/.test(host) || host.startsWith('-')) {
    throw new UsageError('PROXY_HOST_INVALID', `HOST "${host}" is not a host name or address.`, {
      suggestions: ['Use it as ProxyCommand: ecspoc bastion proxy --env ENV %h %p'],
    });
  }
  const portNumber = Number(port);
  if (!/^\d+$/.test(port) || portNumber < 1 || portNumber > 65535) {
    throw new UsageError('PROXY_PORT_INVALID', `PORT "${port}" is not a TCP port (1-65535).`, {
      suggestions: ['Use it as ProxyCommand: ecspoc bastion proxy --env ENV %h %p'],
    });
  }
  // One lookup: startBastion returns a running bastion as it is, refuses a missing or terminated one
  // with what to do next, waits for a stopping one to stop first (EC2 cannot start it before), and
  // after a start waits until the status checks pass, so ssh does not knock on a booting machine.
  const { bastion, changed: started } = await startBastion(clients, env, { ...options, wait: true });
  const address = bastion.publicIp ?? bastion.publicDnsName;
  if (bastion.state !== 'running' || !address) {
    throw new OperationError(
      'BASTION_NO_ADDRESS',
      `The bastion ${bastion.instanceId} of "${env}" is ${bastion.state} without a public address; there is nothing to tunnel through.`,
      { suggestions: [`ecspoc bastion status --env ${env}`] },
    );
  }
  const sshArgs = [
    '-W',
    `${host.includes(':') ? `[${host}]` : host}:${portNumber}`,
    '-l',
    user,
    ...(request.identityFile ? ['-i', request.identityFile, '-o', 'IdentitiesOnly=yes'] : []),
    // The same known-hosts entry as the generated config's bastion Host: its address changes on every start.
    '-o',
    `HostKeyAlias=ecspoc-${env}-bastion`,
    address,
  ];
  return { bastion, started, address, sshArgs };
}
