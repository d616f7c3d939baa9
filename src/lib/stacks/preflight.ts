/**
 * The pre-flight of a deploy: resources the bundle names from the environment (the bucket, the
 * ECR repositories, the log groups) that already exist while the stack that would create them does
 * not. CloudFormation finds such a clash only when it executes the change set, and leaves a new
 * stack in REVIEW_IN_PROGRESS or ROLLBACK_COMPLETE; checking first stops the deploy before any
 * stack exists.
 */

import { UsageError } from '../errors.js';
import type { ComponentSpec } from './catalog.js';
import { bucketName, INSTANCE_LOG_FILES, instanceLogGroup, repositoryName, taskLogGroup } from './names.js';

/** A resource whose name the bundle derives from the environment. */
export interface NamedResource {
  kind: 'bucket' | 'repository' | 'log-group';
  name: string;
  /** The component whose stack creates it. */
  component: string;
}

/** Answers whether a named resource exists already (in this account, or for a bucket, anywhere). */
export type ExistenceProbe = (resource: NamedResource) => Promise<boolean>;

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
        return Object.keys(INSTANCE_LOG_FILES).map((file) =>
          at('log-group', instanceLogGroup(env, file as keyof typeof INSTANCE_LOG_FILES)),
        );
      case 'service':
        return [at('log-group', taskLogGroup(env, component.service!))];
      case 'pipeline':
        return [at('log-group', `/ecspoc/${env}/builds/${component.service!}`)];
      default:
        return [];
    }
  });
}

/**
 * Refuses the deploy when any resource the new stacks would create exists already, naming every one
 * in one message; resolves when all names are free.
 */
export async function checkNamesFree(
  components: readonly ComponentSpec[],
  scope: PreflightScope,
  exists: ExistenceProbe,
): Promise<void> {
  const wanted = namedResources(components, scope);
  const found = await Promise.all(
    wanted.map(async (resource) => ((await exists(resource)) ? resource : undefined)),
  );
  const taken = found.filter((resource): resource is NamedResource => resource !== undefined);
  if (taken.length === 0) return;
  const list = taken.map((r) => `${r.kind.replace('-', ' ')} ${r.name} (${r.component})`).join(', ');
  throw new UsageError(
    'NAMES_TAKEN',
    `Deploy refused before any change: ${list} already ${taken.length === 1 ? 'exists' : 'exist'} outside the environment's stacks.`,
    {
      suggestions: [
        'Delete or rename what holds the name, or deploy under another environment name (--env).',
      ],
    },
  );
}
