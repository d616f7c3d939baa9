import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  type Instance,
} from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NodeHttpHandler } from '@smithy/node-http-handler';

import {
  autoScalingGroupName,
  bucketName,
  clusterName,
  EVENT_RULES,
  eventRuleName,
  eventTopicName,
  INSTANCE_LOG_FILES,
  instanceLogGroup,
  launchTemplateName,
  loadBalancerName,
  repositoryName,
  streamName,
  targetGroupName,
  taskLogGroup,
  type InstanceLogFile,
} from '../../src/lib/stacks/names.js';
import { readTemplates } from '../../src/lib/stacks/templates.js';
import { deployBundle, type DeployedBundle } from './helpers/bundle.js';
import { clientConfig } from './helpers/env.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/**
 * Resource types moto's CloudFormation accepts in a template but does not create (MOTO.md): the
 * stack completes without them. Nothing in the bundle refers to them from a created resource or an
 * output in a way that breaks under moto; the tests below pin exactly which resources are missing.
 */
const MOTO_SKIPPED_TYPES = [
  'AWS::S3::BucketPolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::CodeStarConnections::Connection',
  'AWS::CodeConnections::Connection',
  'AWS::ECS::CapacityProvider',
  'AWS::ECS::ClusterCapacityProviderAssociations',
  'AWS::CodeBuild::Project',
  'AWS::CodePipeline::Pipeline',
];

const config = clientConfig();
const cfn = new CloudFormationClient(config);
const ec2 = new EC2Client(config);
const autoscaling = new AutoScalingClient(config);
const ecs = new ECSClient(config);
const logs = new CloudWatchLogsClient(config);
const sns = new SNSClient(config);
const events = new EventBridgeClient(config);
const elb = new ElasticLoadBalancingV2Client(config);
// Kinesis defaults to an HTTP/2 handler, which moto does not speak.
const kinesis = new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() });
const s3 = new S3Client({ ...config, forcePathStyle: true });
const ecr = new ECRClient(config);

afterAll(() => {
  for (const client of [cfn, ec2, autoscaling, ecs, logs, sns, events, elb, kinesis, s3, ecr])
    client.destroy();
});

async function instance(instanceId: string): Promise<Instance> {
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return described.Reservations![0]!.Instances![0]!;
}

async function stackResources(stackName: string) {
  const described = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  // moto lists resources it did not create (condition false, type skipped) without a logical id.
  return (described.StackResources ?? []).filter((resource) => resource.LogicalResourceId);
}

let bundle: DeployedBundle;

beforeAll(async () => {
  bundle = await deployBundle('alpha', {
    overrides: { components: { cluster: { AlertEmail: 'ops@example.com' } } },
  });
});

