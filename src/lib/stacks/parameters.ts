/**
 * A component's final stack parameters, from (weakest first) ecspoc's defaults, values looked up at
 * deploy time, the config file, upstream stack outputs, and `--parameter` overrides: what the
 * operator typed last wins. Name-making parameters (EnvName…) come from ecspoc alone.
 */

import { OperationError, UsageError } from '../errors.js';
import type { EnvironmentConfig } from '../config/index.js';
import type { Catalog, ComponentSpec } from './catalog.js';
import type { StackTemplate, TemplateParameter } from './templates.js';

/** Where a parameter's value came from, weakest first. */
export type ParameterSource = 'default' | 'discovered' | 'config' | 'upstream' | 'override' | 'identity';

/**
 * Parameter values from one place (config file or command line): `global` for every component that
 * declares the key, `components` for one component (`components.bastion.SshCidr`).
 */
export interface ParameterLayer {
  global?: Readonly<Record<string, string>>;
  components?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Outputs of the environment's deployed stacks, by component; undefined: the stack does not exist. */
export type StackOutputs = Readonly<Record<string, Readonly<Record<string, string>> | undefined>>;

/** Everything a component's parameters are resolved from. */
export interface ParameterInputs {
  /** Values ecspoc looked up for this component at deploy time (the image the pipeline pushed last). */
  discovered?: Readonly<Record<string, string>>;
  config?: ParameterLayer;
  overrides?: ParameterLayer;
  outputs: StackOutputs;
  /** The command the operator ran (`deploy`, `diff`), so a hint repeats it; default `deploy`. */
  command?: string;
}

/** A component's resolved parameters: the values to pass to CloudFormation and where each came from. */
export interface ResolvedParameters {
  /** Keys the template declares but nothing here sets keep the template's default. */
  values: Record<string, string>;
  sources: Record<string, ParameterSource>;
}

/** The parameter layer of an environment's section of the config file. */
export function configParameterLayer(environment: EnvironmentConfig): ParameterLayer {
  const components: Record<string, Record<string, string>> = {};
  for (const [name, spec] of Object.entries(environment.components ?? {})) {
    if (spec.parameters) components[name] = spec.parameters;
  }
  return { global: environment.parameters ?? {}, components };
}

/**
 * Resolves one component's parameters against its template. Fails on keys the template does not
 * declare (naming the valid ones), on attempts to set a name-making parameter, on a missing upstream
 * output, and on a parameter that has no value from anywhere and no template default.
 */
export function resolveParameters(
  component: ComponentSpec,
  template: Pick<StackTemplate, 'file' | 'parameters'>,
  inputs: ParameterInputs,
): ResolvedParameters {
  return resolve(component, template, inputs, true);
}

/**
 * Checks a component's parameters before any stack exists, with the same rules as
 * resolveParameters but counting wired parameters as given: a deploy fails before it starts when
 * the operator still owes a value (the bastion's SshCidr) or set a key no template declares.
 */
export function checkParameters(
  component: ComponentSpec,
  template: Pick<StackTemplate, 'file' | 'parameters'>,
  inputs: Omit<ParameterInputs, 'outputs'>,
): void {
  resolve(component, template, { ...inputs, outputs: {} }, false);
}

function resolve(
  component: ComponentSpec,
  template: Pick<StackTemplate, 'file' | 'parameters'>,
  inputs: ParameterInputs,
  needOutputs: boolean,
): ResolvedParameters {
  const declared = new Map(template.parameters.map((parameter) => [parameter.key, parameter]));
  const values: Record<string, string> = {};
  const sources: Record<string, ParameterSource> = {};
  const set = (key: string, value: string, source: ParameterSource): void => {
    values[key] = value;
    sources[key] = source;
  };

  const layer = (source: 'config' | 'override', given: ParameterLayer | undefined): void => {
    const specific = given?.components?.[component.name] ?? {};
    checkKeys(component, declared, Object.keys(specific), source);
    for (const [key, value] of Object.entries(given?.global ?? {})) {
      if (!declared.has(key)) continue; // a global key applies to the components that declare it
      checkNotIdentity(component, key, source);
      set(key, value, source);
    }
    for (const [key, value] of Object.entries(specific)) {
      checkNotIdentity(component, key, source);
      set(key, value, source);
    }
  };

  for (const [key, value] of Object.entries(component.defaults)) {
    if (declared.has(key)) set(key, value, 'default');
  }
  checkKeys(component, declared, Object.keys(inputs.discovered ?? {}), 'discovered');
  for (const [key, value] of Object.entries(inputs.discovered ?? {})) set(key, value, 'discovered');
  layer('config', inputs.config);

  const overridden = new Set([
    ...Object.keys(inputs.overrides?.global ?? {}).filter((key) => declared.has(key)),
    ...Object.keys(inputs.overrides?.components?.[component.name] ?? {}),
  ]);
  for (const [key, ref] of Object.entries(component.wiring)) {
    if (overridden.has(key)) continue; // the operator's explicit value needs no upstream stack
    const outputs = inputs.outputs[ref.component];
    const value = needOutputs ? outputs?.[ref.output] : `<${ref.component}.${ref.output}>`;
    if (value === undefined) {
      throw new OperationError(
        'MISSING_UPSTREAM_OUTPUT',
        `${component.name} needs output ${ref.output} of ${ref.component}, ` +
          (outputs === undefined ? `which is not deployed.` : `which has no such output.`),
        {
          suggestions: [
            `ecspoc deploy ${ref.component}`,
            `or give the value yourself: --parameter ${key}=VALUE`,
          ],
        },
      );
    }
    set(key, value, 'upstream');
  }
  layer('override', inputs.overrides);

  for (const [key, value] of Object.entries(component.identity)) {
    if (declared.has(key)) set(key, value, 'identity');
  }

  const missing = template.parameters.filter(
    (parameter) => parameter.default === undefined && values[parameter.key] === undefined,
  );
  if (missing.length > 0) throw missingParameters(component, missing, inputs.command ?? 'deploy');
  return { values, sources };
}

/**
 * Checks a config or command-line layer against the whole catalog: every component it names exists
 * and every global key is declared by at least one template. Component keys are checked against
 * their template when the component is resolved.
 */
export function checkParameterLayer(
  catalog: Catalog,
  templates: ReadonlyMap<string, Pick<StackTemplate, 'parameters'>>,
  given: ParameterLayer,
  source: 'config' | 'override',
): void {
  const names = catalog.components.map((component) => component.name);
  const unknownComponents = Object.keys(given.components ?? {}).filter((name) => !names.includes(name));
  if (unknownComponents.length > 0) {
    throw new UsageError(
      'UNKNOWN_COMPONENT',
      `${describeSource(source)} names unknown component${unknownComponents.length > 1 ? 's' : ''}: ${unknownComponents.join(', ')}.`,
      { suggestions: [`Components: ${names.join(', ')}`] },
    );
  }
  const everyKey = new Set<string>();
  // Keys the operator may set: identity keys (EnvName, ServiceName…) are never theirs to choose.
  const settable = new Set<string>();
  for (const component of catalog.components) {
    for (const parameter of templates.get(component.template)?.parameters ?? []) {
      everyKey.add(parameter.key);
      if (!(parameter.key in component.identity)) settable.add(parameter.key);
    }
  }
  const unknownKeys = Object.keys(given.global ?? {}).filter((key) => !everyKey.has(key));
  if (unknownKeys.length > 0) {
    throw new UsageError(
      'UNKNOWN_PARAMETER',
      `${describeSource(source)} sets parameter${unknownKeys.length > 1 ? 's' : ''} no component declares: ${unknownKeys.join(', ')}.`,
      { suggestions: [`Parameters: ${[...settable].sort().join(', ')}`] },
    );
  }
}

function checkKeys(
  component: ComponentSpec,
  declared: ReadonlyMap<string, TemplateParameter>,
  keys: readonly string[],
  source: ParameterSource,
): void {
  const unknown = keys.filter((key) => !declared.has(key));
  if (unknown.length === 0) return;
  throw new UsageError(
    'UNKNOWN_PARAMETER',
    `${describeSource(source)} sets ${unknown.map((key) => `"${key}"`).join(', ')} for ${component.name}, ` +
      `which has no such parameter.`,
    {
      suggestions: [
        `Parameters of ${component.name}: ${[...declared.keys()].filter((key) => !(key in component.identity)).join(', ')}`,
      ],
    },
  );
}

function checkNotIdentity(component: ComponentSpec, key: string, source: ParameterSource): void {
  if (!(key in component.identity)) return;
  throw new UsageError(
    'RESERVED_PARAMETER',
    `${describeSource(source)} sets ${key} for ${component.name}, but ecspoc derives it ` +
      `(${key}=${component.identity[key]}): resource names depend on it.`,
    { suggestions: [key === 'EnvName' ? 'Choose the environment with --env.' : 'Remove the setting.'] },
  );
}

function missingParameters(
  component: ComponentSpec,
  missing: readonly TemplateParameter[],
  command: string,
): UsageError {
  const examples = missing.map((parameter) => {
    const known = component.operatorParameters.find((operator) => operator.key === parameter.key);
    return { key: parameter.key, example: known?.example ?? 'VALUE', description: known?.description };
  });
  const what = examples.map((e) => (e.description ? `${e.key} (${e.description})` : e.key)).join(', ');
  return new UsageError('MISSING_PARAMETER', `${component.name} needs a value for ${what}.`, {
    suggestions: [
      `ecspoc ${command} ${component.name} ${examples.map((e) => `--parameter ${e.key}=${e.example}`).join(' ')}`,
      `or in the config file: environments.<env>.components.${component.name}.parameters.${examples[0]!.key}`,
    ],
  });
}

function describeSource(source: ParameterSource): string {
  switch (source) {
    case 'config':
      return 'The config file';
    case 'override':
      return '--parameter';
    case 'discovered':
      return 'ecspoc';
    default:
      return 'The catalog';
  }
}
