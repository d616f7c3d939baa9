// Builds what `ecspoc instances` works on in the end-to-end tests and the cycle bench: the real
// cluster stack (templates/cluster.yml, with the network, load-balancer and bastion stacks it needs,
// deployed from the catalog) with its Auto Scaling Group, services with task definitions, and a new
// AMI rolled into the launch template.
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';

import { deployBundle } from './bundle.js';
import type { ClientConfig } from './ecs-agent.js';

/** The outputs `ecspoc instances` reads. */
export interface ClusterStack {
  clusterName: string;
  autoScalingGroupName: string;
  launchTemplateId: string;
}

/**
 * Deploys stack `ecspoc-<env>-cluster` from templates/cluster.yml (and the stacks it depends on) with
 * `desired` instances and max size `max`, and returns its outputs.
 */
export async function createClusterStack(
  env: string,
  capacity: { desired: number; max: number },
): Promise<ClusterStack> {
  const bundle = await deployBundle(env, {
    select: ['cluster'],
    overrides: {
      components: {
        cluster: { MinSize: '0', DesiredCapacity: String(capacity.desired), MaxSize: String(capacity.max) },
      },
    },
  });
  const outputs = bundle.outputs.cluster;
  return {
    clusterName: outputs.ClusterName,
    autoScalingGroupName: outputs.AutoScalingGroupName,
    launchTemplateId: outputs.LaunchTemplateId,
  };
}

/** One service of the test cluster. */
export interface ServiceSpec {
  name: string;
  desired: number;
  cpu: number;
  memory: number;
  /** A static host port (one task per instance), or none for dynamic ports. */
  hostPort?: number;
  /** The awslogs group the container logs to (none: no log configuration). */
  logGroup?: string;
}

/**
 * Registers a task definition and creates a service for each spec. Services are created with no
 * task and scaled afterwards: moto then reports one PRIMARY deployment with a COMPLETED rollout.
 */
export async function createServices(
  config: ClientConfig,
  cluster: string,
  specs: ServiceSpec[],
): Promise<void> {
  const ecs = new ECSClient(config);
  try {
    for (const spec of specs) {
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: spec.name,
          containerDefinitions: [
            {
              name: spec.name,
              image: 'public.ecr.aws/nginx/nginx:stable',
              cpu: spec.cpu,
              memory: spec.memory,
              portMappings: [{ containerPort: 80, hostPort: spec.hostPort ?? 0 }],
              ...(spec.logGroup
                ? {
                    logConfiguration: {
                      logDriver: 'awslogs',
                      options: {
                        'awslogs-group': spec.logGroup,
                        'awslogs-region': config.region,
                        'awslogs-stream-prefix': spec.name,
                      },
                    },
                  }
                : {}),
            },
          ],
        }),
      );
      await ecs.send(
        new CreateServiceCommand({
          cluster,
          serviceName: spec.name,
          taskDefinition: spec.name,
          desiredCount: 0,
        }),
      );
      await ecs.send(new UpdateServiceCommand({ cluster, service: spec.name, desiredCount: spec.desired }));
    }
  } finally {
    ecs.destroy();
  }
}

/**
 * Publishes a launch template version with a new AMI, makes it the default (as a CloudFormation update
 * of the template does) and points the group at it: every instance is outdated.
 */
export async function rollNewImage(
  config: ClientConfig,
  stack: ClusterStack,
  imageId: string,
): Promise<number> {
  const ec2 = new EC2Client(config);
  const asg = new AutoScalingClient(config);
  try {
    const version = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: stack.launchTemplateId,
        SourceVersion: '$Latest',
        LaunchTemplateData: { ImageId: imageId },
      }),
    );
    const number = version.LaunchTemplateVersion?.VersionNumber as number;
    await ec2.send(
      new ModifyLaunchTemplateCommand({
        LaunchTemplateId: stack.launchTemplateId,
        DefaultVersion: String(number),
      }),
    );
    await asg.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: stack.autoScalingGroupName,
        LaunchTemplate: { LaunchTemplateId: stack.launchTemplateId, Version: String(number) },
      }),
    );
    return number;
  } finally {
    ec2.destroy();
    asg.destroy();
  }
}

/** The group's desired and max capacity, tags and suspended processes. */
export async function describeGroup(config: ClientConfig, name: string) {
  const asg = new AutoScalingClient(config);
  try {
    const group = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
      .AutoScalingGroups?.[0];
    return {
      desired: group?.DesiredCapacity ?? 0,
      max: group?.MaxSize ?? 0,
      instances: (group?.Instances ?? []).map((i) => i.InstanceId as string),
      tags: Object.fromEntries((group?.Tags ?? []).map((t) => [t.Key, t.Value])),
      suspended: (group?.SuspendedProcesses ?? []).map((p) => p.ProcessName),
    };
  } finally {
    asg.destroy();
  }
}
