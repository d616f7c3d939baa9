// A simulated environment behind the shared AWS mocks (test/unit/helpers/mock-sdk.ts) for the engine's unit tests: one cluster stack,
// one Auto Scaling Group, its EC2 instances and container instances, services and tasks. Time is a
// FakeClock: instances register `bootMs` after they launch and tasks leave a DRAINING instance
// `drainMs` after it started draining (moved to the ACTIVE instance with the fewest tasks), as the
// ECS agent and scheduler would. Every call is recorded, so tests can assert what changed.
import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SetDesiredCapacityCommand,
  SuspendProcessesCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTasksCommand,
  StopTaskCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import type { InstanceClients } from '../../../../src/lib/instances/clients.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { mockSdk, resetSdkMocks, sdkClient } from '../../helpers/mock-sdk.js';

const mockAutoScaling = mockSdk(AutoScalingClient);
const mockCloudFormation = mockSdk(CloudFormationClient);
const mockEC2 = mockSdk(EC2Client);
const mockECS = mockSdk(ECSClient);
const mockSSM = mockSdk(SSMClient);

export interface FakeInstance {
  id: string;
  az: string;
  imageId: string;
  version: number;
  state: 'running' | 'terminated';
  lifecycle: 'InService' | 'Terminating' | 'Detached';
  /**
   * Scale-in protection: the bundle's group protects every new instance (its capacity provider runs
   * with managed termination protection).
   */
  protectedFromScaleIn: boolean;
  launchedAt: number;
  tags: Record<string, string>;
  ci?: {
    arn: string;
    status: 'ACTIVE' | 'DRAINING';
    connected: boolean;
    drainingAt?: number;
    cpu: number;
    memory: number;
  };
}

export interface FakeTask {
  arn: string;
  group: string;
  host: string;
  definition: string;
}

export interface FakeService {
  name: string;
  desired: number;
  definition: string;
  daemon?: boolean;
}

export interface FakeWorldOptions {
  instances: number;
  zones?: string[];
  desired?: number;
  max?: number;
  bootMs?: number;
  drainMs?: number;
  /** New instances never register (a broken AMI). */
  agentsNeverStart?: boolean;
  /** Tasks never leave DRAINING instances (a stuck deployment). */
  schedulerStuck?: boolean;
  /** A service never becomes steady (running below desired). */
  unsteadyService?: string;
  services?: Array<FakeService & { cpu: number; memory: number; hostPort?: number }>;
  /** Instance capacity. */
  cpu?: number;
  memory?: number;
}

const REGISTERED_PORTS = ['22', '2375', '2376', '51678', '51679'];

/** The simulated environment and the mocked clients that reach it. */
export class FakeWorld {
  readonly clock = new FakeClock(1_000_000);
  readonly instances = new Map<string, FakeInstance>();
  readonly tasks: FakeTask[] = [];
  readonly services: FakeService[] = [];
  readonly definitions = new Map<string, { cpu: number; memory: number; hostPort?: number }>();
  readonly group: {
    desired: number;
    max: number;
    min: number;
    tags: Record<string, string>;
    suspended: string[];
    version: number;
  };
  readonly calls: string[] = [];
  readonly image = { current: 'ami-new', old: 'ami-old' };
  readonly mocks;
  private seq = 0;

  constructor(readonly options: FakeWorldOptions) {
    const zones = options.zones ?? ['us-east-1a', 'us-east-1b'];
    this.group = {
      desired: options.desired ?? options.instances,
      max: options.max ?? options.instances + 2,
      min: 0,
      tags: {},
      suspended: [],
      version: 2,
    };
    for (let i = 0; i < options.instances; i++) {
      const instance = this.launch(zones[i % zones.length], 1, this.image.old);
      this.register(instance);
    }
    for (const spec of options.services ?? []) {
      const definition = `arn:aws:ecs:us-east-1:1:task-definition/${spec.name}:1`;
      this.definitions.set(definition, { cpu: spec.cpu, memory: spec.memory, hostPort: spec.hostPort });
      this.services.push({ name: spec.name, desired: spec.desired, definition, daemon: spec.daemon });
      for (let n = 0; n < spec.desired; n++) this.startTask(spec.name, definition);
    }
    // A world owns every AWS mock: a second world in one test starts from none of the first's fakes.
    resetSdkMocks();
    this.mocks = {
      cfn: mockCloudFormation,
      asg: mockAutoScaling,
      ec2: mockEC2,
      ecs: mockECS,
      ssm: mockSSM,
    };
    this.wire();
  }

