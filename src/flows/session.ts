/**
 * The interactive session (`ecspoc` alone on a terminal): pick an environment, then what to do with
 * it; each action runs its command's own flow, with the same questions, then the menu comes back.
 * The prompts are a parameter, so tests drive the menus with a script of answers.
 */
import type { EnvironmentList, EnvironmentSummary } from '../lib/environments/index.js';
import { AbortedError, EcspocError, EXIT_CODES, InterruptedError, UsageError } from '../lib/errors.js';
import { environmentLine } from '../ui/environments-view.js';
import type { Choice, Prompts } from '../ui/prompt.js';
import { type FlowOutcome, succeeded } from './outcome.js';

/** What can be done with one environment; each is the command of the same name. */
export type SessionAction =
  | 'status'
  | 'instances:list'
  | 'instances:drain'
  | 'instances:activate'
  | 'instances:cycle'
  | 'logs:tail'
  | 'events:tail'
  | 'ssh-config'
  | 'bastion:status'
  | 'bastion:start'
  | 'bastion:stop'
  | 'diff'
  | 'deploy';

/** The account and region every screen names. */
export interface SessionWhere {
  account: string;
  region: string;
}

/** How the session reads the environments and runs an action: the commands' flows, or fakes in tests. */
export interface SessionRunner {
  /** The environments to offer, read afresh each time the list is shown. */
  environments(): Promise<EnvironmentList>;
  /** Runs `action` on `env` through its command's flow, asking with `prompts`. */
  run(action: SessionAction, env: string, prompts: Prompts): Promise<FlowOutcome<unknown>>;
}

/** What the session needs: where it acts, the runner, the prompts, and where it writes. */
export interface SessionRequest {
  where: SessionWhere;
  /** An environment chosen with --env (or ECSPOC_ENV): the session opens at its menu. */
  env?: string;
  runner: SessionRunner;
  prompts: Prompts;
  /** Headers and error lines (stderr). */
  write(text: string): void;
  /** The base command's error renderer: one line and its `Try:` lines. */
  errorLines(error: unknown): string[];
}

/** One action the session ran, and how it ended. */
export interface SessionStep {
  env: string;
  action: SessionAction;
  exitCode: number;
}

/** What a session did. */
export interface SessionResult {
  steps: SessionStep[];
}

type Menu<T> = { title: string; choices: Choice<T>[] };
type Pick = SessionAction | 'instances' | 'bastion' | 'environments' | 'quit';

/** The menu of one environment; "Instances…" and "Bastion…" open their own. */
const ACTION_MENU: Choice<Pick>[] = [
  { name: 'Status', value: 'status', description: 'stacks, cluster, instances, services, bastion' },
  { name: 'Instances…', value: 'instances', description: 'list, drain, activate, cycle' },
  { name: 'Tail logs', value: 'logs:tail', description: 'pick log groups, follow until Ctrl-C' },
  { name: 'Events', value: 'events:tail', description: 'the alerts of the last hour, followed until Ctrl-C' },
  { name: 'SSH config', value: 'ssh-config', description: 'print the Host entries through the bastion' },
  { name: 'Bastion…', value: 'bastion', description: 'status, start, stop' },
  { name: 'Diff', value: 'diff', description: 'what a deploy of the picked components would change' },
  { name: 'Deploy', value: 'deploy', description: 'deploy the picked components (asks first)' },
  { name: 'Other environment', value: 'environments' },
  { name: 'Quit', value: 'quit' },
];

const SUBMENUS: Record<'instances' | 'bastion', Choice<SessionAction | 'back'>[]> = {
  instances: [
    { name: 'List', value: 'instances:list' },
    { name: 'Drain', value: 'instances:drain', description: 'pick ACTIVE instances, confirm, wait' },
    { name: 'Activate', value: 'instances:activate', description: 'pick DRAINING instances' },
    { name: 'Cycle', value: 'instances:cycle', description: 'replace every instance: the plan first' },
    { name: 'Back', value: 'back' },
  ],
  bastion: [
    { name: 'Status', value: 'bastion:status' },
    { name: 'Start', value: 'bastion:start' },
    { name: 'Stop', value: 'bastion:stop', description: 'asks first' },
    { name: 'Back', value: 'back' },
  ],
};

/** Ctrl-C at one of the session's own menus: leave. */
class LeaveSession extends Error {}

/** "account 123456789012 · us-east-1 · env staging": the line that says where a screen acts. */
export function whereLine(where: SessionWhere, env?: string): string {
  return [`account ${where.account}`, where.region, ...(env ? [`env ${env}`] : [])].join(' · ');
}

