import { DescribeContainerInstancesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { deployBundle } from './helpers/bundle.js';
import { BIN, cliEnv, runCli, TEST_HOME } from './helpers/cli.js';
import { type ClusterStack, createClusterStack } from './helpers/cluster.js';
import { type EcsAgent, startEcsAgent } from './helpers/ecs-agent.js';
import { allContainerInstanceArns } from './helpers/ecs-pages.js';
import { clientConfig } from './helpers/env.js';

// The project's testTimeout does not reach hooks: the deploys and the agent need more than 5 s.
jest.setTimeout(120_000);

/**
 * `ecspoc` alone in a real terminal: tmux runs the built CLI on a pane of its own server, the test
 * types with send-keys and reads the screen with capture-pane. Two environments: one with its cluster
 * and two registered instances (the one the session acts on), one with only its network.
 */
describe('the interactive session in a terminal (tmux) against moto_server', () => {
  const SOCKET = `ecspoc-session-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'ecspoc-tmux-'));
  const ecs = new ECSClient(clientConfig());
  let stack: ClusterStack;
  let agent: EcsAgent;
  let instanceIds: string[];
  /** The shell command a pane runs: the built CLI with `args`, then its exit status. */
  let cli: (args: string) => string;

  const tmux = (...args: string[]) => {
    const result = spawnSync('tmux', ['-L', SOCKET, '-f', join(dir, 'tmux.conf'), ...args], {
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`tmux ${args[0]}: ${result.stderr}`);
    return result.stdout;
  };
  // The whole pane with its scrollback, joined where lines wrapped.
  const screen = (target = 'session') => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', target);
  const keys = (...names: string[]) => tmux('send-keys', '-t', 'session', ...names);
  const count = (text: string, what: string) => text.split(what).length - 1;
  /** Polls the screen until `ready` holds (bounded), and returns it. */
  const waitForScreen = async (
    ready: (text: string) => boolean,
    what: string,
    target = 'session',
    timeoutMs = 30_000,
  ) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = screen(target);
      if (ready(text)) return text;
      if (Date.now() > deadline) throw new Error(`screen never showed ${what}:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const menus = (text: string) => count(text, '· env sesa — what now?');

  beforeAll(async () => {
    stack = await createClusterStack('sesa', { desired: 2, max: 2 });
    agent = startEcsAgent({
      config: clientConfig(),
      cluster: stack.clusterName,
      autoScalingGroupName: stack.autoScalingGroupName,
    });
    await agent.waitForRegistered(2);
    instanceIds = [...agent.registered.keys()].sort();
    await deployBundle('sesb', { select: ['network'] });

    // remain-on-exit keeps the pane (and the EXIT= line) after the CLI ends.
    writeFileSync(join(dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g history-limit 5000\n');
    const env = cliEnv({ TERM: 'xterm-256color' });
    const assignments = Object.entries(env)
      .filter(([key]) => key === 'PATH' || key === 'HOME' || key === 'TERM' || /^(AWS_|NO_COLOR)/.test(key))
      .map(([key, value]) => `${key}="${value}"`)
      .join(' ');
    // The exit status is printed by the shell around the CLI, so the test reads what the process returned.
    cli = (args) =>
      `sh -c 'cd "${TEST_HOME}" && env ${assignments} "${process.execPath}" "${BIN}" ${args}; echo EXIT=$?'`;
    tmux('new-session', '-d', '-s', 'session', '-x', '160', '-y', '50', cli(''));
  });

  afterAll(async () => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    await agent?.stop();
    ecs.destroy();
  });

  it('lists both environments with a one-line summary, naming the account and region', async () => {
    const text = await waitForScreen((t) => t.includes('sesb'), 'the environment list');
    expect(text).toContain('account 123456789012 · us-east-1 — environments');
    expect(text).toMatch(/sesa {2}\d+ stacks · CREATE_COMPLETE · 2 instances · 0 services/);
    expect(text).toMatch(/sesb {2}1 stack · CREATE_COMPLETE · no cluster/);
  });

  it('picking the first environment then "Status" shows that environment\'s status', async () => {
    keys('Enter'); // sesa, the first of the list
    await waitForScreen((t) => menus(t) === 1, 'the menu of sesa');
    keys('Enter'); // Status, the first action
    const text = await waitForScreen((t) => menus(t) === 2, 'the menu after the status');
    expect(text).toContain('── status · account 123456789012 · us-east-1 · env sesa');
    expect(text).toContain('Environment "sesa"');
    expect(text).toContain('Cluster ecspoc-sesa: 2 container instance(s): 2 active, 0 draining');
    expect(text).not.toContain('Environment "sesb"');
  });

  it('"Instances…" then "Drain" offers its instances, and backing out drains nothing', async () => {
    keys('Down', 'Enter'); // Instances…
    await waitForScreen((t) => t.includes('· env sesa — instances'), 'the instances menu');
    keys('Down', 'Enter'); // Drain
    const offered = await waitForScreen(
      (t) => t.includes('Instances to drain') && instanceIds.every((id) => t.includes(id)),
      'the drain picker with both instances',
    );
    expect(offered).toContain('(Enter with none ticked: back)');
    keys('Enter'); // nothing ticked: back
    const text = await waitForScreen((t) => menus(t) === 3, 'the menu after backing out');
    expect(text).toContain('Nothing chosen: nothing was changed.');
    const arns = await allContainerInstanceArns(ecs, { cluster: stack.clusterName });
    const described = await ecs.send(
      new DescribeContainerInstancesCommand({ cluster: stack.clusterName, containerInstances: arns }),
    );
    expect(described.containerInstances?.map((i) => i.status)).toEqual(['ACTIVE', 'ACTIVE']);
  });

  it('Ctrl-C at the menu leaves cleanly: exit 0, no stack trace', async () => {
    keys('C-c');
    const text = await waitForScreen((t) => /EXIT=\d+/.test(t), 'the exit status');
    expect(text).toMatch(/EXIT=0\b/);
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).not.toContain('ExitPromptError');
  });

  it('a command with no environment chosen offers the existing ones on a terminal', async () => {
    tmux('new-window', '-d', '-t', 'session', '-n', 'picker', cli('instances list'));
    const offered = await waitForScreen(
      (t) => t.includes('sesb'),
      'the environment picker',
      'session:picker',
    );
    expect(offered).toContain('No environment chosen and "dev" does not exist; pick one (us-east-1)');
    tmux('send-keys', '-t', 'session:picker', 'Enter'); // sesa
    const text = await waitForScreen((t) => /EXIT=\d+/.test(t), 'the exit status', 'session:picker');
    expect(text).toContain('EXIT=0');
    for (const id of instanceIds) expect(text).toContain(id);
  });

  it('without a terminal, ecspoc alone prints the help and the session refuses in one line', async () => {
    const bare = await runCli([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('USAGE');
    const session = await runCli(['session']);
    expect(session.code).toBe(2);
    expect(session.stderr.trim().split('\n')).toEqual([
      'Error: The interactive session needs a terminal to ask on.',
      expect.stringMatching(/^Try: ecspoc help lists the commands/),
    ]);
  });
});
