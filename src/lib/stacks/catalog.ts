/**
 * The catalog of an environment's stacks: every component of the bundle with its template, stack
 * name, parameter defaults, the upstream outputs that feed its parameters (wired by ecspoc, not
 * through Fn::ImportValue), the parameters only the operator can give, its dependencies and the
 * capabilities it needs. Built from the environment name and the service list; pure data.
 */

import type { ServiceDeclaration } from '../config/services.js';
import { UsageError } from '../errors.js';
import { dependencyClosure, validateGraph } from './graph.js';
import { derivePriorities } from './priorities.js';
import { DEFAULT_SERVICES, envNameProblem, serviceNameProblem, serviceSlug, stackName } from './names.js';

/** The template families of the bundle, in the order a reader meets them. */
export const COMPONENT_KINDS = [
  'bootstrap',
  'network',
  'kinesis',
  'registry',
  'bastion',
  'load-balancer',
  'task-roles',
  'cluster',
  'service',
  'pipeline',
] as const;

export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/** Kinds deployed once per service, as `<kind>-<service>`. */
export const PER_SERVICE_KINDS: readonly ComponentKind[] = ['registry', 'service', 'pipeline'];

/** CloudFormation capabilities a stack may need to acknowledge. */
export type Capability = 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM';

/** An output of another component's stack. */
export interface OutputRef {
  component: string;
  output: string;
}

/** A parameter nothing can default: the operator gives it (`--parameter` or the config file). */
export interface OperatorParameter {
  key: string;
  description: string;
  example: string;
}

/** How a service stack's image is chosen on deploy. */
export interface ImageSource {
  /** The template parameter that takes the image. */
  parameter: string;
  /** Used until the pipeline has pushed an image: the service can then become stable. */
  placeholder: string;
  /** Where to look for the image the pipeline pushed last. */
  repository: OutputRef;
}

/** One component of the bundle: one stack of the environment. */
export interface ComponentSpec {
  /** `network`, `service-404`, `pipeline-php-hello`… */
  name: string;
  kind: ComponentKind;
  /** The service of a per-service component. */
  service?: string;
  /** Template file name in the templates directory. */
  template: string;
  stackName: string;
  description: string;
  /** Components whose stacks must exist first: every wired component, plus ordering-only ones. */
  dependsOn: string[];
  /** Parameters that make names (EnvName, ServiceName, ServiceSlug): set by ecspoc, never overridden. */
  identity: Record<string, string>;
  /** ecspoc's defaults; config files and `--parameter` override them. */
  defaults: Record<string, string>;
  /** Parameters fed by an upstream stack's output. */
  wiring: Record<string, OutputRef>;
  operatorParameters: OperatorParameter[];
  capabilities: Capability[];
  image?: ImageSource;
  /** What ecspoc adds to the base template for a declared service (`template` is then its own key). */
  overlay?: ServiceOverlay;
}

/** The parts of a declared service that a template parameter cannot carry: maps and ARN lists. */
export interface ServiceOverlay {
  /** The template file the overlay goes onto. */
  base: string;
  environment: Record<string, string>;
  secrets: Record<string, string>;
  policies: string[];
}

/** Per-service settings that become the service's and pipeline's parameters. */
export interface ServiceSettings {
  name: string;
  /** 0: a worker, with no target group and no listener rule. */
  containerPort: number;
  healthCheckPath: string;
  /** HTTP codes that count as healthy (`200-399`, `200,404`). */
  healthCheckMatcher: string;
  /** Paths the listener rule routes to the service (at most five). */
  pathPatterns: string[];
  /** Host-header patterns of the listener rule; none: any host. */
  hostPatterns?: string[];
  /** Seconds ECS ignores failing health checks of a new task. */
  healthCheckGrace?: number;
  /** Task-level CPU units and memory MiB. */
  cpu?: number;
  memory?: number;
  /** Declared in the config file: the stack gets the overlay (environment, secrets, policies). */
  declared?: { environment: Record<string, string>; secrets: Record<string, string>; policies: string[] };
  /** Whether the service has an ECR repository and a pipeline (declared services without a repository do not). */
  hasPipeline?: boolean;
  /** Unique per environment; lower is evaluated first. */
  listenerPriority: number;
  desiredCount: number;
  /** Runs until the pipeline pushes the first image. */
  placeholderImage: string;
  /** `owner/name` on GitHub; without it the operator must give the pipeline's GitHubRepository. */
  githubRepository?: string;
  githubBranch: string;
  /** Output of the task-roles stack holding the service's task role; none: no task role. */
  taskRoleOutput?: string;
  /** Whether the service writes to the environment's Kinesis stream (gets STREAM_NAME). */
  writesToStream: boolean;
}

