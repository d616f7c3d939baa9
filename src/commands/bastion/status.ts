import type { BastionStatus } from '../../lib/bastion/index.js';
import { BaseCommand } from '../../base-command.js';

export default class BastionStatusCommand extends BaseCommand<typeof BastionStatusCommand> {
  static override readsExistingEnvironment = true;
  static override summary = "The bastion's state, addresses, instance type, uptime and parking";
  static override description =
    'Finds the bastion from its stack (ecspoc-<env>-bastion, output BastionInstanceId) and shows its EC2 state, ' +
    'public and private address, instance type and uptime, when it last stopped, and its parking (the idle-stop alarm ' +
    'that IdleStopMinutes on the bastion stack adds). A missing bastion is reported as state "missing". Changes nothing.';
  static override examples = [
    '<%= config.bin %> bastion status',
    '<%= config.bin %> bastion status --env staging --json',
  ];
  static override enableJsonFlag = true;

  public async run(): Promise<BastionStatus> {
    const { settings, aws } = await this.awsContext();
    const [{ bastionClients, findBastion, deployBastionHint, startBastionHint }, { renderBastionStatus }] =
      await Promise.all([import('../../lib/bastion/index.js'), import('../../ui/bastion-output.js')]);
    const bastion = await findBastion(bastionClients(aws), settings.env);
    if (!this.jsonEnabled()) {
      process.stdout.write(renderBastionStatus(bastion));
      if (bastion.state === 'missing') process.stderr.write(`Try: ${deployBastionHint(settings.env)}\n`);
      if (bastion.state === 'stopped') process.stderr.write(`Try: ${startBastionHint(settings.env)}\n`);
    }
    return bastion;
  }
}
