import { DescribeLogGroupsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

import { toAwsError } from '../aws/clients.js';
import { UsageError } from '../errors.js';
import { planTimeRange } from '../logs/index.js';
import { tailLogs, type TailDeps, type TailOptions, type TailResult } from '../logs/tail.js';
import { envNameProblem, eventsLogGroup } from '../stacks/names.js';
import { EventSelector, EVENT_KINDS, type EventKindChoice, type EventSink } from './select.js';

export {
  EventFormatter,
  EVENT_FORMATS,
  summarise,
  toEventJson,
  type EventFormat,
  type EventJson,
} from './format.js';
export { parseEvent, type ClusterEvent, type EventKind } from './parse.js';
export {
  EVENT_KINDS,
  EventSelector,
  type EventKindChoice,
  type EventLine,
  type EventSink,
} from './select.js';

/** What the operator asked `events tail` for. */
export interface EventsTailRequest {
  env: string;
  since?: string;
  until?: string;
  follow?: boolean;
  /** `--kind`; absent or empty: the alerts. */
  kinds?: string[];
  services?: string[];
  /** FilterLogEvents calls per second for the whole tail (`--max-rate`, `logs.maxRate`). */
  maxRate?: number;
}

/** A checked request: the events group and time range to read, and which events to show. */
export interface EventsTailPlan {
  options: TailOptions;
  kinds: EventKindChoice[];
  services: string[];
  env: string;
}

/**
 * The environment whose event rules watch `cluster`. The rules come with ecspoc's cluster stack, which
 * names its cluster `ecspoc-<env>` and delivers to that environment's events log group; any other
 * cluster has no such rules, and that is said in one line rather than tailing an empty group.
 */
export function eventsEnvironmentOf(cluster: string): string {
  const env = cluster.startsWith('ecspoc-') ? cluster.slice('ecspoc-'.length) : '';
  if (!env || envNameProblem(env))
    throw new UsageError(
      'NO_EVENT_RULES',
      `Cluster ${cluster} has none of ecspoc's event rules (they come with its cluster stack): events tail cannot read its events.`,
      { suggestions: [`Tail its logs instead: ecspoc logs tail --cluster ${cluster} --tasks`] },
    );
  return env;
}

/**
 * Checks the request and that the environment's events log group exists (the cluster stack creates
 * it). Bad times, unknown kinds and a missing group are UsageErrors that say what to do instead.
 */
export async function planEventsTail(
  client: Pick<CloudWatchLogsClient, 'send'>,
  request: EventsTailRequest,
  now: number,
): Promise<EventsTailPlan> {
  const follow = Boolean(request.follow);
  const { startTime, endTime } = planTimeRange(request, follow, now);
  const kinds = (request.kinds ?? []).map((kind) => {
    if (!(EVENT_KINDS as readonly string[]).includes(kind))
      throw new UsageError('UNKNOWN_EVENT_KIND', `--kind "${kind}" is not a kind of event.`, {
        suggestions: [`Use one or more of: ${EVENT_KINDS.join(', ')}.`],
      });
    return kind as EventKindChoice;
  });
  const name = eventsLogGroup(request.env);
  let found;
  try {
    found = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  } catch (error) {
    throw toAwsError(error, `looking up the events log group ${name}`);
  }
  if (!(found.logGroups ?? []).some((group) => group.logGroupName === name))
    throw new UsageError(
      'NO_EVENTS_LOG_GROUP',
      `Environment ${request.env} has no events log group (${name}).`,
      {
        suggestions: [
          `Deploy its cluster stack (ecspoc deploy cluster --env ${request.env}), or check --env and --region.`,
        ],
      },
    );
  return {
    env: request.env,
    kinds,
    services: request.services ?? [],
    options: { groups: [{ name, kind: 'group' }], startTime, endTime, follow, maxRate: request.maxRate },
  };
}

/**
 * Runs a planned events tail on the log tail engine (same reads, ordering, follow and de-duplication
 * by log event id), passing to `sink` only the selected events, each once even when several rules
 * delivered it.
 */
export async function runEventsTail(
  plan: EventsTailPlan,
  deps: TailDeps,
  sink: EventSink,
): Promise<TailResult & { shown: number; skipped: number }> {
  const selector = new EventSelector({ env: plan.env, kinds: plan.kinds, services: plan.services }, sink);
  const result = await tailLogs(plan.options, deps, selector);
  return { ...result, shown: selector.shown, skipped: selector.skipped };
}
