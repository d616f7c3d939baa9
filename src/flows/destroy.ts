/**
 * The shell around the destroy engine: the plan on screen, the typed confirmation, whether to
 * empty buckets and repositories, live progress, Ctrl-C, the results and what was left in place.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import { InterruptedError, OperationError } from '../lib/errors.js';
import type { DestroyContext, DestroyEvent, DestroyPlan, DestroyResult } from '../lib/stacks/destroy.js';
import { describeActivity } from '../lib/stacks/events.js';
import { renderDestroyPlan, renderDestroyResult } from '../ui/destroy-view.js';
import { agree, confirmByTyping } from '../ui/prompt.js';
import { createProgress } from '../ui/progress.js';
import { canPrompt } from '../ui/terminal.js';
import { withInterrupt } from './interrupt.js';
import { failed, type FlowOutcome, succeeded } from './outcome.js';

/** What the operator asked for. */
export interface DestroyRequest {
  aws: AwsClients;
  env: string;
  concurrency?: number;
  yes: boolean;
  /** --empty-buckets given: empty without asking. */
  emptyBuckets: boolean;
  json: boolean;
  /** Declared services of the environment; none: the samples. */
  services?: readonly import('../lib/config/services.js').ServiceDeclaration[];
}

/** What `destroy` returns. */
export type DestroyOutcome = FlowOutcome<DestroyResult>;

/** Plans, confirms, empties (if agreed) and deletes the environment's stacks. */
export async function runDestroyFlow(request: DestroyRequest): Promise<DestroyOutcome> {
  const [
    { CloudFormationClient },
    { buildCatalog, leftoverComponents },
    { readTemplates },
    { listEnvironmentStacks },
    destroy,
  ] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('../lib/stacks/catalog.js'),
    import('../lib/stacks/templates.js'),
    import('../lib/stacks/reader.js'),
    import('../lib/stacks/destroy.js'),
  ]);
  const { toAwsError } = await import('../lib/aws/clients.js');
  const declared = buildCatalog(request.env, request.services ? { declared: request.services } : {});
  const existing = await listEnvironmentStacks(request.aws.client(CloudFormationClient), request.env).catch(
    (error: unknown) => {
      throw toAwsError(error, 'listing the stacks of the environment');
    },
  );
  // Stacks of services no longer declared (or of the samples) go too: the environment is destroyed.
  const catalog = {
    ...declared,
    components: [
      ...declared.components,
      ...leftoverComponents(
        declared,
        existing.map((s) => s.component),
      ),
    ],
  };
  const templates = await readTemplates(catalog.components);
  const running = new Set<string>();
  let progress = await createProgress([], { json: true });
  const context = await destroyContext(request.aws, request.env, request.concurrency, (event) => {
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
  });
  const plan = await destroy.planDestroy(catalog, templates, existing, context);
  const err = process.stderr;
  if (plan.targets.length === 0) {
    if (!request.json) err.write(`Environment "${request.env}" has no stacks: nothing to destroy.\n`);
    return succeeded({
      env: request.env,
      ok: true,
      interrupted: false,
      durationMs: 0,
      stacks: [],
      retained: [],
    });
  }
  if (!request.json) err.write(renderDestroyPlan(plan, err));
  await confirmByTyping(
    `This deletes ${plan.targets.length} stack(s) of environment "${request.env}". Type the environment name to confirm:`,
    request.env,
    { yes: request.yes, action: `destroy environment "${request.env}"` },
  );
  const emptyStores = await agreeToEmpty(plan.stores, {
    given: request.emptyBuckets,
    yes: request.yes,
    json: request.json,
    question: (names) => `Empty ${names} first? Their data is lost.`,
    action: 'empty buckets',
    refusal: (names) =>
      `Not emptying ${names} (pass --empty-buckets to): their stacks cannot be deleted while they hold data.`,
  });

  const stillDeleting = () => [...running].join(', ') || 'none';
  const result: DestroyResult = await withInterrupt(
    {
      first: () =>
        `Ctrl-C: no new deletion will start. Still running: ${stillDeleting()}. Ctrl-C again to stop following.`,
      note: (line) => progress.note(line),
      second: () => `Stopped following. Still deleting in CloudFormation: ${stillDeleting()}.`,
    },
    async (signal) => {
      context.signal = signal;
      progress = await createProgress(
        plan.targets.map((t) => ({ key: t.component, title: t.stackName })),
        { json: request.json },
      );
      try {
        return await destroy.executeDestroy(plan, { emptyStores }, context);
      } finally {
        await progress.close();
      }
    },
  );
  if (!emptyStores) {
    const byComponent = new Set(result.stacks.filter((s) => s.status !== 'deleted').map((s) => s.component));
    for (const store of plan.stores.filter((s) => !s.empty && byComponent.has(s.component))) {
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
    return failed(
      result,
      new InterruptedError('Interrupted: some stacks were not deleted.', {
        suggestions: [`ecspoc destroy --env ${request.env}`],
      }),
    );
  }
  if (!result.ok) {
    const notDeleted = result.stacks.filter((s) => s.status === 'failed');
    return failed(
      result,
      new OperationError(
        'DESTROY_FAILED',
        `${notDeleted.map((s) => s.component).join(', ')} not deleted: ${notDeleted[0]?.reason ?? ''}`,
        { suggestions: notDeleted[0]?.suggestion ? [notDeleted[0].suggestion] : [] },
      ),
    );
  }
  return succeeded(result);
}

/**
 * The destroy engine's context on real clients: CloudFormation, S3 and ECR (loaded when a store is
 * emptied), the system clock. `destroy` and `deploy --prune` both delete through it.
 */
export async function destroyContext(
  aws: AwsClients,
  env: string,
  concurrency: number | undefined,
  emit: (event: DestroyEvent) => void,
): Promise<DestroyContext> {
  const [{ CloudFormationClient }, { systemClock }, changeset] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('../lib/time/clock.js'),
    import('../lib/stacks/changeset.js'),
  ]);
  return {
    env,
    cfn: aws.client(CloudFormationClient),
    s3: async () => aws.client((await import('@aws-sdk/client-s3')).S3Client),
    ecr: async () => aws.client((await import('@aws-sdk/client-ecr')).ECRClient),
    timing: { clock: systemClock, pollIntervalMs: changeset.DEFAULT_POLL_INTERVAL_MS },
    concurrency: concurrency ?? 8,
    // Planning is read-only and needs no Ctrl-C handling; a flow gives the deletions its signal.
    signal: new AbortController().signal,
    emit,
  };
}

/**
 * Whether to empty the buckets or repositories that still hold data before their stacks are
 * deleted: yes when the flag was given; otherwise asked on a terminal (unless --yes, which never
 * agrees to lose data by itself), else a line saying how to, and no.
 */
export async function agreeToEmpty(
  stores: DestroyPlan['stores'],
  options: {
    given: boolean;
    yes: boolean;
    json: boolean;
    question: (names: string) => string;
    action: string;
    refusal: (names: string) => string;
  },
): Promise<boolean> {
  const holding = stores.filter((s) => !s.empty);
  if (options.given || holding.length === 0) return options.given;
  if (canPrompt() && !options.yes)
    return agree(options.question(holding.map((s) => `${s.kind} ${s.name}`).join(', ')), {
      yes: false,
      action: options.action,
    });
  if (!options.json) process.stderr.write(options.refusal(holding.map((s) => s.name).join(', ')) + '\n');
  return false;
}
