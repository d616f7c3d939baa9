// Samples a cluster throughout a cycle, for the end-to-end guarantees: how many container instances
// are ACTIVE (agent connected, EC2 instance running), how many tasks of each service run on live
// instances, and the group's desired capacity.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';

import type { ClientConfig } from './ecs-agent.js';
import { allContainerInstanceArns, allTaskArns } from './ecs-pages.js';

/** One look at the cluster. */
export interface Sample {
  at: number;
  active: number;
  draining: number;
  desired: number;
  running: Record<string, number>;
}

/** What the sampler saw. */
export interface SamplerReport {
  samples: Sample[];
  minActive: number;
  minRunning: Record<string, number>;
  maxDesired: number;
  errors: unknown[];
}

/** Starts sampling; `stop()` returns everything seen. */
export function startSampler(options: {
  config: ClientConfig;
  cluster: string;
  autoScalingGroupName: string;
  services: string[];
  intervalMs?: number;
}): { stop(): Promise<SamplerReport>; latest(): Sample | undefined } {
  const asg = new AutoScalingClient(options.config);
  const ec2 = new EC2Client(options.config);
  const ecs = new ECSClient(options.config);
  const samples: Sample[] = [];
  const errors: unknown[] = [];
  const taskInfo = new Map<string, { group?: string; host?: string }>();
  let stopping = false;

  const sample = async (): Promise<Sample> => {
    const cluster = options.cluster;
    // EC2 states first: tasks and registrations read afterwards are never older than them.
    const running = new Set<string>();
    let token: string | undefined;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ NextToken: token }));
      for (const r of page.Reservations ?? [])
        for (const i of r.Instances ?? [])
          if (i.State?.Name === 'running') running.add(i.InstanceId as string);
      token = page.NextToken;
    } while (token);
    const group = (
      await asg.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [options.autoScalingGroupName] }),
      )
    ).AutoScalingGroups?.[0];
    const arns = await allContainerInstanceArns(ecs, { cluster });
    const live = new Set<string>();
    let active = 0;
    let draining = 0;
    for (let i = 0; i < arns.length; i += 100) {
      const response = await ecs.send(
        new DescribeContainerInstancesCommand({ cluster, containerInstances: arns.slice(i, i + 100) }),
      );
      for (const ci of response.containerInstances ?? []) {
        if (!running.has(ci.ec2InstanceId as string)) continue;
        live.add(ci.containerInstanceArn as string);
        if (ci.status === 'ACTIVE' && ci.agentConnected) active += 1;
        if (ci.status === 'DRAINING') draining += 1;
      }
    }
    // The running tasks, read page after page right after the instances.
    const taskArns = await allTaskArns(ecs, { cluster, desiredStatus: 'RUNNING' });
    const unknown = taskArns.filter((arn) => !taskInfo.has(arn));
    for (let i = 0; i < unknown.length; i += 100) {
      const response = await ecs.send(
        new DescribeTasksCommand({ cluster, tasks: unknown.slice(i, i + 100) }),
      );
      for (const t of response.tasks ?? [])
        taskInfo.set(t.taskArn as string, { group: t.group, host: t.containerInstanceArn });
    }
    const counts: Record<string, number> = Object.fromEntries(options.services.map((s) => [s, 0]));
    for (const arn of taskArns) {
      const info = taskInfo.get(arn);
      const service = info?.group?.startsWith('service:') ? info.group.slice(8) : undefined;
      if (service && service in counts && info?.host && live.has(info.host)) counts[service] += 1;
    }
    return { at: Date.now(), active, draining, desired: group?.DesiredCapacity ?? 0, running: counts };
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        samples.push(await sample());
      } catch (error) {
        errors.push(error);
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
    }
  })();

  return {
    latest: () => samples.at(-1),
    async stop() {
      stopping = true;
      await loop;
      for (const client of [asg, ec2, ecs]) client.destroy();
      const minRunning = Object.fromEntries(
        options.services.map((s) => [s, Math.min(...samples.map((x) => x.running[s]))]),
      );
      return {
        samples,
        minActive: Math.min(...samples.map((s) => s.active)),
        minRunning,
        maxDesired: Math.max(...samples.map((s) => s.desired)),
        errors,
      };
    },
  };
}
