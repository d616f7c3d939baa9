import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  paginateListTasks,
  StopTaskCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';

import { toAwsError } from '../aws/clients.js';
import { chunk, type InstanceClients } from './clients.js';
import type { Resources } from './fleet.js';
import * as reader from './reader.js';

/** A task that runs (or is about to run) on a container instance. */
export interface WorkloadTask {
  taskArn: string;
  taskDefinitionArn: string;
  containerInstanceArn?: string;
  /** `service:<name>` for service tasks, `family:<name>` or a custom group otherwise. */
  group?: string;
  /** The service that owns the task; undefined for a standalone task. */
  service?: string;
  lastStatus?: string;
}

/** An ECS service and how far it is from steady. */
export interface ServiceState {
  name: string;
  desired: number;
  running: number;
  pending: number;
  schedulingStrategy?: string;
  deployments: Array<{ status?: string; rolloutState?: string; running?: number; desired?: number }>;
}

/** The service a task group names (`service:web` → `web`), or undefined for standalone tasks. */
export function serviceOfGroup(group: string | undefined): string | undefined {
  return group?.startsWith('service:') ? group.slice('service:'.length) : undefined;
}

/** Every task of the cluster whose desired status is RUNNING: n/100 list calls and n/100 describes (in parallel). */
export async function describeRunningTasks(
  clients: InstanceClients,
  clusterName: string,
): Promise<WorkloadTask[]> {
  try {
    const arns: string[] = [];
    for await (const page of paginateListTasks(
      { client: clients.ecs, pageSize: 100 },
      { cluster: clusterName, desiredStatus: 'RUNNING' },
    ))
      arns.push(...(page.taskArns ?? []));
    const tasks: WorkloadTask[] = [];
    // DescribeTasks takes up to 100 tasks a call (API reference); the calls run at once, within the
    // fleet reader's bound, as its describes do, so a cycle's check before each drain waits for one.
    const limit = reader.createLimiter(reader.DEFAULT_CONCURRENCY);
    const responses = await Promise.all(
      chunk(arns, 100).map((part) =>
        limit(async () => clients.ecs.send(new DescribeTasksCommand({ cluster: clusterName, tasks: part }))),
      ),
    );
    for (const response of responses) {
      for (const task of response.tasks ?? []) {
        if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') continue;
        tasks.push({
          taskArn: task.taskArn ?? '',
          taskDefinitionArn: task.taskDefinitionArn ?? '',
          containerInstanceArn: task.containerInstanceArn,
          group: task.group,
          service: serviceOfGroup(task.group),
          lastStatus: task.lastStatus,
        });
      }
    }
    return tasks;
  } catch (error) {
    throw toAwsError(error, `listing the tasks of ${clusterName}`, clients.settings);
  }
}

/** What one task of each task definition reserves on an instance: one call per distinct definition. */
export async function describeTaskRequirements(
  clients: InstanceClients,
  taskDefinitionArns: Iterable<string>,
): Promise<Map<string, Resources>> {
  const requirements = new Map<string, Resources>();
  for (const arn of new Set(taskDefinitionArns)) {
    try {
      const { taskDefinition } = await clients.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: arn }),
      );
      if (taskDefinition) requirements.set(arn, taskRequirements(taskDefinition));
    } catch (error) {
      throw toAwsError(error, `describing task definition ${arn}`, clients.settings);
    }
  }
  return requirements;
}

/**
 * CPU units, MiB and static host ports one task of `definition` reserves on a container instance:
 * task-level sizes when given (`256`, `0.5 vCPU`, `1 GB`), else the sum of the containers'; host
 * ports only in bridge and host network modes (dynamic port 0 and awsvpc take none).
 */
export function taskRequirements(definition: TaskDefinition): Resources {
  const containers = definition.containerDefinitions ?? [];
  const cpu = parseCpu(definition.cpu) ?? containers.reduce((sum, c) => sum + (c.cpu ?? 0), 0);
  const memory =
    parseMemory(definition.memory) ??
    containers.reduce((sum, c) => sum + (c.memory ?? c.memoryReservation ?? 0), 0);
  const mode = definition.networkMode ?? 'bridge';
  const ports: string[] = [];
  if (mode === 'bridge' || mode === 'host') {
    for (const container of containers) {
      for (const mapping of container.portMappings ?? []) {
        const port = mode === 'host' ? (mapping.hostPort ?? mapping.containerPort) : mapping.hostPort;
        if (port) ports.push(`${port}/${mapping.protocol ?? 'tcp'}`);
      }
    }
  }
  return { cpu, memory, ports };
}

function parseCpu(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const vcpu = /^([\d.]+)\s*vcpu$/i.exec(text.trim());
  if (vcpu) return Math.round(Number(vcpu[1]) * 1024);
  const units = Number(text);
  return Number.isFinite(units) ? units : undefined;
}

function parseMemory(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const gb = /^([\d.]+)\s*gb$/i.exec(text.trim());
  if (gb) return Math.round(Number(gb[1]) * 1024);
  const mib = Number(text);
  return Number.isFinite(mib) ? mib : undefined;
}

/** Lists the cluster's services through the fleet reader (100 per call); none when the cluster is gone. */
export async function listServiceArns(clients: InstanceClients, clusterName: string): Promise<string[]> {
  return (await reader.listServiceArns(clients, clusterName)) ?? [];
}

/** Describes services through the fleet reader (10 per call, in parallel); ACTIVE ones only. */
export async function describeServices(
  clients: InstanceClients,
  clusterName: string,
  serviceArns: string[],
): Promise<ServiceState[]> {
  return (await reader.describeServices(clients, clusterName, serviceArns))
    .filter((service) => service.status === 'ACTIVE')
    .map((service) => ({
      name: service.serviceName ?? '',
      desired: service.desiredCount ?? 0,
      running: service.runningCount ?? 0,
      pending: service.pendingCount ?? 0,
      schedulingStrategy: service.schedulingStrategy,
      deployments: (service.deployments ?? []).map((d) => ({
        status: d.status,
        rolloutState: d.rolloutState,
        running: d.runningCount,
        desired: d.desiredCount,
      })),
    }));
}

/**
 * Why a service is not steady, or undefined when it is: running equals desired, nothing pending,
 * and exactly one deployment, the PRIMARY one, whose rollout (when reported) has COMPLETED.
 */
export function serviceUnsteadiness(service: ServiceState): string | undefined {
  if (service.running !== service.desired) return `${service.running}/${service.desired} running`;
  if (service.pending > 0) return `${service.pending} pending`;
  if (service.deployments.length !== 1) return `${service.deployments.length} deployments`;
  const [primary] = service.deployments;
  if (primary.status !== 'PRIMARY') return `deployment ${primary.status ?? 'unknown'}`;
  if (primary.rolloutState && primary.rolloutState !== 'COMPLETED') return `rollout ${primary.rolloutState}`;
  return undefined;
}

/** Stops tasks (one call each: StopTask takes one task). */
export async function stopTasks(
  clients: InstanceClients,
  clusterName: string,
  taskArns: string[],
  reason: string,
): Promise<void> {
  for (const task of taskArns) {
    try {
      await clients.ecs.send(new StopTaskCommand({ cluster: clusterName, task, reason }));
    } catch (error) {
      throw toAwsError(error, `stopping task ${task}`, clients.settings);
    }
  }
}
