/**
 * Deleting an environment: its stacks in reverse dependency order (a stack goes once every stack
 * that uses it is gone), independent ones in parallel; buckets and ECR repositories emptied first
 * when the operator agrees (CloudFormation cannot delete them otherwise); retained resources
 * listed at the end, since they outlive their stacks and keep costing.
 */
import { paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { BatchDeleteImageCommand, type ECRClient, ListImagesCommand } from '@aws-sdk/client-ecr';
import { DeleteObjectsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';

import { toAwsError } from '../aws/clients.js';
import { EcspocError, OperationError } from '../errors.js';
import type { Catalog } from './catalog.js';
import {
  type CloudFormationApi,
  type EngineTiming,
  deleteStack,
  describeStack,
  waitUntilSettled,
} from './changeset.js';
import type { FailedResource, StackActivity } from './events.js';
import { walkGraph } from './graph.js';
import { isRetained, templateResources } from './resources.js';
import type { StackTemplate } from './templates.js';

/** A bucket or repository that must be empty before its stack can go. */
export interface DataStore {
  component: string;
  kind: 'bucket' | 'repository';
  name: string;
  /** Whether it held anything when the plan was made. */
  empty: boolean;
}

/** A resource CloudFormation leaves in place when its stack is deleted. */
export interface RetainedResource {
  component: string;
  logicalId: string;
  resourceType: string;
  physicalId?: string;
}

/** One stack to delete. */
export interface DestroyTarget {
  component: string;
  stackName: string;
  status: string;
  /** Components to delete before this one (the ones that use it). */
  dependents: string[];
}

/** What destroy will do. */
export interface DestroyPlan {
  env: string;
  targets: DestroyTarget[];
  stores: DataStore[];
  retained: RetainedResource[];
  /** Stacks named like the environment's that the catalog does not know: left alone. */
  foreign: string[];
}

/** How one stack's deletion ended. */
export interface DestroyStackResult {
  component: string;
  stackName: string;
  status: 'deleted' | 'failed' | 'skipped';
  durationMs: number;
  emptied?: { objects: number; images: number };
  failure?: FailedResource;
  reason?: string;
  suggestion?: string;
}

/** The result of a destroy. */
export interface DestroyResult {
  env: string;
  ok: boolean;
  interrupted: boolean;
  durationMs: number;
  stacks: DestroyStackResult[];
  /** Left in place: retained resources of deleted stacks, and buckets or repositories not emptied. */
  retained: RetainedResource[];
}

/** An event of a destroy, for the renderer. */
export type DestroyEvent =
  | { type: 'activity'; component: string; activity: StackActivity }
  | { type: 'started'; component: string }
  | { type: 'finished'; component: string; result: DestroyStackResult };

/** The clients and settings of a destroy. */
export interface DestroyContext {
  env: string;
  cfn: CloudFormationApi;
  s3: () => Promise<Pick<S3Client, 'send'>>;
  ecr: () => Promise<Pick<ECRClient, 'send'>>;
  timing: EngineTiming;
  concurrency: number;
  emit: (event: DestroyEvent) => void;
  signal?: AbortSignal;
}

/**
 * Finds the environment's stacks (waiting for any in progress), their buckets and repositories
 * (and whether they hold anything), and the resources their templates retain.
 */
export async function planDestroy(
  catalog: Catalog,
  templates: ReadonlyMap<string, StackTemplate>,
  existing: Array<{ stackName: string; status: string }>,
  context: DestroyContext,
): Promise<DestroyPlan> {
  const known = new Set(catalog.components.map((c) => c.stackName));
  const present = new Map(
    existing.filter((s) => s.status !== 'DELETE_COMPLETE').map((s) => [s.stackName, s.status]),
  );
  const components = catalog.components.filter((c) => present.has(c.stackName));
  const names = new Set(components.map((c) => c.name));
  const targets: DestroyTarget[] = components.map((c) => ({
    component: c.name,
    stackName: c.stackName,
    status: present.get(c.stackName) ?? 'UNKNOWN',
    dependents: catalog.components
      .filter((d) => names.has(d.name) && d.dependsOn.includes(c.name))
      .map((d) => d.name),
  }));
  const stores: DataStore[] = [];
  const retained: RetainedResource[] = [];
  await Promise.all(
    components.map(async (component) => {
      const template = templates.get(component.template);
      const keep = new Map(
        (template ? templateResources(template) : []).filter(isRetained).map((r) => [r.logicalId, r]),
      );
      for (const resource of await stackResources(context, component.stackName)) {
        if (keep.has(resource.logicalId)) {
          retained.push({ component: component.name, ...resource });
        } else if (resource.resourceType === 'AWS::S3::Bucket' && resource.physicalId) {
          stores.push({
            component: component.name,
            kind: 'bucket',
            name: resource.physicalId,
            empty: await bucketEmpty(context, resource.physicalId),
          });
        } else if (resource.resourceType === 'AWS::ECR::Repository' && resource.physicalId) {
          stores.push({
            component: component.name,
            kind: 'repository',
            name: resource.physicalId,
            empty: await repositoryEmpty(context, resource.physicalId),
          });
        }
      }
    }),
  );
  return {
    env: context.env,
    targets,
    stores: stores.sort((a, b) => a.name.localeCompare(b.name)),
    retained,
    foreign: [...present.keys()].filter((name) => !known.has(name)).sort(),
  };
}

/**
 * Deletes the planned stacks, dependents first, independent ones in parallel. With `emptyStores`,
 * each stack's buckets (every object version) and repositories (every image) are emptied right
 * before its deletion. A failed deletion keeps the stacks it uses.
 */
export async function executeDestroy(
  plan: DestroyPlan,
  options: { emptyStores: boolean },
  context: DestroyContext,
): Promise<DestroyResult> {
  const started = context.timing.clock.now();
  const results = new Map<string, DestroyStackResult>();
  const finish = (result: DestroyStackResult) => {
    results.set(result.component, result);
    context.emit({ type: 'finished', component: result.component, result });
  };
  const byName = new Map(plan.targets.map((t) => [t.component, t]));
  // The walk visits a node after its dependencies; for a deletion those are the node's dependents.
  const graph = plan.targets.map((t) => ({ name: t.component, dependsOn: t.dependents }));
  await walkGraph(
    graph,
    async (name) => {
      const target = byName.get(name)!;
      context.emit({ type: 'started', component: name });
      const result = await destroyStack(target, plan, options, context);
      finish(result);
      if (result.status !== 'deleted')
        throw new OperationError('STACK_NOT_DELETED', `${name} ${result.status}`);
    },
    {
      concurrency: context.concurrency,
      ...(context.signal ? { signal: context.signal } : {}),
      onSkip: ({ name, reason, blockedBy }) =>
        finish({
          component: name,
          stackName: byName.get(name)!.stackName,
          status: 'skipped',
          durationMs: 0,
          reason:
            reason === 'aborted'
              ? 'interrupted before it started'
              : `kept: ${blockedBy.join(', ')} ${blockedBy.length > 1 ? 'still use' : 'still uses'} it`,
        }),
    },
  );
  const stacks = plan.targets.map((t) => results.get(t.component)!);
  const deleted = new Set(stacks.filter((s) => s.status === 'deleted').map((s) => s.component));
  return {
    env: plan.env,
    ok: stacks.every((s) => s.status === 'deleted'),
    interrupted: Boolean(context.signal?.aborted),
    durationMs: context.timing.clock.now() - started,
    stacks,
    retained: plan.retained.filter((r) => deleted.has(r.component)),
  };
}

async function destroyStack(
  target: DestroyTarget,
  plan: DestroyPlan,
  options: { emptyStores: boolean },
  context: DestroyContext,
): Promise<DestroyStackResult> {
  const started = context.timing.clock.now();
  const sink = (activity: StackActivity) =>
    context.emit({ type: 'activity', component: target.component, activity });
  const result = (
    fields: Partial<DestroyStackResult> & Pick<DestroyStackResult, 'status'>,
  ): DestroyStackResult => ({
    component: target.component,
    stackName: target.stackName,
    durationMs: context.timing.clock.now() - started,
    ...fields,
  });
  try {
    const described = await describeStack(context.cfn, target.stackName, context.timing);
    const stack = described
      ? await waitUntilSettled(context.cfn, target.stackName, context.timing, sink, described)
      : undefined;
    if (!stack) return result({ status: 'deleted', reason: 'already gone' });
    let emptied: DestroyStackResult['emptied'];
    if (options.emptyStores) {
      emptied = { objects: 0, images: 0 };
      for (const store of plan.stores.filter((s) => s.component === target.component)) {
        sink({ kind: 'note', message: `emptying ${store.kind} ${store.name}` });
        if (store.kind === 'bucket') emptied.objects += await emptyBucket(context, store.name);
        else emptied.images += await emptyRepository(context, store.name);
      }
    }
    const outcome = await deleteStack(context.cfn, stack, context.timing, sink);
    if (!outcome.ok) {
      const holdsData =
        plan.stores.some((s) => s.component === target.component && !s.empty) && !options.emptyStores;
      return result({
        status: 'failed',
        ...(emptied ? { emptied } : {}),
        ...(outcome.failure ? { failure: outcome.failure } : {}),
        reason: outcome.failure
          ? `${outcome.failure.logicalId} (${outcome.failure.resourceType}): ${outcome.failure.reason}`
          : outcome.status,
        suggestion: holdsData
          ? `ecspoc destroy --env ${plan.env} --empty-buckets`
          : `aws cloudformation delete-stack --stack-name ${target.stackName} --retain-resources ${outcome.failure?.logicalId ?? 'LogicalId'}`,
      });
    }
    return result({ status: 'deleted', ...(emptied ? { emptied } : {}) });
  } catch (error) {
    if (!(error instanceof EcspocError)) throw error;
    return result({
      status: 'failed',
      reason: error.message,
      ...(error.suggestions[0] ? { suggestion: error.suggestions[0] } : {}),
    });
  }
}

async function stackResources(
  context: DestroyContext,
  stackName: string,
): Promise<Array<{ logicalId: string; resourceType: string; physicalId?: string }>> {
  const resources: Array<{ logicalId: string; resourceType: string; physicalId?: string }> = [];
  try {
    for await (const page of paginateListStackResources(
      { client: context.cfn as never },
      { StackName: stackName },
    )) {
      for (const summary of page.StackResourceSummaries ?? []) {
        resources.push({
          logicalId: summary.LogicalResourceId ?? '?',
          resourceType: summary.ResourceType ?? '?',
          ...(summary.PhysicalResourceId ? { physicalId: summary.PhysicalResourceId } : {}),
        });
      }
    }
  } catch (error) {
    throw toAwsError(error, `listing the resources of ${stackName}`);
  }
  return resources;
}

async function bucketEmpty(context: DestroyContext, bucket: string): Promise<boolean> {
  try {
    const page = await (
      await context.s3()
    ).send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1 }));
    return (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0) === 0;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchBucket') return true;
    throw toAwsError(error, `looking into bucket ${bucket}`);
  }
}

