/**
 * What the interactive session runs: each menu action is its command's flow, called with the
 * command's default flags and the session's prompts, so it asks the same questions and prints the
 * same output as the command typed by hand.
 */
import type { AwsClients } from '../lib/aws/clients.js';
import type { Settings } from '../lib/config/index.js';
import type { EnvironmentList } from '../lib/environments/index.js';
import { UsageError } from '../lib/errors.js';
import { parseDuration } from '../lib/time/duration.js';
import type { Prompts } from '../ui/prompt.js';
import type { FlowOutcome } from './outcome.js';
import type { SessionAction, SessionRunner } from './session.js';

/** What the runner needs: the clients of the session's account and region, and each environment's settings. */
export interface SessionRunnerContext {
  aws: AwsClients;
  region: string;
  /** The configuration of `env` (its services, SSH route, log rate), as `--env env` would resolve it. */
  settingsFor(env: string): Promise<Settings>;
  /** The config file's environments that adopt a cluster ecspoc did not deploy. */
  adopted(): Promise<Array<{ env: string; cluster: string }>>;
}

// The defaults of the commands' own flags (instances drain/cycle --timeout and --poll-interval,
// bastion --timeout), so a menu action waits as long as the command would.
const DRAIN_TIMEOUT = '15m';
const CYCLE_STEP_TIMEOUT = '20m';
const POLL_INTERVAL = '5s';
const BASTION_TIMEOUT = '10m';
const ms = (text: string) => parseDuration(text, 'timeout');
/** What only an environment of ecspoc's own stacks has. */
const BUNDLE_ONLY: readonly SessionAction[] = [
  'bastion:status',
  'bastion:start',
  'bastion:stop',
  'diff',
  'deploy',
];