  /** Clients for the engine; each reaches the fake through the shared mocks of mock-sdk.ts. */
  clients(): InstanceClients {
    return {
      cfn: sdkClient(CloudFormationClient),
      ecs: sdkClient(ECSClient),
      ec2: sdkClient(EC2Client),
      autoscaling: sdkClient(AutoScalingClient),
      ssm: sdkClient(SSMClient),
    };
  }

  /** Calls that change something, in order. */
  changes(): string[] {
    return this.calls.filter((c) => !/\.(Describe|List|Get)/.test(c));
  }

  count(name: string): number {
    return this.calls.filter((c) => c === name).length;
  }

  members(): FakeInstance[] {
    return [...this.instances.values()].filter((i) => i.lifecycle === 'InService');
  }

  startTask(service: string, definition: string, host?: FakeInstance): FakeTask | undefined {
    const need = this.definitions.get(definition) ?? { cpu: 0, memory: 0 };
    const candidates = [...this.instances.values()]
      .filter((i) => i.ci?.status === 'ACTIVE' && i.state === 'running')
      .filter((i) => this.free(i).cpu >= need.cpu && this.free(i).memory >= need.memory)
      .filter((i) => !need.hostPort || !this.ports(i).includes(String(need.hostPort)))
      .sort((a, b) => this.tasksOn(a).length - this.tasksOn(b).length);
    const target = host ?? candidates[0];
    if (!target?.ci) return undefined;
    const task = {
      arn: `arn:aws:ecs:us-east-1:1:task/c/t${++this.seq}`,
      group: service,
      host: target.ci.arn,
      definition,
    };
    this.tasks.push(task);
    return task;
  }

  private launch(az: string, version: number, imageId: string): FakeInstance {
    const id = `i-${(++this.seq).toString(16).padStart(8, '0')}`;
    const instance: FakeInstance = {
      id,
      az,
      imageId,
      version,
      state: 'running',
      lifecycle: 'InService',
      protectedFromScaleIn: true,
      launchedAt: this.clock.now(),
      tags: {},
    };
    this.instances.set(id, instance);
    return instance;
  }

  private register(instance: FakeInstance): void {
    instance.ci = {
      arn: `arn:aws:ecs:us-east-1:1:container-instance/c/${instance.id}-ci`,
      status: 'ACTIVE',
      connected: true,
      cpu: this.options.cpu ?? 2048,
      memory: this.options.memory ?? 4096,
    };
  }

  private tasksOn(instance: FakeInstance): FakeTask[] {
    return this.tasks.filter((t) => t.host === instance.ci?.arn);
  }

  private free(instance: FakeInstance) {
    const used = this.tasksOn(instance).map(
      (t) => this.definitions.get(t.definition) ?? { cpu: 0, memory: 0 },
    );
    return {
      cpu: (instance.ci?.cpu ?? 0) - used.reduce((n, u) => n + u.cpu, 0),
      memory: (instance.ci?.memory ?? 0) - used.reduce((n, u) => n + u.memory, 0),
    };
  }

  private ports(instance: FakeInstance): string[] {
    return [
      ...REGISTERED_PORTS,
      ...this.tasksOn(instance)
        .map((t) => this.definitions.get(t.definition)?.hostPort)
        .filter((p): p is number => Boolean(p))
        .map(String),
    ];
  }

  /** What the agents and the scheduler have done by now. */
  private advance(): void {
    const now = this.clock.now();
    for (const instance of this.instances.values()) {
      if (instance.state !== 'running') continue;
      if (
        !instance.ci &&
        !this.options.agentsNeverStart &&
        now - instance.launchedAt >= (this.options.bootMs ?? 0)
      ) {
        this.register(instance);
      }
      if (instance.ci?.status === 'DRAINING' && !this.options.schedulerStuck) {
        if (now - (instance.ci.drainingAt ?? now) < (this.options.drainMs ?? 0)) continue;
        for (const task of this.tasksOn(instance)) {
          const service = this.services.find((s) => s.name === task.group);
          if (!service) continue;
          this.tasks.splice(this.tasks.indexOf(task), 1);
          if (!service.daemon) this.startTask(service.name, service.definition);
        }
      }
    }
  }

