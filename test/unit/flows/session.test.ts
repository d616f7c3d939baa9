import { describe, expect, it } from '@jest/globals';

import { failed, type FlowOutcome, succeeded } from '../../../src/flows/outcome.js';
import {
  runSessionFlow,
  type SessionAction,
  type SessionRequest,
  type SessionRunner,
} from '../../../src/flows/session.js';
import type { EnvironmentList, EnvironmentSummary } from '../../../src/lib/environments/index.js';
import { AbortedError, AwsError, EXIT_CODES, InterruptedError, UsageError } from '../../../src/lib/errors.js';
import type { Choice, PickManyOptions, Prompts } from '../../../src/ui/prompt.js';

/** One question the session asked, as the operator saw it. */
interface Asked {
  kind: 'pickOne' | 'pickMany' | 'confirm';
  message: string;
  choices: string[];
  options?: PickManyOptions;
}

/** An answer of the script: the name of the choice to pick (its start), ids to tick, or something thrown. */
type Answer = string | string[] | Error;

/** A prompt seam that answers from a script and records every question; an unscripted question fails the test. */
function scriptedPrompts(script: Answer[]) {
  const asked: Asked[] = [];
  const next = (question: Asked): Answer => {
    asked.push(question);
    const answer = script.shift();
    if (answer === undefined) throw new Error(`unscripted question: ${question.message}`);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const byName = <T>(choices: Choice<T>[], name: string): T => {
    const choice = choices.find((c) => c.name.startsWith(name));
    if (!choice) throw new Error(`no choice "${name}" among ${choices.map((c) => c.name).join(' | ')}`);
    return choice.value;
  };
  const prompts: Prompts = {
    async pickOne(message, choices) {
      const answer = next({ kind: 'pickOne', message, choices: choices.map((c) => c.name) });
      return byName(choices, answer as string);
    },
    async pickMany(message, choices, _hint, options) {
      const answer = next({ kind: 'pickMany', message, choices: choices.map((c) => c.name), options });
      return (answer as string[]).map((name) => byName(choices, name));
    },
    async confirm(message) {
      const answer = next({ kind: 'confirm', message, choices: [] });
      if (answer !== 'yes') throw new AbortedError();
    },
  };
  return { prompts, asked, left: script };
}

function summary(env: string, instances: number, found = true): EnvironmentSummary {
  return {
    env,
    stacks: found ? 4 : 1,
    worstStatus: 'CREATE_COMPLETE',
    cluster: { name: `ecspoc-${env}`, found, instances, services: found ? 2 : 0, runningTasks: 0 },
  };
}

const LIST: EnvironmentList = {
  region: 'eu-west-1',
  environments: [summary('dev', 1, false), summary('staging', 3)],
};

type Act = (env: string, prompts: Prompts) => Promise<FlowOutcome<unknown>>;

/** A runner that records each action and answers with `acts` (default: a success). */
function fakeRunner(acts: Partial<Record<SessionAction, Act>> = {}, list: EnvironmentList = LIST) {
  const ran: Array<{ action: SessionAction; env: string }> = [];
  let listings = 0;
  const runner: SessionRunner = {
    async environments() {
      listings++;
      return list;
    },
    async run(action, env, prompts) {
      ran.push({ action, env });
      return (acts[action] ?? (async () => succeeded(undefined)))(env, prompts);
    },
  };
  return { runner, ran, listings: () => listings };
}

function session(script: Answer[], runner: SessionRunner, extra: Partial<SessionRequest> = {}) {
  const scripted = scriptedPrompts(script);
  let written = '';
  const request: SessionRequest = {
    where: { account: '123456789012', region: 'eu-west-1' },
    runner,
    prompts: scripted.prompts,
    write: (text) => void (written += text),
    errorLines: (error) => [`Error: ${(error as Error).message}`, 'Try: something'],
    ...extra,
  };
  return { run: () => runSessionFlow(request), ...scripted, written: () => written };
}

describe('the interactive session', () => {
  it('lists the environments with a summary each, opens the picked one, runs status, and quits with 0', async () => {
    const fake = fakeRunner();
    const s = session(['staging', 'Status', 'Quit'], fake.runner);
    const outcome = await s.run();

    expect(outcome.exitCode).toBe(EXIT_CODES.success);
    expect(outcome.error).toBeUndefined();
    expect(outcome.output.steps).toEqual([{ env: 'staging', action: 'status', exitCode: 0 }]);
    expect(fake.ran).toEqual([{ action: 'status', env: 'staging' }]);
    const [environments, menu, again] = s.asked;
    expect(environments).toEqual({
      kind: 'pickOne',
      message: 'account 123456789012 · eu-west-1 — environments',
      choices: [
        'dev      1 stack · CREATE_COMPLETE · no cluster',
        'staging  4 stacks · CREATE_COMPLETE · 3 instances · 2 services',
        'Refresh',
        'Quit',
      ],
    });
    expect(menu.message).toBe('account 123456789012 · eu-west-1 · env staging — what now?');
    expect(menu.choices).toEqual([
      'Status',
      'Instances…',
      'Tail logs',
      'Events',
      'SSH config',
      'Bastion…',
      'Diff',
      'Deploy',
      'Other environment',
      'Quit',
    ]);
    expect(again.message).toBe(menu.message);
    expect(s.written()).toContain('── status · account 123456789012 · eu-west-1 · env staging');
    expect(s.left).toEqual([]);
  });

  it('Ctrl-C at a menu leaves as Quit does: exit 0, no error line', async () => {
    const fake = fakeRunner();
    const s = session(['dev', new InterruptedError()], fake.runner);
    const outcome = await s.run();
    expect(outcome.exitCode).toBe(EXIT_CODES.success);
    expect(outcome.error).toBeUndefined();
    expect(fake.ran).toEqual([]);
    expect(s.written()).toBe('');
  });

  it('opens at the menu of an environment chosen with --env, and "Other environment" goes back to the list', async () => {
    const fake = fakeRunner();
    const s = session(['Other environment', 'Refresh', 'Quit'], fake.runner, { env: 'staging' });
    expect((await s.run()).exitCode).toBe(0);
    expect(s.asked.map((q) => q.message)).toEqual([
      'account 123456789012 · eu-west-1 · env staging — what now?',
      'account 123456789012 · eu-west-1 — environments',
      'account 123456789012 · eu-west-1 — environments',
    ]);
    // "Refresh" reads the environments again.
    expect(fake.listings()).toBe(2);
  });

  it('"Instances…" then "Drain" runs the drain flow with pickers where none ticked backs out', async () => {
    const offered: Asked[] = [];
    const fake = fakeRunner({
      'instances:drain': async (_env, prompts) => {
        await prompts.pickMany('Instances to drain', [{ name: 'i-1', value: 'i-1' }], 'hint');
        return succeeded(undefined);
      },
    });
    const s = session(
      ['staging', 'Instances…', 'Drain', new AbortedError('Nothing chosen: nothing was changed.'), 'Quit'],
      fake.runner,
    );
    const outcome = await s.run();
    offered.push(...s.asked.filter((q) => q.kind === 'pickMany'));

    expect(outcome.exitCode).toBe(0);
    expect(s.asked[2]).toMatchObject({
      message: 'account 123456789012 · eu-west-1 · env staging — instances',
      choices: ['List', 'Drain', 'Activate', 'Cycle', 'Back'],
    });
    expect(offered).toEqual([
      { kind: 'pickMany', message: 'Instances to drain', choices: ['i-1'], options: { noneBacksOut: true } },
    ]);
    expect(fake.ran).toEqual([{ action: 'instances:drain', env: 'staging' }]);
    expect(outcome.output.steps).toEqual([
      { env: 'staging', action: 'instances:drain', exitCode: EXIT_CODES.aborted },
    ]);
    expect(s.written()).toContain('Nothing chosen: nothing was changed.\n');
    expect(s.written()).not.toContain('Error:');
  });

  it('"Back" in a submenu runs nothing and shows the menu again', async () => {
    const fake = fakeRunner();
    const s = session(['staging', 'Bastion…', 'Back', 'Quit'], fake.runner);
    expect((await s.run()).exitCode).toBe(0);
    expect(s.asked[2].choices).toEqual(['Status', 'Start', 'Stop', 'Back']);
    expect(s.asked[3].message).toBe('account 123456789012 · eu-west-1 · env staging — what now?');
    expect(fake.ran).toEqual([]);
  });

  it('shows an action that fails with its error lines and goes on', async () => {
    const fake = fakeRunner({
      status: async () => {
        throw new AwsError('AWS_FAILED', 'ListStacks failed: throttled.');
      },
      'bastion:start': async () =>
        failed(undefined, new UsageError('NO_BASTION', 'The bastion is not deployed.')),
    });
    const s = session(['staging', 'Status', 'Bastion…', 'Start', 'Status', 'Quit'], fake.runner);
    const outcome = await s.run();
    expect(outcome.exitCode).toBe(0);
    expect(outcome.output.steps.map((step) => [step.action, step.exitCode])).toEqual([
      ['status', EXIT_CODES.failure],
      ['bastion:start', EXIT_CODES.usage],
      ['status', EXIT_CODES.failure],
    ]);
    expect(s.written()).toContain('Error: ListStacks failed: throttled.\nTry: something\n');
    expect(s.written()).toContain('Error: The bastion is not deployed.\n');
  });

  it('Ctrl-C inside an action ends that action only, and the menu comes back', async () => {
    const fake = fakeRunner({
      'instances:cycle': async (_env, prompts) => {
        await prompts.confirm('Cycle 3 instances?', { yes: false, action: 'cycle instances' });
        return succeeded(undefined);
      },
      'logs:tail': async () => ({ output: undefined, exitCode: EXIT_CODES.interrupted }),
    });
    const s = session(
      ['staging', 'Instances…', 'Cycle', new InterruptedError(), 'Tail logs', 'Quit'],
      fake.runner,
    );
    const outcome = await s.run();
    expect(outcome.exitCode).toBe(0);
    expect(fake.ran.map((r) => r.action)).toEqual(['instances:cycle', 'logs:tail']);
    expect(s.written()).toContain('Error: Interrupted.\nTry: something\nBack to the menu.\n');
    // A follow ended by Ctrl-C is how a tail ends: no error, a note.
    expect(s.written()).toContain('Stopped.\n');
  });

  it('with no environment in the account and region, fails naming deploy', async () => {
    const fake = fakeRunner({}, { region: 'eu-west-1', environments: [] });
    const error = await session([], fake.runner)
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      'No ecspoc environment in account 123456789012 · eu-west-1: nothing to open a session on.',
    );
    expect((error as UsageError).suggestions).toEqual(['ecspoc deploy --env NAME']);
  });
});
