import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildCatalog, findComponent } from '../../../../src/lib/stacks/catalog.js';
import { INSTANCE_LOG_FILES, MAX_ENV_NAME_LENGTH } from '../../../../src/lib/stacks/names.js';
import {
  MAX_INLINE_TEMPLATE_BYTES,
  readTemplate,
  readTemplates,
  templatesDirectory,
  type StackTemplate,
} from '../../../../src/lib/stacks/templates.js';

type Json = Record<string, unknown>;

const catalog = buildCatalog('dev');
const templates = await readTemplates(catalog.components);
const doc = (file: string) => templates.get(file)!.document as Json;
const resources = (file: string) =>
  doc(file).Resources as Record<string, { Type: string; Properties?: Json }>;
const ofType = (file: string, type: string) => Object.values(resources(file)).filter((r) => r.Type === type);
const declared = (template: StackTemplate) => template.parameters.map((p) => p.key);

/** Every value in a JSON tree, depth first. */
function* walk(value: unknown): Generator<unknown> {
  yield value;
  if (Array.isArray(value)) for (const item of value) yield* walk(item);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) yield* walk(item);
}

describe('readTemplate', () => {
  it('finds the templates next to the package, whatever the working directory', () => {
    expect(templatesDirectory()).toMatch(/[/\\]templates[/\\]$/);
    expect(templates.size).toBe(10);
  });

  it('turns short-form intrinsics into their long form', () => {
    const bastion = resources('bastion.yml').Bastion!.Properties!;
    expect((bastion.NetworkInterfaces as Json[])[0]!.SubnetId).toEqual({
      'Fn::Select': [0, { Ref: 'PublicSubnetIds' }],
    });
    expect(bastion.LaunchTemplate).toEqual({
      LaunchTemplateId: { Ref: 'BastionLaunchTemplate' },
      Version: { 'Fn::GetAtt': ['BastionLaunchTemplate', 'LatestVersionNumber'] },
    });
  });

  it('lists parameters with their defaults and outputs', () => {
    const kinesis = templates.get('kinesis.yml')!;
    expect(kinesis.parameters.map((p) => [p.key, p.default])).toEqual([
      ['EnvName', undefined],
      ['ShardCount', '1'],
      ['RetentionPeriodHours', '24'],
    ]);
    expect(kinesis.outputs).toEqual(['StreamName', 'StreamArn']);
  });

  it('reports a missing or broken template as an operation error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecspoc-templates-'));
    await expect(readTemplate('nope.yml', dir)).rejects.toMatchObject({ code: 'TEMPLATE_MISSING' });
    writeFileSync(join(dir, 'bad.yml'), 'Resources: [unclosed');
    await expect(readTemplate('bad.yml', dir)).rejects.toMatchObject({ code: 'TEMPLATE_INVALID' });
    writeFileSync(join(dir, 'empty.yml'), 'Parameters: {}\n');
    await expect(readTemplate('empty.yml', dir)).rejects.toMatchObject({
      code: 'TEMPLATE_INVALID',
      message: 'Template empty.yml has no Resources section.',
    });
  });
});