/** A service as the caller names it: a name, with any setting overridden. */
export type ServiceDefinition = { name: string } & Partial<Omit<ServiceSettings, 'name'>>;

/** Public image a service runs before its pipeline has pushed one. */
export const PLACEHOLDER_IMAGE = 'public.ecr.aws/nginx/nginx:stable';

/** The two sample services of the seeds. */
export const SAMPLE_SERVICES: Readonly<Record<(typeof DEFAULT_SERVICES)[number], ServiceSettings>> = {
  '404': {
    name: '404',
    containerPort: 80,
    healthCheckPath: '/',
    // The real service answers 404 to everything; the placeholder answers 200.
    healthCheckMatcher: '200,404',
    pathPatterns: ['/*'],
    // The catch-all: evaluated last.
    listenerPriority: 50_000,
    desiredCount: 2,
    placeholderImage: PLACEHOLDER_IMAGE,
    githubRepository: 'rnzsgh/404',
    githubBranch: 'master',
    taskRoleOutput: 'Service404TaskRoleArn',
    writesToStream: true,
  },
  'php-hello': {
    name: 'php-hello',
    containerPort: 80,
    healthCheckPath: '/',
    healthCheckMatcher: '200-399',
    pathPatterns: ['/', '/index.php'],
    listenerPriority: 100,
    desiredCount: 2,
    placeholderImage: PLACEHOLDER_IMAGE,
    githubRepository: 'rnzsgh/php-hello',
    githubBranch: 'master',
    writesToStream: false,
  },
};

/** First listener priority given to services that are not samples; each next one gets 10 more. */
const FIRST_SERVICE_PRIORITY = 1_000;

/** The catalog of one environment. */
export interface Catalog {
  env: string;
  services: ServiceSettings[];
  /** In a stable reading order; dependencies always come before their dependents. */
  components: ComponentSpec[];
}

/** Options of buildCatalog. */
export interface CatalogOptions {
  /** Services of the environment; default: the two sample services. */
  services?: readonly (string | ServiceDefinition)[];
  /** Services declared in the config file; when there are any, the samples are not deployed. */
  declared?: readonly ServiceDeclaration[];
  /** Listener priorities the deployed service stacks have: kept, so no service is ever renumbered. */
  pinnedPriorities?: Readonly<Record<string, number>>;
}

/** Defaults of a declared service, where the config file leaves a key out. */
export const DECLARED_DEFAULTS = { cpu: 256, memory: 512, count: 1, branch: 'main' } as const;

/** A declared service as the catalog's settings. */
export function declaredSettings(
  declarations: readonly ServiceDeclaration[],
  pinned: Readonly<Record<string, number>> = {},
): ServiceSettings[] {
  const routed = declarations.filter((d) => d.port !== undefined).map((d) => d.name);
  const priorities = derivePriorities(routed, pinned);
  return declarations.map((d) => ({
    name: d.name,
    containerPort: d.port ?? 0,
    healthCheckPath: d.healthCheck?.path ?? '/',
    healthCheckMatcher: d.healthCheck?.codes ?? '200-399',
    healthCheckGrace: d.healthCheck?.grace ?? 60,
    pathPatterns: d.port === undefined ? [] : (d.paths ?? (d.hosts ? [] : [`/${d.name}`, `/${d.name}/*`])),
    hostPatterns: d.hosts ?? [],
    // A worker has no rule; its priority is never passed to the template.
    listenerPriority: priorities[d.name] ?? 0,
    desiredCount: d.count ?? DECLARED_DEFAULTS.count,
    cpu: d.cpu ?? DECLARED_DEFAULTS.cpu,
    memory: d.memory ?? DECLARED_DEFAULTS.memory,
    placeholderImage: d.image ?? PLACEHOLDER_IMAGE,
    ...(d.repository ? { githubRepository: d.repository } : {}),
    githubBranch: d.branch ?? DECLARED_DEFAULTS.branch,
    writesToStream: false,
    hasPipeline: d.repository !== undefined,
    declared: { environment: d.environment ?? {}, secrets: d.secrets ?? {}, policies: d.policies ?? [] },
  }));
}

