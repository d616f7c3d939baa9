/**
 * `instances drain` and `instances activate`, its undo: pick the instances (or take their ids),
 * say what draining means, ask, set the status, follow the drain with Ctrl-C at a safe point.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { ActivateResult, DrainResult } from '../lib/instances/drain.js';
import type { FleetInstance } from '../lib/instances/fleet.js';
import { drainProgress, noteSink, renderDrainSummary } from '../ui/instances.js';
import { confirm, pickMany } from '../ui/prompt.js';
import { withInterrupt } from './interrupt.js';
import { type FlowOutcome, succeeded } from './outcome.js';

/** What the operator asked of `instances drain`. */
export interface DrainRequest {
  aws: AwsClients;
  env: string;
  /** Instance ids, container instance ids or ARNs; none: pick on a terminal. */
  ids: string[];
  stopStandaloneTasks: boolean;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  yes: boolean;
  json: boolean;
}

/** What the operator asked of `instances activate`. */
export interface ActivateRequest {
  aws: AwsClients;
  env: string;
  ids: string[];
  yes: boolean;
  json: boolean;
}

async function readFleet(aws: AwsClients, env: string) {
  const [{ instanceClients }, { describeFleet }] = await Promise.all([
    import('../lib/instances/clients.js'),
    import('../lib/instances/fleet.js'),
  ]);
  const clients = instanceClients(aws);
  return { clients, fleet: await describeFleet(clients, env) };
}

/** Sets the instances DRAINING and, unless --no-wait, waits until no task runs on them. */
export async function runDrainFlow(request: DrainRequest): Promise<FlowOutcome<DrainResult>> {
  const [{ clients, fleet }, { drainInstances, prepareDrain }, { systemClock }] = await Promise.all([
    readFleet(request.aws, request.env),
    import('../lib/instances/drain.js'),
    import('../lib/time/clock.js'),
  ]);
  const ids =
    request.ids.length > 0
      ? request.ids
      : await pickMany(
          'Instances to drain',
          choices(
            fleet.instances.filter((i) => i.ecsStatus === 'ACTIVE'),
            (i) => `${i.runningTasks} task(s)`,
          ),
          `Name them: ecspoc instances drain i-0abc123 --env ${request.env}`,
        );
  const prepared = await prepareDrain(clients, fleet, ids, request.stopStandaloneTasks);
  if (!request.json) for (const warning of prepared.warnings) process.stderr.write(`warning: ${warning}\n`);
  const chosen = prepared.instances;
  const tasks = chosen.reduce((n, i) => n + i.runningTasks + i.pendingTasks, 0);
  await confirm(`Drain ${chosen.map((i) => i.instanceId).join(', ')} (${tasks} task(s) to move)?`, {
    yes: request.yes,
    action: 'drain instances',
  });
  const progress = await drainProgress(chosen, request.json);
  const result = await withInterrupt(
    { first: () => 'Stopping the wait; the instances stay DRAINING (press Ctrl-C again to quit at once)…' },
    async (signal) => {
      try {
        const drained = await drainInstances(
          clients,
          {
            env: request.env,
            ids: chosen.map((i) => i.instanceId),
            stopStandaloneTasks: request.stopStandaloneTasks,
            wait: request.wait,
            timeoutMs: request.timeoutMs,
            pollIntervalMs: request.pollIntervalMs,
          },
          { clock: systemClock, signal, emit: progress.emit },
          prepared,
        );
        await progress.end(undefined, request.wait ? 'drained' : 'DRAINING (not waiting)');
        return drained;
      } catch (error) {
        await progress.end(error);
        throw error;
      }
    },
  );
  if (!request.json) process.stdout.write(renderDrainSummary(result));
  return succeeded(result);
}

/** Puts DRAINING instances back in service. */
export async function runActivateFlow(request: ActivateRequest): Promise<FlowOutcome<ActivateResult>> {
  const [{ clients, fleet }, { activateInstances }] = await Promise.all([
    readFleet(request.aws, request.env),
    import('../lib/instances/drain.js'),
  ]);
  const ids =
    request.ids.length > 0
      ? request.ids
      : await pickMany(
          'Instances to put back in service',
          choices(fleet.instances.filter((i) => i.ecsStatus === 'DRAINING')),
          `Name them: ecspoc instances activate i-0abc123 --env ${request.env}`,
        );
  await confirm(`Set ${ids.join(', ')} ACTIVE?`, { yes: request.yes, action: 'activate instances' });
  const result = await activateInstances(clients, request.env, ids, noteSink(request.json), fleet);
  if (!request.json)
    process.stdout.write(`Set ${result.instances.map((i) => i.instanceId).join(', ')} ACTIVE.\n`);
  return succeeded(result);
}

/** One picker line per instance: its id, AZ and, for a drain, the tasks it runs. */
function choices(instances: FleetInstance[], extra?: (i: FleetInstance) => string) {
  return instances.map((i) => ({
    value: i.instanceId,
    name: `${i.instanceId}  ${i.availabilityZone ?? ''}${extra ? `  ${extra(i)}` : ''}`,
  }));
}
