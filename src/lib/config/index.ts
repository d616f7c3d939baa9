import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import type { AdoptRequest } from '../clusters/target.js';
import { UsageError } from '../errors.js';
import { sshViaProblem } from '../ssh/via.js';
import { envNameProblem } from '../stacks/names.js';
import {
  didYouMean,
  mergeServiceLists,
  readServiceList,
  type ServiceDeclaration,
  serviceListProblems,
} from './services.js';

export type { ServiceDeclaration } from './services.js';

/** Settings of one environment in a config file. */
export interface EnvironmentConfig {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** How `ssh-config` reaches instances when `--via` is not given: bastion, ssm or eice. */
  sshVia?: string;
  /** Parameter overrides for every component that declares the key. */
  parameters?: Record<string, string>;
  /** Parameter overrides for one component: `components.bastion.parameters.SshCidr`. */
  components?: Record<string, { parameters?: Record<string, string> }>;
  /** Services of this environment: same-named entries override the top-level ones key by key. */
  services?: ServiceDeclaration[];
  /** Adopts an ECS cluster ecspoc did not deploy: day-two commands of this environment work on it. */
  cluster?: string;
  /** The adopted cluster's Auto Scaling group, when it has several. */
  asg?: string;
  /** The adopted cluster's bastion (EC2 instance id). */
  bastion?: string;
  /** Prefix of the adopted cluster's instance log groups. */
  instanceLogPrefix?: string;
}

/** The content of a config file (YAML). */
export interface ConfigFile {
  env?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** Services of every environment. */
  services?: ServiceDeclaration[];
  sshVia?: string;
  environments?: Record<string, EnvironmentConfig>;
  /** `logs tail` settings: `logs.maxRate`, FilterLogEvents calls per second (the account's quota). */
  logs?: LogsConfig;
}

/** The `logs` section of a config file. */
export interface LogsConfig {
  maxRate?: number;
}

/** Where a setting came from, for `doctor` and `--debug`. */
export type SettingSource = 'flag' | 'environment' | 'config' | 'default' | 'aws-profile';

/** What the flags of a command say before configuration is applied. */
export interface GlobalFlagValues {
  env?: string;
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

/** The resolved settings every AWS command works with. */
export interface Settings {
  env: string;
  envSource: SettingSource;
  profile?: string;
  profileSource?: SettingSource;
  /** Undefined when neither flag, variable nor config sets it: the AWS profile's region then applies. */
  region?: string;
  regionSource?: SettingSource;
  endpointUrl?: string;
  endpointSource?: SettingSource;
  /** `sshVia` of the environment's entry, else of the top level; checked by ssh-config. */
  sshVia?: string;
  configFiles: string[];
  environment: EnvironmentConfig;
  /** The environment's declared services (top level merged with its own); undefined: none declared. */
  services?: ServiceDeclaration[];
  logs: LogsConfig;
  /** The cluster the environment's entry adopts (`environments.<env>.cluster` and its keys). */
  adopt?: AdoptRequest;
}

/** The per-user config file: `$XDG_CONFIG_HOME/ecspoc/config.yml` (default `~/.config/ecspoc/config.yml`). */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'ecspoc', 'config.yml');
}

/** The project config file: `ECSPOC_CONFIG`, else the nearest `.ecspoc.yml` from `cwd` upwards. */
export function projectConfigPath(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ECSPOC_CONFIG) return resolve(cwd, env.ECSPOC_CONFIG);
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, '.ecspoc.yml');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads and checks one config file; a malformed file is a usage error naming the file. */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  const { parse } = await import('yaml');
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(
      'CONFIG_INVALID',
      `Config file ${path} is not valid YAML: ${(error as Error).message}`,
      {
        cause: error,
        suggestions: [`Fix or remove ${path}.`],
      },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  return checkConfig(parsed, path);
}

const STRING_KEYS = ['env', 'region', 'profile', 'endpointUrl', 'sshVia'] as const;
/** The keys that adopt a cluster ecspoc did not deploy, in an environment's entry (see AdoptRequest). */
const ADOPT_KEYS = ['cluster', 'asg', 'bastion', 'instanceLogPrefix'] as const;

