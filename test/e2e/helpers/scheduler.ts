// The ECS service scheduler stand-in: moto's services never launch tasks, and nothing moves tasks off
// a DRAINING instance. This loop keeps every service of one cluster at its desired count of tasks on
// ACTIVE instances (StartTask with group `service:<name>`, placed where CPU, memory and host ports
// allow, spread across instances) and, like ECS with maximumPercent 200, stops a task on a DRAINING
// instance only once its replacement runs and a simulated drain time (load balancer deregistration)
// has passed. Standalone tasks are left alone, as ECS does.
import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServicesCommand,
  StartTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';

import type { ClientConfig } from './ecs-agent.js';
import { allContainerInstanceArns, allTaskArns } from './ecs-pages.js';

/** How the scheduler stand-in behaves. */
export interface SchedulerOptions {
  config: ClientConfig;
  cluster: string;
  /** Time a task on a DRAINING instance keeps running after its replacement started, default 0. */
  drainDelayMs?: number;
  /** How often the scheduler looks at the cluster, default 50 ms. */
  pollIntervalMs?: number;
}

/** A running scheduler stand-in. */
export interface Scheduler {
  readonly errors: unknown[];
  /** Tasks started and stopped so far. */
  readonly started: string[];
  readonly stopped: string[];
  /** Resolves once every service runs its desired count on ACTIVE instances. */
  waitForSteady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface Host {
  arn: string;
  status: string;
  cpu: number;
  memory: number;
  ports: Set<string>;
  tasks: number;
}

/** Starts the scheduler stand-in. */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const ecs = new ECSClient(options.config);
  const errors: unknown[] = [];
  const started: string[] = [];
  const stopped: string[] = [];
  const drainingSince = new Map<string, number>();
  const stopTimers = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const definitions = new Map<string, { cpu: number; memory: number; ports: string[] }>();
  // The number of the last tick that found every service steady, and of the last tick started.
  let steadyTick = 0;
  let tickNo = 0;
  let stopping = false;

  const requirement = async (arn: string) => {
    let need = definitions.get(arn);
    if (!need) {
      const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      const containers = taskDefinition?.containerDefinitions ?? [];
      need = {
        cpu: containers.reduce((n, c) => n + (c.cpu ?? 0), 0),
        memory: containers.reduce((n, c) => n + (c.memory ?? c.memoryReservation ?? 0), 0),
        ports: containers.flatMap((c) =>
          (c.portMappings ?? []).filter((p) => p.hostPort).map((p) => String(p.hostPort)),
        ),
      };
      definitions.set(arn, need);
    }
    return need;
  };

