/**
 * One look at an environment: its stacks (and the bundle's components not deployed), the cluster's
 * container instances, its services, the bastion, and what needs the operator's attention.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';

import { type AwsClients, toAwsError } from '../aws/clients.js';
import type { ServiceDeclaration } from '../config/services.js';
import { type BastionStatus, findBastion, findBastionInstance, missingBastion } from '../bastion/index.js';
import { type AdoptRequest, targetFlags } from '../clusters/target.js';
import { OperationError } from '../errors.js';
import { type FleetReaderClients, readContainerInstances, readServices } from '../instances/reader.js';
import { buildCatalog } from '../stacks/catalog.js';
import { describeStopped, readLastStoppedTask, type StoppedTask } from '../events/stuck.js';
import type { DeploymentState } from '../events/waiting.js';
import { classifyStack } from '../stacks/changeset.js';
import { clusterName, stackName } from '../stacks/names.js';
import { listEnvironmentStacks, readStack } from '../stacks/reader.js';

/** One stack of the bundle, deployed or not. */
export interface StackStatus {
  component: string;
  stackName: string;
  /** CloudFormation's status, or `NOT_DEPLOYED`. */
  status: string;
  lastUpdated?: string;
  reason?: string;
}

/** The cluster's container instances by ECS status. */
export interface ClusterStatus {
  name: string;
  found: boolean;
  instances: { active: number; draining: number; other: number; agentDisconnected: number; total: number };
  runningTasks: number;
}

/** One ECS service. */
export interface ServiceStatus {
  name: string;
  status: string;
  desired: number;
  running: number;
  pending: number;
  /** More than one deployment: a rollout is under way. */
  deployments: number;
  rollout?: string;
  /** Image of the primary deployment's first container. */
  image?: string;
  /** Whether the config file declares it (status lists a declared service even before it exists). */
  declared?: boolean;
  /** The PRIMARY deployment: its rollout and task counts (the circuit breaker counts `failed`). */
  deployment?: DeploymentState;
  /** When tasks are failing: the last stopped task and why it stopped. */
  lastStopped?: StoppedTask;
  /** When tasks are failing: the command that shows every stopped task of the service. */
  moreEvents?: string;
}

/** Something to look at, and the command that helps. */
export interface Attention {
  message: string;
  suggestion: string;
}

/** What `ecspoc status` reports. */
export interface EnvironmentStatus {
  env: string;
  stacks: StackStatus[];
  cluster: ClusterStatus;
  services: ServiceStatus[];
  /** The same view as `bastion status --json` (see BastionStatus in src/lib/bastion). */
  bastion: BastionStatus;
  attention: Attention[];
  /** Set for a cluster ecspoc did not deploy (`--cluster`): no stacks then. */
  adopted?: AdoptRequest;
}

