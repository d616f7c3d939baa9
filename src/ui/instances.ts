/** How `ecspoc instances` draws its results, plans and progress. */
import type { CycleResult, PreparedCycle } from '../lib/instances/cycle.js';
import type { DrainResult } from '../lib/instances/drain.js';
import { waitingLines } from '../lib/events/waiting.js';
import { formatDuration } from '../lib/time/duration.js';
import type { InstanceEvent } from '../lib/instances/events.js';
import type { InstanceList } from '../lib/instances/list.js';
import type { CyclePlan } from '../lib/instances/plan.js';
import { createProgress, type Progress, type ProgressTask } from './progress.js';
import { paint } from './style.js';

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd(),
  );
}

/** The instance table of `instances list`, with a summary line and advice. */
export function renderInstanceList(list: InstanceList, stream: NodeJS.WriteStream = process.stdout): string {
  const rows = [
    [
      'INSTANCE',
      'EC2',
      'ECS',
      'AGENT',
      'RUNNING',
      'PENDING',
      'AMI',
      'OUTDATED',
      'PRIVATE IP',
      'AZ',
      'LAUNCHED',
    ],
    ...list.instances.map((i) => [
      i.instanceId,
      i.ec2State ?? '-',
      i.ecsStatus ?? 'unregistered',
      i.ecsStatus ? (i.agentConnected ? 'yes' : 'no') : '-',
      String(i.runningTasks),
      String(i.pendingTasks),
      i.imageId ?? '-',
      list.launchTemplate ? (i.outdated ? 'yes' : 'no') : '?',
      i.privateIp ?? '-',
      i.availabilityZone ?? '-',
      i.launchTime ? i.launchTime.slice(0, 16).replace('T', ' ') : '-',
    ]),
  ];
  const lines = list.instances.length ? table(rows) : ['(no container instances)'];
  const outdated = list.instances.filter((i) => i.outdated);
  const byStatus = new Map<string, number>();
  for (const i of list.instances)
    byStatus.set(i.ecsStatus ?? 'unregistered', (byStatus.get(i.ecsStatus ?? 'unregistered') ?? 0) + 1);
  lines.push('');
  lines.push(
    `${list.instances.length} instance(s) in ${list.cluster}` +
      (byStatus.size ? ` (${[...byStatus].map(([s, n]) => `${n} ${s}`).join(', ')})` : '') +
      (list.launchTemplate ? `, ${outdated.length} outdated` : ''),
  );
  const target = list.launchTemplate;
  if (target) {
    lines.push(
      `launch template ${target.launchTemplateName ?? target.launchTemplateId} version ${target.version}` +
        (target.versionSpec.startsWith('$') ? ` (${target.versionSpec})` : '') +
        `, AMI ${target.imageId}${target.imageParameter ? ` from ${target.imageParameter}` : ''}`,
    );
  }
  const group = list.autoScalingGroup;
  // An adopted cluster is named again by --cluster (and the group, when it has several), not --env.
  const named = list.autoScalingGroups
    ? `--cluster ${list.cluster}${group && list.autoScalingGroups.length > 1 ? ` --asg ${group.name}` : ''}`
    : `--env ${list.env}`;
  if (group) lines.push(`group ${group.name}: desired ${group.desired} (min ${group.min}, max ${group.max})`);
  if (group?.cycle) {
    lines.push(
      paint(
        'yellow',
        `A cycle started ${group.cycle.runId} is unfinished (desired was ${group.cycle.desired}, max ${group.cycle.max}).`,
        stream,
      ),
      `Try: ecspoc instances cycle ${named}   (carries it on)`,
    );
  }
  if (list.newerImage) {
    lines.push(
      paint(
        'yellow',
        `A newer ECS-optimised AMI is published: ${list.newerImage.imageId} (${list.newerImage.parameter}); ` +
          `the cluster stack was deployed with ${list.newerImage.deployedImageId}.`,
        stream,
      ),
      `Try: ecspoc deploy cluster --env ${list.env}   (rolls it into the launch template), then: ecspoc instances cycle --outdated --env ${list.env}`,
    );
  } else if (outdated.length) {
    lines.push(`Try: ecspoc instances cycle --outdated ${named}`);
  }
  return lines.join('\n') + '\n';
}

/** What a plan is drawn from: a prepared cycle or a cycle result. */
export interface PlanView {
  cluster: string;
  autoScalingGroup: string;
  plan: CyclePlan;
  /** The run id of the cycle carried on, if any. */
  resumedRun?: string;
}

/** The plan view of a prepared cycle. */
export function planView(prepared: PreparedCycle): PlanView {
  return {
    cluster: prepared.fleet.refs.clusterName,
    autoScalingGroup: prepared.group.name,
    plan: prepared.plan,
    resumedRun: prepared.state?.runId,
  };
}

