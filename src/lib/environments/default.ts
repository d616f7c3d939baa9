/**
 * Which environment a command acts on when none was chosen. Apart from the environment listing
 * (index.ts) so that every command can ask with one ListStacks, without loading the ECS and EC2
 * clients the listing needs.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';

import { toAwsError } from '../aws/clients.js';
import { UsageError } from '../errors.js';
import { listEcspocStacks } from '../stacks/reader.js';

/** Names of the ecspoc environments that exist in the account and region (one paginated ListStacks). */
export async function existingEnvironments(
  cloudformation: Pick<CloudFormationClient, 'send'>,
): Promise<string[]> {
  let stacks;
  try {
    stacks = await listEcspocStacks(cloudformation);
  } catch (error) {
    throw toAwsError(error, 'listing the stacks of the account (cloudformation:ListStacks)');
  }
  return [...new Set(stacks.map((s) => s.env))].sort();
}

/** The question that chooses among the existing environments (a picker on a terminal). */
export type EnvironmentPicker = (existing: string[], hint: string) => Promise<string>;

/**
 * The environment a command acts on when none was chosen: `env` when it exists or the account holds
 * none (a first look at an empty account still reports it as not deployed); otherwise the one `pick`
 * chooses among those that exist, or, without `pick` (no terminal), the usage error that names them
 * and the flag that chooses, so the default never stands in silently for an environment never chosen.
 * Costs one paginated ListStacks (one call in most accounts).
 */
export async function defaultEnvironmentOrPick(
  cloudformation: Pick<CloudFormationClient, 'send'>,
  env: string,
  pick?: EnvironmentPicker,
): Promise<string> {
  const existing = await existingEnvironments(cloudformation);
  if (existing.length === 0 || existing.includes(env)) return env;
  const hint = '--env NAME (or set ECSPOC_ENV, or "env" in the config file)';
  if (pick) return pick(existing, hint);
  throw new UsageError(
    'ENV_NOT_CHOSEN',
    `No environment was chosen and "${env}" does not exist; this account and region hold: ${existing.join(', ')}.`,
    { suggestions: [hint] },
  );
}
