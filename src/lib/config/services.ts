/**
 * The operator's services in the config file: the shape of one entry, the checks each file gets
 * (every problem of a file in one message), the merge of top-level and per-environment entries, and
 * the checks the merged list gets (workers, cpu/memory, routing conflicts).
 */

/** One service as the config file declares it (top level or `environments.<env>.services`). */
export interface ServiceDeclaration {
  name: string;
  /** GitHub `owner/repo`: the service gets an ECR repository and a pipeline. */
  repository?: string;
  branch?: string;
  /** Image before the pipeline's first push, or always without a repository. */
  image?: string;
  /** Container port; none: a worker with no load balancer. */
  port?: number;
  cpu?: number;
  memory?: number;
  count?: number;
  paths?: string[];
  hosts?: string[];
  healthCheck?: { path?: string; codes?: string; grace?: number };
  environment?: Record<string, string>;
  secrets?: Record<string, string>;
  policies?: string[];
}

/** The keys of one entry, for the unknown-key check and its suggestion. */
export const SERVICE_KEYS = [
  'name',
  'repository',
  'branch',
  'image',
  'port',
  'cpu',
  'memory',
  'count',
  'paths',
  'hosts',
  'healthCheck',
  'environment',
  'secrets',
  'policies',
] as const;

const HEALTH_CHECK_KEYS = ['path', 'codes', 'grace'] as const;

/**
 * Task-level cpu and memory on EC2 (ECS API reference, RegisterTaskDefinition `cpu`): optional and
 * free, unlike Fargate's table; "supported values are between 128 CPU units (0.125 vCPUs) and
 * 196608 CPU units (192 vCPUs)". Memory is free on EC2 too; ecspoc asks for at least 128 MiB (the
 * template's floor, well above the 6 MiB Docker itself needs) and no more cpu than 192 vCPUs.
 */
export const TASK_CPU_RANGE = { min: 128, max: 196_608 } as const;
/** Smallest task memory ecspoc accepts, in MiB; the largest is what the biggest instance has. */
export const TASK_MEMORY_RANGE = { min: 128, max: 24 * 1024 * 1024 } as const;

/**
 * An ALB rule takes at most five match evaluations in all (ELB quotas, "condition values per
 * rule"), so paths and hosts of one service together count at most five.
 */
export const MAX_RULE_VALUES = 5;

/** The template already sets it for every container. */
const RESERVED_ENVIRONMENT = new Set(['AWS_REGION']);

