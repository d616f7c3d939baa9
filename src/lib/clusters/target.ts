/**
 * What a command targets when it is not the bundle's own cluster: `--cluster` and its companion flags
 * over `environments.<env>.cluster` of the config file. Apart from the discovery rules (adopt.ts) so
 * that every command can ask without loading the ECS and EC2 clients those need.
 */
import { UsageError } from '../errors.js';

/** What the operator said about a cluster ecspoc did not deploy (flags, else the config file). */
export interface AdoptRequest {
  cluster: string;
  /** The Auto Scaling group to work through when the cluster has several. */
  asg?: string;
  /** The bastion's EC2 instance id; none: reach instances with `ssh-config --via ssm|eice`. */
  bastion?: string;
  /** Prefix of the instance log groups (`/ecs/prod/` → `/ecs/prod/ecs-agent` …). */
  instanceLogPrefix?: string;
}

/** The flags that name the same target again in a suggested command: `--cluster C [--asg A]` or `--env E`. */
export function targetFlags(env: string, adopt?: AdoptRequest): string {
  if (!adopt) return `--env ${env}`;
  return [`--cluster ${adopt.cluster}`, adopt.asg ? `--asg ${adopt.asg}` : ''].filter(Boolean).join(' ');
}

/** The cluster flags as given on the command line. */
export interface AdoptFlags {
  cluster?: string;
  asg?: string;
  bastion?: string;
  instanceLogPrefix?: string;
}

/**
 * What a command targets: `--cluster` (with the other flags) over the environment's adoption in the
 * config file, whose keys the flags override one by one; undefined: the bundle's own cluster. The
 * companion flags without any cluster to apply to are a usage error rather than silently ignored.
 */
export function resolveAdoption(flags: AdoptFlags, configured?: AdoptRequest): AdoptRequest | undefined {
  const given = Object.fromEntries(
    Object.entries(flags).filter(([, value]) => value !== undefined && value !== ''),
  ) as AdoptFlags;
  // Another cluster on the command line: the config file's group, bastion and prefix are not its own.
  const base = given.cluster && given.cluster !== configured?.cluster ? undefined : configured;
  const cluster = given.cluster ?? base?.cluster;
  if (!cluster) {
    const stray = (['asg', 'bastion', 'instanceLogPrefix'] as const).filter((key) => given[key]);
    if (stray.length > 0) {
      const names = stray.map((key) => (key === 'instanceLogPrefix' ? '--instance-log-prefix' : `--${key}`));
      throw new UsageError(
        'NEEDS_CLUSTER',
        `${names.join(' and ')} ${names.length === 1 ? 'applies' : 'apply'} to a cluster ecspoc did not deploy: add --cluster NAME.`,
        {
          suggestions: ['Or set environments.<env>.cluster in the config file.'],
        },
      );
    }
    return undefined;
  }
  return { ...base, ...given, cluster };
}
