/**
 * Names that every part of ecspoc derives from the environment name. Templates create these
 * resources with the same patterns; commands find them through these functions (and through
 * stack outputs), never by guessing.
 */

/** The six container-instance log files the CloudWatch agent ships, keyed by their short name. */
export const INSTANCE_LOG_FILES = {
  dmesg: '/var/log/dmesg',
  messages: '/var/log/messages',
  docker: '/var/log/docker',
  'ecs-agent': '/var/log/ecs/ecs-agent.log',
  'ecs-init': '/var/log/ecs/ecs-init.log',
  audit: '/var/log/ecs/audit.log',
} as const;

export type InstanceLogFile = keyof typeof INSTANCE_LOG_FILES;

/** The sample services of the seeds, deployed by default. */
export const DEFAULT_SERVICES = ['404', 'php-hello'] as const;

/** CloudFormation stack name of one component: `ecspoc-<env>-<component>`. */
export function stackName(env: string, component: string): string {
  return `ecspoc-${env}-${component}`;
}

/** The ECS cluster's name. */
export function clusterName(env: string): string {
  return `ecspoc-${env}`;
}

/** Log group of one instance log file; one stream per instance id. */
export function instanceLogGroup(env: string, file: InstanceLogFile): string {
  return `/ecspoc/${env}/instances/${file}`;
}

/** Prefix shared by all instance log groups of an environment. */
export function instanceLogGroupPrefix(env: string): string {
  return `/ecspoc/${env}/instances/`;
}

/**
 * Log group of one service's tasks (awslogs driver). The driver's stream prefix is the service
 * name, so streams are `<service>/<container>/<task-id>`.
 */
export function taskLogGroup(env: string, service: string): string {
  return `/ecspoc/${env}/tasks/${service}`;
}

/** Prefix shared by all task log groups of an environment. */
export function taskLogGroupPrefix(env: string): string {
  return `/ecspoc/${env}/tasks/`;
}

/**
 * Longest environment name the bundle can take: the load balancer (`ecspoc-<env>-alb`) and the
 * target groups (`ecspoc-<env>-<short service hash>`) must fit AWS's 32-character limit, and the
 * bootstrap bucket (`ecspoc-<env>-<account>-<region>`) the 63-character limit of S3.
 */
export const MAX_ENV_NAME_LENGTH = 12;

/** Why an environment name is unusable, or undefined when it is fine. */
export function envNameProblem(env: string): string | undefined {
  if (env.length === 0) return 'it is empty';
  if (env.length > MAX_ENV_NAME_LENGTH)
    return `it has ${env.length} characters; load balancer and target group names (32 characters at most) allow ${MAX_ENV_NAME_LENGTH}`;
  if (!/^[a-z0-9-]+$/.test(env))
    return 'only lower-case letters, digits and hyphens are allowed (S3 bucket names are lower-case, stack names allow no other characters)';
  if (!/^[a-z]/.test(env)) return 'it must start with a letter (stack names start with a letter)';
  if (env.endsWith('-')) return 'it must not end with a hyphen (load balancer and bucket names cannot)';
  if (env.includes('--')) return 'it must not contain two hyphens in a row (S3 bucket names cannot)';
  return undefined;
}