describe('the catalog and the templates agree', () => {
  it('sets only parameters the template declares', () => {
    for (const component of catalog.components) {
      const keys = declared(templates.get(component.template)!);
      const set = [
        ...Object.keys(component.identity),
        ...Object.keys(component.defaults),
        ...Object.keys(component.wiring),
        ...component.operatorParameters.map((p) => p.key),
      ];
      expect({ component: component.name, unknown: set.filter((key) => !keys.includes(key)) }).toEqual({
        component: component.name,
        unknown: [],
      });
    }
  });

  it('wires only outputs the upstream template has', () => {
    for (const component of catalog.components) {
      for (const [key, ref] of Object.entries(component.wiring)) {
        const upstream = templates.get(findComponent(catalog, ref.component).template)!;
        expect(
          `${component.name}.${key} <- ${ref.component}.${ref.output}: ${upstream.outputs.includes(ref.output)}`,
        ).toBe(`${component.name}.${key} <- ${ref.component}.${ref.output}: true`);
      }
    }
  });

  it('leaves no parameter without a value except those the operator owes', () => {
    for (const component of catalog.components) {
      const template = templates.get(component.template)!;
      const given = new Set([
        ...Object.keys(component.identity),
        ...Object.keys(component.defaults),
        ...Object.keys(component.wiring),
      ]);
      const owed = template.parameters
        .filter((p) => p.default === undefined && !given.has(p.key))
        .map((p) => p.key);
      expect({ component: component.name, owed }).toEqual({
        component: component.name,
        owed: component.operatorParameters.map((p) => p.key),
      });
    }
  });

  it('caps the environment name at the CLI limit in every template', () => {
    for (const template of templates.values()) {
      const envName = (template.document.Parameters as Record<string, Json>).EnvName!;
      expect([template.file, envName.MaxLength]).toEqual([template.file, MAX_ENV_NAME_LENGTH]);
    }
  });

  it('fits every template inline (no bucket needed to deploy the bucket)', () => {
    for (const template of templates.values())
      expect(template.sizeBytes).toBeLessThan(MAX_INLINE_TEMPLATE_BYTES);
  });
});