const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Secrets Manager: arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME (ECS also takes a
// `:json-key:version-stage:version-id` suffix); SSM: arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME.
// ECS takes "the full ARN" of either in `valueFrom` (CloudFormation reference, ECS TaskDefinition Secret).
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:]*){0,3}$/;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+$/;
// Managed policies: AWS's (`arn:aws:iam::aws:policy/…`) or the account's (`…:iam::ACCOUNT:policy/…`).
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[A-Za-z0-9/+=,.@_-]+$/;
// ELB: hosts are a-z, 0-9, `-_.` and wildcards with at least one dot; paths start with `/`, at most 128.
const HOST = /^[A-Za-z0-9*?_-]+(\.[A-Za-z0-9*?_-]+)+$/;
const PATH = /^\/[A-Za-z0-9_\-.$/~"'@:+&*?]{0,127}$/;
const CODES = /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/;

/**
 * Checks one `services` list of one file and returns the entries it could read; every problem is
 * pushed to `problems` (prefixed with `where`), so a file with several mistakes is refused once.
 */
export function readServiceList(value: unknown, where: string, problems: string[]): ServiceDeclaration[] {
  if (!Array.isArray(value)) {
    problems.push(`${where} must be a list of services`);
    return [];
  }
  const seen = new Set<string>();
  const services: ServiceDeclaration[] = [];
  value.forEach((entry, index) => {
    const at = `${where}[${index}]`;
    if (!isRecord(entry)) {
      problems.push(`${at} must be a mapping`);
      return;
    }
    const name = entry.name;
    const label = typeof name === 'string' && name ? `${where} "${name}"` : at;
    for (const key of Object.keys(entry)) {
      if (!(SERVICE_KEYS as readonly string[]).includes(key))
        problems.push(`${label}: unknown key "${key}"${didYouMean(key, SERVICE_KEYS)}`);
    }
    if (typeof name !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) || name.length > 64) {
      problems.push(
        `${label}: "name" must be lower-case letters, digits and single hyphens (at most 64 characters)`,
      );
    } else if (seen.has(name)) {
      problems.push(`${where}: service name "${name}" is declared twice`);
    } else seen.add(name);
    const service: ServiceDeclaration = { name: String(name ?? '') };
    const text = (key: 'repository' | 'branch' | 'image', pattern?: RegExp, hint?: string) => {
      const v = entry[key];
      if (v === undefined) return;
      if (typeof v !== 'string' || v === '' || (pattern && !pattern.test(v)))
        problems.push(`${label}: "${key}" ${hint ?? 'must be a non-empty string'} (got ${show(v)})`);
      else service[key] = v;
    };
    text('repository', REPOSITORY, 'must be a GitHub owner/repo such as acme/api');
    text('branch');
    text('image');
    const integer = (key: 'port' | 'cpu' | 'memory' | 'count', min: number, max: number, what: string) => {
      const v = entry[key];
      if (v === undefined) return;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
        problems.push(`${label}: "${key}" must be ${what} from ${min} to ${max} (got ${show(v)})`);
      else service[key] = v;
    };
    integer('port', 1, 65_535, 'a port number');
    integer('cpu', TASK_CPU_RANGE.min, TASK_CPU_RANGE.max, 'CPU units (1024 = one vCPU)');
    integer('memory', TASK_MEMORY_RANGE.min, TASK_MEMORY_RANGE.max, 'MiB');
    integer('count', 0, 1_000, 'a number of tasks');
    const list = (key: 'paths' | 'hosts' | 'policies', pattern: RegExp, what: string) => {
      const v = entry[key];
      if (v === undefined) return;
      if (!Array.isArray(v) || v.length === 0) {
        problems.push(`${label}: "${key}" must be a non-empty list`);
        return;
      }
      const bad = v.filter((item) => typeof item !== 'string' || !pattern.test(item));
      if (bad.length > 0) problems.push(`${label}: "${key}" ${bad.map(show).join(', ')}: not ${what}`);
      else service[key] = key === 'hosts' ? v.map((h: string) => h.toLowerCase()) : [...(v as string[])];
    };
    list('paths', PATH, 'a path pattern starting with / (at most 128 characters)');
    list('hosts', HOST, 'a host name pattern with at least one dot');
    list('policies', POLICY_ARN, 'an IAM managed policy ARN (arn:aws:iam::aws:policy/NAME)');
    const map = (key: 'environment' | 'secrets') => {
      const v = entry[key];
      if (v === undefined) return;
      if (!isRecord(v)) {
        problems.push(`${label}: "${key}" must be a mapping of variable names`);
        return;
      }
      const out: Record<string, string> = {};
      for (const [variable, item] of Object.entries(v)) {
        if (!ENV_NAME.test(variable) || RESERVED_ENVIRONMENT.has(variable)) {
          problems.push(
            `${label}: ${key}.${variable} is not a usable variable name${RESERVED_ENVIRONMENT.has(variable) ? ' (ecspoc sets it)' : ''}`,
          );
        } else if (key === 'secrets') {
          if (typeof item !== 'string' || !(SECRET_ARN.test(item) || PARAMETER_ARN.test(item)))
            problems.push(
              `${label}: secrets.${variable} ${show(item)} is not a Secrets Manager secret ARN or SSM parameter ARN`,
            );
          else out[variable] = item;
        } else if (!['string', 'number', 'boolean'].includes(typeof item)) {
          problems.push(`${label}: environment.${variable} must be a scalar`);
        } else out[variable] = String(item);
      }
      service[key] = out;
    };
    map('environment');
    map('secrets');
    const health = entry.healthCheck;
    if (health !== undefined) {
      if (!isRecord(health)) problems.push(`${label}: "healthCheck" must be a mapping`);
      else {
        const check: NonNullable<ServiceDeclaration['healthCheck']> = {};
        for (const key of Object.keys(health)) {
          if (!(HEALTH_CHECK_KEYS as readonly string[]).includes(key))
            problems.push(`${label}: unknown key "healthCheck.${key}"${didYouMean(key, HEALTH_CHECK_KEYS)}`);
        }
        if (health.path !== undefined) {
          if (typeof health.path !== 'string' || !health.path.startsWith('/'))
            problems.push(`${label}: healthCheck.path must start with / (got ${show(health.path)})`);
          else check.path = health.path;
        }
        if (health.codes !== undefined) {
          const codes = String(health.codes);
          if (!CODES.test(codes))
            problems.push(
              `${label}: healthCheck.codes must be like 200, 200-399 or 200,404 (got ${show(health.codes)})`,
            );
          else check.codes = codes;
        }
        if (health.grace !== undefined) {
          const grace = health.grace;
          // ECS takes a grace period of 0 to 2,147,483,647 seconds; more than a day is a mistake.
          if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > 86_400)
            problems.push(`${label}: healthCheck.grace must be seconds from 0 to 86400 (got ${show(grace)})`);
          else check.grace = grace;
        }
        service.healthCheck = check;
      }
    }
    services.push(service);
  });
  return services;
}

