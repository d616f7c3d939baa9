import { UsageError } from '../errors.js';
import {
  discoverLogGroups,
  hasSelector,
  selectLogGroups,
  toSelected,
  type EnvironmentLogGroup,
  type LogGroupsClient,
  type LogSelection,
} from './groups.js';
import { liveTail, liveTailProblem } from './live.js';
import { tailLogs, type TailDeps, type TailOptions, type TailResult } from './tail.js';
import { parseTimeSpec } from '../time/timespec.js';
import type { TailSink } from './types.js';

export type { EnvironmentLogGroup, LogSelection } from './groups.js';
export { discoverClusterLogGroups } from './groups.js';
export type { TailResult } from './tail.js';
export type { LogEvent, TailNotice, TailSink } from './types.js';
export { LineFormatter, LOG_FORMATS, type LogFormat } from './format.js';

/** The default of `--since`. */
export const DEFAULT_SINCE = '10m';

/** What the operator asked `logs tail` for, before anything is looked up. */
export interface TailRequest {
  env: string;
  selection: LogSelection;
  /** `--since` (default 10m) and `--until`: durations before now or ISO-8601 times. */
  since?: string;
  until?: string;
  filterPattern?: string;
  follow?: boolean;
  /** Follow with CloudWatch Logs Live Tail instead of polling (implies follow). */
  live?: boolean;
  pageLimit?: number;
  /** FilterLogEvents calls per second shared by every group (default 5). */
  maxRate?: number;
  /**
   * Finds the groups to choose from when they are not the environment's by name: a cluster ecspoc
   * did not deploy (see discoverClusterLogGroups). Default: the environment's prefixes.
   */
  discover?: () => Promise<EnvironmentLogGroup[]>;
}

/** A checked request: the groups and time range to tail, and how. */
export interface TailPlan {
  options: TailOptions;
  live: boolean;
  /** True when no selector was given and no one could choose: every group of the environment. */
  defaulted: boolean;
}

/**
 * Asks the operator to choose among the environment's groups (an interactive multi-select); given
 * only when someone can answer.
 */
export type ChooseGroups = (groups: EnvironmentLogGroup[]) => Promise<EnvironmentLogGroup[]>;

/**
 * Checks `--since`/`--until` against `--follow` and each other, and resolves them to epoch ms: the one
 * time-range rule of every tail (logs and events).
 */
export function planTimeRange(
  request: { since?: string; until?: string },
  follow: boolean,
  now: number,
): { startTime: number; endTime?: number } {
  if (follow && request.until !== undefined)
    throw new UsageError('FOLLOW_WITH_UNTIL', '--until cannot be combined with --follow or --live.', {
      suggestions: ['Drop --until to follow new lines, or drop --follow to read up to --until.'],
    });
  const startTime = parseTimeSpec(request.since ?? DEFAULT_SINCE, now, 'since');
  const endTime = request.until === undefined ? undefined : parseTimeSpec(request.until, now, 'until');
  if (endTime !== undefined && endTime < startTime)
    throw new UsageError(
      'EMPTY_TIME_RANGE',
      `--until (${new Date(endTime).toISOString()}) is before --since (${new Date(startTime).toISOString()}).`,
      {
        suggestions: ['Give an --until later than --since, e.g. --since 1h --until 30m.'],
      },
    );
  return { startTime, endTime };
}

/**
 * Checks the request and finds its log groups. With no selector, `choose` (when given) picks among
 * the environment's groups; without it every group of the environment is tailed. Bad times,
 * contradictory flags and unknown names are UsageErrors that say what to do instead.
 */
export async function planTail(
  client: LogGroupsClient,
  request: TailRequest,
  now: number,
  choose?: ChooseGroups,
): Promise<TailPlan> {
  const live = Boolean(request.live);
  const follow = live || Boolean(request.follow);
  const { startTime, endTime } = planTimeRange(request, follow, now);
  if (request.pageLimit !== undefined && (request.pageLimit < 1 || request.pageLimit > 10_000))
    throw new UsageError(
      'INVALID_PAGE_SIZE',
      `--page-size must be between 1 and 10000, not ${request.pageLimit}.`,
    );

  let discovery: Promise<EnvironmentLogGroup[]> | undefined;
  const environmentGroups = () =>
    (discovery ??= request.discover ? request.discover() : discoverLogGroups(client, request.env));
  let groups;
  let defaulted = false;
  if (hasSelector(request.selection)) {
    groups = await selectLogGroups(client, request.env, request.selection, environmentGroups);
  } else {
    const discovered = await environmentGroups();
    if (discovered.length === 0)
      throw new UsageError(
        'NO_LOG_GROUPS',
        `Environment ${request.env} has no instance or task log groups.`,
        {
          suggestions: [
            `Deploy it first (ecspoc deploy --env ${request.env}), check --env and --region, or name a group with --group.`,
          ],
        },
      );
    if (choose) groups = (await choose(discovered)).map((group) => toSelected(group));
    else {
      groups = discovered.map((group) => toSelected(group));
      defaulted = true;
    }
  }
  if (groups.length === 0)
    throw new UsageError('NOTHING_SELECTED', 'No log group was selected.', {
      suggestions: [
        'Choose at least one, or pass --instances, --tasks, --service, --instance, --file or --group.',
      ],
    });
  if (live) {
    const problem = liveTailProblem(groups);
    if (problem)
      throw new UsageError('LIVE_TAIL_UNSUITABLE', problem, {
        suggestions: ['Drop --live to follow by polling, or select at most 10 groups.'],
      });
  }
  return {
    options: {
      groups,
      startTime,
      endTime,
      filterPattern: request.filterPattern,
      follow,
      pageLimit: request.pageLimit,
      maxRate: request.maxRate,
    },
    live,
    defaulted,
  };
}

/** Runs a planned tail: Live Tail when asked for, FilterLogEvents reads and polling otherwise. */
export function runTail(plan: TailPlan, deps: TailDeps, sink: TailSink): Promise<TailResult> {
  return plan.live ? liveTail(plan.options, deps, sink) : tailLogs(plan.options, deps, sink);
}