/** Builds and checks the catalog of one environment (names, services, listener priorities, graph). */
export function buildCatalog(env: string, options: CatalogOptions = {}): Catalog {
  const envProblem = envNameProblem(env);
  if (envProblem) {
    throw new UsageError('INVALID_ENV_NAME', `Environment name "${env}" is unusable: ${envProblem}.`, {
      suggestions: ['Pick a short lower-case name such as dev, staging or alice-test.'],
    });
  }
  const services = options.declared?.length
    ? declaredSettings(options.declared, options.pinnedPriorities)
    : resolveServices(options.services ?? DEFAULT_SERVICES);
  // The Kinesis stream and the task-roles stack exist for the samples only (404 writes to it).
  const samples = services.some((s) => s.writesToStream || s.taskRoleOutput);
  const piped = services.filter((s) => s.hasPipeline !== false);
  const components = [
    bootstrap(env),
    network(env),
    ...(samples ? [kinesis(env)] : []),
    ...piped.map((service) => registry(env, service)),
    bastion(env),
    loadBalancer(env),
    ...(samples ? [taskRoles(env)] : []),
    cluster(env),
    ...services.map((service) => serviceComponent(env, service, samples)),
    ...piped.map((service) => pipeline(env, service)),
  ];
  for (const component of components) {
    const wired = Object.values(component.wiring).map((ref) => ref.component);
    component.dependsOn = [...new Set([...component.dependsOn, ...wired])];
  }
  validateGraph(components);
  return { env, services, components };
}

/** Settings of each service: sample defaults, generic defaults for others, then the caller's overrides. */
export function resolveServices(definitions: readonly (string | ServiceDefinition)[]): ServiceSettings[] {
  const seen = new Set<string>();
  let nextPriority = FIRST_SERVICE_PRIORITY;
  const services = definitions.map((definition): ServiceSettings => {
    const given: ServiceDefinition = typeof definition === 'string' ? { name: definition } : definition;
    const problem = serviceNameProblem(given.name);
    if (problem) {
      throw new UsageError('INVALID_SERVICE_NAME', `Service name "${given.name}" is unusable: ${problem}.`);
    }
    if (seen.has(given.name)) {
      throw new UsageError('DUPLICATE_SERVICE', `Service "${given.name}" is listed twice.`);
    }
    seen.add(given.name);
    const sample = (SAMPLE_SERVICES as Record<string, ServiceSettings | undefined>)[given.name];
    let base = sample;
    if (!base) {
      base = {
        name: given.name,
        containerPort: 80,
        healthCheckPath: '/',
        healthCheckMatcher: '200-399',
        pathPatterns: [`/${given.name}`, `/${given.name}/*`],
        listenerPriority: nextPriority,
        desiredCount: 2,
        placeholderImage: PLACEHOLDER_IMAGE,
        githubBranch: 'main',
        writesToStream: false,
      };
      nextPriority += 10;
    }
    const settings: ServiceSettings = { ...base, ...definedOnly(given) };
    if (settings.pathPatterns.length === 0 || settings.pathPatterns.length > 5) {
      throw new UsageError(
        'INVALID_SERVICE_SETTINGS',
        `Service "${settings.name}" routes ${settings.pathPatterns.length} path patterns; a listener rule takes 1 to 5.`,
      );
    }
    return settings;
  });
  const byPriority = new Map<number, string>();
  for (const service of services) {
    const other = byPriority.get(service.listenerPriority);
    if (other) {
      throw new UsageError(
        'DUPLICATE_LISTENER_PRIORITY',
        `Services "${other}" and "${service.name}" both have listener priority ${service.listenerPriority}.`,
        { suggestions: ['Give each service its own listenerPriority.'] },
      );
    }
    byPriority.set(service.listenerPriority, service.name);
  }
  return services;
}

