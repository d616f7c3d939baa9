// Builds what `ecspoc instances` works on in the end-to-end tests and the cycle bench: the cluster
// stack (`ecspoc-<env>-cluster`, a fixture with the real stack's outputs) with its Auto Scaling
// Group, services with task definitions, and a new AMI rolled into the launch template.
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
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
import { readFileSync } from 'node:fs';

import type { ClientConfig } from './ecs-agent.js';

/** The fixture standing in for templates/cluster.yml. */
export const CLUSTER_FIXTURE = new URL('../fixtures/cluster-stack.yml', import.meta.url);

/** The outputs `ecspoc instances` reads. */
export interface ClusterStack {
  clusterName: string;
  autoScalingGroupName: string;
  launchTemplateId: string;
}

/** Creates stack `ecspoc-<env>-cluster` with `desired` instances (max `max`) and returns its outputs. */
export async function createClusterStack(
  config: ClientConfig,
  env: string,
  capacity: { desired: number; max: number; imageId?: string },
): Promise<ClusterStack> {
  const cfn = new CloudFormationClient(config);
  try {
    const StackName = `ecspoc-${env}-cluster`;
    await cfn.send(
      new CreateStackCommand({
        StackName,
        TemplateBody: readFileSync(CLUSTER_FIXTURE, 'utf8'),
        Parameters: [
          { ParameterKey: 'EnvName', ParameterValue: env },
          { ParameterKey: 'DesiredCapacity', ParameterValue: String(capacity.desired) },
          { ParameterKey: 'MaxSize', ParameterValue: String(capacity.max) },
          ...(capacity.imageId ? [{ ParameterKey: 'ImageId', ParameterValue: capacity.imageId }] : []),
        ],
      }),
    );
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0];
    const output = (key: string) => stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue as string;
    return {
      clusterName: output('ClusterName'),
      autoScalingGroupName: output('AutoScalingGroupName'),
      launchTemplateId: output('LaunchTemplateId'),
    };
  } finally {
    cfn.destroy();
  }
}

/** One service of the test cluster. */
export interface ServiceSpec {
  name: string;
  desired: number;
  cpu: number;
  memory: number;
  /** A static host port (one task per instance), or none for dynamic ports. */
  hostPort?: number;
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
