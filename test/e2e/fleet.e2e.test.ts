import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient, RegisterContainerInstanceCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { apiCalls, runCli } from './helpers/cli.js';
import { clientConfig } from './helpers/env.js';

const ENV = 'big';
const INSTANCES = 250;

jest.setTimeout(180_000);

// More container instances than two pages of ListContainerInstances: the rig's launcher pages at 100
// as ECS does, so the counts below are the ones AWS would see.
describe(`the fleet reader on ${INSTANCES} container instances`, () => {
  const cfn = new CloudFormationClient(clientConfig());
  const ec2 = new EC2Client(clientConfig());
  const ecs = new ECSClient(clientConfig());

  beforeAll(async () => {
    const cluster = `ecspoc-${ENV}`;
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    // A cluster stack that names the cluster, as templates/cluster.yml's outputs do (no group).
    await cfn.send(
      new CreateStackCommand({
        StackName: `ecspoc-${ENV}-cluster`,
        TemplateBody: JSON.stringify({
          Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: { ClusterName: { Value: cluster } },
        }),
      }),
    );
    const launched = await ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: INSTANCES, MaxCount: INSTANCES }),
    );
    const ids = (launched.Instances ?? []).map((i) => i.InstanceId as string);
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(
        ids.slice(i, i + 25).map((instanceId) =>
          ecs.send(
            new RegisterContainerInstanceCommand({
              cluster,
              instanceIdentityDocument: JSON.stringify({ instanceId }),
            }),
          ),
        ),
      );
    }
  });

  afterAll(() => {
    cfn.destroy();
    ec2.destroy();
    ecs.destroy();
  });

  it('instances list reads every page: 3 list pages, 3 describes of 100, 2 DescribeInstances of 200', async () => {
    const result = await runCli(['instances', 'list', '--env', ENV, '--json', '--debug']);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout);
    expect(list.instances).toHaveLength(INSTANCES);
    expect(new Set(list.instances.map((i: { instanceId: string }) => i.instanceId)).size).toBe(INSTANCES);
    expect(list.instances.every((i: { ec2State?: string }) => i.ec2State === 'running')).toBe(true);
    expect(apiCalls(result)).toEqual({
      'CloudFormation.DescribeStacks': 1,
      'ECS.ListContainerInstances': 3,
      'ECS.DescribeContainerInstances': 3,
      'EC2.DescribeInstances': 2,
    });
  });

  it('status counts every instance through the same reader', async () => {
    const result = await runCli(['status', '--env', ENV, '--json', '--debug']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.cluster.instances).toMatchObject({ total: INSTANCES, active: INSTANCES });
    expect(status.bastion).toEqual({
      env: ENV,
      stackName: `ecspoc-${ENV}-bastion`,
      state: 'missing',
      missingReason: `stack ecspoc-${ENV}-bastion does not exist`,
    });
    const calls = apiCalls(result);
    expect(calls['ECS.ListContainerInstances']).toBe(3);
    expect(calls['ECS.DescribeContainerInstances']).toBe(3);
  });
});
