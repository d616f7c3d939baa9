// Stacks the benches share: the bundle's real network and bastion templates, created straight through
// CloudFormation (no ecspoc in the way), so a bench measures only the command it runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const template = (name) => readFileSync(join(root, 'templates', `${name}.yml`), 'utf8');
const param = (values) =>
  Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

/** Creates `ecspoc-<env>-network` and `ecspoc-<env>-bastion`; resolves with the network's outputs. */
export async function createNetworkAndBastion(cfn, env) {
  // Loaded here, not at the top: the caller sets the SDK's environment (its Node 20 warning) first.
  const { CreateStackCommand, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const outputs = async (stackName) =>
    Object.fromEntries(
      ((await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0]?.Outputs ?? []).map(
        (o) => [o.OutputKey, o.OutputValue],
      ),
    );
  await cfn.send(
    new CreateStackCommand({
      StackName: `ecspoc-${env}-network`,
      TemplateBody: template('network'),
      Parameters: param({ EnvName: env }),
    }),
  );
  const network = await outputs(`ecspoc-${env}-network`);
  await cfn.send(
    new CreateStackCommand({
      StackName: `ecspoc-${env}-bastion`,
      TemplateBody: template('bastion'),
      Parameters: param({
        EnvName: env,
        VpcId: network.VpcId,
        VpcCidr: network.VpcCidr,
        PublicSubnetIds: network.PublicSubnetIds,
        SshCidr: '203.0.113.7/32',
      }),
    }),
  );
  return network;
}