  private record(name: string): void {
    this.calls.push(name);
    this.advance();
  }

  private wire(): void {
    const { cfn, asg, ec2, ecs, ssm } = this.mocks;
    cfn.on(DescribeStacksCommand).callsFake(() => {
      this.record('CloudFormation.DescribeStacks');
      return {
        Stacks: [
          {
            StackName: 'ecspoc-dev-cluster',
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date(0),
            Outputs: [
              { OutputKey: 'ClusterName', OutputValue: 'ecspoc-dev' },
              { OutputKey: 'AutoScalingGroupName', OutputValue: 'ecspoc-dev-instances' },
              { OutputKey: 'LaunchTemplateId', OutputValue: 'lt-1' },
            ],
          },
        ],
      };
    });
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => {
      this.record('AutoScaling.DescribeAutoScalingGroups');
      return {
        AutoScalingGroups: [
          {
            AutoScalingGroupName: 'ecspoc-dev-instances',
            DesiredCapacity: this.group.desired,
            MinSize: this.group.min,
            MaxSize: this.group.max,
            AvailabilityZones: this.options.zones ?? ['us-east-1a', 'us-east-1b'],
            LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: String(this.group.version) },
            Tags: Object.entries(this.group.tags).map(([Key, Value]) => ({ Key, Value })),
            SuspendedProcesses: this.group.suspended.map((ProcessName) => ({ ProcessName })),
            Instances: [...this.instances.values()]
              .filter((i) => i.lifecycle === 'InService' || i.lifecycle === 'Terminating')
              .map((i) => ({
                InstanceId: i.id,
                AvailabilityZone: i.az,
                LifecycleState: i.lifecycle,
                ProtectedFromScaleIn: i.protectedFromScaleIn,
              })),
            CreatedTime: new Date(0),
            DefaultCooldown: 300,
            HealthCheckType: 'EC2',
          },
        ],
      } as never;
    });
    asg.on(SetDesiredCapacityCommand).callsFake((input) => {
      this.record('AutoScaling.SetDesiredCapacity');
      if (input.DesiredCapacity > this.group.max)
        throw Object.assign(new Error('above max'), { name: 'ValidationError' });
      this.group.desired = input.DesiredCapacity;
      this.fill();
      return {};
    });
    asg.on(UpdateAutoScalingGroupCommand).callsFake((input) => {
      this.record('AutoScaling.UpdateAutoScalingGroup');
      if (input.MaxSize !== undefined) this.group.max = input.MaxSize;
      return {};
    });
    asg.on(SetInstanceProtectionCommand).callsFake((input) => {
      this.record('AutoScaling.SetInstanceProtection');
      // As AWS: "You can specify up to 50 instances" (SetInstanceProtection, API reference).
      if ((input.InstanceIds ?? []).length > 50)
        throw Object.assign(new Error('test: more than 50 instance ids'), { name: 'ValidationError' });
      for (const id of input.InstanceIds ?? [])
        (this.instances.get(id) as FakeInstance).protectedFromScaleIn = input.ProtectedFromScaleIn;
      return {};
    });
    asg.on(TerminateInstanceInAutoScalingGroupCommand).callsFake((input) => {
      this.record('AutoScaling.TerminateInstanceInAutoScalingGroup');
      const instance = this.instances.get(input.InstanceId) as FakeInstance;
      if (this.tasksOn(instance).length > 0)
        throw new Error(`test: ${instance.id} terminated with tasks on it`);
      // The cycle's contract: a drained instance loses its scale-in protection before it goes, so
      // neither the termination nor the group's decrement depends on how the group treats it.
      if (instance.protectedFromScaleIn)
        throw new Error(`test: ${instance.id} terminated while still protected from scale-in`);
      instance.state = 'terminated';
      instance.lifecycle = 'Detached';
      if (instance.ci) instance.ci = undefined;
      if (input.ShouldDecrementDesiredCapacity) this.group.desired -= 1;
      this.fill();
      return { Activity: undefined };
    });
    asg.on(CreateOrUpdateTagsCommand).callsFake((input) => {
      this.record('AutoScaling.CreateOrUpdateTags');
      for (const tag of input.Tags ?? []) this.group.tags[tag.Key as string] = tag.Value as string;
      return {};
    });
    asg.on(DeleteTagsCommand).callsFake((input) => {
      this.record('AutoScaling.DeleteTags');
      for (const tag of input.Tags ?? []) delete this.group.tags[tag.Key as string];
      return {};
    });
    asg.on(SuspendProcessesCommand).callsFake((input) => {
      this.record('AutoScaling.SuspendProcesses');
      this.group.suspended.push(...(input.ScalingProcesses ?? []));
      return {};
    });
    asg.on(ResumeProcessesCommand).callsFake((input) => {
      this.record('AutoScaling.ResumeProcesses');
      this.group.suspended = this.group.suspended.filter((p) => !(input.ScalingProcesses ?? []).includes(p));
      return {};
    });
    ec2
      .on(DescribeInstancesCommand)
      .callsFake((input: { Filters?: Array<{ Name?: string; Values?: string[] }> }) => {
        this.record('EC2.DescribeInstances');
        const ids = input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];
        return {
          Reservations: [
            {
              Instances: ids
                .map((id) => this.instances.get(id))
                .filter((i): i is FakeInstance => Boolean(i))
                .map((i) => ({
                  InstanceId: i.id,
                  ImageId: i.imageId,
                  State: { Name: i.state },
                  Placement: { AvailabilityZone: i.az },
                  PrivateIpAddress: '10.0.0.1',
                  LaunchTime: new Date(i.launchedAt),
                  Tags: [
                    // EC2 Auto Scaling tags every instance it launches with its group's name.
                    { Key: 'aws:autoscaling:groupName', Value: 'ecspoc-dev-instances' },
                    { Key: 'aws:ec2launchtemplate:id', Value: 'lt-1' },
                    { Key: 'aws:ec2launchtemplate:version', Value: String(i.version) },
                    ...Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
                  ],
                })),
            },
          ],
        };
      });
    ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake(() => {
      this.record('EC2.DescribeLaunchTemplateVersions');
      return {
        LaunchTemplateVersions: [
          {
            LaunchTemplateId: 'lt-1',
            VersionNumber: this.group.version,
            LaunchTemplateData: { ImageId: this.image.current },
          },
        ],
      };
    });
    ec2.on(CreateTagsCommand).callsFake((input) => {
      this.record('EC2.CreateTags');
      for (const id of input.Resources ?? [])
        for (const tag of input.Tags ?? [])
          (this.instances.get(id) as FakeInstance).tags[tag.Key as string] = tag.Value as string;
      return {};
    });
    ssm.on(GetParameterCommand).callsFake(() => {
      this.record('SSM.GetParameter');
      return { Parameter: { Value: this.image.current } };
    });
    ecs.on(DescribeClustersCommand).callsFake(() => {
      this.record('ECS.DescribeClusters');
      return { clusters: [{ clusterName: 'ecspoc-dev', capacityProviders: [] }] };
    });
    ecs.on(ListContainerInstancesCommand).callsFake((input) => {
      this.record('ECS.ListContainerInstances');
      const arns = [...this.instances.values()].filter((i) => i.ci).map((i) => i.ci?.arn as string);
      const start = Number(input.nextToken ?? 0);
      const size = input.maxResults ?? 100;
      const next = start + size < arns.length ? String(start + size) : undefined;
      return { containerInstanceArns: arns.slice(start, start + size), nextToken: next };
    });
    ecs.on(DescribeContainerInstancesCommand).callsFake((input: { containerInstances?: string[] }) => {
      this.record('ECS.DescribeContainerInstances');
      if ((input.containerInstances ?? []).length > 100)
        throw new Error('test: more than 100 container instances');
      const all = [...this.instances.values()].filter((i) => i.ci);
      return {
        containerInstances: (input.containerInstances ?? [])
          .map((arn) => all.find((i) => i.ci?.arn === arn))
          .filter((i): i is FakeInstance => Boolean(i))
          .map((i) => {
            const free = this.free(i);
            const tasks = this.tasksOn(i).length;
            return {
              containerInstanceArn: i.ci?.arn,
              ec2InstanceId: i.id,
              status: i.ci?.status,
              agentConnected: i.ci?.connected,
              runningTasksCount: tasks,
              pendingTasksCount: 0,
              attributes: [{ name: 'ecs.availability-zone', value: i.az }],
              registeredResources: [
                { name: 'CPU', type: 'INTEGER', integerValue: i.ci?.cpu },
                { name: 'MEMORY', type: 'INTEGER', integerValue: i.ci?.memory },
                { name: 'PORTS', type: 'STRINGSET', stringSetValue: REGISTERED_PORTS },
              ],
              remainingResources: [
                { name: 'CPU', type: 'INTEGER', integerValue: free.cpu },
                { name: 'MEMORY', type: 'INTEGER', integerValue: free.memory },
                { name: 'PORTS', type: 'STRINGSET', stringSetValue: this.ports(i) },
              ],
            };
          }),
      };
    });
    ecs.on(UpdateContainerInstancesStateCommand).callsFake((input) => {
      this.record('ECS.UpdateContainerInstancesState');
      if ((input.containerInstances ?? []).length > 10)
        throw new Error('test: more than 10 container instances');
      for (const arn of input.containerInstances ?? []) {
        const instance = [...this.instances.values()].find((i) => i.ci?.arn === arn);
        if (instance?.ci) {
          instance.ci.status = input.status as 'ACTIVE' | 'DRAINING';
          instance.ci.drainingAt = this.clock.now();
        }
      }
      return { failures: [] };
    });
    ecs.on(ListTasksCommand).callsFake(() => {
      this.record('ECS.ListTasks');
      return { taskArns: this.tasks.map((t) => t.arn) };
    });
    ecs.on(DescribeTasksCommand).callsFake((input) => {
      this.record('ECS.DescribeTasks');
      return {
        tasks: this.tasks
          .filter((t) => (input.tasks ?? []).includes(t.arn))
          .map((t) => ({
            taskArn: t.arn,
            group: this.services.some((s) => s.name === t.group) ? `service:${t.group}` : t.group,
            containerInstanceArn: t.host,
            taskDefinitionArn: t.definition,
            lastStatus: 'RUNNING',
            desiredStatus: 'RUNNING',
          })),
      };
    });
    ecs.on(DescribeTaskDefinitionCommand).callsFake((input) => {
      this.record('ECS.DescribeTaskDefinition');
      const need = this.definitions.get(input.taskDefinition as string) ?? { cpu: 0, memory: 0 };
      return {
        taskDefinition: {
          taskDefinitionArn: input.taskDefinition,
          containerDefinitions: [
            {
              name: 'main',
              cpu: need.cpu,
              memory: need.memory,
              portMappings: [{ containerPort: 80, hostPort: need.hostPort ?? 0 }],
            },
          ],
        },
      };
    });
    ecs.on(StopTaskCommand).callsFake((input) => {
      this.record('ECS.StopTask');
      const index = this.tasks.findIndex((t) => t.arn === input.task);
      if (index >= 0) this.tasks.splice(index, 1);
      return {};
    });
    ecs.on(ListServicesCommand).callsFake(() => {
      this.record('ECS.ListServices');
      return { serviceArns: this.services.map((s) => `arn:aws:ecs:us-east-1:1:service/c/${s.name}`) };
    });
    ecs.on(DescribeServicesCommand).callsFake((input: { services?: string[] }) => {
      this.record('ECS.DescribeServices');
      if ((input.services ?? []).length > 10) throw new Error('test: more than 10 services');
      return {
        services: this.services
          // DescribeServices takes service names or ARNs (API reference, DescribeServices).
          .filter((s) => (input.services ?? []).some((id) => id === s.name || id.endsWith(`/${s.name}`)))
          .map((s) => {
            const running = this.tasks.filter((t) => t.group === s.name).length;
            const reported = s.name === this.options.unsteadyService ? running - 1 : running;
            return {
              serviceName: s.name,
              status: 'ACTIVE',
              desiredCount: s.daemon ? reported : s.desired,
              runningCount: reported,
              pendingCount: 0,
              schedulingStrategy: s.daemon ? 'DAEMON' : 'REPLICA',
              deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
            };
          }),
      };
    });
  }

  /** The group launches instances up to its desired capacity, into the AZ with the fewest. */
  private fill(): void {
    const zones = this.options.zones ?? ['us-east-1a', 'us-east-1b'];
    while (this.members().length < this.group.desired) {
      const counts = zones.map((z) => [z, this.members().filter((i) => i.az === z).length] as const);
      const zone = [...counts].sort((a, b) => a[1] - b[1])[0][0];
      this.launch(zone, this.group.version, this.image.current);
    }
  }
}