/** Reads the environment's state with a handful of read-only calls, in parallel where possible. */
export async function readEnvironmentStatus(
  aws: AwsClients,
  env: string,
  options: { services?: readonly ServiceDeclaration[]; adopt?: AdoptRequest } = {},
): Promise<EnvironmentStatus> {
  if (options.adopt) return readAdoptedStatus(aws, env, options.adopt);
  const catalog = buildCatalog(env, options.services ? { declared: options.services } : {});
  let listed;
  try {
    listed = await listEnvironmentStacks(aws.client(CloudFormationClient), env);
  } catch (error) {
    throw toAwsError(error, 'listing the stacks of the environment');
  }
  const byName = new Map(listed.map((s) => [s.stackName, s]));
  const stacks: StackStatus[] = catalog.components.map((component) => {
    const found = byName.get(component.stackName);
    return {
      component: component.name,
      stackName: component.stackName,
      status: found?.status ?? 'NOT_DEPLOYED',
      ...(found?.lastUpdated ? { lastUpdated: found.lastUpdated } : {}),
      ...(found?.reason ? { reason: found.reason } : {}),
    };
  });
  const deployed = (component: string) =>
    stacks.find((s) => s.component === component)?.status !== 'NOT_DEPLOYED';

  const cfn = aws.client(CloudFormationClient);
  const fleet: FleetReaderClients = { ecs: aws.client(ECSClient), ec2: aws.client(EC2Client) };
  const bastionStack = stackName(env, 'bastion');
  const [clusterStack, bastion] = await Promise.all([
    deployed('cluster') ? readStack(cfn, stackName(env, 'cluster')) : Promise.resolve(undefined),
    deployed('bastion')
      ? findBastion({ cloudformation: cfn, ec2: fleet.ec2 }, env)
      : Promise.resolve(missingBastion(env, bastionStack, `stack ${bastionStack} does not exist`)),
  ]);
  const cluster = clusterStack?.outputs.ClusterName ?? clusterName(env);
  const [instances, running] = await Promise.all([
    readInstances(fleet, cluster),
    readServiceStatus(
      fleet,
      cluster,
      (service) => `ecspoc events tail --env ${env} --service ${service} --kind task-stopped`,
    ),
  ]);
  // Every service of the catalog is listed, deployed or not; others the cluster runs follow.
  const declared = new Set(catalog.services.map((s) => s.name));
  const services = [
    ...running.map((s) => (declared.has(s.name) ? { ...s, declared: true } : s)),
    ...catalog.services
      .filter((s) => !running.some((r) => r.name === s.name))
      .map((s): ServiceStatus => ({
        name: s.name,
        status: 'NOT_DEPLOYED',
        desired: s.desiredCount,
        running: 0,
        pending: 0,
        deployments: 0,
        declared: true,
      })),
  ].sort((a, b) => a.name.localeCompare(b.name));
  const status: EnvironmentStatus = {
    env,
    stacks,
    cluster: { name: cluster, ...instances },
    services,
    bastion,
    attention: [],
  };
  status.attention = attentionFor(status);
  return status;
}

/** A cluster ecspoc did not deploy: its instances, services and the bastion `--bastion` names; no stacks. */
async function readAdoptedStatus(
  aws: AwsClients,
  env: string,
  adopt: AdoptRequest,
): Promise<EnvironmentStatus> {
  const fleet: FleetReaderClients = { ecs: aws.client(ECSClient), ec2: aws.client(EC2Client) };
  const [instances, services, bastion] = await Promise.all([
    readInstances(fleet, adopt.cluster),
    // A cluster ecspoc did not deploy has none of its event rules: the task logs say more.
    readServiceStatus(
      fleet,
      adopt.cluster,
      (service) => `ecspoc logs tail --cluster ${adopt.cluster} --service ${service} --since 1h`,
    ),
    adopt.bastion
      ? findBastionInstance(fleet, env, adopt.bastion)
      : Promise.resolve(missingBastion(env, `cluster ${adopt.cluster}`, 'none given (--bastion)')),
  ]);
  if (!instances.found)
    throw new OperationError('CLUSTER_MISSING', `ECS cluster ${adopt.cluster} does not exist.`, {
      suggestions: ['Check the name (aws ecs list-clusters) and --region.'],
    });
  const status: EnvironmentStatus = {
    env,
    stacks: [],
    cluster: { name: adopt.cluster, ...instances },
    services,
    bastion,
    attention: [],
    adopted: adopt,
  };
  status.attention = attentionFor(status);
  return status;
}