/** The plan of a cycle: batches, surge, capacity check and problems. */
export function renderPlan(view: PlanView, stream: NodeJS.WriteStream = process.stdout): string {
  const { plan } = view;
  const count = plan.batches.reduce((n, b) => n + b.instances.length, 0);
  const lines = [
    `Cycle plan for ${view.cluster}, group ${view.autoScalingGroup} (desired ${plan.desired}, max ${plan.max})` +
      (view.resumedRun ? `, carrying on the cycle started ${view.resumedRun}` : ''),
  ];
  if (count === 0) {
    lines.push('  nothing to replace');
    return lines.join('\n') + '\n';
  }
  const surge =
    plan.peakDesired > plan.desired
      ? `surge +${plan.peakDesired - plan.desired} before each batch (desired ${plan.desired} → ${plan.peakDesired} → ${plan.desired})`
      : 'no surge';
  lines.push(
    `  ${count} instance(s) in ${plan.batches.length} batch(es) of up to ${plan.batchSize}; ${surge}; ` +
      (plan.raiseMax
        ? `max size ${plan.max} → ${plan.maxNeeded} during the cycle`
        : `max size stays ${plan.max}`) +
      `; at most ${plan.maxUnavailable} out of service`,
  );
  for (const batch of plan.batches) {
    const members = batch.instances
      .map(
        (i) =>
          `${i.instanceId} (${i.availabilityZone ?? '?'}, ${i.tasks} task${i.tasks === 1 ? '' : 's'}${i.draining ? ', DRAINING' : ''})`,
      )
      .join('  ');
    lines.push(
      `  batch ${batch.index}  ${members}${batch.unavailable ? `  [${batch.unavailable} out of service]` : ''}`,
    );
  }
  const capacity = plan.newInstanceCapacity;
  lines.push(
    `  capacity: ${plan.tasksMoved} task(s) move` +
      (plan.tightest
        ? `; least free after a batch: ${plan.tightest.cpu} CPU units, ${plan.tightest.memory} MiB (batch ${plan.tightest.batch})`
        : '') +
      (capacity
        ? `; new instances assumed like ${capacity.sample} (${capacity.cpu} CPU units, ${capacity.memory} MiB for tasks)`
        : ''),
  );
  if (plan.problems.length) {
    lines.push(paint('red', `${plan.problems.length} problem(s): the cycle would be refused`, stream));
    for (const problem of plan.problems)
      lines.push(`  - ${problem.message}`, `    Try: ${problem.suggestion}`);
  } else {
    lines.push(paint('green', '  checks passed: the remaining capacity holds every batch', stream));
  }
  return lines.join('\n') + '\n';
}

/** The closing lines of a cycle. */
export function renderCycleSummary(result: CycleResult): string {
  // The engine already said "Nothing to replace: every instance is up to date."; say it once.
  if (result.replaced.length === 0 && !result.resumed) return '';
  const batches = new Set(result.replaced.map((r) => r.batch)).size;
  const same = (a: number, b: number) => (a === b ? 'as before' : `was ${a}`);
  return (
    [
      `Replaced ${result.replaced.length} instance(s) in ${batches} batch(es) in ${formatDuration(result.durationMs)}.`,
      `  terminated: ${result.replaced.map((r) => r.instanceId).join(', ') || '-'}`,
      `  launched:   ${result.launched.join(', ') || '-'}`,
      `Desired capacity ${result.desired.after} (${same(result.desired.before, result.desired.after)}), max size ${result.max.after} (${same(result.max.before, result.max.after)}).`,
    ].join('\n') + '\n'
  );
}

/** The closing lines of a drain. */
export function renderDrainSummary(result: DrainResult): string {
  const ids = result.instances.map((i) => i.instanceId).join(', ');
  if (result.drained)
    return `Drained ${ids}: no task runs on them. They stay DRAINING until activated or terminated.\n`;
  const left = result.instances
    .map((i) => `${i.instanceId} ${i.runningTasks + i.pendingTasks} task(s)`)
    .join(', ');
  return `Set ${ids} DRAINING (${left}); not waiting (--no-wait). ECS moves their service tasks elsewhere.\n`;
}

/** Writes the notes (warnings) of an engine call to stderr as lines; nothing under `--json`. */
export function noteSink(
  json: boolean,
  stream: NodeJS.WritableStream = process.stderr,
): (event: InstanceEvent) => void {
  return (event) => {
    if (!json && event.type === 'note') stream.write(`${event.message}\n`);
  };
}

/** Progress that adapts instance events to tasks; `end` settles every task still open. */
export interface InstanceProgress {
  emit(event: InstanceEvent): void;
  end(error?: unknown, summary?: string): Promise<void>;
}

/** Progress for a drain: one line per instance. */
export async function drainProgress(
  instances: Array<{ instanceId: string; availabilityZone?: string }>,
  json: boolean,
): Promise<InstanceProgress> {
  const progress = await createProgress(
    instances.map((i) => ({ key: i.instanceId, title: `${i.instanceId} (${i.availabilityZone ?? '?'})` })),
    { json },
  );
  return adapter(
    progress,
    instances.map((i) => i.instanceId),
    () => undefined,
    true,
  );
}