/**
 * Runs the session until "Quit" or Ctrl-C at one of its menus, both exit 0: leaving a session is not
 * an interruption of anything (a command stopped by Ctrl-C mid-way exits 130). An action that
 * fails is shown with its error lines and the menu comes back; Ctrl-C inside an action (at its picker,
 * question or wait) ends that action only.
 */
export async function runSessionFlow(request: SessionRequest): Promise<FlowOutcome<SessionResult>> {
  const steps: SessionStep[] = [];
  const menu = async <T>(screen: Menu<T>, hint: string): Promise<T> => {
    try {
      return await request.prompts.pickOne(screen.title, screen.choices, hint);
    } catch (error) {
      if (error instanceof InterruptedError) throw new LeaveSession();
      throw error;
    }
  };
  // Inside an action, Enter with nothing ticked backs out of a picker instead of insisting.
  const actionPrompts: Prompts = {
    ...request.prompts,
    pickMany: (message, choices, hint, options) =>
      request.prompts.pickMany(message, choices, hint, { noneBacksOut: true, ...options }),
  };
  let env = request.env;
  try {
    for (;;) {
      if (env === undefined) {
        const picked = await pickEnvironment(request, menu);
        if (picked === undefined) break;
        env = picked;
        continue;
      }
      const where = whereLine(request.where, env);
      let pick: Pick | 'back' = await menu(
        { title: `${where} — what now?`, choices: ACTION_MENU },
        `Run the command itself: ecspoc status --env ${env} (ecspoc help lists them)`,
      );
      if (pick === 'quit') break;
      if (pick === 'environments') {
        env = undefined;
        continue;
      }
      if (pick === 'instances' || pick === 'bastion') {
        pick = await menu(
          { title: `${where} — ${pick}`, choices: SUBMENUS[pick] },
          `ecspoc ${pick} --help lists the commands`,
        );
        if (pick === 'back') continue;
      }
      request.write(`\n── ${pick.replace(':', ' ')} · ${where}\n`);
      steps.push({ env, action: pick, exitCode: await runAction(request, pick, env, actionPrompts) });
    }
  } catch (error) {
    if (error instanceof LeaveSession) return succeeded({ steps });
    throw error;
  }
  return succeeded({ steps });
}

/** The environment list with a one-line summary each; undefined when the operator quits. */
async function pickEnvironment(
  request: SessionRequest,
  menu: <T>(screen: Menu<T>, hint: string) => Promise<T>,
): Promise<string | undefined> {
  for (;;) {
    const list = await request.runner.environments();
    if (list.environments.length === 0) {
      throw new UsageError(
        'NO_ENVIRONMENT',
        `No ecspoc environment in ${whereLine(request.where)}: nothing to open a session on.`,
        { suggestions: ['ecspoc deploy --env NAME'] },
      );
    }
    const width = Math.max(...list.environments.map((e) => e.env.length));
    const choices: Choice<string | symbol>[] = [
      ...list.environments.map((summary: EnvironmentSummary) => ({
        name: environmentLine(summary, width),
        value: summary.env,
      })),
      { name: 'Refresh', value: REFRESH },
      { name: 'Quit', value: QUIT },
    ];
    const picked = await menu(
      { title: `${whereLine(request.where)} — environments`, choices },
      'Name it: --env NAME (or ECSPOC_ENV)',
    );
    if (picked === QUIT) return undefined;
    if (typeof picked === 'string') return picked;
  }
}

const REFRESH = Symbol('refresh');
const QUIT = Symbol('quit');

/**
 * Runs one action and shows how it ended; the session goes on whatever happened. A "no" or an empty
 * pick is a note, Ctrl-C inside the action ends that action, anything else is the error's lines.
 */
async function runAction(
  request: SessionRequest,
  action: SessionAction,
  env: string,
  prompts: Prompts,
): Promise<number> {
  try {
    const outcome = await request.runner.run(action, env, prompts);
    if (outcome.error) request.write(request.errorLines(outcome.error).join('\n') + '\n');
    else if (outcome.exitCode === EXIT_CODES.interrupted) request.write('Stopped.\n');
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof AbortedError) request.write(`${error.message}\n`);
    else request.write(request.errorLines(error).join('\n') + '\n');
    if (error instanceof InterruptedError) request.write('Back to the menu.\n');
    return error instanceof EcspocError ? error.exitCode : EXIT_CODES.failure;
  }
}
