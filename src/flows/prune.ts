/**
 * The prune part of `deploy` and `diff`: what exists of the environment before planning (for the
 * stacks no longer declared and the listener priorities to keep), and `deploy --prune`'s deletion
 * through the destroy engine, emptying ECR repositories only when the operator agrees.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { DestroyResult } from '../lib/stacks/destroy.js';
import type { EnvironmentSurvey, PrunePlan } from '../lib/stacks/prune.js';
import { agreeToEmpty, destroyContext } from './destroy.js';

/** Lists and describes the environment's stacks (ListStacks, then DescribeStacks for the non-shared ones). */
export async function survey(aws: AwsClients, env: string): Promise<EnvironmentSurvey> {
  const [
    { CloudFormationClient },
    { listEnvironmentStacks },
    prune,
    changeset,
    { systemClock },
    { toAwsError },
  ] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('../lib/stacks/reader.js'),
    import('../lib/stacks/prune.js'),
    import('../lib/stacks/changeset.js'),
    import('../lib/time/clock.js'),
    import('../lib/aws/clients.js'),
  ]);
  const cfn = aws.client(CloudFormationClient);
  const timing = { clock: systemClock, pollIntervalMs: changeset.DEFAULT_POLL_INTERVAL_MS };
  return prune.surveyEnvironment(
    () =>
      listEnvironmentStacks(cfn, env).catch((error: unknown) => {
        throw toAwsError(error, 'listing the stacks of the environment');
      }),
    (name) => changeset.describeStack(cfn, name, timing),
  );
}

/** The line that reports stacks left behind by services taken out of the config. */
export function undeclaredNote(plan: PrunePlan, command: string): string {
  if (plan.stacks.length === 0) return '';
  return (
    `No longer declared (left in place): ${plan.stacks.map((s) => s.stackName).join(', ')}.\n` +
    `Try: ecspoc ${command} --env ${plan.env} --prune to delete them.\n`
  );
}

/** Deletes the prune plan's stacks, dependents first; repositories are emptied if the operator agrees. */
export async function executePrune(
  aws: AwsClients,
  plan: PrunePlan,
  options: { yes: boolean; emptyRepositories: boolean; json: boolean; concurrency?: number },
): Promise<DestroyResult> {
  const [destroy, { readTemplates }] = await Promise.all([
    import('../lib/stacks/destroy.js'),
    import('../lib/stacks/templates.js'),
  ]);
  const context = await destroyContext(aws, plan.env, options.concurrency, (event) => {
    if (event.type === 'finished' && !options.json)
      process.stderr.write(
        `  pruned ${event.result.stackName}: ${event.result.status}${event.result.reason ? ` (${event.result.reason})` : ''}\n`,
      );
  });
  const templates = await readTemplates(plan.catalog.components);
  const destroyPlan = await destroy.planDestroy(plan.catalog, templates, plan.stacks, context);
  const emptyStores = await agreeToEmpty(destroyPlan.stores, {
    given: options.emptyRepositories,
    yes: options.yes,
    json: options.json,
    question: (names) => `Empty ${names} first? Its images are lost.`,
    action: 'empty repositories',
    refusal: (names) =>
      `Not emptying ${names} (pass --empty-repositories to): its stack cannot be deleted while it holds images.`,
  });
  return destroy.executeDestroy(destroyPlan, { emptyStores }, context);
}