/** Progress for a cycle: one line per planned batch and per instance. */
export async function cycleProgress(plan: CyclePlan, json: boolean): Promise<InstanceProgress> {
  const tasks: Array<{ key: string; title: string }> = [];
  for (const batch of plan.batches) {
    tasks.push({ key: `batch-${batch.index}`, title: `batch ${batch.index}/${plan.batches.length}` });
    for (const i of batch.instances)
      tasks.push({ key: i.instanceId, title: `  ${i.instanceId} (${i.availabilityZone ?? '?'})` });
  }
  const progress = await createProgress(tasks, { json });
  return adapter(
    progress,
    tasks.map((t) => t.key),
    (batch) => (batch <= plan.batches.length ? `batch-${batch}` : undefined),
    false,
  );
}

function adapter(
  progress: Progress,
  keys: string[],
  batchKey: (batch: number) => string | undefined,
  drainedEndsInstance: boolean,
): InstanceProgress {
  const open = new Map<string, ProgressTask>();
  const task = (key: string) => {
    let handle = open.get(key);
    if (!handle) {
      handle = progress.task(key);
      open.set(key, handle);
    }
    return handle;
  };
  const settle = (key: string, how: (t: ProgressTask) => void) => {
    how(task(key));
    open.delete(key);
    settled.add(key);
  };
  const settled = new Set<string>();
  const onBatch = (batch: number, text: string) => {
    const key = batchKey(batch);
    if (key && !settled.has(key)) task(key).update(text);
    else progress.note(`batch ${batch}: ${text}`);
  };
  const onInstance = (id: string, text: string) => {
    if (!settled.has(id)) task(id).update(text);
  };
  const emit = (event: InstanceEvent) => {
    switch (event.type) {
      case 'cycle-started':
        progress.note(
          `${event.resumed ? 'Carrying on' : 'Started'} cycle ${event.runId}: ${event.instances.length} instance(s); desired capacity ${event.desired}, max ${event.max} before the cycle`,
        );
        break;
      case 'max-raised':
        progress.note(`max size raised ${event.from} → ${event.to} for the surge (restored at the end)`);
        break;
      case 'surge-requested':
        onBatch(event.batch, `surge: desired capacity ${event.from} → ${event.to}`);
        break;
      case 'surge-waiting':
      case 'services-waiting':
        onBatch(event.batch, event.detail);
        break;
      case 'surge-ready':
        onBatch(
          event.batch,
          event.instances.length ? `new instances ACTIVE: ${event.instances.join(', ')}` : 'group complete',
        );
        break;
      case 'batch-started':
        onBatch(event.batch, `draining ${event.instances.join(', ')}`);
        break;
      case 'batch-done': {
        const key = batchKey(event.batch);
        if (key && !settled.has(key)) settle(key, (t) => t.succeed(`replaced ${event.instances.join(', ')}`));
        else progress.note(`batch ${event.batch}: replaced ${event.instances.join(', ')}`);
        break;
      }
      case 'instance-draining':
        onInstance(event.instanceId, `DRAINING, ${event.tasks} task(s)`);
        break;
      case 'instance-tasks':
        onInstance(event.instanceId, `${event.tasks} task(s) left`);
        break;
      case 'instance-drained':
        if (drainedEndsInstance && !settled.has(event.instanceId))
          settle(event.instanceId, (t) => t.succeed('drained'));
        else onInstance(event.instanceId, 'drained, no task left');
        break;
      case 'standalone-stopped':
        onInstance(event.instanceId, `stopped ${event.count} standalone task(s)`);
        break;
      case 'instance-terminated':
        if (!settled.has(event.instanceId)) settle(event.instanceId, (t) => t.succeed('terminated'));
        break;
      case 'instance-activated':
        progress.note(`${event.instanceId} ACTIVE`);
        break;
      case 'cycle-finished':
        progress.note(
          `cycle finished: ${event.replaced} instance(s) replaced; desired capacity ${event.desired}, max ${event.max}`,
        );
        break;
      case 'service-watch':
        for (const line of waitingLines(event.waiting))
          progress.note(event.batch === undefined ? line : `batch ${event.batch}: ${line}`);
        break;
      case 'drain-blocked':
        for (const blocker of event.blockers)
          progress.note(`${event.instanceId} is kept by ${blocker.task}: ${blocker.detail}`);
        if (event.blockers.length)
          onInstance(event.instanceId, `kept by ${event.blockers.length} task(s) that will not move`);
        break;
      case 'note':
        progress.note(event.message);
        break;
    }
  };
  return {
    emit,
    end: async (error, summary) => {
      for (const [key, handle] of [...open]) {
        if (error) handle.fail('stopped');
        else handle.succeed(summary);
        open.delete(key);
        settled.add(key);
      }
      for (const key of keys) if (!settled.has(key)) progress.task(key).skip('not started');
      await progress.close();
    },
  };
}
