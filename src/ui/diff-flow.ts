/**
 * `ecspoc diff`: the dry-run deploy flow, and the offline plan when AWS cannot be asked (no
 * credentials, no region, unreachable endpoint): order, stacks and the parameters known offline.
 */
import type { AwsContext } from '../base-command.js';
import type { GlobalFlagValues } from '../lib/config/index.js';
import { AwsError, EcspocError, EXIT_CODES } from '../lib/errors.js';
import type { OfflinePlan } from '../lib/stacks/selection.js';
import { runDeployFlow, type FlowOutcome } from './deploy-flow.js';
import { renderOfflinePlan } from './deploy-view.js';

/** Failures after which the offline plan is still worth printing. */
const OFFLINE_CODES = new Set([
  'CREDENTIALS_MISSING',
  'CREDENTIALS_INVALID',
  'ENDPOINT_UNREACHABLE',
  'REGION_MISSING',
  'ACCESS_DENIED',
]);

/** What diff was asked. */
export interface DiffRequest {
  selection: string[];
  parameters: string[];
  concurrency?: number;
  force?: boolean;
  json: boolean;
}

/** `--json` of an offline diff. */
export interface OfflineOutput extends OfflinePlan {
  offline: true;
  reason: string;
}

/** Runs diff against AWS, or prints the offline plan when AWS cannot be reached. */
export async function runDiff(
  flags: GlobalFlagValues,
  awsContext: () => Promise<AwsContext>,
  request: DiffRequest,
): Promise<FlowOutcome | { output: OfflineOutput; exitCode: number; error: EcspocError }> {
  try {
    const { settings, region, aws } = await awsContext();
    return await runDeployFlow({
      aws,
      env: settings.env,
      region,
      environment: settings.environment,
      selection: request.selection,
      parameters: request.parameters,
      ...(request.concurrency ? { concurrency: request.concurrency } : {}),
      dryRun: true,
      command: 'diff',
      yes: false,
      ...(request.force ? { force: true } : {}),
      json: request.json,
    });
  } catch (error) {
    if (!(error instanceof AwsError) || !OFFLINE_CODES.has(error.code)) throw error;
    const [{ resolveSettings }, { loadDeployInput, offlinePlan }] = await Promise.all([
      import('../lib/config/index.js'),
      import('../lib/stacks/selection.js'),
    ]);
    const settings = await resolveSettings(flags);
    const input = await loadDeployInput(
      settings.env,
      settings.environment,
      request.selection,
      request.parameters,
    );
    const plan = offlinePlan({ ...input, command: 'diff' });
    if (!request.json) process.stdout.write(renderOfflinePlan(plan));
    return {
      output: { ...plan, offline: true, reason: error.message },
      exitCode: EXIT_CODES.failure,
      error: new AwsError(
        error.code,
        `${error.message} The plan above is offline: the order and parameters, not the changes.`,
        {
          cause: error,
          suggestions: error.suggestions,
        },
      ),
    };
  }
}
