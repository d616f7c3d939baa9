/**
 * The shell around the destroy engine: the plan on screen, the typed confirmation, whether to
 * empty buckets and repositories, live progress, Ctrl-C, the results and what was left in place.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import {
  AbortedError,
  type EcspocError,
  EXIT_CODES,
  InterruptedError,
  OperationError,
} from '../lib/errors.js';
import type { DestroyPlan, DestroyResult } from '../lib/stacks/destroy.js';
import { describeActivity } from '../lib/stacks/events.js';
import { canPrompt, confirm, confirmByTyping } from './prompt.js';
import { createProgress } from './progress.js';
import { paint } from './style.js';

/** What the operator asked for. */
export interface DestroyRequest {
  aws: AwsClients;
  env: string;
  concurrency?: number;
  yes: boolean;
  /** --empty-buckets given: empty without asking. */
  emptyBuckets: boolean;
  json: boolean;
}

/** What the command returns and how the process should end. */
export interface DestroyOutcome {
  output: DestroyResult;
  exitCode: number;
  error?: EcspocError;
}

/** Plans, confirms, empties (if agreed) and deletes the environment's stacks. */
export async function runDestroyFlow(request: DestroyRequest): Promise<DestroyOutcome> {
  const [
    { CloudFormationClient },
    { buildCatalog },
    { readTemplates },
    { listEnvironmentStacks },
    destroy,
    { systemClock },
    changeset,
  ] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('../lib/stacks/catalog.js'),
    import('../lib/stacks/templates.js'),
    import('../lib/stacks/reader.js'),
    import('../lib/stacks/destroy.js'),
    import('../lib/time/clock.js'),
    import('../lib/stacks/changeset.js'),
  ]);
  const { toAwsError } = await import('../lib/aws/clients.js');
  const catalog = buildCatalog(request.env);
  const templates = await readTemplates(catalog.components);
  const existing = await listEnvironmentStacks(request.aws.client(CloudFormationClient), request.env).catch(
    (error: unknown) => {
      throw toAwsError(error, 'listing the stacks of the environment');
    },
  );
  const controller = new AbortController();
  const running = new Set<string>();
  let progress = await createProgress([], { json: true });
  const context = {
    env: request.env,
    cfn: request.aws.client(CloudFormationClient),
    s3: async () => request.aws.client((await import('@aws-sdk/client-s3')).S3Client),
    ecr: async () => request.aws.client((await import('@aws-sdk/client-ecr')).ECRClient),
    timing: { clock: systemClock, pollIntervalMs: changeset.DEFAULT_POLL_INTERVAL_MS },
    concurrency: request.concurrency ?? 8,
    signal: controller.signal,
    emit: (event: import('../lib/stacks/destroy.js').DestroyEvent) => {
      const task = progress.task(event.component);
      if (event.type === 'started') running.add(event.component);
      else if (event.type === 'activity') task.update(describeActivity(event.activity));
      else {
        running.delete(event.component);
        const r = event.result;
        if (r.status === 'deleted') task.succeed(r.reason ?? 'deleted');
        else if (r.status === 'failed') task.fail(r.reason ?? 'failed');
        else task.skip(r.reason ?? 'skipped');
      }
    },
  };
  const plan = await destroy.planDestroy(catalog, templates, existing, context);
  const err = process.stderr;
  if (plan.targets.length === 0) {
    if (!request.json) err.write(`Environment "${request.env}" has no stacks: nothing to destroy.\n`);
    return {
      output: { env: request.env, ok: true, interrupted: false, durationMs: 0, stacks: [], retained: [] },
      exitCode: EXIT_CODES.success,
    };
  }
  if (!request.json) err.write(renderDestroyPlan(plan, err));
  await confirmByTyping(
    `This deletes ${plan.targets.length} stack(s) of environment "${request.env}". Type the environment name to confirm:`,
    request.env,
    { yes: request.yes, action: `destroy environment "${request.env}"` },
  );
  const holding = plan.stores.filter((s) => !s.empty);
  let emptyStores = request.emptyBuckets;
  if (!emptyStores && holding.length > 0) {
    if (canPrompt() && !request.yes) {
      emptyStores = await confirm(
        `Empty ${holding.map((s) => `${s.kind} ${s.name}`).join(', ')} first? Their data is lost.`,
        {
          yes: false,
          action: 'empty buckets',
        },
      ).then(
        () => true,
        (error: unknown) => {
          if (error instanceof AbortedError) return false;
          throw error;
        },
      );
    } else if (!request.json) {
      err.write(
        `Not emptying ${holding.map((s) => s.name).join(', ')} (pass --empty-buckets to): their stacks cannot be deleted while they hold data.\n`,
      );
    }
  }

  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    if (interrupts === 1) {
      controller.abort();
      progress.note(
        `Ctrl-C: no new deletion will start. Still running: ${[...running].join(', ') || 'none'}. Ctrl-C again to stop following.`,
      );
      return;
    }
    err.write(
      `\nStopped following. Still deleting in CloudFormation: ${[...running].join(', ') || 'none'}.\n`,
    );
    process.exit(EXIT_CODES.interrupted);
  };
  process.on('SIGINT', onInterrupt);
  let result: DestroyResult;
  try {
    progress = await createProgress(
      plan.targets.map((t) => ({ key: t.component, title: t.stackName })),
      { json: request.json },
    );
    try {
      result = await destroy.executeDestroy(plan, { emptyStores }, context);
    } finally {
      await progress.close();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (!emptyStores) {
    const byComponent = new Set(result.stacks.filter((s) => s.status !== 'deleted').map((s) => s.component));
    for (const store of holding.filter((s) => byComponent.has(s.component))) {
      result.retained.push({
        component: store.component,
        logicalId: store.name,
        resourceType: store.kind === 'bucket' ? 'AWS::S3::Bucket' : 'AWS::ECR::Repository',
        physicalId: store.name,
      });
    }
  }
  if (!request.json) process.stdout.write(renderDestroyResult(result, plan, process.stdout));
  if (result.interrupted) {
    return {
      output: result,
      exitCode: EXIT_CODES.interrupted,
      error: new InterruptedError('Interrupted: some stacks were not deleted.', {
        suggestions: [`ecspoc destroy --env ${request.env}`],
      }),
    };
  }
  if (!result.ok) {
    const failed = result.stacks.filter((s) => s.status === 'failed');
    return {
      output: result,
      exitCode: EXIT_CODES.failure,
      error: new OperationError(
        'DESTROY_FAILED',
        `${failed.map((s) => s.component).join(', ')} not deleted: ${failed[0]?.reason ?? ''}`,
        {
          suggestions: failed[0]?.suggestion ? [failed[0].suggestion] : [],
        },
      ),
    };
  }
  return { output: result, exitCode: EXIT_CODES.success };
}

function renderDestroyPlan(plan: DestroyPlan, stream: NodeJS.WriteStream): string {
  const lines = [
    `Destroy plan for environment "${plan.env}": ${plan.targets.length} stack(s), dependents first`,
  ];
  for (const target of plan.targets) {
    const after = target.dependents.length ? `  (after ${target.dependents.join(', ')})` : '';
    lines.push(paint('red', `  - ${target.stackName.padEnd(38)} ${target.status}`, stream) + after);
  }
  for (const store of plan.stores) {
    lines.push(
      `  ${store.kind} ${store.name}: ${store.empty ? 'empty' : 'holds data (emptied only if you agree or pass --empty-buckets)'}`,
    );
  }
  for (const resource of plan.retained) {
    lines.push(
      `  kept (DeletionPolicy): ${resource.logicalId} ${resource.resourceType} ${resource.physicalId ?? ''}`,
    );
  }
  if (plan.foreign.length) lines.push(`  not part of the bundle, left alone: ${plan.foreign.join(', ')}`);
  return lines.join('\n') + '\n';
}

function renderDestroyResult(result: DestroyResult, plan: DestroyPlan, stream: NodeJS.WriteStream): string {
  const lines: string[] = [];
  for (const stack of result.stacks) {
    const colour = stack.status === 'deleted' ? 'green' : stack.status === 'failed' ? 'red' : 'yellow';
    const emptied =
      stack.emptied && stack.emptied.objects + stack.emptied.images > 0
        ? ` (emptied: ${stack.emptied.objects} object(s), ${stack.emptied.images} image(s))`
        : '';
    lines.push(
      paint(
        colour,
        `${stack.stackName.padEnd(38)} ${stack.status.padEnd(8)} ${(stack.durationMs / 1000).toFixed(1).padStart(6)}s  ${stack.reason ?? ''}${emptied}`,
        stream,
      ),
    );
    if (stack.suggestion && stack.status === 'failed')
      lines.push(`${''.padEnd(38)} Try: ${stack.suggestion}`);
  }
  const deleted = result.stacks.filter((s) => s.status === 'deleted').length;
  lines.push(
    '',
    `Deleted ${deleted} of ${result.stacks.length} stack(s) of "${result.env}" in ${(result.durationMs / 1000).toFixed(1)}s.`,
  );
  if (result.retained.length > 0) {
    lines.push('Left in place (delete them yourself when no longer needed):');
    for (const resource of result.retained) {
      lines.push(
        `  ${resource.resourceType} ${resource.physicalId ?? resource.logicalId} (from ${resource.component})`,
      );
    }
  }
  if (plan.foreign.length) lines.push(`Not part of the bundle, left alone: ${plan.foreign.join(', ')}`);
  return lines.join('\n') + '\n';
}