describe('the templates', () => {
  it('import and export nothing: ecspoc wires outputs into parameters', () => {
    for (const template of templates.values()) {
      const imports = [...walk(template.document)].filter(
        (v) => v && typeof v === 'object' && 'Fn::ImportValue' in v,
      );
      expect([template.file, imports]).toEqual([template.file, []]);
      for (const output of Object.values((template.document.Outputs ?? {}) as Record<string, Json>)) {
        expect(output).not.toHaveProperty('Export');
      }
    }
  });

  it('encrypt, version and close the bucket to the public, and demand TLS', () => {
    const bucket = ofType('bootstrap.yml', 'AWS::S3::Bucket')[0]!.Properties!;
    expect(bucket.BucketEncryption).toBeDefined();
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const policy = JSON.stringify(ofType('bootstrap.yml', 'AWS::S3::BucketPolicy')[0]!.Properties);
    expect(policy).toContain('"aws:SecureTransport":"false"');
  });

  it('scan images on push and expire old ones', () => {
    const repository = ofType('registry.yml', 'AWS::ECR::Repository')[0]!.Properties!;
    expect(repository.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
    expect(repository.LifecyclePolicy).toBeDefined();
  });

  it('encrypt the stream and the topics', () => {
    expect(ofType('kinesis.yml', 'AWS::Kinesis::Stream')[0]!.Properties!.StreamEncryption).toMatchObject({
      EncryptionType: 'KMS',
    });
    const topics = ofType('cluster.yml', 'AWS::SNS::Topic');
    expect(topics).toHaveLength(5);
    for (const topic of topics) expect(topic.Properties!.KmsMasterKeyId).toEqual({ Ref: 'EventsKey' });
    const keyPolicy = JSON.stringify(resources('cluster.yml').EventsKey!.Properties!.KeyPolicy);
    expect(keyPolicy).toContain('"Service":"events.amazonaws.com"');
  });

  it('let EventBridge publish to each topic from its own rule only', () => {
    const policies = ofType('cluster.yml', 'AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(5);
    const rules = Object.entries(resources('cluster.yml')).filter(([, r]) => r.Type === 'AWS::Events::Rule');
    // The seed's five, plus the failed-stack and failed-pipeline rules on the deploy-error topic.
    expect(rules).toHaveLength(7);
    for (const [ruleId, rule] of rules) {
      const topicId = ((rule.Properties!.Targets as Json[])[0]!.Arn as { Ref: string }).Ref;
      const policy = policies.find(
        (p) => JSON.stringify(p.Properties!.Topics) === JSON.stringify([{ Ref: topicId }]),
      );
      expect(JSON.stringify(policy?.Properties?.PolicyDocument)).toContain(
        JSON.stringify({ 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } }),
      );
    }
  });

  it('require IMDSv2 and encrypted volumes on the bastion and the container instances', () => {
    for (const file of ['bastion.yml', 'cluster.yml']) {
      const data = ofType(file, 'AWS::EC2::LaunchTemplate')[0]!.Properties!.LaunchTemplateData as Json;
      expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
      for (const mapping of data.BlockDeviceMappings as { Ebs: Json }[])
        expect(mapping.Ebs.Encrypted).toBe(true);
    }
  });

  it('take the AMIs from the public SSM parameters', () => {
    const image = (file: string) => (doc(file).Parameters as Record<string, Json>).ImageId!;
    expect(image('cluster.yml')).toEqual(
      expect.objectContaining({
        Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
        Default: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
      }),
    );
    expect(image('bastion.yml').Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
  });

  it('let SSH reach the bastion only from the CIDR the operator gives, and the instances only from the bastion and the Instance Connect Endpoint', () => {
    const sshCidr = (doc('bastion.yml').Parameters as Record<string, Json>).SshCidr!;
    expect(sshCidr).not.toHaveProperty('Default');
    const bastionIngress = resources('bastion.yml').BastionSecurityGroup!.Properties!.SecurityGroupIngress;
    expect(bastionIngress).toEqual([
      expect.objectContaining({ FromPort: 22, ToPort: 22, CidrIp: { Ref: 'SshCidr' } }),
    ]);
    const instanceIngress = resources('cluster.yml').InstanceSecurityGroup!.Properties!
      .SecurityGroupIngress as Json[];
    const ssh = instanceIngress.filter((rule) => rule.FromPort === 22);
    expect(ssh).toEqual([
      expect.objectContaining({ SourceSecurityGroupId: { Ref: 'BastionSecurityGroupId' } }),
      expect.objectContaining({ SourceSecurityGroupId: { Ref: 'InstanceConnectEndpointSecurityGroupId' } }),
    ]);
    expect(instanceIngress.every((rule) => rule.CidrIp === undefined)).toBe(true);
  });

  it('run the container instances in the private subnets, the bastion in a public one', () => {
    expect(resources('cluster.yml').AutoScalingGroup!.Properties!.VPCZoneIdentifier).toEqual({
      Ref: 'PrivateSubnetIds',
    });
    const subnets = resources('network.yml');
    // Public subnets hand no address to every instance: the bastion asks for one on its interface.
    expect(subnets.PublicSubnet1!.Properties!.MapPublicIpOnLaunch).toBe(false);
    expect(subnets.PublicSubnet2!.Properties!.MapPublicIpOnLaunch).toBe(false);
    expect(subnets.PrivateSubnet1!.Properties!.MapPublicIpOnLaunch).toBe(false);
    const nic = (resources('bastion.yml').Bastion!.Properties!.NetworkInterfaces as Json[])[0]!;
    expect(nic).toMatchObject({ DeviceIndex: '0', AssociatePublicIpAddress: true });
    expect(nic.GroupSet).toEqual([{ Ref: 'BastionSecurityGroup' }]);
  });

  it('ship each of the six instance log files to its own group, one stream per instance', () => {
    const userData = JSON.stringify(
      (ofType('cluster.yml', 'AWS::EC2::LaunchTemplate')[0]!.Properties!.LaunchTemplateData as Json).UserData,
    );
    for (const [name, path] of Object.entries(INSTANCE_LOG_FILES)) {
      expect(userData).toContain(
        `{ \\"file_path\\": \\"${path}\\", \\"log_group_name\\": \\"/ecspoc/\${EnvName}/instances/${name}\\", \\"log_stream_name\\": \\"{instance_id}\\" }`,
      );
    }
    // The events log group (tested below) is the cluster stack's seventh group.
    const groups = ofType('cluster.yml', 'AWS::Logs::LogGroup')
      .map((g) => g.Properties!)
      .filter((g) => JSON.stringify(g.LogGroupName).includes('/instances/'));
    expect(groups.map((g) => g.LogGroupName)).toEqual(
      Object.keys(INSTANCE_LOG_FILES).map((name) => ({ 'Fn::Sub': `/ecspoc/\${EnvName}/instances/${name}` })),
    );
    for (const group of groups) expect(group.RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
  });

  it('let the 404 task role put records on its one stream and do nothing else', () => {
    const role = resources('task-roles.yml').Service404TaskRole!.Properties!;
    const statements = (role.Policies as { PolicyDocument: { Statement: Json[] } }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );
    expect(statements).toEqual([
      {
        Sid: 'PutRecordsOnOneStream',
        Effect: 'Allow',
        Action: ['kinesis:PutRecord', 'kinesis:PutRecords'],
        Resource: { Ref: 'StreamArn' },
      },
    ]);
    expect(role).not.toHaveProperty('ManagedPolicyArns');
  });

  it('send task logs to the service group with the service as stream prefix', () => {
    const task = resources('service.yml').TaskDefinition!.Properties!;
    const container = (task.ContainerDefinitions as Json[])[0]!;
    expect(container.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': { Ref: 'TaskLogGroup' },
        'awslogs-region': { Ref: 'AWS::Region' },
        'awslogs-stream-prefix': { Ref: 'ServiceName' },
      },
    });
    expect(resources('service.yml').TaskLogGroup!.Properties!.LogGroupName).toEqual({
      'Fn::Sub': '/ecspoc/${EnvName}/tasks/${ServiceName}',
    });
  });

  it('source the pipeline from GitHub through a connection and deploy through CloudFormation', () => {
    const pipeline = resources('pipeline.yml').Pipeline!.Properties!;
    const providers = (pipeline.Stages as { Actions: { ActionTypeId: Json }[] }[]).map(
      (stage) => stage.Actions[0]!.ActionTypeId.Provider,
    );
    expect(providers).toEqual(['CodeStarSourceConnection', 'CodeBuild', 'CloudFormation']);
    expect(ofType('pipeline.yml', 'AWS::CodeConnections::Connection')).toHaveLength(1);
    expect(ofType('pipeline.yml', 'AWS::CodeStarConnections::Connection')).toHaveLength(0);
    const policy = JSON.stringify(resources('pipeline.yml').PipelineRole!.Properties!.Policies);
    expect(policy).toContain('"codeconnections:FullRepositoryId"');
  });
});

/**
 * The ARN of a log group, as AWS's Fn::GetAtt Arn returns it: `arn:…:log-group:NAME:*` (moto leaves
 * the `:*` out). A resource built on it must match the streams the bundle writes.
 */
const LOG_GROUP_ARN_SUFFIX = ':*';

/** Every IAM Resource string of a template that names a log group, with GetAtt Arn written AWS's way. */
function logResources(document: Json): string[] {
  const groups = new Map<string, string>();
  for (const [id, r] of Object.entries(
    (document.Resources ?? {}) as Record<string, { Type: string; Properties?: Json }>,
  ))
    if (r.Type === 'AWS::Logs::LogGroup') groups.set(id, JSON.stringify(r.Properties!.LogGroupName));
  const found: string[] = [];
  for (const value of walk(document)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const resource = (value as Json).Resource;
    if (resource === undefined || !('Action' in (value as Json))) continue;
    for (const item of [resource].flat()) {
      const getAtt = (item as Json)?.['Fn::GetAtt'] as string[] | undefined;
      if (getAtt && groups.has(getAtt[0]!) && getAtt[1] === 'Arn')
        found.push(`log-group:<${getAtt[0]}>${LOG_GROUP_ARN_SUFFIX}`);
      const sub = (item as Json)?.['Fn::Sub'];
      const text = typeof sub === 'string' ? sub : Array.isArray(sub) ? String(sub[0]) : undefined;
      if (!text) continue;
      // ${X.Arn} of a log group already ends in :*; anything appended to it matches no stream.
      const expanded = text.replace(/\$\{(\w+)\.Arn\}/g, (whole, id: string) =>
        groups.has(id) ? `log-group:<${id}>${LOG_GROUP_ARN_SUFFIX}` : whole,
      );
      if (expanded.includes('log-group:')) found.push(expanded.slice(expanded.indexOf('log-group:')));
    }
  }
  return found;
}

/** Whether an IAM resource pattern covers a stream ARN `log-group:GROUP:log-stream:STREAM`. */
function matchesStream(pattern: string, group: string, stream: string): boolean {
  const regex = new RegExp(
    '^' +
      pattern
        .replace(/\$\{(EnvName|ServiceName)\}/g, (_, name: string) => (name === 'EnvName' ? 'dev' : '404'))
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
  return regex.test(`log-group:${group}:log-stream:${stream}`);
}

describe('the events log group', () => {
  it('is the second target of every rule, under /aws/events/ with the environment in its name and a retention', () => {
    const group = resources('cluster.yml').EventsLogGroup!;
    expect(group.Type).toBe('AWS::Logs::LogGroup');
    expect(group.Properties).toEqual({
      LogGroupName: { 'Fn::Sub': '/aws/events/ecspoc-${EnvName}' },
      RetentionInDays: { Ref: 'LogRetentionDays' },
    });
    const rules = ofType('cluster.yml', 'AWS::Events::Rule');
    expect(rules).toHaveLength(7);
    for (const rule of rules) {
      const targets = rule.Properties!.Targets as Json[];
      expect(targets[1]).toEqual({ Id: 'events-log', Arn: { 'Fn::GetAtt': ['EventsLogGroup', 'Arn'] } });
      // EventBridge ignores a RoleArn for CloudWatch Logs targets: the resource policy is what counts.
      expect(targets[1]!.RoleArn).toBeUndefined();
    }
  });

  it('lets EventBridge create streams and put events through a resource policy covering the streams', () => {
    const policy = resources('cluster.yml').EventsLogGroupPolicy!;
    expect(policy.Type).toBe('AWS::Logs::ResourcePolicy');
    const text = (policy.Properties!.PolicyDocument as { 'Fn::Sub': string })['Fn::Sub'];
    const document = JSON.parse(text) as { Statement: Json[] };
    const [statement] = document.Statement;
    expect(statement!.Principal).toEqual({
      Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'],
    });
    expect(statement!.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    // On AWS ${EventsLogGroup.Arn} is arn:…:log-group:NAME:* — it covers every stream of the group.
    const resource = String(statement!.Resource).replace(
      '${EventsLogGroup.Arn}',
      `log-group:<EventsLogGroup>${LOG_GROUP_ARN_SUFFIX}`,
    );
    expect(
      matchesStream(
        resource.replace('<EventsLogGroup>', '/aws/events/ecspoc-dev'),
        '/aws/events/ecspoc-dev',
        'c0ffee-1234',
      ),
    ).toBe(true);
    expect(JSON.stringify(policy.Properties!.PolicyName)).toContain('${EnvName}');
  });
});

describe('IAM resources have the shape of the real ARNs', () => {
  it('never append :log-stream to a log group Arn (which already ends in :*)', () => {
    for (const template of templates.values()) {
      const bad = logResources(template.document).filter((r) => /<\w+>:\*:log-stream/.test(r));
      expect([template.file, bad]).toEqual([template.file, []]);
    }
  });

  it('let every log-writing role reach the streams the bundle writes', () => {
    const streams: Array<[string, string, string]> = [
      ['service.yml', '/ecspoc/dev/tasks/404', '404/404/0123456789abcdef'],
      ['pipeline.yml', '/ecspoc/dev/builds/404', 'build/0123-4567'],
      ['cluster.yml', '/ecspoc/dev/instances/dmesg', 'i-0123456789abcdef0'],
    ];
    for (const [file, group, stream] of streams) {
      const patterns = logResources(doc(file));
      expect(patterns.length).toBeGreaterThan(0);
      const covering = patterns.filter((p) => matchesStream(p.replace(/<\w+>/, group), group, stream));
      expect([file, covering.length > 0, patterns]).toEqual([file, true, patterns]);
    }
  });

  it('fails on the old pattern', () => {
    const old = {
      Resources: {
        G: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: 'x' } },
        R: {
          Type: 'AWS::IAM::Role',
          Properties: {
            Policies: [
              {
                PolicyDocument: {
                  Statement: [
                    { Action: 'logs:PutLogEvents', Resource: { 'Fn::Sub': '${G.Arn}:log-stream:*' } },
                  ],
                },
              },
            ],
          },
        },
      },
    };
    const patterns = logResources(old);
    expect(patterns).toEqual(['log-group:<G>:*:log-stream:*']);
    expect(matchesStream('log-group:x:*:log-stream:*', 'x', 's')).toBe(false);
  });
});

describe('the capacity provider and the ways in', () => {
  it('manages scaling, termination protection and draining of the group, and is the cluster default', () => {
    const cluster = resources('cluster.yml');
    expect(cluster.CapacityProvider!.Properties!.AutoScalingGroupProvider).toMatchObject({
      AutoScalingGroupArn: { Ref: 'AutoScalingGroup' },
      ManagedScaling: { Status: 'ENABLED' },
      ManagedTerminationProtection: 'ENABLED',
      ManagedDraining: 'ENABLED',
    });
    // Managed termination protection needs scale-in protection on the group's new instances.
    expect(cluster.AutoScalingGroup!.Properties!.NewInstancesProtectedFromScaleIn).toBe(true);
    const name = { 'Fn::Sub': 'ecspoc-${EnvName}-instances' };
    expect(cluster.CapacityProvider!.Properties!.Name).toEqual(name);
    expect(cluster.ClusterCapacityProviders!.Properties).toMatchObject({
      CapacityProviders: [name],
      DefaultCapacityProviderStrategy: [{ CapacityProvider: name, Weight: 1 }],
    });
    expect((doc('cluster.yml').Outputs as Record<string, Json>).CapacityProviderName!.Value).toEqual(name);
  });

  it('place every service through the capacity provider, with ECS Exec', () => {
    const service = resources('service.yml').Service!.Properties!;
    expect(service).not.toHaveProperty('LaunchType');
    expect(service.CapacityProviderStrategy).toEqual([
      { CapacityProvider: { Ref: 'CapacityProviderName' }, Weight: 1, Base: 0 },
    ]);
    expect(service.EnableExecuteCommand).toEqual({ 'Fn::If': ['ExecEnabled', true, false] });
    const exec = JSON.stringify(resources('service.yml').ExecCommandPolicy!.Properties);
    for (const action of [
      'CreateControlChannel',
      'CreateDataChannel',
      'OpenControlChannel',
      'OpenDataChannel',
    ])
      expect(exec).toContain(`ssmmessages:${action}`);
  });

  it('give the container instances Session Manager', () => {
    expect(JSON.stringify(resources('cluster.yml').InstanceRole!.Properties!.ManagedPolicyArns)).toContain(
      'AmazonSSMManagedInstanceCore',
    );
  });

  it('alert on failed stacks and failed pipeline runs without a trail, and not on ValidationError', () => {
    const cluster = resources('cluster.yml');
    expect(cluster.StackFailedRule!.Properties!.EventPattern).toMatchObject({
      source: ['aws.cloudformation'],
      'detail-type': ['CloudFormation Stack Status Change'],
    });
    expect(cluster.PipelineFailedRule!.Properties!.EventPattern).toMatchObject({
      source: ['aws.codepipeline'],
      'detail-type': ['CodePipeline Pipeline Execution State Change'],
      detail: { state: ['FAILED'] },
    });
    for (const id of ['StackFailedRule', 'PipelineFailedRule'])
      expect((cluster[id]!.Properties!.Targets as Json[])[0]!.Arn).toEqual({ Ref: 'DeployErrorTopic' });
    expect(JSON.stringify(cluster.DeployErrorRule!.Properties!.EventPattern)).not.toContain(
      'ValidationError',
    );
  });

  // moto's CloudFormation does not know AWS::EC2::InstanceConnectEndpoint; the rig's launcher
  // (scripts/moto_server.py, 9) stands in for it, so these read the template as AWS will.
  it('offer an EC2 Instance Connect Endpoint, off by default, in a private subnet with its own group', () => {
    const network = doc('network.yml');
    const parameter = (network.Parameters as Record<string, Json>).InstanceConnectEndpoint!;
    expect(parameter).toMatchObject({ Default: 'disabled', AllowedValues: ['enabled', 'disabled'] });
    const endpoint = resources('network.yml').InstanceConnect!;
    expect(endpoint).toMatchObject({
      Type: 'AWS::EC2::InstanceConnectEndpoint',
      Condition: 'HasInstanceConnectEndpoint',
      Properties: {
        SubnetId: { Ref: 'PrivateSubnet1' },
        SecurityGroupIds: [{ Ref: 'InstanceConnectEndpointSecurityGroup' }],
        // The instances see the endpoint's own address, which the group reference below matches.
        PreserveClientIp: false,
      },
    });
    // One endpoint per VPC: exactly one such resource in the bundle.
    expect(
      [...templates.values()].flatMap((t) =>
        Object.values(((t.document as Json).Resources ?? {}) as Record<string, { Type: string }>).filter(
          (r) => r.Type === 'AWS::EC2::InstanceConnectEndpoint',
        ),
      ),
    ).toHaveLength(1);
    const group = resources('network.yml').InstanceConnectEndpointSecurityGroup!.Properties!;
    expect(group.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: { Ref: 'VpcCidr' } }),
    ]);
    const outputs = network.Outputs as Record<string, Json>;
    // ssh-config --via eice reads this output (src/lib/ssh INSTANCE_CONNECT_ENDPOINT_OUTPUT).
    expect(outputs.InstanceConnectEndpointId).toEqual({
      Condition: 'HasInstanceConnectEndpoint',
      Description: expect.any(String),
      Value: { Ref: 'InstanceConnect' },
    });
    // The group exists either way, so the cluster's wiring never misses it.
    expect(outputs.InstanceConnectEndpointSecurityGroupId).not.toHaveProperty('Condition');
  });

  it('park the bastion with an alarm on NetworkPacketsIn whose action is the EC2 stop action, only with IdleStopMinutes', () => {
    const bastion = doc('bastion.yml');
    const minutes = (bastion.Parameters as Record<string, Json>).IdleStopMinutes!;
    expect(minutes.Default).toBe('0');
    const alarm = resources('bastion.yml').IdleStopAlarm!;
    expect(alarm).toMatchObject({
      Type: 'AWS::CloudWatch::Alarm',
      Condition: 'HasIdleStop',
      Properties: {
        Namespace: 'AWS/EC2',
        MetricName: 'NetworkPacketsIn',
        Dimensions: [{ Name: 'InstanceId', Value: { Ref: 'Bastion' } }],
        Statistic: 'Sum',
        // Basic monitoring's 5-minute data points.
        Period: 300,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ 'Fn::Sub': 'arn:${AWS::Partition}:automate:${AWS::Region}:ec2:stop' }],
      },
    });
    expect((bastion.Conditions as Json).HasIdleStop).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'IdleStopMinutes' }, '0'] }],
    });
    // Every allowed idle time but 0 has its count of 5-minute periods.
    const periods = (bastion.Mappings as Record<string, Record<string, { Periods: number }>>)
      .IdleStopPeriods!;
    for (const value of (minutes.AllowedValues as string[]).filter((v) => v !== '0'))
      expect(periods[value]!.Periods * 5).toBe(Number(value));
    const outputs = bastion.Outputs as Record<string, Json>;
    expect(outputs.IdleStopAlarmName).toMatchObject({
      Condition: 'HasIdleStop',
      Value: { Ref: 'IdleStopAlarm' },
    });
    expect(outputs.IdleStopMinutes).toMatchObject({
      Condition: 'HasIdleStop',
      Value: { Ref: 'IdleStopMinutes' },
    });
  });

  it('keep image pulls off the NAT with an S3 gateway endpoint and use the current TLS policy', () => {
    expect(resources('network.yml').S3GatewayEndpoint!.Properties).toMatchObject({
      VpcEndpointType: 'Gateway',
    });
    expect(JSON.stringify(resources('load-balancer.yml').ServiceListener!.Properties!.SslPolicy)).toContain(
      'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
    );
    expect(
      (doc('cluster.yml').Parameters as Record<string, Json>).ContainerInsights!.AllowedValues as string[],
    ).toContain('enhanced');
  });
});
