/** Wires a deploy's context from the client factory: CloudFormation, the template bucket, ECR. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ECSClient } from '@aws-sdk/client-ecs';

import type { AwsClients } from '../aws/clients.js';
import { DEFAULT_POLL_INTERVAL_MS } from './changeset.js';
import { type Clock, systemClock } from '../time/clock.js';
import type { DeployContext, DeployEvent } from './deploy.js';

/** Options of createDeployContext. */
export interface SessionOptions {
  env: string;
  region: string;
  /** Stacks worked on at once (default 8). */
  concurrency?: number;
  emit: (event: DeployEvent) => void;
  signal?: AbortSignal;
  clock?: Clock;
  pollIntervalMs?: number;
  force?: boolean;
}

/** Default number of stacks planned, deployed or deleted at once. */
export const DEFAULT_CONCURRENCY = 8;

/** A deploy context on real clients; S3 and ECR are loaded only when a deploy needs them. */
export function createDeployContext(aws: AwsClients, options: SessionOptions): DeployContext {
  const clock = options.clock ?? systemClock;
  return {
    env: options.env,
    cfn: aws.client(CloudFormationClient),
    timing: {
      clock,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      // While a service stack waits for steady state, its service says why (events, rollout, stopped tasks).
      services: aws.client(ECSClient),
    },
    concurrency: Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY),
    emit: options.emit,
    changeSetName: changeSetName(new Date(clock.now())),
    uploadTemplate: async (bucket, stackName, body) => {
      const [{ S3Client }, { uploadTemplate }] = await Promise.all([
        import('@aws-sdk/client-s3'),
        import('./artifacts.js'),
      ]);
      return uploadTemplate(aws.client(S3Client), options.region, bucket, stackName, body);
    },
    latestImage: async (repositoryName) => {
      const [{ ECRClient }, { latestImage }] = await Promise.all([
        import('@aws-sdk/client-ecr'),
        import('./artifacts.js'),
      ]);
      return latestImage(aws.client(ECRClient), repositoryName);
    },
    resolveSsmParameters: ssmResolver(aws),
    checkNewStacks: async (components) => {
      const { checkNamesFree } = await import('./preflight.js');
      const { probeExistence, callerAccount, listLogPolicies } = await import('./preflight-aws.js');
      const accountId = await callerAccount(aws);
      await checkNamesFree(
        components,
        { env: options.env, accountId, region: options.region },
        probeExistence(aws),
        listLogPolicies(aws),
      );
    },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.force ? { force: true } : {}),
  };
}

/**
 * Reads SSM parameters by name, each at most once per run, ten per call; a name SSM does not know
 * (or cannot be read) comes back undefined, which makes the stack get a change set.
 */
function ssmResolver(aws: AwsClients): (names: string[]) => Promise<Record<string, string | undefined>> {
  const cache = new Map<string, Promise<string | undefined>>();
  return async (names) => {
    const wanted = [...new Set(names)].filter((name) => !cache.has(name));
    for (let i = 0; i < wanted.length; i += 10) {
      const batch = wanted.slice(i, i + 10);
      const call = (async () => {
        const { SSMClient, GetParametersCommand } = await import('@aws-sdk/client-ssm');
        try {
          const response = await aws.client(SSMClient).send(new GetParametersCommand({ Names: batch }));
          return new Map((response.Parameters ?? []).map((p) => [p.Name ?? '', p.Value]));
        } catch {
          return new Map<string, string | undefined>();
        }
      })();
      for (const name of batch)
        cache.set(
          name,
          call.then((values) => values.get(name)),
        );
    }
    const entries = await Promise.all(names.map(async (name) => [name, await cache.get(name)] as const));
    return Object.fromEntries(entries);
  };
}

/** `ecspoc-20260101-101112`: names this run's change sets, so an operator can tell whose they are. */
export function changeSetName(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `ecspoc-${stamp}`;
}
