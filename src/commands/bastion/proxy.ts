import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../../base-command.js';
import { durationFlag } from '../../flags/duration.js';

export default class BastionProxy extends BaseCommand<typeof BastionProxy> {
  static override summary =
    'A ProxyCommand: start the bastion if stopped, then "ssh -W HOST:PORT" through its current address';
  static override description =
    'Meant for ssh itself (ssh-config --bastion-on-demand writes "ProxyCommand ecspoc bastion proxy --env ENV %h %p"). ' +
    'Starts the bastion when it is stopped and waits until it is reachable (messages on stderr only: stdout is the tunnel), ' +
    'reads its current public address, then runs ssh -W HOST:PORT to it with the given user and key, and exits with its code.';
  static override examples = [
    'ssh -o ProxyCommand="<%= config.bin %> bastion proxy --env dev %h %p" ec2-user@10.0.16.9',
  ];
  static override args = {
    host: Args.string({ description: 'host to reach through the bastion (ssh: %h)', required: true }),
    port: Args.string({ description: 'its port (ssh: %p)', required: true }),
  };
  static override flags = {
    user: Flags.string({ description: 'login user on the bastion', default: 'ec2-user' }),
    'identity-file': Flags.string({ description: 'private key for the bastion' }),
    timeout: durationFlag({
      description: 'how long to wait for a stopped bastion to start (exit code 5)',
      default: '10m',
      bareSeconds: true,
      minMs: 1_000,
    }),
  };

  public async run(): Promise<void> {
    const { flags, args } = this;
    const { settings, aws } = await this.awsContext();
    const [{ bastionClients }, { prepareBastionTunnel }, { bastionEventPrinter }, { spawn }] =
      await Promise.all([
        import('../../lib/bastion/index.js'),
        import('../../lib/bastion/proxy.js'),
        import('../../ui/bastion-output.js'),
        import('node:child_process'),
      ]);
    const tunnel = await prepareBastionTunnel(
      bastionClients(aws),
      {
        env: settings.env,
        host: args.host,
        port: args.port,
        user: flags.user,
        identityFile: flags['identity-file'],
      },
      { timeoutMs: flags.timeout, onEvent: bastionEventPrinter() },
    );
    if (tunnel.started)
      process.stderr.write(
        `Bastion ${tunnel.bastion.instanceId} started: tunnelling through ${tunnel.address}\n`,
      );
    // Node cannot exec(2) to become ssh, so ssh runs as a child on this process's own stdio (the tunnel
    // ssh's ProxyCommand reads and writes); signals are passed on and its exit code becomes ours.
    const child = spawn('ssh', tunnel.sshArgs, { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
    const code = await new Promise<number>((resolve) => {
      child.on('error', (error) => {
        process.stderr.write(`Cannot run ssh: ${error.message}. Install the OpenSSH client.\n`);
        resolve(127);
      });
      child.on('exit', (status, signal) => resolve(status ?? (signal ? 128 + signalNumber(signal) : 1)));
    });
    this.exit(code);
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15, SIGKILL: 9 } as Record<string, number>)[signal] ?? 1;
}