  const tick = async () => {
    const thisTick = ++tickNo;
    const cluster = options.cluster;
    // The three reads at once, and their describes in parallel: ECS's scheduler acts on its own state
    // the moment it changes; one read after another, a tick at 100 instances took ~0.4 s, and every
    // drain started that much after the instance was set DRAINING.
    const readServices = async () => {
      const serviceArns = (await ecs.send(new ListServicesCommand({ cluster }))).serviceArns ?? [];
      const pages = [];
      for (let i = 0; i < serviceArns.length; i += 10)
        pages.push(
          ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns.slice(i, i + 10) })),
        );
      return (await Promise.all(pages)).flatMap((r) =>
        (r.services ?? []).filter((s) => s.status === 'ACTIVE'),
      );
    };
    const readHosts = async () => {
      const ciArns = await allContainerInstanceArns(ecs, { cluster });
      const pages = [];
      for (let i = 0; i < ciArns.length; i += 100)
        pages.push(
          ecs.send(
            new DescribeContainerInstancesCommand({ cluster, containerInstances: ciArns.slice(i, i + 100) }),
          ),
        );
      const hosts = new Map<string, Host>();
      for (const response of await Promise.all(pages)) {
        for (const ci of response.containerInstances ?? []) {
          const find = (name: string) => ci.remainingResources?.find((r) => r.name === name);
          hosts.set(ci.containerInstanceArn as string, {
            arn: ci.containerInstanceArn as string,
            status: ci.status ?? '',
            cpu: find('CPU')?.integerValue ?? 0,
            memory: find('MEMORY')?.integerValue ?? 0,
            ports: new Set(find('PORTS')?.stringSetValue ?? []),
            tasks: ci.runningTasksCount ?? 0,
          });
        }
      }
      // A drain's clock starts when the instance was seen DRAINING: never before it was set so.
      return { hosts, seenAt: Date.now() };
    };
    const readTasks = async () => {
      const taskArns = await allTaskArns(ecs, { cluster, desiredStatus: 'RUNNING' });
      const pages = [];
      for (let i = 0; i < taskArns.length; i += 100)
        pages.push(ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(i, i + 100) })));
      return (await Promise.all(pages)).flatMap((r) =>
        (r.tasks ?? []).filter((t) => t.lastStatus !== 'STOPPED'),
      );
    };
    const [services, { hosts, seenAt: now }, tasks] = await Promise.all([
      readServices(),
      readHosts(),
      readTasks(),
    ]);

    let allSteady = true;
    for (const service of services) {
      const name = service.serviceName as string;
      const own = tasks.filter((t) => t.group === `service:${name}`);
      const on = (status: string) =>
        own.filter((t) => hosts.get(t.containerInstanceArn ?? '')?.status === status);
      const active = on('ACTIVE');
      const draining = on('DRAINING');
      const desired = service.desiredCount ?? 0;
      const definition = service.taskDefinition as string;
      const need = await requirement(definition);
      let running = active.length;
      // Start replacements first (maximumPercent 200): on the ACTIVE host with the fewest tasks of
      // this service that has the room.
      while (running < desired) {
        const perHost = (arn: string) => own.filter((t) => t.containerInstanceArn === arn).length;
        const candidates = [...hosts.values()]
          .filter((h) => h.status === 'ACTIVE' && h.cpu >= need.cpu && h.memory >= need.memory)
          .filter((h) => need.ports.every((p) => !h.ports.has(p)))
          .sort((a, b) => perHost(a.arn) - perHost(b.arn) || a.tasks - b.tasks || b.memory - a.memory);
        const host = candidates[0];
        if (!host) break;
        const response = await ecs.send(
          new StartTaskCommand({
            cluster,
            taskDefinition: definition,
            containerInstances: [host.arn],
            group: `service:${name}`,
            startedBy: `ecs-svc/${name}`,
          }),
        );
        const task = response.tasks?.[0];
        if (!task) break;
        started.push(task.taskArn as string);
        own.push(task);
        host.cpu -= need.cpu;
        host.memory -= need.memory;
        host.tasks += 1;
        for (const port of need.ports) host.ports.add(port);
        running += 1;
      }
      // Scale in beyond desired.
      for (const task of active.slice(desired)) {
        await ecs.send(new StopTaskCommand({ cluster, task: task.taskArn, reason: 'Scaling activity' }));
        stopped.push(task.taskArn as string);
      }
      // Stop tasks on DRAINING instances once replaced, exactly when their drain time is over (a
      // timer, not the next poll).
      for (const task of draining) {
        const arn = task.taskArn as string;
        if (!drainingSince.has(arn)) drainingSince.set(arn, now);
        if (running < desired || stopTimers.has(arn)) continue;
        const due = (drainingSince.get(arn) as number) + (options.drainDelayMs ?? 0) - Date.now();
        stopTimers.set(
          arn,
          setTimeout(
            () => {
              const call = ecs
                .send(new StopTaskCommand({ cluster, task: arn, reason: 'Container instance is DRAINING' }))
                .then(() => {
                  stopped.push(arn);
                  drainingSince.delete(arn);
                })
                .catch((error: unknown) => errors.push(error))
                .finally(() => inFlight.delete(call));
              inFlight.add(call);
            },
            Math.max(0, due),
          ),
        );
      }
      if (running < desired || draining.length > 0) allSteady = false;
    }
    if (allSteady) steadyTick = thisTick;
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        await tick();
      } catch (error) {
        errors.push(error);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 50));
    }
  })();

  return {
    errors,
    started,
    stopped,
    async waitForSteady(timeoutMs = 20_000) {
      const after = tickNo + 1;
      const deadline = Date.now() + timeoutMs;
      while (steadyTick < after) {
        if (Date.now() > deadline) throw new Error(`services not steady after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      stopping = true;
      await loop;
      for (const timer of stopTimers.values()) clearTimeout(timer);
      await Promise.all(inFlight);
      ecs.destroy();
    },
  };
}
