/**
 * The pre-flight of a deploy: resources the bundle names from the environment (the bucket, the
 * ECR repositories, the log groups, IAM roles and instance profiles, the Auto Scaling group and its
 * launch template, the event rules) that already exist while the stack that would create them does
 * not, and the account-wide CloudWatch Logs resource policies, of which a region holds at most 10. CloudFormation finds such a clash only when it executes the change set, and leaves a new
 * stack in REVIEW_IN_PROGRESS or ROLLBACK_COMPLETE; checking first stops the deploy before any
 * stack exists.
 */

import { UsageError } from '../errors.js';
import type { ComponentSpec } from './catalog.js';
import {
  autoScalingGroupName,
  bucketName,
  DEPLOY_FAILURE_RULES,
  EVENT_RULES,
  eventRuleName,
  eventsLogGroup,
  eventsPolicyName,
  INSTANCE_LOG_FILES,
  instanceLogGroup,
  iamName,
  launchTemplateName,
  repositoryName,
  serviceSlug,
  taskLogGroup,
} from './names.js';

/** A resource whose name the bundle derives from the environment. */
export interface NamedResource {
  kind:
    | 'bucket'
    | 'repository'
    | 'log-group'
    | 'role'
    | 'instance-profile'
    | 'auto-scaling-group'
    | 'launch-template'
    | 'event-rule';
  name: string;
  /** The component whose stack creates it. */
  component: string;
}

/** Answers whether a named resource exists already (in this account, or for a bucket, anywhere). */
export type ExistenceProbe = (resource: NamedResource) => Promise<boolean>;

/** The names of the region's account-level CloudWatch Logs resource policies. */
export type PolicyLister = () => Promise<string[]>;

/**
 * PutResourcePolicy: "An account can have up to 10 resource policies per AWS Region" (CloudWatch
 * Logs API Reference); the quota cannot be raised, and the cluster stack adds one per environment.
 */
export const MAX_LOG_RESOURCE_POLICIES = 10;

/** Where the environment is: the bucket name carries account and region. */
export interface PreflightScope {
  env: string;
  accountId: string;
  region: string;
}

/** The named resources the given components' stacks would create. */
export function namedResources(components: readonly ComponentSpec[], scope: PreflightScope): NamedResource[] {
  const { env } = scope;
  return components.flatMap((component): NamedResource[] => {
    const at = (kind: NamedResource['kind'], name: string) => ({ kind, name, component: component.name });
    switch (component.kind) {
      case 'bootstrap':
        return [at('bucket', bucketName(env, scope.accountId, scope.region))];
      case 'registry':
        return [at('repository', repositoryName(env, component.service!))];
      case 'cluster':
        return [
          ...Object.keys(INSTANCE_LOG_FILES).map((file) =>
            at('log-group', instanceLogGroup(env, file as keyof typeof INSTANCE_LOG_FILES)),
          ),
          at('log-group', eventsLogGroup(env)),
          at('role', iamName(env, scope.region, 'instance')),
          at('instance-profile', iamName(env, scope.region, 'instance')),
          at('auto-scaling-group', autoScalingGroupName(env)),
          at('launch-template', launchTemplateName(env)),
          ...[...EVENT_RULES, ...DEPLOY_FAILURE_RULES].map((rule) =>
            at('event-rule', eventRuleName(env, rule)),
          ),
        ];
      case 'task-roles':
        return [at('role', iamName(env, scope.region, 'task-404'))];
      case 'service':
        // The service's own task role exists only without one from task-roles (a condition on
        // parameters not resolved yet): only the execution role is always made.
        return [
          at('log-group', taskLogGroup(env, component.service!)),
          at('role', iamName(env, scope.region, `exec-${serviceSlug(env, component.service!)}`)),
        ];
      case 'pipeline': {
        const slug = serviceSlug(env, component.service!);
        return [
          at('log-group', `/ecspoc/${env}/builds/${component.service!}`),
          ...['build', 'deploy', 'pipeline'].map((role) =>
            at('role', iamName(env, scope.region, `${role}-${slug}`)),
          ),
        ];
      }
      default:
        return [];
    }
  });
}

/**
 * Refuses the deploy when any resource the new stacks would create exists already, or when the
 * cluster stack's CloudWatch Logs resource policy would be the region's eleventh, naming every
 * problem in one message; resolves when all names are free and there is room.
 */
export async function checkNamesFree(
  components: readonly ComponentSpec[],
  scope: PreflightScope,
  exists: ExistenceProbe,
  policies?: PolicyLister,
): Promise<void> {
  const wanted = namedResources(components, scope);
  const needsPolicy = components.some((component) => component.kind === 'cluster');
  const [found, policyNames] = await Promise.all([
    Promise.all(wanted.map(async (resource) => ((await exists(resource)) ? resource : undefined))),
    needsPolicy && policies ? policies() : Promise.resolve([]),
  ]);
  const taken = found.filter((resource): resource is NamedResource => resource !== undefined);
  const ours = eventsPolicyName(scope.env);
  const full = !policyNames.includes(ours) && policyNames.length >= MAX_LOG_RESOURCE_POLICIES;
  if (taken.length === 0 && !full) return;
  const problems: string[] = [];
  if (taken.length > 0) {
    const list = taken.map((r) => `${r.kind.replaceAll('-', ' ')} ${r.name} (${r.component})`).join(', ');
    problems.push(
      `${list} already ${taken.length === 1 ? 'exists' : 'exist'} outside the environment's stacks`,
    );
  }
  if (full)
    problems.push(
      `${scope.region} already holds the ${MAX_LOG_RESOURCE_POLICIES} CloudWatch Logs resource policies an account may have there (${policyNames.join(', ')}), and the cluster needs one for its events log group`,
    );
  throw new UsageError('NAMES_TAKEN', `Deploy refused before any change: ${problems.join('; ')}.`, {
    suggestions: [
      full && taken.length === 0
        ? 'Delete a resource policy you no longer need (aws logs delete-resource-policy --policy-name NAME), or deploy in another region.'
        : 'Delete or rename what holds the name, or deploy under another environment name (--env).',
    ],
  });
}