/**
 * Merges service lists by name: a later entry of the same name overrides the earlier one key by key
 * (healthCheck, environment and secrets by their own keys, so an environment can add one variable);
 * entries only in the later list are appended. Order: the earlier list's, then the new names.
 */
export function mergeServiceLists(
  base: readonly ServiceDeclaration[],
  overrides: readonly ServiceDeclaration[],
): ServiceDeclaration[] {
  const merged = base.map((service) => ({ ...service }));
  for (const override of overrides) {
    const index = merged.findIndex((service) => service.name === override.name);
    if (index < 0) {
      merged.push({ ...override });
      continue;
    }
    const previous = merged[index]!;
    const next: ServiceDeclaration = { ...previous, ...override };
    for (const key of ['healthCheck', 'environment', 'secrets'] as const) {
      if (previous[key] && override[key])
        Object.assign(next, { [key]: { ...previous[key], ...override[key] } });
    }
    merged[index] = next;
  }
  return merged;
}

/**
 * The checks a merged list gets (an entry may be completed by an environment's override): a worker
 * routes nothing, a service without a repository names its image, a rule has at most five values,
 * and no two services can match the same request.
 */
export function serviceListProblems(services: readonly ServiceDeclaration[], where = 'services'): string[] {
  const problems: string[] = [];
  for (const service of services) {
    const label = `${where} "${service.name}"`;
    if (service.port === undefined) {
      const routed = (['paths', 'hosts', 'healthCheck'] as const).filter((key) => service[key] !== undefined);
      if (routed.length > 0)
        problems.push(
          `${label} is a worker (no port) but has ${routed.join(', ')}: give it a port or remove them`,
        );
    }
    if (!service.repository && !service.image)
      problems.push(`${label} has neither a repository nor an image: give it an image to run`);
    const values = (service.paths?.length ?? 0) + (service.hosts?.length ?? 0);
    if (values > MAX_RULE_VALUES)
      problems.push(
        `${label} routes ${values} paths and hosts; a listener rule takes at most ${MAX_RULE_VALUES}`,
      );
  }
  const routed = services.filter((s) => s.port !== undefined);
  for (let i = 0; i < routed.length; i += 1) {
    for (let j = i + 1; j < routed.length; j += 1) {
      const overlap = routeOverlap(routingOf(routed[i]!), routingOf(routed[j]!));
      if (overlap)
        problems.push(`${where} "${routed[i]!.name}" and "${routed[j]!.name}" both match ${overlap}`);
    }
  }
  return problems;
}

/** What a service's listener rule matches: its paths and hosts; none means any. */
export interface Routing {
  paths: string[];
  hosts: string[];
}

/** The paths a routed service gets when it names neither paths nor hosts. */
export function defaultPaths(name: string): string[] {
  return [`/${name}`, `/${name}/*`];
}

function routingOf(service: ServiceDeclaration): Routing {
  const paths = service.paths ?? (service.hosts ? [] : defaultPaths(service.name));
  return { paths, hosts: service.hosts ?? [] };
}

/**
 * A request both rules would match, described, or undefined. A rule matches when its path and its
 * host conditions both match (a missing condition matches anything), so two rules overlap when
 * some path pattern of each and some host pattern of each can match one string. Refusing overlaps
 * is what makes derived listener priorities safe: when no request matches two rules, the order the
 * load balancer evaluates them in cannot change where a request goes.
 */
export function routeOverlap(a: Routing, b: Routing): string | undefined {
  const path = firstOverlap(a.paths, b.paths, true);
  if (path === undefined) return undefined;
  const host = firstOverlap(a.hosts, b.hosts, false);
  if (host === undefined) return undefined;
  if (!path && !host) return 'every request';
  return `${path ? `path ${path}` : 'any path'} on ${host ? `host ${host}` : 'any host'}`;
}

/** '' when either side has no condition (anything matches), the overlapping pair, or undefined. */
function firstOverlap(a: string[], b: string[], caseSensitive: boolean): string | undefined {
  // A missing condition matches anything: the other side's first pattern names the overlap.
  if (a.length === 0 || b.length === 0) return a.length + b.length === 0 ? '' : `"${[...a, ...b][0]}"`;
  for (const x of a) {
    for (const y of b) {
      const [p, q] = caseSensitive ? [x, y] : [x.toLowerCase(), y.toLowerCase()];
      if (globsIntersect(p, q)) return p === q ? `"${x}"` : `"${x}" and "${y}"`;
    }
  }
  return undefined;
}

/** Whether some string matches both glob patterns (`*` any run of characters, `?` one character). */
export function globsIntersect(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === '*') result = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (b[j] === '*') result = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = (a[i] === '?' || b[j] === '?' || a[i] === b[j]) && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** ` (did you mean "x"?)` for the nearest known key within two edits, else ''. */
export function didYouMean(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