/** What needs the operator: broken or missing stacks, lost capacity, services short of tasks. */
export function attentionFor(status: EnvironmentStatus): Attention[] {
  const env = status.env;
  const items: Attention[] = [];
  if (!status.adopted) {
    const stacks = stackAttention(status);
    items.push(...stacks.items);
    if (stacks.notDeployed) return items;
  }
  const where = targetFlags(env, status.adopted);
  const { instances } = status.cluster;
  if (status.cluster.found) {
    if (instances.active === 0) {
      items.push({
        message: `Cluster ${status.cluster.name} has no ACTIVE container instance: no task can be placed.`,
        suggestion: `ecspoc instances list ${where}`,
      });
    }
    if (instances.agentDisconnected > 0) {
      items.push({
        message: `${instances.agentDisconnected} container instance(s) have a disconnected ECS agent.`,
        suggestion: `ecspoc instances list ${where}`,
      });
    }
    if (instances.draining > 0) {
      items.push({
        message: `${instances.draining} container instance(s) are DRAINING.`,
        suggestion: `ecspoc instances activate ${where} (if the drain is over and they should take tasks again)`,
      });
    }
  }
  for (const service of status.services) {
    if (service.moreEvents) {
      const failed = service.deployment?.failed
        ? `${service.deployment.failed} task(s) failed`
        : 'tasks are failing';
      const rollback =
        service.deployment?.rolloutState === 'FAILED'
          ? ` (rolled back: ${service.deployment.rolloutStateReason ?? 'deployment failed'})`
          : '';
      const stopped = service.lastStopped ? `; last stopped: ${describeStopped(service.lastStopped)}` : '';
      items.push({
        message: `Service ${service.name}: ${failed}${rollback}${stopped}.`,
        suggestion: service.moreEvents,
      });
    }
    if (service.running < service.desired) {
      items.push({
        message: `Service ${service.name} runs ${service.running} of ${service.desired} tasks${service.pending ? ` (${service.pending} pending)` : ''}.`,
        suggestion: `ecspoc logs tail ${where} --service ${service.name}`,
      });
    }
  }
  if (status.bastion.state === 'stopped') {
    items.push({
      message: 'The bastion is stopped: SSH to the instances goes through it.',
      suggestion: status.adopted
        ? `aws ec2 start-instances --instance-ids ${status.bastion.instanceId}`
        : `ecspoc bastion start ${where}`,
    });
  }
  return items;
}

/** What the environment's stacks need (broken, stuck or missing ones); notDeployed: none exists. */
function stackAttention(status: EnvironmentStatus): { items: Attention[]; notDeployed: boolean } {
  const env = status.env;
  const items: Attention[] = [];
  for (const stack of status.stacks) {
    if (stack.status === 'NOT_DEPLOYED') continue;
    const condition = classifyStack({
      stackId: stack.stackName,
      stackName: stack.stackName,
      status: stack.status,
      parameters: {},
      outputs: {},
    });
    if (condition.state === 'blocked') {
      items.push({
        message: `Stack ${stack.stackName} is ${stack.status}.`,
        suggestion: condition.suggestion,
      });
    } else if (condition.state === 'recreate') {
      items.push({
        message: `Stack ${stack.stackName} is ${stack.status}: ${condition.why}.`,
        suggestion: `ecspoc deploy ${stack.component} --env ${env} (deletes and recreates it after confirmation)`,
      });
    } else if (stack.status === 'UPDATE_ROLLBACK_COMPLETE') {
      items.push({
        message: `The last update of ${stack.stackName} failed and was rolled back.`,
        suggestion: `aws cloudformation describe-stack-events --stack-name ${stack.stackName}`,
      });
    } else if (condition.state === 'busy') {
      items.push({
        message: `Stack ${stack.stackName} is ${stack.status}.`,
        suggestion: `ecspoc status --env ${env} again in a minute`,
      });
    }
  }
  const missing = status.stacks.filter((s) => s.status === 'NOT_DEPLOYED');
  if (missing.length === status.stacks.length) {
    items.push({
      message: `Environment "${env}" is not deployed.`,
      suggestion: `ecspoc deploy --env ${env}`,
    });
    return { items, notDeployed: true };
  }
  if (missing.length > 0) {
    items.push({
      message: `Not deployed: ${missing.map((s) => s.component).join(', ')}.`,
      suggestion: `ecspoc deploy --env ${env}`,
    });
  }
  return { items, notDeployed: false };
}

