/**
 * From what the operator typed to what a deploy works on: the catalog of the environment, the
 * selected components with everything they depend on, their templates, and the parameter layers
 * of the config file and `--parameter`, all checked before any AWS call.
 */
import type { EnvironmentConfig } from '../config/index.js';
import { UsageError } from '../errors.js';
import { buildCatalog, selectComponents } from './catalog.js';
import { type DeployInput, operatorOwed, type PlannedParameter, withTemplateBucket } from './deploy.js';
import { deploymentLayers, subgraph } from './graph.js';
import {
  checkParameterLayer,
  configParameterLayer,
  type ParameterLayer,
  resolveParameters,
} from './parameters.js';
import { readTemplates } from './templates.js';

/**
 * Builds and checks the input of a deploy or diff: unknown components and unknown or reserved
 * parameter keys fail here, before any AWS call.
 */
export async function loadDeployInput(
  env: string,
  environment: EnvironmentConfig,
  selection: readonly string[],
  parameterFlags: readonly string[],
): Promise<DeployInput> {
  const catalog = buildCatalog(env);
  const templates = await readTemplates(catalog.components);
  const components = withTemplateBucket(catalog, selectComponents(catalog, selection), templates);
  const config = configParameterLayer(environment);
  const overrides = parseParameterFlags(parameterFlags);
  checkParameterLayer(catalog, templates, config, 'config');
  checkParameterLayer(catalog, templates, overrides, 'override');
  // A --parameter must reach at least one stack of this deploy, or it is a mistake.
  const declared = new Set(
    components.flatMap((c) => templates.get(c.template)?.parameters.map((p) => p.key) ?? []),
  );
  const stray = Object.keys(overrides.global ?? {}).filter((key) => !declared.has(key));
  if (stray.length > 0) {
    throw new UsageError(
      'UNKNOWN_PARAMETER',
      `--parameter ${stray.join(', ')}: no stack of this deploy (${components.map((c) => c.name).join(', ')}) declares ${stray.length > 1 ? 'them' : 'it'}.`,
      {
        suggestions: [
          `Parameters of these stacks: ${[...declared]
            .filter((k) => k !== 'EnvName')
            .sort()
            .join(', ')}`,
        ],
      },
    );
  }
  // Parameters nobody gave (the bastion's SshCidr) are checked once the stacks are described: an
  // existing stack keeps the value it was given before.
  return { catalog, components, templates, config, overrides };
}

/** Parses `--parameter Key=Value` (every stack that declares Key) and `--parameter component.Key=Value`. */
export function parseParameterFlags(flags: readonly string[]): ParameterLayer {
  const global: Record<string, string> = {};
  const components: Record<string, Record<string, string>> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = eq > 0 ? flag.slice(0, eq).trim() : '';
    if (!/^([a-z0-9-]+\.)?[A-Za-z0-9]+$/.test(name)) {
      throw new UsageError('PARAMETER_INVALID', `--parameter "${flag}" is not Key=Value.`, {
        suggestions: [
          'Write --parameter InstanceType=t3.small, or --parameter cluster.InstanceType=t3.small for one stack.',
        ],
      });
    }
    const value = flag.slice(eq + 1);
    const dot = name.indexOf('.');
    if (dot > 0) (components[name.slice(0, dot)] ??= {})[name.slice(dot + 1)] = value;
    else global[name] = value;
  }
  return { global, components };
}

/** The plan that needs no AWS call: deploy order, stacks, and the parameters known offline. */
export interface OfflinePlan {
  env: string;
  /** Stacks that can deploy in parallel, layer after layer. */
  layers: string[][];
  stacks: Array<{
    component: string;
    stackName: string;
    dependsOn: string[];
    parameters: PlannedParameter[];
  }>;
}

/** Resolves everything that can be known without AWS; upstream outputs show as `<component.Output>`. */
export function offlinePlan(input: DeployInput): OfflinePlan {
  const names = input.components.map((c) => c.name);
  const layers = deploymentLayers(subgraph(input.components, names));
  const stacks = input.components.map((component) => {
    const template = input.templates.get(component.template)!;
    const outputs: Record<string, Record<string, string>> = {};
    for (const ref of Object.values(component.wiring)) {
      (outputs[ref.component] ??= {})[ref.output] = `<${ref.component}.${ref.output}>`;
    }
    const owed = operatorOwed(component, template, input);
    const { values, sources } = resolveParameters(component, template, {
      outputs,
      config: input.config,
      overrides: input.overrides,
      command: input.command,
      // Shown as owed, not failed: the stack may exist with a value already.
      discovered: Object.fromEntries(owed.map((key) => [key, '<required>'])),
    });
    const parameters: PlannedParameter[] = template.parameters.map((p) => {
      const source = sources[p.key];
      const ref = component.wiring[p.key];
      if (source === 'upstream' && ref) {
        return {
          key: p.key,
          value: values[p.key],
          origin: 'pending',
          from: `${ref.component}.${ref.output}`,
        };
      }
      if (source === undefined) return { key: p.key, value: p.default ?? '', origin: 'template' };
      if (owed.includes(p.key)) return { key: p.key, value: values[p.key], origin: 'required' };
      return { key: p.key, value: p.noEcho ? '****' : values[p.key], origin: source };
    });
    return {
      component: component.name,
      stackName: component.stackName,
      dependsOn: component.dependsOn.filter((d) => names.includes(d)),
      parameters,
    };
  });
  return { env: input.catalog.env, layers, stacks };
}
