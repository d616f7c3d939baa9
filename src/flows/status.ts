/**
 * The read-only views of one environment — `status`, `instances list`, `bastion status` — as flows,
 * so the commands and the interactive session print them with the same code.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { BastionStatus } from '../lib/bastion/index.js';
import type { AdoptRequest } from '../lib/clusters/target.js';
import type { ServiceDeclaration } from '../lib/config/index.js';
import type { InstanceList } from '../lib/instances/list.js';
import type { EnvironmentStatus } from '../lib/status/index.js';
import { type FlowOutcome, succeeded } from './outcome.js';

/** What a read-only view of one environment needs. */
export interface ViewRequest {
  aws: AwsClients;
  env: string;
  json: boolean;
  /** A cluster ecspoc did not deploy (`--cluster`, or adopted in the config file). */
  adopt?: AdoptRequest;
}

/** Stacks, cluster, instances, services and bastion of the environment, drawn on stdout. */
export async function runStatusFlow(
  request: ViewRequest & { services?: ServiceDeclaration[] },
): Promise<FlowOutcome<EnvironmentStatus>> {
  const [{ readEnvironmentStatus }, { renderStatus }] = await Promise.all([
    import('../lib/status/index.js'),
    import('../ui/status-view.js'),
  ]);
  const status = await readEnvironmentStatus(request.aws, request.env, {
    ...(request.services ? { services: request.services } : {}),
    ...(request.adopt ? { adopt: request.adopt } : {}),
  });
  if (!request.json) process.stdout.write(renderStatus(status));
  return succeeded(status);
}

/** The container instances of the environment (all, or only the outdated ones), drawn on stdout. */
export async function runInstancesListFlow(
  request: ViewRequest & { outdatedOnly: boolean },
): Promise<FlowOutcome<InstanceList>> {
  const [{ instanceClients }, { listInstances }] = await Promise.all([
    import('../lib/instances/clients.js'),
    import('../lib/instances/list.js'),
  ]);
  const list = await listInstances(instanceClients(request.aws), {
    env: request.env,
    outdatedOnly: request.outdatedOnly,
    adopt: request.adopt,
  });
  if (!request.json) {
    const { renderInstanceList } = await import('../ui/instances.js');
    process.stdout.write(renderInstanceList(list));
  }
  return succeeded(list);
}

/** The bastion's state and addresses, with the command that helps when it is missing or stopped. */
export async function runBastionStatusFlow(request: ViewRequest): Promise<FlowOutcome<BastionStatus>> {
  const [{ bastionClients, findBastion, deployBastionHint, startBastionHint }, { renderBastionStatus }] =
    await Promise.all([import('../lib/bastion/index.js'), import('../ui/bastion-output.js')]);
  const bastion = await findBastion(bastionClients(request.aws), request.env);
  if (bastion.idleStop) {
    // Parking is on: the alarm's state says whether the bastion is idle (one DescribeAlarms call).
    const [{ CloudWatchClient }, { readIdleAlarm }] = await Promise.all([
      import('../lib/aws/sdk/cloudwatch.js'),
      import('../lib/bastion/parking.js'),
    ]);
    const alarm = await readIdleAlarm(request.aws.client(CloudWatchClient), bastion.idleStop.alarmName);
    bastion.idleStop.alarm = alarm ?? { state: 'missing' };
  }
  if (!request.json) {
    process.stdout.write(renderBastionStatus(bastion));
    if (bastion.state === 'missing') process.stderr.write(`Try: ${deployBastionHint(request.env)}\n`);
    if (bastion.state === 'stopped') process.stderr.write(`Try: ${startBastionHint(request.env)}\n`);
  }
  return succeeded(bastion);
}