describe('the stack bundle deployed into moto through the catalog', () => {
  const env = 'alpha';

  it('creates every stack, each after the stacks it takes outputs from', () => {
    const names = bundle.catalog.components.map((component) => component.name);
    expect([...bundle.completed].sort()).toEqual([...names].sort());
    for (const component of bundle.catalog.components) {
      for (const dependency of component.dependsOn) {
        expect(bundle.completed.indexOf(dependency)).toBeLessThan(bundle.completed.indexOf(component.name));
      }
    }
  });

  it('wires upstream outputs into downstream parameters', () => {
    const { outputs, parameters } = bundle;
    expect(parameters.bastion).toMatchObject({
      VpcId: outputs.network!.VpcId,
      PublicSubnetIds: outputs.network!.PublicSubnetIds,
      SshCidr: '203.0.113.7/32',
    });
    expect(parameters.cluster).toMatchObject({
      PrivateSubnetIds: outputs.network!.PrivateSubnetIds,
      LoadBalancerSecurityGroupId: outputs['load-balancer']!.LoadBalancerSecurityGroupId,
      BastionSecurityGroupId: outputs.bastion!.BastionSecurityGroupId,
    });
    expect(parameters['service-404']).toMatchObject({
      ClusterName: outputs.cluster!.ClusterName,
      ListenerArn: outputs['load-balancer']!.ListenerArn,
      TaskRoleArn: outputs['task-roles']!.Service404TaskRoleArn,
      StreamName: outputs.kinesis!.StreamName,
      RepositoryArn: outputs['registry-404']!.RepositoryArn,
      ImageUri: 'public.ecr.aws/nginx/nginx:stable',
    });
    expect(parameters['pipeline-php-hello']).toMatchObject({
      BucketName: outputs.bootstrap!.BucketName,
      RepositoryUri: outputs['registry-php-hello']!.RepositoryUri,
      GitHubRepository: 'rnzsgh/php-hello',
    });
  });

  it('runs the ECS cluster and its container instances in the private subnets', async () => {
    const clusters = await ecs.send(new DescribeClustersCommand({ clusters: [clusterName(env)] }));
    expect(clusters.clusters).toEqual([
      expect.objectContaining({ clusterName: 'ecspoc-alpha', status: 'ACTIVE' }),
    ]);
    expect(bundle.outputs.cluster!.ClusterArn).toBe(`arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/ecspoc-alpha`);

    const groups = await autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [autoScalingGroupName(env)] }),
    );
    const group = groups.AutoScalingGroups![0]!;
    expect(group).toMatchObject({
      AutoScalingGroupName: 'ecspoc-alpha-instances',
      DesiredCapacity: 2,
      MinSize: 1,
      MaxSize: 4,
    });
    expect(group.LaunchTemplate).toMatchObject({ LaunchTemplateName: launchTemplateName(env) });
    expect(group.Instances).toHaveLength(2);
    const privateSubnets = bundle.outputs.network!.PrivateSubnetIds!.split(',');
    for (const member of group.Instances!) {
      const launched = await instance(member.InstanceId!);
      expect(privateSubnets).toContain(launched.SubnetId);
      expect(launched.PublicIpAddress).toBeUndefined();
    }

    const versions = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: launchTemplateName(env),
        Versions: ['$Latest'],
      }),
    );
    const data = versions.LaunchTemplateVersions![0]!.LaunchTemplateData!;
    expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
    // The ECS-optimised AMI, resolved from the public SSM parameter moto carries.
    expect(data.ImageId).toMatch(/^ami-[0-9a-f]+$/);
    expect(Buffer.from(data.UserData!, 'base64').toString()).toContain('ECS_CLUSTER=ecspoc-alpha');
  });

  it('creates one instance log group per file and one task log group per service, with retention', async () => {
    const described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecspoc/alpha/' }));
    const retention = Object.fromEntries(
      described.logGroups!.map((g) => [g.logGroupName!, g.retentionInDays]),
    );
    const files = Object.keys(INSTANCE_LOG_FILES) as InstanceLogFile[];
    for (const file of files) expect(retention[instanceLogGroup(env, file)]).toBe(30);
    for (const service of ['404', 'php-hello']) expect(retention[taskLogGroup(env, service)]).toBe(30);
    expect(Object.keys(retention).sort()).toEqual(
      [
        ...files.map((file) => instanceLogGroup(env, file)),
        taskLogGroup(env, '404'),
        taskLogGroup(env, 'php-hello'),
        '/ecspoc/alpha/builds/404',
        '/ecspoc/alpha/builds/php-hello',
      ].sort(),
    );
  });

  it('routes each of the five event rules to its own encrypted topic', async () => {
    const topics = await sns.send(new ListTopicsCommand({}));
    const topicArns = topics.Topics!.map((topic) => topic.TopicArn!);
    const clusterArn = bundle.outputs.cluster!.ClusterArn!;
    for (const rule of EVENT_RULES) {
      const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${eventTopicName(env, rule)}`;
      expect(topicArns).toContain(topicArn);
      const attributes = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
      expect(attributes.Attributes!.KmsMasterKeyId).toBe(bundle.outputs.cluster!.EventsKeyArn!.split('/')[1]);

      const rules = await events.send(new ListRulesCommand({ NamePrefix: eventRuleName(env, rule) }));
      const found = rules.Rules!.find((candidate) => candidate.Name === eventRuleName(env, rule))!;
      expect(found.State).toBe('ENABLED');
      const pattern = JSON.parse(found.EventPattern!);
      if (rule === 'deploy-error') {
        expect(pattern.source).toEqual(['aws.cloudformation']);
        expect(pattern.detail.userIdentity.sessionContext.sessionIssuer.arn).toEqual([
          { prefix: `arn:aws:iam::${ACCOUNT}:role/ecspoc-alpha-${REGION}-pipeline-` },
        ]);
      } else {
        expect(pattern.source).toEqual(['aws.ecs']);
        expect(pattern.detail.clusterArn).toEqual([clusterArn]);
      }
      const targets = await events.send(new ListTargetsByRuleCommand({ Rule: eventRuleName(env, rule) }));
      // Its topic, and the environment's events log group that `ecspoc events tail` reads.
      expect(targets.Targets).toEqual([
        expect.objectContaining({ Arn: topicArn }),
        { Id: 'events-log', Arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/events/ecspoc-alpha` },
      ]);
    }
    const outputTopics = EVENT_RULES.map((rule) => {
      const key = rule.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase()) + 'TopicArn';
      return bundle.outputs.cluster![key];
    });
    expect(outputTopics).toEqual(
      EVENT_RULES.map((rule) => `arn:aws:sns:${REGION}:${ACCOUNT}:${eventTopicName(env, rule)}`),
    );
  });

  it('starts the bastion in a public subnet with a public address that changes on stop and start', async () => {
    const instanceId = bundle.outputs.bastion!.BastionInstanceId!;
    const bastion = await instance(instanceId);
    expect(bastion.SubnetId).toBe(bundle.outputs.network!.PublicSubnetIds!.split(',')[0]);
    expect(bastion.PublicIpAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(bastion.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: 'ecspoc-alpha-bastion' }]));

    await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    await waitUntilInstanceStopped(
      { client: ec2, maxWaitTime: 30, minDelay: 1 },
      { InstanceIds: [instanceId] },
    );
    expect((await instance(instanceId)).PublicIpAddress).toBeUndefined();
    await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    await waitUntilInstanceRunning(
      { client: ec2, maxWaitTime: 30, minDelay: 1 },
      { InstanceIds: [instanceId] },
    );
    const restarted = await instance(instanceId);
    expect(restarted.PublicIpAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(restarted.PublicIpAddress).not.toBe(bastion.PublicIpAddress);
    expect(restarted.PrivateIpAddress).toBe(bastion.PrivateIpAddress);
  });

  it('puts the load balancer, its listener and one target group and rule per service in place', async () => {
    const balancers = await elb.send(new DescribeLoadBalancersCommand({ Names: [loadBalancerName(env)] }));
    const balancer = balancers.LoadBalancers![0]!;
    expect(balancer).toMatchObject({
      LoadBalancerName: 'ecspoc-alpha-alb',
      Scheme: 'internet-facing',
      DNSName: bundle.outputs['load-balancer']!.LoadBalancerDnsName,
    });
    const listeners = await elb.send(
      new DescribeListenersCommand({ LoadBalancerArn: balancer.LoadBalancerArn }),
    );
    expect(listeners.Listeners).toEqual([
      expect.objectContaining({
        ListenerArn: bundle.outputs['load-balancer']!.ListenerArn,
        Port: 80,
        Protocol: 'HTTP',
      }),
    ]);
    const groups = await elb.send(
      new DescribeTargetGroupsCommand({
        Names: [targetGroupName(env, '404'), targetGroupName(env, 'php-hello')],
      }),
    );
    expect(groups.TargetGroups!.map((group) => group.TargetGroupName)).toEqual([
      'ecspoc-alpha-404',
      'ecspoc-alpha-php-hello',
    ]);
    const rules = await elb.send(
      new DescribeRulesCommand({ ListenerArn: bundle.outputs['load-balancer']!.ListenerArn }),
    );
    const byPriority = Object.fromEntries(
      rules.Rules!.map((rule) => [rule.Priority!, rule.Conditions?.[0]?.PathPatternConfig?.Values]),
    );
    expect(byPriority).toEqual({ default: undefined, '100': ['/', '/index.php'], '50000': ['/*'] });
  });

  it('runs each service with its task definition logging to its task log group', async () => {
    const services = await ecs.send(
      new DescribeServicesCommand({ cluster: clusterName(env), services: ['404', 'php-hello'] }),
    );
    expect(services.services!.map((service) => [service.serviceName, service.status])).toEqual([
      ['404', 'ACTIVE'],
      ['php-hello', 'ACTIVE'],
    ]);
    const definition = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: services.services![0]!.taskDefinition }),
    );
    const task = definition.taskDefinition!;
    expect(task.family).toBe('ecspoc-alpha-404');
    // moto's TaskDefinition keeps family, containers, volumes and memory only (no roles, no network
    // mode): the task role's wiring is pinned through the stack parameters above.
    const container = task.containerDefinitions![0]!;
    expect(container.logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: {
        'awslogs-group': '/ecspoc/alpha/tasks/404',
        'awslogs-region': REGION,
        'awslogs-stream-prefix': '404',
      },
    });
    expect(container.environment).toEqual(
      expect.arrayContaining([{ name: 'STREAM_NAME', value: streamName(env) }]),
    );
    expect(bundle.outputs['service-404']).toMatchObject({
      ServiceName: '404',
      TaskLogGroupName: '/ecspoc/alpha/tasks/404',
    });
  });

  it('creates the stream, the bucket and the repositories under the environment name', async () => {
    const stream = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName(env) }));
    expect(stream.StreamDescriptionSummary).toMatchObject({
      StreamName: 'ecspoc-alpha-events',
      StreamStatus: 'ACTIVE',
    });
    expect(bundle.outputs.kinesis!.StreamArn).toBe(
      `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/ecspoc-alpha-events`,
    );

    const bucket = bucketName(env, ACCOUNT, REGION);
    expect(bundle.outputs.bootstrap!.BucketName).toBe(bucket);
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(
      encryption.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault,
    ).toMatchObject({
      SSEAlgorithm: 'AES256',
    });

    const repositories = await ecr.send(
      new DescribeRepositoriesCommand({
        repositoryNames: [repositoryName(env, '404'), repositoryName(env, 'php-hello')],
      }),
    );
    // moto answers the scan setting in a shape the SDK drops; the unit tests pin ScanOnPush.
    expect(repositories.repositories!.map((repository) => repository.imageTagMutability)).toEqual([
      'IMMUTABLE',
      'IMMUTABLE',
    ]);
    expect(bundle.outputs['registry-php-hello']!.RepositoryUri).toBe(
      `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/ecspoc-alpha/php-hello`,
    );
  });

  it('leaves out exactly the resources moto does not model, and those whose condition is false', async () => {
    const templates = await readTemplates(bundle.catalog.components);
    const missing: Record<string, string[]> = {};
    for (const component of bundle.catalog.components) {
      const declared = Object.entries(
        templates.get(component.template)!.document.Resources as Record<string, { Type: string }>,
      );
      const created = new Set((await stackResources(component.stackName)).map((r) => r.LogicalResourceId));
      const absent = declared.filter(([logicalId]) => !created.has(logicalId));
      if (absent.length > 0)
        missing[component.name] = absent.map(([logicalId, r]) => `${logicalId} ${r.Type}`);
    }
    const skippedType = (entry: string) => MOTO_SKIPPED_TYPES.includes(entry.split(' ')[1]!);
    // Not created because their condition is false with these parameters.
    expect(
      Object.fromEntries(
        Object.entries(missing)
          .map(([name, entries]) => [name, entries.filter((entry) => !skippedType(entry))])
          .filter(([, entries]) => entries.length > 0),
      ),
    ).toEqual({
      network: [
        'NatGateway2Eip AWS::EC2::EIP',
        'NatGateway2 AWS::EC2::NatGateway',
        'InstanceConnect AWS::EC2::InstanceConnectEndpoint',
        'FlowLogGroup AWS::Logs::LogGroup',
        'FlowLogRole AWS::IAM::Role',
        'FlowLog AWS::EC2::FlowLog',
      ],
      bastion: [
        'BastionRole AWS::IAM::Role',
        'BastionInstanceProfile AWS::IAM::InstanceProfile',
        'IdleStopAlarm AWS::CloudWatch::Alarm',
      ],
      'load-balancer': ['HttpRedirectListener AWS::ElasticLoadBalancingV2::Listener'],
      // 404 has a task role of its own (task-roles stack); ECS Exec is attached to it instead.
      'service-404': ['ExecTaskRole AWS::IAM::Role'],
    });
    // Declared, their condition true, yet not created: moto skips these types.
    expect(
      Object.fromEntries(
        Object.entries(missing)
          .map(([name, entries]) => [name, entries.filter(skippedType)])
          .filter(([, entries]) => entries.length > 0),
      ),
    ).toEqual({
      bootstrap: ['BucketPolicy AWS::S3::BucketPolicy'],
      cluster: [
        'CapacityProvider AWS::ECS::CapacityProvider',
        'ClusterCapacityProviders AWS::ECS::ClusterCapacityProviderAssociations',
        'InactiveInstanceTopicPolicy AWS::SNS::TopicPolicy',
        'InactiveInstanceSubscription AWS::SNS::Subscription',
        'EssentialContainerStoppedTopicPolicy AWS::SNS::TopicPolicy',
        'EssentialContainerStoppedSubscription AWS::SNS::Subscription',
        'DeployErrorTopicPolicy AWS::SNS::TopicPolicy',
        'DeployErrorSubscription AWS::SNS::Subscription',
        'InstanceStateTopicPolicy AWS::SNS::TopicPolicy',
        'TaskStateTopicPolicy AWS::SNS::TopicPolicy',
      ],
      'pipeline-404': [
        'Connection AWS::CodeConnections::Connection',
        'BuildProject AWS::CodeBuild::Project',
        'Pipeline AWS::CodePipeline::Pipeline',
      ],
      'pipeline-php-hello': [
        'Connection AWS::CodeConnections::Connection',
        'BuildProject AWS::CodeBuild::Project',
        'Pipeline AWS::CodePipeline::Pipeline',
      ],
    });
    // Outputs that name skipped resources are spelled out, so they still resolve under moto.
    expect(bundle.outputs['pipeline-404']).toMatchObject({
      PipelineName: 'ecspoc-alpha-404',
      BuildProjectName: 'ecspoc-alpha-404',
      BuildLogGroupName: '/ecspoc/alpha/builds/404',
    });
  });
});