async function repositoryEmpty(context: DestroyContext, repository: string): Promise<boolean> {
  try {
    const page = await (
      await context.ecr()
    ).send(new ListImagesCommand({ repositoryName: repository, maxResults: 1 }));
    return (page.imageIds?.length ?? 0) === 0;
  } catch (error) {
    if ((error as { name?: string }).name === 'RepositoryNotFoundException') return true;
    throw toAwsError(error, `looking into repository ${repository}`);
  }
}

/** Deletes every object version and delete marker of a bucket, 1,000 at a time; returns how many. */
async function emptyBucket(context: DestroyContext, bucket: string): Promise<number> {
  const s3 = await context.s3();
  let deleted = 0;
  try {
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
        .filter((o) => o.Key)
        .map((o) => ({ Key: o.Key as string, ...(o.VersionId ? { VersionId: o.VersionId } : {}) }));
      if (objects.length === 0) return deleted;
      const response = await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
      );
      const errors = response.Errors ?? [];
      if (errors.length >= objects.length) {
        throw new OperationError(
          'BUCKET_NOT_EMPTIED',
          `Could not empty bucket ${bucket}: ${errors[0]?.Code}: ${errors[0]?.Message}`,
        );
      }
      deleted += objects.length - errors.length;
    }
  } catch (error) {
    if (error instanceof EcspocError) throw error;
    if ((error as { name?: string }).name === 'NoSuchBucket') return deleted;
    throw toAwsError(error, `emptying bucket ${bucket}`);
  }
}

/** Deletes every image of a repository, 100 at a time; returns how many. */
async function emptyRepository(context: DestroyContext, repository: string): Promise<number> {
  const ecr = await context.ecr();
  let deleted = 0;
  try {
    for (;;) {
      const page = await ecr.send(new ListImagesCommand({ repositoryName: repository, maxResults: 100 }));
      const ids = page.imageIds ?? [];
      if (ids.length === 0) return deleted;
      const response = await ecr.send(
        new BatchDeleteImageCommand({ repositoryName: repository, imageIds: ids }),
      );
      const failures = response.failures ?? [];
      if ((response.imageIds?.length ?? 0) === 0) {
        throw new OperationError(
          'REPOSITORY_NOT_EMPTIED',
          `Could not empty repository ${repository}: ${failures[0]?.failureCode ?? 'no image deleted'}: ${failures[0]?.failureReason ?? ''}`,
        );
      }
      deleted += response.imageIds?.length ?? 0;
    }
  } catch (error) {
    if (error instanceof EcspocError) throw error;
    if ((error as { name?: string }).name === 'RepositoryNotFoundException') return deleted;
    throw toAwsError(error, `emptying repository ${repository}`);
  }
}
