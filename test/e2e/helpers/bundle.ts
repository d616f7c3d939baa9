import { randomUUID } from 'node:crypto';

import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  type CreateStackCommandInput,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';

import {
  buildCatalog,
  findComponent,
  selectComponents,
  type Catalog,
  type CatalogOptions,
} from '../../../src/lib/stacks/catalog.js';
import { subgraph, walkGraph, type WalkResult } from '../../../src/lib/stacks/graph.js';
import { resolveParameters, type ParameterLayer } from '../../../src/lib/stacks/parameters.js';
import { readTemplates } from '../../../src/lib/stacks/templates.js';
import { clientConfig } from './env.js';

/** What deployBundle did. */
export interface DeployedBundle {
  catalog: Catalog;
  /** Outputs of every deployed stack, by component. */
  outputs: Record<string, Record<string, string>>;
  /** The parameters each stack was created with. */
  parameters: Record<string, Record<string, string>>;
  /** Components in the order their stacks completed. */
  completed: string[];
}

/** Options of deployBundle. */
export interface DeployBundleOptions extends CatalogOptions {
  /** Components to deploy (with their dependencies); default: all. */
  select?: string[];
  /** `--parameter` overrides; the bastion's SshCidr defaults to a documentation address. */
  overrides?: ParameterLayer;
  /** Stacks created at once; default 4. */
  concurrency?: number;
}

/** The operator's SSH CIDR used unless a test gives another. */
export const TEST_SSH_CIDR = '203.0.113.7/32';

/**
 * Creates the stacks of one environment in moto, straight from the catalog: each stack as soon as
 * its dependencies exist, its parameters resolved from the outputs of the stacks before it. This
 * stands in for `ecspoc deploy` so that tests of other commands can start from a deployed
 * environment.
 */
export async function deployBundle(env: string, options: DeployBundleOptions = {}): Promise<DeployedBundle> {
  const catalog = buildCatalog(env, options);
  const components = selectComponents(catalog, options.select ?? []);
  const templates = await readTemplates(components);
  const cfn = new CloudFormationClient(clientConfig());
  const overrides: ParameterLayer = {
    ...options.overrides,
    global: { SshCidr: TEST_SSH_CIDR, ...options.overrides?.global },
  };
  const deployed: DeployedBundle = { catalog, outputs: {}, parameters: {}, completed: [] };
  try {
    const result = await walkGraph(
      subgraph(
        components,
        components.map((component) => component.name),
      ),
      async (name) => {
        const component = findComponent(catalog, name);
        const { values } = resolveParameters(component, templates.get(component.template)!, {
          outputs: deployed.outputs,
          overrides,
        });
        deployed.parameters[name] = values;
        await createStackOnce(cfn, {
          StackName: component.stackName,
          TemplateBody: templates.get(component.template)!.body,
          Parameters: Object.entries(values).map(([ParameterKey, ParameterValue]) => ({
            ParameterKey,
            ParameterValue,
          })),
          Capabilities: component.capabilities,
          Tags: [
            { Key: 'ecspoc:env', Value: env },
            { Key: 'ecspoc:component', Value: name },
          ],
        });
        await waitUntilStackCreateComplete(
          { client: cfn, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
          { StackName: component.stackName },
        );
        const described = await cfn.send(new DescribeStacksCommand({ StackName: component.stackName }));
        deployed.outputs[name] = Object.fromEntries(
          (described.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!]),
        );
        deployed.completed.push(name);
      },
      { concurrency: options.concurrency ?? 4 },
    );
    failIfIncomplete(result);
  } finally {
    cfn.destroy();
  }
  return deployed;
}

/**
 * CreateStack, safe against the SDK's own retry: moto creates the whole stack inside the call, so on
 * a loaded machine an attempt can succeed while its connection fails, and the retry then meets
 * "already exists". On AWS the ClientRequestToken makes the retry idempotent (CloudFormation's
 * CreateStack reference: the token tells a retried request from a new stack of the same name); moto
 * ignores the token, so an AlreadyExistsException after more than one attempt is that same stack.
 */
async function createStackOnce(cfn: CloudFormationClient, input: CreateStackCommandInput): Promise<void> {
  try {
    await cfn.send(new CreateStackCommand({ ...input, ClientRequestToken: `create-${randomUUID()}` }));
  } catch (error) {
    const { name, $metadata } = error as { name?: string; $metadata?: { attempts?: number } };
    if (name === 'AlreadyExistsException' && ($metadata?.attempts ?? 1) > 1) return;
    throw error;
  }
}

function failIfIncomplete(result: WalkResult): void {
  if (result.failed.length === 0 && result.skipped.length === 0) return;
  const lines = [
    ...result.failed.map(({ name, error }) => `${name}: ${(error as Error).message ?? String(error)}`),
    ...result.skipped.map(({ name, blockedBy }) => `${name}: skipped (waits for ${blockedBy.join(', ')})`),
  ];
  throw new Error(`Deploying the bundle failed:\n${lines.join('\n')}`);
}