/** The runner of a real session: the environments listing and the commands' flows. */
export function sessionRunner(context: SessionRunnerContext): SessionRunner {
  const { aws, region } = context;
  return {
    async environments(): Promise<EnvironmentList> {
      const [{ CloudFormationClient }, { ECSClient }, { listEnvironments, listAdoptedEnvironments }] =
        await Promise.all([
          import('../lib/aws/sdk/cloudformation.js'),
          import('../lib/aws/sdk/ecs.js'),
          import('../lib/environments/index.js'),
        ]);
      const adopted = await context.adopted();
      const [list, adoptedList] = await Promise.all([
        listEnvironments(
          { cloudformation: aws.client(CloudFormationClient), ecs: aws.client(ECSClient) },
          region,
        ),
        listAdoptedEnvironments(aws.client(ECSClient), adopted),
      ]);
      // An environment the config file points at a cluster is that cluster, whatever stacks share its name.
      const names = new Set(adopted.map((a) => a.env));
      return {
        ...list,
        environments: [...list.environments.filter((e) => !names.has(e.env)), ...adoptedList].sort((a, b) =>
          a.env.localeCompare(b.env),
        ),
      };
    },
    async run(action: SessionAction, env: string, prompts: Prompts): Promise<FlowOutcome<unknown>> {
      const settings = await context.settingsFor(env);
      const adopt = settings.adopt;
      if (adopt && BUNDLE_ONLY.includes(action))
        throw new UsageError(
          'NOT_FOR_ADOPTED_CLUSTER',
          `Environment ${env} adopts cluster ${adopt.cluster}, which ecspoc did not deploy: it has no stacks or bastion of ecspoc's to ${action.replace(':', ' ')}.`,
          { suggestions: [`ecspoc status --env ${env} shows what it has`] },
        );
      const view = { aws, env, json: false, ...(adopt ? { adopt } : {}) };
      switch (action) {
        case 'status': {
          const { runStatusFlow } = await import('./status.js');
          return runStatusFlow({ ...view, ...(settings.services ? { services: settings.services } : {}) });
        }
        case 'instances:list': {
          const { runInstancesListFlow } = await import('./status.js');
          return runInstancesListFlow({ ...view, outdatedOnly: false });
        }
        case 'instances:drain': {
          const { runDrainFlow } = await import('./drain.js');
          return runDrainFlow({
            ...view,
            ids: [],
            stopStandaloneTasks: false,
            wait: true,
            timeoutMs: ms(DRAIN_TIMEOUT),
            pollIntervalMs: ms(POLL_INTERVAL),
            yes: false,
            prompts,
          });
        }
        case 'instances:activate': {
          const { runActivateFlow } = await import('./drain.js');
          return runActivateFlow({ ...view, ids: [], yes: false, prompts });
        }
        case 'instances:cycle': {
          // The flow draws the plan before it asks, so the operator sees it first.
          const { runCycleFlow } = await import('./cycle.js');
          return runCycleFlow({
            ...view,
            ids: [],
            outdated: false,
            maxUnavailable: 0,
            raiseMax: false,
            stopStandaloneTasks: false,
            stepTimeoutMs: ms(CYCLE_STEP_TIMEOUT),
            pollIntervalMs: ms(POLL_INTERVAL),
            planOnly: false,
            yes: false,
          });
        }
        case 'logs:tail': {
          const { runTailFlow } = await import('./logs-tail.js');
          return runTailFlow({
            aws,
            env,
            ...(adopt ? { adopt } : {}),
            selection: {},
            since: '10m',
            follow: true,
            live: false,
            format: 'short',
            maxRate: settings.logs.maxRate,
            prompts,
          });
        }
        case 'events:tail': {
          const { runEventsTailFlow } = await import('./events-tail.js');
          // An adopted cluster has ecspoc's rules only when its cluster stack made it (ecspoc-<env>).
          const { eventsEnvironmentOf } = await import('../lib/events/index.js');
          const rulesOf = adopt ? eventsEnvironmentOf(adopt.cluster) : env;
          return runEventsTailFlow({ aws, env: rulesOf, since: '1h', follow: true, format: 'short' });
        }
        case 'ssh-config': {
          const { runSshConfigFlow } = await import('./ssh-config.js');
          return runSshConfigFlow({
            ...view,
            options: {
              region,
              profile: settings.profile,
              endpointUrl: settings.endpointUrl,
              ...(settings.sshVia ? { via: settings.sshVia as 'bastion' | 'ssm' | 'eice' } : {}),
            },
            write: false,
            dryRun: false,
          });
        }
        case 'bastion:status': {
          const { runBastionStatusFlow } = await import('./status.js');
          return runBastionStatusFlow(view);
        }
        case 'bastion:start':
        case 'bastion:stop': {
          const { runBastionStartFlow, runBastionStopFlow } = await import('./bastion.js');
          const request = { ...view, wait: true, timeoutMs: ms(BASTION_TIMEOUT), yes: false };
          return action === 'bastion:start' ? runBastionStartFlow(request) : runBastionStopFlow(request);
        }
        case 'diff':
        case 'deploy':
          return deployPicked(context, settings, action, prompts);
      }
    },
  };
}

/** Picks the components (each with what it depends on) and plans or deploys them through the deploy flow. */
async function deployPicked(
  context: SessionRunnerContext,
  settings: Settings,
  command: 'diff' | 'deploy',
  prompts: Prompts,
): Promise<FlowOutcome<unknown>> {
  const [{ buildCatalog }, { runDeployFlow }] = await Promise.all([
    import('../lib/stacks/catalog.js'),
    import('./deploy.js'),
  ]);
  const { env } = settings;
  const catalog = buildCatalog(env, settings.services ? { declared: settings.services } : {});
  const selection = await prompts.pickMany(
    `Components of ${env} to ${command === 'diff' ? 'plan' : 'deploy'} (with what they depend on)`,
    catalog.components.map((c) => ({ name: `${c.name.padEnd(24)} ${c.description}`, value: c.name })),
    `Name them: ecspoc ${command} network cluster --env ${env}`,
  );
  return runDeployFlow({
    aws: context.aws,
    env,
    region: context.region,
    environment: settings.environment,
    ...(settings.services ? { services: settings.services } : {}),
    selection,
    parameters: [],
    dryRun: command === 'diff',
    command,
    yes: false,
    json: false,
  });
}
