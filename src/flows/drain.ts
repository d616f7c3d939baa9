/**
 * `instances drain` and `instances activate`, its undo: pick the instances (or take their ids),
 * say what draining means, ask, set the status, follow the drain with Ctrl-C at a safe point.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import { type AdoptRequest, targetFlags } from '../lib/clusters/target.js';
import type { ActivateResult, DrainOptions, DrainResult } from '../lib/instances/drain.js';
import type { Fleet, FleetInstance } from '../lib/instances/fleet.js';
import { drainProgress, noteSink, renderDrainSummary } from '../ui/instances.js';
import { type Prompts, terminalPrompts } from '../ui/prompt.js';
import { withInterrupt } from './interrupt.js';
import { type FlowOutcome, succeeded } from './outcome.js';

/** What the operator asked of `instances activate`; `ids` empty: pick on a terminal. */
export interface ActivateRequest extends Pick<DrainOptions, 'env' | 'ids' | 'adopt'> {
  aws: AwsClients;
  yes: boolean;
  json: boolean;
  /** Where the picker and the confirmation are asked; default: the terminal. */
  prompts?: Pick<Prompts, 'pickMany' | 'confirm'>;
}

/** What the operator asked of `instances drain`: the engine's options, and how to ask. */
export type DrainRequest = DrainOptions & ActivateRequest;

async function readFleet(aws: AwsClients, env: string, adopt: AdoptRequest | undefined) {
  const [{ instanceClients }, { describeFleet }] = await Promise.all([
    import('../lib/instances/clients.js'),
    import('../lib/instances/fleet.js'),
  ]);
  const clients = instanceClients(aws);
  return { clients, fleet: await describeFleet(clients, env, adopt) };
}

/** Sets the instances DRAINING and, unless --no-wait, waits until no task runs on them. */
export async function runDrainFlow(request: DrainRequest): Promise<FlowOutcome<DrainResult>> {
  const [{ clients, fleet }, { drainInstances, prepareDrain }, { systemClock }] = await Promise.all([
    readFleet(request.aws, request.env, request.adopt),
    import('../lib/instances/drain.js'),
    import('../lib/time/clock.js'),
  ]);
  const ids = await chosenIds(request, fleet, 'drain', 'ACTIVE', (i) => `  ${i.runningTasks} task(s)`);
  const prepared = await prepareDrain(clients, fleet, ids, request.stopStandaloneTasks);
  if (!request.json) for (const warning of prepared.warnings) process.stderr.write(`warning: ${warning}\n`);
  const chosen = prepared.instances;
  const tasks = chosen.reduce((n, i) => n + i.runningTasks + i.pendingTasks, 0);
  await (request.prompts ?? terminalPrompts).confirm(
    `Drain ${chosen.map((i) => i.instanceId).join(', ')} (${tasks} task(s) to move)?`,
    {
      yes: request.yes,
      action: 'drain instances',
    },
  );
  const progress = await drainProgress(chosen, request.json);
  const result = await withInterrupt(
    { first: () => 'Stopping the wait; the instances stay DRAINING (press Ctrl-C again to quit at once)…' },
    async (signal) => {
      try {
        const drained = await drainInstances(
          clients,
          {
            env: request.env,
            adopt: request.adopt,
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
    readFleet(request.aws, request.env, request.adopt),
    import('../lib/instances/drain.js'),
  ]);
  const ids = await chosenIds(request, fleet, 'activate', 'DRAINING');
  await (request.prompts ?? terminalPrompts).confirm(`Set ${ids.join(', ')} ACTIVE?`, {
    yes: request.yes,
    action: 'activate instances',
  });
  const result = await activateInstances(clients, request.env, ids, noteSink(request.json), fleet);
  if (!request.json)
    process.stdout.write(`Set ${result.instances.map((i) => i.instanceId).join(', ')} ACTIVE.\n`);
  return succeeded(result);
}

/**
 * The ids named on the command line or, with none, the ones picked on a terminal among the
 * instances in `status` (without a terminal the picker names the argument to pass instead).
 */
async function chosenIds(
  request: ActivateRequest,
  fleet: Fleet,
  command: 'drain' | 'activate',
  status: 'ACTIVE' | 'DRAINING',
  extra: (i: FleetInstance) => string = () => '',
): Promise<string[]> {
  if (request.ids.length > 0) return request.ids;
  return (request.prompts ?? terminalPrompts).pickMany(
    command === 'drain' ? 'Instances to drain' : 'Instances to put back in service',
    fleet.instances
      .filter((i) => i.ecsStatus === status)
      .map((i) => ({ value: i.instanceId, name: `${i.instanceId}  ${i.availabilityZone ?? ''}${extra(i)}` })),
    `Name them: ecspoc instances ${command} i-0abc123 ${targetFlags(request.env, request.adopt)}`,
  );
}