function checkConfig(value: unknown, path: string): ConfigFile {
  const fail = (what: string): never => {
    throw new UsageError('CONFIG_INVALID', `Config file ${path}: ${what}`, {
      suggestions: ['See "Configuration" in the README for the file format.'],
    });
  };
  if (!isRecord(value)) fail('the top level must be a mapping');
  const record = value as Record<string, unknown>;
  const topKeys = [...STRING_KEYS, 'services', 'environments', 'logs'];
  for (const key of Object.keys(record)) {
    if (!topKeys.includes(key)) fail(`unknown key "${key}"${didYouMean(key, topKeys)}`);
  }
  for (const key of STRING_KEYS) {
    if (record[key] !== undefined && typeof record[key] !== 'string') fail(`"${key}" must be a string`);
  }
  const checkVia = (value: unknown, key: string) => {
    const problem = value === undefined ? undefined : sshViaProblem(value);
    if (problem) fail(`"${key}" ${problem}`);
  };
  checkVia(record.sshVia, 'sshVia');
  // Service mistakes are collected and refused together: one message names every one of them.
  const problems: string[] = [];
  const services =
    record.services === undefined ? undefined : readServiceList(record.services, 'services', problems);
  const servicesByEnv: Record<string, ServiceDeclaration[]> = {};
  const environments = record.environments;
  if (environments !== undefined) {
    if (!isRecord(environments)) fail('"environments" must be a mapping of environment names');
    for (const [name, entry] of Object.entries(environments as Record<string, unknown>)) {
      if (!isRecord(entry)) fail(`environments.${name} must be a mapping`);
      const env = entry as Record<string, unknown>;
      const envKeys = [...STRING_KEYS.slice(1), ...ADOPT_KEYS, 'parameters', 'components', 'services'];
      for (const key of Object.keys(env)) {
        if (!envKeys.includes(key))
          fail(`unknown key "environments.${name}.${key}"${didYouMean(key, envKeys)}`);
      }
      for (const key of ADOPT_KEYS) {
        if (env[key] !== undefined && (typeof env[key] !== 'string' || env[key] === ''))
          fail(`environments.${name}.${key} must be a non-empty string`);
      }
      if (env.cluster === undefined)
        for (const key of ADOPT_KEYS.slice(1))
          if (env[key] !== undefined) fail(`environments.${name}.${key} needs environments.${name}.cluster`);
      checkVia(env.sshVia, `environments.${name}.sshVia`);
      if (env.parameters !== undefined)
        checkStringMap(env.parameters, `environments.${name}.parameters`, fail);
      if (env.components !== undefined) {
        if (!isRecord(env.components)) fail(`environments.${name}.components must be a mapping`);
        for (const [component, spec] of Object.entries(env.components as Record<string, unknown>)) {
          if (!isRecord(spec)) fail(`environments.${name}.components.${component} must be a mapping`);
          const parameters = (spec as Record<string, unknown>).parameters;
          if (parameters !== undefined)
            checkStringMap(parameters, `environments.${name}.components.${component}.parameters`, fail);
        }
      }
      if (env.services !== undefined)
        servicesByEnv[name] = readServiceList(env.services, `environments.${name}.services`, problems);
    }
  }
  const logs = record.logs;
  if (logs !== undefined) {
    if (!isRecord(logs)) fail('"logs" must be a mapping');
    for (const key of Object.keys(logs as Record<string, unknown>))
      if (key !== 'maxRate') fail(`unknown key "logs.${key}"${didYouMean(key, ['maxRate'])}`);
    const maxRate = (logs as Record<string, unknown>).maxRate;
    if (maxRate !== undefined && (typeof maxRate !== 'number' || !(maxRate >= 1 && maxRate <= 100)))
      fail('"logs.maxRate" must be a number of calls per second between 1 and 100');
  }
  if (problems.length > 0) fail(problems.join('; '));
  const config = normaliseScalars(without(record, ['services', 'environments', 'logs'])) as ConfigFile;
  if (services) config.services = services;
  if (logs !== undefined) config.logs = logs as LogsConfig;
  if (environments !== undefined) {
    config.environments = {};
    for (const [name, entry] of Object.entries(environments as Record<string, Record<string, unknown>>)) {
      config.environments[name] = normaliseScalars(without(entry, ['services'])) as EnvironmentConfig;
      if (servicesByEnv[name]) config.environments[name].services = servicesByEnv[name];
    }
  }
  return config;
}

function without(record: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}

function checkStringMap(value: unknown, where: string, fail: (what: string) => never): void {
  if (!isRecord(value)) fail(`${where} must be a mapping`);
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (!['string', 'number', 'boolean'].includes(typeof item)) fail(`${where}.${key} must be a scalar`);
  }
}

/** YAML turns `Port: 80` into a number; CloudFormation parameters are strings. */
function normaliseScalars(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(normaliseScalars);
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normaliseScalars(v)]));
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges config files; later files win key by key (the project file over the user file). */
export function mergeConfigs(files: ConfigFile[]): ConfigFile {
  const merged: ConfigFile = {};
  for (const file of files) {
    for (const key of STRING_KEYS) if (file[key] !== undefined) merged[key] = file[key];
    if (file.services) merged.services = mergeServiceLists(merged.services ?? [], file.services);
    if (file.logs) merged.logs = { ...merged.logs, ...file.logs };
    for (const [name, entry] of Object.entries(file.environments ?? {})) {
      const previous = merged.environments?.[name] ?? {};
      const components = { ...previous.components };
      for (const [component, spec] of Object.entries(entry.components ?? {})) {
        components[component] = {
          parameters: { ...components[component]?.parameters, ...spec.parameters },
        };
      }
      merged.environments = {
        ...merged.environments,
        [name]: {
          ...previous,
          ...entry,
          parameters: { ...previous.parameters, ...entry.parameters },
          components,
          ...(previous.services || entry.services
            ? { services: mergeServiceLists(previous.services ?? [], entry.services ?? []) }
            : {}),
        },
      };
    }
  }
  return merged;
}