/** The component of that name; a usage error listing the valid names when there is none. */
export function findComponent(catalog: Catalog, name: string): ComponentSpec {
  const component = catalog.components.find((candidate) => candidate.name === name);
  if (!component) {
    throw new UsageError('UNKNOWN_COMPONENT', `Unknown component: ${name}.`, {
      suggestions: [`Components: ${catalog.components.map((c) => c.name).join(', ')}`],
    });
  }
  return component;
}

/**
 * The components to deploy for a selection, dependencies included, in catalog order. A kind
 * (`service`, `pipeline`, `registry`) selects the components of every service, a service's name
 * its registry, service and pipeline; no selection selects everything.
 */
export function selectComponents(catalog: Catalog, selection: readonly string[]): ComponentSpec[] {
  if (selection.length === 0) return [...catalog.components];
  const names = new Set<string>();
  const unknown: string[] = [];
  for (const wanted of selection) {
    const matches = catalog.components.filter(
      (component) =>
        component.name === wanted ||
        // A kind (`service`) selects it for every service; a service's name, all of its stacks.
        (component.service !== undefined && (component.kind === wanted || component.service === wanted)),
    );
    if (matches.length === 0) unknown.push(wanted);
    matches.forEach((component) => names.add(component.name));
  }
  if (unknown.length > 0) {
    const kinds = PER_SERVICE_KINDS.join(', ');
    throw new UsageError(
      'UNKNOWN_COMPONENT',
      `Unknown component${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`,
      {
        suggestions: [
          `Components: ${catalog.components.map((c) => c.name).join(', ')}`,
          `Or a kind, for every service at once: ${kinds}`,
        ],
      },
    );
  }
  const closure = new Set(dependencyClosure(catalog.components, [...names]));
  return catalog.components.filter((component) => closure.has(component.name));
}

function component(
  env: string,
  spec: Omit<ComponentSpec, 'stackName' | 'template' | 'name' | 'identity'> & {
    name?: string;
    template?: string;
    identity?: Record<string, string>;
  },
): ComponentSpec {
  const name = spec.name ?? spec.kind;
  return {
    ...spec,
    name,
    template: spec.template ?? `${spec.kind}.yml`,
    stackName: stackName(env, name),
    identity: { EnvName: env, ...spec.identity },
  };
}

function bootstrap(env: string): ComponentSpec {
  return component(env, {
    kind: 'bootstrap',
    description: 'Bucket for large templates and pipeline artifacts',
    dependsOn: [],
    defaults: {},
    wiring: {},
    operatorParameters: [],
    capabilities: [],
  });
}

function network(env: string): ComponentSpec {
  return component(env, {
    kind: 'network',
    description: 'VPC over two Availability Zones, public and private subnets, NAT, routes',
    dependsOn: [],
    defaults: {},
    wiring: {},
    operatorParameters: [],
    capabilities: [],
  });
}

function kinesis(env: string): ComponentSpec {
  return component(env, {
    kind: 'kinesis',
    description: 'Encrypted Kinesis stream the 404 service writes to',
    dependsOn: [],
    defaults: {},
    wiring: {},
    operatorParameters: [],
    capabilities: [],
  });
}

function registry(env: string, service: ServiceSettings): ComponentSpec {
  return component(env, {
    kind: 'registry',
    name: `registry-${service.name}`,
    service: service.name,
    description: `ECR repository of the ${service.name} service`,
    identity: { ServiceName: service.name },
    dependsOn: [],
    defaults: {},
    wiring: {},
    operatorParameters: [],
    capabilities: [],
  });
}

function bastion(env: string): ComponentSpec {
  return component(env, {
    kind: 'bastion',
    description: 'SSH bastion in a public subnet',
    dependsOn: [],
    defaults: {},
    wiring: {
      VpcId: { component: 'network', output: 'VpcId' },
      VpcCidr: { component: 'network', output: 'VpcCidr' },
      PublicSubnetIds: { component: 'network', output: 'PublicSubnetIds' },
    },
    operatorParameters: [
      {
        key: 'SshCidr',
        description: 'the only CIDR allowed to SSH to the bastion',
        example: '203.0.113.7/32',
      },
    ],
    capabilities: [],
  });
}

