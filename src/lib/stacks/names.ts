/**
 * Names that every part of ecspoc derives from the environment name. Templates create these
 * resources with the same patterns; commands find them through these functions (and through
 * stack outputs), never by guessing.
 */

import { createHash } from 'node:crypto';

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
 * target groups (`ecspoc-<env>-<service slug>`, see serviceSlug) must fit AWS's 32-character limit,
 * and the bootstrap bucket (`ecspoc-<env>-<account>-<region>`) the 63-character limit of S3. Twelve
 * leaves a target group room for a 12-character service name before it is shortened. Every
 * template's EnvName parameter has this MaxLength.
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

/** Longest service name: pipeline names (`ecspoc-<env>-<service>`) must fit CodePipeline's 100 characters. */
export const MAX_SERVICE_NAME_LENGTH = 64;

/** Why a service name is unusable, or undefined when it is fine. */
export function serviceNameProblem(service: string): string | undefined {
  if (service.length === 0) return 'it is empty';
  if (service.length > MAX_SERVICE_NAME_LENGTH)
    return `it has ${service.length} characters; at most ${MAX_SERVICE_NAME_LENGTH} are allowed`;
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(service))
    return 'only lower-case letters, digits and single hyphens between them are allowed (ECR repository and stack names)';
  return undefined;
}

/** AWS's limit on load balancer, target group and CodeStar connection names. */
const SHORT_NAME_LIMIT = 32;

/**
 * The service name where a resource name has a tight limit (target group and connection
 * `ecspoc-<env>-<slug>` within 32 characters; role names). The name itself when it fits; otherwise
 * its beginning and six hex digits of its SHA-256, so two long names never share a slug.
 */
export function serviceSlug(env: string, service: string): string {
  const room = SHORT_NAME_LIMIT - `ecspoc-${env}-`.length;
  if (service.length <= room) return service;
  const digest = createHash('sha256').update(service).digest('hex').slice(0, 6);
  const head = service.slice(0, Math.max(room - 7, 0)).replace(/-+$/, '');
  return head ? `${head}-${digest}` : digest;
}

/** The environment's bucket for templates and pipeline artifacts; S3 names are global, hence account and region. */
export function bucketName(env: string, accountId: string, region: string): string {
  return `ecspoc-${env}-${accountId}-${region}`;
}

/** ECR repository of one service. */
export function repositoryName(env: string, service: string): string {
  return `ecspoc-${env}/${service}`;
}

/** The Application Load Balancer's name. */
export function loadBalancerName(env: string): string {
  return `ecspoc-${env}-alb`;
}

/** Target group of one service. */
export function targetGroupName(env: string, service: string): string {
  return `ecspoc-${env}-${serviceSlug(env, service)}`;
}

/** Auto Scaling Group of the container instances. */
export function autoScalingGroupName(env: string): string {
  return `ecspoc-${env}-instances`;
}

/** Launch template of the container instances. */
export function launchTemplateName(env: string): string {
  return `ecspoc-${env}-instances`;
}

/** Name tag of the bastion instance (and name of its launch template). */
export function bastionName(env: string): string {
  return `ecspoc-${env}-bastion`;
}

/** Kinesis stream the 404 sample service writes to. */
export function streamName(env: string): string {
  return `ecspoc-${env}-events`;
}

/** CodePipeline (and CodeBuild project) of one service. */
export function pipelineName(env: string, service: string): string {
  return `ecspoc-${env}-${service}`;
}

/** The five EventBridge rules of the cluster stack; each publishes to its own SNS topic of the same name. */
export const EVENT_RULES = [
  'inactive-instance',
  'essential-container-stopped',
  'deploy-error',
  'instance-state',
  'task-state',
] as const;

export type EventRule = (typeof EVENT_RULES)[number];

/**
 * The two deploy-failure rules beside them ("CloudFormation Stack Status Change" and CodePipeline
 * FAILED), which publish to the deploy-error topic.
 */
export const DEPLOY_FAILURE_RULES = ['stack-failed', 'pipeline-failed'] as const;

/** EventBridge rule of one of the five event kinds. */
export function eventRuleName(env: string, rule: EventRule | (typeof DEPLOY_FAILURE_RULES)[number]): string {
  return `ecspoc-${env}-${rule}`;
}

/** SNS topic the rule of the same kind publishes to. */
export function eventTopicName(env: string, rule: EventRule): string {
  return `ecspoc-${env}-${rule}`;
}

/**
 * The log group every event rule of an environment also delivers to. EventBridge's console offers only
 * groups under `/aws/events/` as targets, so the bundle keeps to that prefix.
 */
export function eventsLogGroup(env: string): string {
  return `/aws/events/ecspoc-${env}`;
}

/** The Logs resource policy that lets EventBridge write to the events log group (one per environment). */
export function eventsPolicyName(env: string): string {
  return `ecspoc-${env}-events`;
}

/**
 * An IAM role (or instance profile) of the bundle: `what` is `instance`, `exec-<slug>`, `build-<slug>`…
 * IAM names are global to the account, so the region is part of them: one environment name stays
 * usable in two regions. Service parts use serviceSlug, since role names end at 64 characters.
 */
export function iamName(env: string, region: string, what: string): string {
  return `ecspoc-${env}-${region}-${what}`;
}