/** Throws a usage error naming the broken rule when `env` cannot name an environment. */
export function assertEnvName(env: string): void {
  const problem = envNameProblem(env);
  if (problem) {
    throw new UsageError('ENV_INVALID', `Invalid environment name "${env}": ${problem}.`, {
      suggestions: ['Pick a short lower-case name such as "dev", "staging" or "alice-1".'],
    });
  }
}

/**
 * Resolves env, profile, region and endpoint with the documented precedence:
 * flag > environment variable > config file (the environment's entry, then the top level) > default.
 */
export async function resolveSettings(
  flags: GlobalFlagValues,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Settings> {
  const processEnv = options.env ?? process.env;
  const paths = [
    userConfigPath(processEnv),
    projectConfigPath(options.cwd ?? process.cwd(), processEnv),
  ].filter((path): path is string => path !== undefined && existsSync(path));
  if (
    processEnv.ECSPOC_CONFIG &&
    !paths.includes(resolve(options.cwd ?? process.cwd(), processEnv.ECSPOC_CONFIG))
  ) {
    throw new UsageError(
      'CONFIG_MISSING',
      `ECSPOC_CONFIG names ${processEnv.ECSPOC_CONFIG}, which does not exist.`,
      {
        suggestions: ['Create the file or unset ECSPOC_CONFIG.'],
      },
    );
  }
  const config = mergeConfigs(await Promise.all(paths.map(readConfigFile)));

  const [picked, envSource] = pick(flags.env, processEnv.ECSPOC_ENV, config.env, 'dev');
  const env = picked ?? 'dev';
  assertEnvName(env);
  const environment = config.environments?.[env] ?? {};
  const services = environmentServices(config, env);
  const [profile, profileSource] = pick(
    flags.profile,
    processEnv.AWS_PROFILE,
    environment.profile ?? config.profile,
  );
  const [region, regionSource] = pick(
    flags.region,
    processEnv.AWS_REGION || processEnv.AWS_DEFAULT_REGION,
    environment.region ?? config.region,
  );
  const [endpointUrl, endpointSource] = pick(
    flags.endpointUrl,
    processEnv.AWS_ENDPOINT_URL,
    environment.endpointUrl ?? config.endpointUrl,
  );
  if (endpointUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(endpointUrl)) {
    throw new UsageError('ENDPOINT_INVALID', `Invalid endpoint URL "${endpointUrl}".`, {
      suggestions: ['Give a full URL such as http://127.0.0.1:5000.'],
    });
  }
  return {
    env,
    envSource: envSource ?? 'default',
    profile,
    profileSource,
    region,
    regionSource,
    endpointUrl,
    endpointSource,
    ...((environment.sshVia ?? config.sshVia) ? { sshVia: environment.sshVia ?? config.sshVia } : {}),
    configFiles: paths,
    environment,
    ...(services ? { services } : {}),
    logs: config.logs ?? {},
    ...(environment.cluster ? { adopt: adoptedBy(environment) } : {}),
  };
}

/** The adoption an environment's entry declares, with only the keys it sets. */
function adoptedBy(environment: EnvironmentConfig): AdoptRequest {
  return {
    cluster: environment.cluster as string,
    ...(environment.asg ? { asg: environment.asg } : {}),
    ...(environment.bastion ? { bastion: environment.bastion } : {}),
    ...(environment.instanceLogPrefix ? { instanceLogPrefix: environment.instanceLogPrefix } : {}),
  };
}

/**
 * The services one environment runs: the top-level list with the environment's entries merged over
 * it by name, checked as a whole; undefined when none are declared (the samples are deployed then).
 */
export function environmentServices(config: ConfigFile, env: string): ServiceDeclaration[] | undefined {
  const own = config.environments?.[env]?.services;
  if (!config.services?.length && !own?.length) return undefined;
  const services = mergeServiceLists(config.services ?? [], own ?? []);
  const problems = serviceListProblems(services);
  if (problems.length > 0) {
    throw new UsageError('CONFIG_INVALID', `Services of environment "${env}": ${problems.join('; ')}`, {
      suggestions: ['See "Services" in the README for the keys of a service.'],
    });
  }
  return services;
}

function pick(
  flag: string | undefined,
  variable: string | undefined,
  configured: string | undefined,
  fallback?: string,
): [string | undefined, SettingSource | undefined] {
  if (flag) return [flag, 'flag'];
  if (variable) return [variable, 'environment'];
  if (configured) return [configured, 'config'];
  if (fallback !== undefined) return [fallback, 'default'];
  return [undefined, undefined];
}
