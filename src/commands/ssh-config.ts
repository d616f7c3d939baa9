import { Flags } from '@oclif/core';

import type { SshConfigResult } from '../lib/ssh/index.js';
import type { Settings } from '../lib/config/index.js';
import { BaseCommand } from '../base-command.js';
import { bastionFlag, clusterFlag } from '../flags/cluster.js';

export default class SshConfig extends BaseCommand<typeof SshConfig> {
  static override readsExistingEnvironment = true;
  static override summary =
    'Emit or merge SSH config that reaches every container instance through the bastion';
  static override description =
    'Builds a Host entry for the bastion (its current public address) and one per running container instance ' +
    '(its private address, reached with ProxyCommand "ssh -W" or ProxyJump through the bastion: no key is ever copied ' +
    'onto the bastion). Prints the block by default. --write merges it into ~/.ssh/config (or --file) as one managed ' +
    'block per environment between "# BEGIN ecspoc <env>" and "# END ecspoc <env>": the rest of the file is kept byte ' +
    'for byte, nothing is written when nothing changed, the write is atomic, the previous file is kept as ' +
    '<file>.ecspoc.bak, and a new file gets mode 0600. --dry-run shows the diff instead.';
  static override examples = [
    '<%= config.bin %> ssh-config --env staging --identity-file ~/.ssh/staging.pem',
    '<%= config.bin %> ssh-config --write --identity-file ~/.ssh/dev.pem && ssh ecspoc-dev-bastion',
    '<%= config.bin %> ssh-config --write --dry-run --proxy jump',
    '<%= config.bin %> ssh-config --cluster payments-prod --via ssm --write',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...clusterFlag,
    ...bastionFlag,
    write: Flags.boolean({ description: 'merge the block into the SSH config file instead of printing it' }),
    file: Flags.string({ description: 'SSH config file for --write and --dry-run (default: ~/.ssh/config)' }),
    yes: Flags.boolean({
      char: 'y',
      description:
        'write without asking (--write never asks: the previous file is kept as a backup; accepted like every command that changes something)',
    }),
    'dry-run': Flags.boolean({
      description: 'print the diff --write would make to the file; change nothing',
    }),
    user: Flags.string({ description: 'login user on the container instances', default: 'ec2-user' }),
    'identity-file': Flags.string({
      description: 'private key for the container instances (and the bastion)',
    }),
    'bastion-identity-file': Flags.string({
      description: 'private key for the bastion (default: --identity-file)',
    }),
    'bastion-user': Flags.string({ description: 'login user on the bastion (default: --user)' }),
    'host-prefix': Flags.string({ description: 'start of every Host alias (default: ecspoc-<env>-)' }),
    proxy: Flags.string({
      description: 'how instances are reached through the bastion: ProxyCommand "ssh -W" or ProxyJump',
      options: ['command', 'jump'],
      default: 'command',
    }),
    via: Flags.string({
      description:
        'how instances are reached: the bastion, Session Manager (aws ssm start-session) or an EC2 Instance Connect Endpoint (aws ec2-instance-connect open-tunnel); default: sshVia in the config file, else bastion',
    }),
    'bastion-on-demand': Flags.boolean({
      description:
        'route through "ecspoc bastion proxy", which starts a stopped bastion and uses its current address',
    }),
  };

  protected override async checkSettings(settings: Settings): Promise<void> {
    const { resolveSshVia } = await import('../lib/ssh/via.js');
    resolveSshVia(this.flags.via, settings.sshVia);
  }

  public async run(): Promise<SshConfigResult> {
    const { flags } = this;
    const { settings, aws, region } = await this.awsContext();
    const [{ expandConfigPath }, { resolveSshVia }, { runSshConfigFlow }] = await Promise.all([
      import('../lib/ssh/file.js'),
      import('../lib/ssh/via.js'),
      import('../flows/ssh-config.js'),
    ]);
    const adopt = await this.adoption(settings);
    const outcome = await runSshConfigFlow({
      aws,
      json: this.jsonEnabled(),
      // A cluster named only on the command line names its own block and host aliases.
      env: adopt && settings.envSource === 'default' ? adopt.cluster : settings.env,
      adopt,
      options: {
        user: flags.user,
        bastionUser: flags['bastion-user'],
        identityFile: flags['identity-file'],
        bastionIdentityFile: flags['bastion-identity-file'],
        hostPrefix: flags['host-prefix'],
        proxy: flags.proxy as 'command' | 'jump',
        via: resolveSshVia(flags.via, settings.sshVia),
        bastionOnDemand: flags['bastion-on-demand'],
        region,
        profile: settings.profile,
        endpointUrl: settings.endpointUrl,
      },
      write: flags.write,
      dryRun: flags['dry-run'],
      file: flags.file === undefined ? undefined : expandConfigPath(flags.file),
    });
    return this.finish(outcome);
  }
}
