// The ECS agent stand-in: moto never registers Auto Scaling instances with a cluster. This loop plays
// the agent on every instance of one group: after a simulated boot time it registers each new
// InService instance (RegisterContainerInstance with an instance identity document naming it), and
// it deregisters the container instance of every EC2 instance that is gone, as ECS does when an
// instance terminates.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DeregisterContainerInstanceCommand,
  DescribeContainerInstancesCommand,
  ECSClient,
  RegisterContainerInstanceCommand,
} from '@aws-sdk/client-ecs';
import { allContainerInstanceArns } from './ecs-pages.js';

/** SDK options pointing at moto. */
export interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** How the agent stand-in behaves. */
export interface EcsAgentOptions {
  config: ClientConfig;
  cluster: string;
  autoScalingGroupName: string;
  /** Time from an instance entering the group to its registration (a boot), default 0. */
  bootDelayMs?: number;
  /** How often the agent looks at the group, default 50 ms. */
  pollIntervalMs?: number;
  /** What instances register with (moto reports its own fixed figures regardless). */
  cpu?: number;
  memory?: number;
}

/** A running agent stand-in. */
export interface EcsAgent {
  /** EC2 instance id → container instance ARN, for the instances this agent registered or found. */
  readonly registered: Map<string, string>;
  /** Instances deregistered after their EC2 instance went away. */
  readonly deregistered: Set<string>;
  /** Failures of the loop (it keeps going); a test should expect none. */
  readonly errors: unknown[];
  /** Resolves once `count` instances of the group are registered. */
  waitForRegistered(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the agent stand-in. */
export function startEcsAgent(options: EcsAgentOptions): EcsAgent {
  const asg = new AutoScalingClient(options.config);
  const ec2 = new EC2Client(options.config);
  const ecs = new ECSClient(options.config);
  const registered = new Map<string, string>();
  const deregistered = new Set<string>();
  const firstSeen = new Map<string, number>();
  const errors: unknown[] = [];
  const bootDelay = options.bootDelayMs ?? 0;
  let stopped = false;

  // Boots in progress: the registration fires exactly `bootDelay` after the agent first saw the
  // instance in the group, not on the next poll.
  const booting = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let adopted = false;
  // The deregistration of departed instances in progress, if any: one at a time.
  let reaping: Promise<void> | undefined;

  const register = (instanceId: string) => {
    const call = (async () => {
      try {
        const response = await ecs.send(
          new RegisterContainerInstanceCommand({
            cluster: options.cluster,
            instanceIdentityDocument: JSON.stringify({ instanceId, region: options.config.region }),
            instanceIdentityDocumentSignature: 'stand-in',
            totalResources: [
              { name: 'CPU', type: 'INTEGER', integerValue: options.cpu ?? 4096 },
              { name: 'MEMORY', type: 'INTEGER', integerValue: options.memory ?? 7482 },
            ],
            versionInfo: { agentVersion: '1.99.0-stand-in' },
          }),
        );
        registered.set(instanceId, response.containerInstance?.containerInstanceArn as string);
      } catch (error) {
        errors.push(error);
      } finally {
        // Booting until registered: the loop must not start a second boot meanwhile.
        booting.delete(instanceId);
      }
    })();
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  };

  const tick = async () => {
    if (!adopted) {
      // What the cluster already holds (an earlier agent may have registered it).
      const arns = await allContainerInstanceArns(ecs, { cluster: options.cluster });
      for (let i = 0; i < arns.length; i += 100) {
        const described = await ecs.send(
          new DescribeContainerInstancesCommand({
            cluster: options.cluster,
            containerInstances: arns.slice(i, i + 100),
          }),
        );
        for (const ci of described.containerInstances ?? [])
          registered.set(ci.ec2InstanceId as string, ci.containerInstanceArn as string);
      }
      adopted = true;
    }
    const group = (
      await asg.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [options.autoScalingGroupName] }),
      )
    ).AutoScalingGroups?.[0];
    const inService = new Set(
      (group?.Instances ?? [])
        .filter((i) => i.LifecycleState === 'InService')
        .map((i) => i.InstanceId as string),
    );
    for (const instanceId of inService) {
      if (registered.has(instanceId) || deregistered.has(instanceId) || booting.has(instanceId)) continue;
      if (!firstSeen.has(instanceId)) firstSeen.set(instanceId, Date.now());
      booting.set(
        instanceId,
        setTimeout(() => register(instanceId), bootDelay),
      );
    }

    // Registered instances that left the group: deregistered once their EC2 instance is gone. Apart
    // from the look at the group, as on AWS, where a terminated instance leaves the cluster on its own
    // and does not hold up the boot of another: one call after another inside the tick, ten
    // deregistrations kept the loop from seeing a group's new instances for ~0.6 s, and their boots
    // started that much late.
    if (!reaping) {
      const left = [...registered.keys()].filter((id) => !inService.has(id) && !deregistered.has(id));
      if (left.length > 0) {
        const job = reap(left);
        reaping = job;
        inFlight.add(job);
        void job.finally(() => {
          reaping = undefined;
          inFlight.delete(job);
        });
      }
    }
  };

  const reap = async (left: string[]) => {
    try {
      const gone: string[] = [];
      for (let i = 0; i < left.length; i += 100) {
        const response = await ec2.send(
          new DescribeInstancesCommand({
            Filters: [{ Name: 'instance-id', Values: left.slice(i, i + 100) }],
          }),
        );
        for (const reservation of response.Reservations ?? [])
          for (const instance of reservation.Instances ?? [])
            if (['shutting-down', 'terminated'].includes(instance.State?.Name ?? ''))
              gone.push(instance.InstanceId as string);
      }
      for (const instanceId of gone) {
        await ecs.send(
          new DeregisterContainerInstanceCommand({
            cluster: options.cluster,
            containerInstance: registered.get(instanceId),
            force: true,
          }),
        );
        deregistered.add(instanceId);
      }
    } catch (error) {
      errors.push(error);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await tick();
      } catch (error) {
        errors.push(error);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 50));
    }
  })();

  return {
    registered,
    deregistered,
    errors,
    async waitForRegistered(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while ([...registered.keys()].filter((id) => !deregistered.has(id)).length < count) {
        if (Date.now() > deadline)
          throw new Error(`only ${registered.size} instances registered after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      stopped = true;
      await loop;
      for (const timer of booting.values()) clearTimeout(timer);
      await Promise.all(inFlight);
      for (const client of [asg, ec2, ecs]) client.destroy();
    },
  };
}