function loadBalancer(env: string): ComponentSpec {
  return component(env, {
    kind: 'load-balancer',
    description: 'Application Load Balancer, its listener and security group',
    dependsOn: [],
    defaults: {},
    wiring: {
      VpcId: { component: 'network', output: 'VpcId' },
      PublicSubnetIds: { component: 'network', output: 'PublicSubnetIds' },
    },
    operatorParameters: [],
    capabilities: [],
  });
}

function taskRoles(env: string): ComponentSpec {
  return component(env, {
    kind: 'task-roles',
    description: 'Least-privilege task roles of the sample services',
    dependsOn: [],
    defaults: {},
    wiring: { StreamArn: { component: 'kinesis', output: 'StreamArn' } },
    operatorParameters: [],
    capabilities: ['CAPABILITY_NAMED_IAM'],
  });
}

function cluster(env: string): ComponentSpec {
  return component(env, {
    kind: 'cluster',
    description: 'ECS cluster, container instances, instance logs, event rules and topics',
    dependsOn: [],
    defaults: {},
    wiring: {
      VpcId: { component: 'network', output: 'VpcId' },
      PrivateSubnetIds: { component: 'network', output: 'PrivateSubnetIds' },
      LoadBalancerSecurityGroupId: { component: 'load-balancer', output: 'LoadBalancerSecurityGroupId' },
      // Instances accept SSH from the bastion's security group and the Instance Connect Endpoint's.
      BastionSecurityGroupId: { component: 'bastion', output: 'BastionSecurityGroupId' },
      InstanceConnectEndpointSecurityGroupId: {
        component: 'network',
        output: 'InstanceConnectEndpointSecurityGroupId',
      },
    },
    operatorParameters: [],
    capabilities: ['CAPABILITY_NAMED_IAM'],
  });
}

function serviceComponent(env: string, service: ServiceSettings, withTaskRoles = true): ComponentSpec {
  const registryName = `registry-${service.name}`;
  const piped = service.hasPipeline !== false;
  const worker = service.containerPort === 0;
  const wiring: Record<string, OutputRef> = {
    ClusterName: { component: 'cluster', output: 'ClusterName' },
    // Tasks are placed through the cluster's capacity provider (managed scaling and draining).
    CapacityProviderName: { component: 'cluster', output: 'CapacityProviderName' },
    VpcId: { component: 'network', output: 'VpcId' },
  };
  if (!worker) wiring.ListenerArn = { component: 'load-balancer', output: 'ListenerArn' };
  if (piped) wiring.RepositoryArn = { component: registryName, output: 'RepositoryArn' };
  if (service.taskRoleOutput)
    wiring.TaskRoleArn = { component: 'task-roles', output: service.taskRoleOutput };
  if (service.writesToStream) wiring.StreamName = { component: 'kinesis', output: 'StreamName' };
  return component(env, {
    kind: 'service',
    name: `service-${service.name}`,
    service: service.name,
    description: `ECS service ${service.name}: task definition, service, target group, listener rule`,
    identity: { ServiceName: service.name, ServiceSlug: serviceSlug(env, service.name) },
    dependsOn: ['cluster', ...(worker ? [] : ['load-balancer']), ...(withTaskRoles ? ['task-roles'] : [])],
    defaults: {
      ImageUri: service.placeholderImage,
      ContainerPort: String(service.containerPort),
      ...(worker
        ? {}
        : {
            HealthCheckPath: service.healthCheckPath,
            HealthCheckMatcher: service.healthCheckMatcher,
            PathPatterns: service.pathPatterns.join(','),
            ListenerPriority: String(service.listenerPriority),
          }),
      ...(!worker && service.hostPatterns?.length ? { HostHeaders: service.hostPatterns.join(',') } : {}),
      ...(!worker && service.healthCheckGrace !== undefined
        ? { HealthCheckGracePeriod: String(service.healthCheckGrace) }
        : {}),
      ...(service.cpu !== undefined ? { Cpu: String(service.cpu) } : {}),
      ...(service.memory !== undefined ? { Memory: String(service.memory) } : {}),
      DesiredCount: String(service.desiredCount),
    },
    wiring,
    operatorParameters: [],
    capabilities: ['CAPABILITY_NAMED_IAM'],
    // Without a repository there is no pipeline to push: the declared image is the image.
    ...(piped
      ? {
          image: {
            parameter: 'ImageUri',
            placeholder: service.placeholderImage,
            repository: { component: registryName, output: 'RepositoryName' },
          },
        }
      : {}),
    ...(service.declared
      ? {
          overlay: { base: 'service.yml', ...service.declared },
          template: `service-${service.name}.json`,
        }
      : {}),
  });
}

