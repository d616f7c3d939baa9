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

/** The SDK client configuration every bench's own set-up calls moto with. */
export function clientConfig(endpoint) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

/**
 * The environment the CLI runs in: a user's, pointed at moto (no NODE_EXTRA_CA_CERTS, which these
 * machines set and users do not, and no colour so output can be counted).
 */
export function cliEnv(endpoint, home = process.env.HOME) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    NO_COLOR: '1',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Registers EC2 instances with an ECS cluster, 20 at a time: the harness plays the ECS agent. */
export async function registerContainerInstances(ecs, cluster, instanceIds) {
  const { RegisterContainerInstanceCommand } = await import('@aws-sdk/client-ecs');
  for (let i = 0; i < instanceIds.length; i += 20) {
    await Promise.all(
      instanceIds.slice(i, i + 20).map((instanceId) =>
        ecs.send(
          new RegisterContainerInstanceCommand({
            cluster,
            instanceIdentityDocument: JSON.stringify({ instanceId }),
          }),
        ),
      ),
    );
  }
}

/** The API call counts a command printed under `--debug` (`ecspoc: api-calls {...}`), if any. */
export function apiCallsOf(stderr) {
  const line = stderr.split('\n').find((l) => l.startsWith('ecspoc: api-calls '));
  return line ? JSON.parse(line.slice('ecspoc: api-calls '.length)) : undefined;
}