describe('two environments in one account', () => {
  it('deploy side by side without sharing a single named resource', async () => {
    const beta = await deployBundle('beta');
    const physicalIds = async (env: string, deployed: DeployedBundle) => {
      const ids = new Set<string>();
      for (const component of deployed.catalog.components) {
        expect(component.stackName.startsWith(`ecspoc-${env}-`)).toBe(true);
        for (const resource of await stackResources(component.stackName))
          ids.add(resource.PhysicalResourceId!);
      }
      return ids;
    };
    const alphaIds = await physicalIds('alpha', bundle);
    const betaIds = await physicalIds('beta', beta);
    expect(betaIds.size).toBeGreaterThan(50);
    expect([...betaIds].filter((id) => alphaIds.has(id))).toEqual([]);

    // Both clusters, load balancers, streams and buckets exist at once under their own names.
    const clusters = await ecs.send(
      new DescribeClustersCommand({ clusters: ['ecspoc-alpha', 'ecspoc-beta'] }),
    );
    expect(clusters.clusters!.map((cluster) => cluster.status)).toEqual(['ACTIVE', 'ACTIVE']);
    const balancers = await elb.send(
      new DescribeLoadBalancersCommand({ Names: ['ecspoc-alpha-alb', 'ecspoc-beta-alb'] }),
    );
    expect(balancers.LoadBalancers).toHaveLength(2);
    expect(beta.outputs.bootstrap!.BucketName).toBe(bucketName('beta', ACCOUNT, REGION));
    expect(beta.outputs.network!.VpcId).not.toBe(bundle.outputs.network!.VpcId);
    for (const env of ['alpha', 'beta']) {
      const stream = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName(env) }));
      expect(stream.StreamDescriptionSummary!.StreamStatus).toBe('ACTIVE');
    }
    const groups = await autoscaling.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: ['ecspoc-alpha-instances', 'ecspoc-beta-instances'],
      }),
    );
    expect(groups.AutoScalingGroups!.map((group) => group.Instances!.length)).toEqual([2, 2]);
  });
});