async function readInstances(
  clients: FleetReaderClients,
  cluster: string,
): Promise<Omit<ClusterStatus, 'name'>> {
  const counts = { active: 0, draining: 0, other: 0, agentDisconnected: 0, total: 0 };
  const read = await readContainerInstances(clients, cluster);
  if (read === undefined) return { found: false, instances: counts, runningTasks: 0 };
  let runningTasks = 0;
  for (const instance of read) {
    counts.total += 1;
    if (instance.status === 'ACTIVE') counts.active += 1;
    else if (instance.status === 'DRAINING') counts.draining += 1;
    else counts.other += 1;
    if (instance.agentConnected === false) counts.agentDisconnected += 1;
    runningTasks += instance.runningTasksCount ?? 0;
  }
  return { found: true, instances: counts, runningTasks };
}

async function readServiceStatus(
  clients: FleetReaderClients,
  cluster: string,
  /** The command that shows more of a failing service's stops. */
  moreOf: (service: string) => string,
): Promise<ServiceStatus[]> {
  // Each service's reads (its task definition, and its stopped tasks when it may be failing) are its
  // own: the services are read side by side, not one after another.
  const read = async (service: NonNullable<Awaited<ReturnType<typeof readServices>>>[number]) => {
    const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
    const image = await imageOf(clients.ecs, primary?.taskDefinition ?? service.taskDefinition);
    const name = service.serviceName ?? '?';
    const deployment: DeploymentState | undefined = primary && {
      ...(primary.rolloutState ? { rolloutState: primary.rolloutState } : {}),
      ...(primary.rolloutStateReason ? { rolloutStateReason: primary.rolloutStateReason } : {}),
      running: primary.runningCount ?? 0,
      desired: primary.desiredCount ?? 0,
      pending: primary.pendingCount ?? 0,
      failed: primary.failedTasks ?? 0,
    };
    const status: ServiceStatus = {
      ...(image ? { image } : {}),
      name,
      status: service.status ?? '?',
      desired: service.desiredCount ?? 0,
      running: service.runningCount ?? 0,
      pending: service.pendingCount ?? 0,
      deployments: service.deployments?.length ?? 0,
      ...(primary?.rolloutState ? { rollout: primary.rolloutState } : {}),
      ...(deployment ? { deployment } : {}),
    };
    // Stopped tasks are read only for a service that may be failing: two calls, and none when healthy.
    const suspect =
      (deployment?.failed ?? 0) > 0 ||
      deployment?.rolloutState === 'FAILED' ||
      status.running < status.desired;
    const lastStopped = suspect ? await readLastStoppedTask(clients.ecs, cluster, name) : undefined;
    if (isFailing(deployment, lastStopped)) {
      if (lastStopped) status.lastStopped = lastStopped;
      status.moreEvents = moreOf(name);
    }
    return status;
  };
  const services = await Promise.all(((await readServices(clients, cluster)) ?? []).map(read));
  return services.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Tasks are failing when the deployment counts failed tasks or was rolled back, or when a task
 * stopped on its own (an essential container exited, or it never started) rather than being stopped.
 */
function isFailing(deployment: DeploymentState | undefined, lastStopped: StoppedTask | undefined): boolean {
  if ((deployment?.failed ?? 0) > 0 || deployment?.rolloutState === 'FAILED') return true;
  return (
    lastStopped?.stopCode === 'EssentialContainerExited' || lastStopped?.stopCode === 'TaskFailedToStart'
  );
}

/** The first container's image of a task definition; undefined when it cannot be read. */
async function imageOf(
  ecs: Pick<ECSClient, 'send'>,
  taskDefinition: string | undefined,
): Promise<string | undefined> {
  if (!taskDefinition) return undefined;
  try {
    const answer = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    return answer.taskDefinition?.containerDefinitions?.[0]?.image;
  } catch {
    // The image is a detail of the line: status still reports the service without it.
    return undefined;
  }
}