function pipeline(env: string, service: ServiceSettings): ComponentSpec {
  const registryName = `registry-${service.name}`;
  return component(env, {
    kind: 'pipeline',
    name: `pipeline-${service.name}`,
    service: service.name,
    description: `Pipeline of ${service.name}: GitHub source, CodeBuild to ECR, CloudFormation deploy`,
    identity: { ServiceName: service.name, ServiceSlug: serviceSlug(env, service.name) },
    // The pipeline updates the service stack in place, so that stack comes first.
    dependsOn: ['bootstrap', registryName, 'cluster', `service-${service.name}`],
    defaults: {
      GitHubBranch: service.githubBranch,
      ...(service.githubRepository ? { GitHubRepository: service.githubRepository } : {}),
    },
    wiring: {
      BucketName: { component: 'bootstrap', output: 'BucketName' },
      RepositoryName: { component: registryName, output: 'RepositoryName' },
      RepositoryUri: { component: registryName, output: 'RepositoryUri' },
    },
    operatorParameters: service.githubRepository
      ? []
      : [
          {
            key: 'GitHubRepository',
            description: `GitHub repository of ${service.name}`,
            example: 'owner/name',
          },
        ],
    capabilities: ['CAPABILITY_NAMED_IAM'],
  });
}

function definedOnly(definition: ServiceDefinition): Partial<ServiceSettings> {
  return Object.fromEntries(Object.entries(definition).filter(([, value]) => value !== undefined));
}

/** Per-service stack prefixes, and the stacks that exist only for the sample services. */
const LEFTOVER_KINDS = ['registry', 'service', 'pipeline'] as const;
const SAMPLE_ONLY = ['kinesis', 'task-roles'] as const;

/**
 * Components for stacks of the environment that the catalog no longer has: a service taken out of
 * the config (`registry-X`, `service-X`, `pipeline-X`) or the samples' own stacks once services
 * are declared. Built with the same builders, so their dependencies (dependents first on deletion)
 * are the ones they were deployed with. Other names are not ecspoc's to remove and are skipped.
 */
export function leftoverComponents(catalog: Catalog, componentNames: readonly string[]): ComponentSpec[] {
  const known = new Set(catalog.components.map((c) => c.name));
  const leftovers: ComponentSpec[] = [];
  for (const name of componentNames) {
    if (known.has(name)) continue;
    if ((SAMPLE_ONLY as readonly string[]).includes(name)) {
      leftovers.push(name === 'kinesis' ? kinesis(catalog.env) : taskRoles(catalog.env));
      continue;
    }
    const kind = LEFTOVER_KINDS.find((k) => name.startsWith(`${k}-`));
    const service = kind ? name.slice(kind.length + 1) : '';
    if (!kind || serviceNameProblem(service)) continue;
    const settings = resolveServices([service])[0]!;
    const spec =
      kind === 'registry'
        ? registry(catalog.env, settings)
        : kind === 'service'
          ? serviceComponent(catalog.env, settings)
          : pipeline(catalog.env, settings);
    leftovers.push(spec);
  }
  for (const component of leftovers) {
    const wired = Object.values(component.wiring).map((ref) => ref.component);
    component.dependsOn = [...new Set([...component.dependsOn, ...wired])];
  }
  return leftovers;
}
