import { DescribeTasksCommand, ECSClient, StartTaskCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BIN, collect, ROOT, runCli, spawnCli } from './helpers/cli.js';
import { type ClusterStack, createClusterStack, createServices } from './helpers/cluster.js';
import { type EcsAgent, startEcsAgent } from './helpers/ecs-agent.js';
import { clientConfig } from './helpers/env.js';
import { type Scheduler, startScheduler } from './helpers/scheduler.js';
import { allTaskArns } from './helpers/ecs-pages.js';

// The project's testTimeout does not reach hooks: stand-ins and CLI runs need more than 5 s.
jest.setTimeout(120_000);

const ENV = 'drn';

describe('ecspoc instances drain and activate against moto_server', () => {
  let stack: ClusterStack;
  let agent: EcsAgent;
  let scheduler: Scheduler;
  const ecs = new ECSClient(clientConfig());
  const cli = (args: string[]) => runCli([...args, '--env', ENV]);
  const list = async () => JSON.parse((await cli(['instances', 'list', '--json'])).stdout);
  const workers = async () => {
    const arns = await allTaskArns(ecs, { cluster: stack.clusterName, desiredStatus: 'RUNNING' });
    const tasks =
      (await ecs.send(new DescribeTasksCommand({ cluster: stack.clusterName, tasks: arns }))).tasks ?? [];
    return tasks.filter((t) => t.group === 'service:worker');
  };

  beforeAll(async () => {
    stack = await createClusterStack(ENV, { desired: 3, max: 3 });
    agent = startEcsAgent({
      config: clientConfig(),
      cluster: stack.clusterName,
      autoScalingGroupName: stack.autoScalingGroupName,
    });
    await agent.waitForRegistered(3);
    await createServices(clientConfig(), stack.clusterName, [
      { name: 'worker', desired: 3, cpu: 256, memory: 512 },
    ]);
    scheduler = startScheduler({ config: clientConfig(), cluster: stack.clusterName, drainDelayMs: 200 });
    await scheduler.waitForSteady();
  });

  afterAll(async () => {
    await scheduler?.stop();
    await agent?.stop();
    ecs.destroy();
  });

  it('drains an instance until no task runs on it, then activates it again', async () => {
    const [first] = (await list()).instances;
    expect(first.runningTasks).toBeGreaterThan(0);
    const drained = await cli([
      'instances',
      'drain',
      first.instanceId,
      '--yes',
      '--poll-interval',
      '100ms',
      '--json',
    ]);
    expect(drained.code).toBe(0);
    expect(JSON.parse(drained.stdout)).toMatchObject({
      waited: true,
      drained: true,
      instances: [{ instanceId: first.instanceId, status: 'DRAINING', runningTasks: 0, pendingTasks: 0 }],
    });
    expect(await workers()).toHaveLength(3);
    expect((await workers()).some((t) => t.containerInstanceArn === first.containerInstanceArn)).toBe(false);

    const activated = await cli(['instances', 'activate', first.instanceId, '--yes']);
    expect(activated.code).toBe(0);
    expect(activated.stdout).toBe(`Set ${first.instanceId} ACTIVE.\n`);
    expect(
      (await list()).instances.find((i: { instanceId: string }) => i.instanceId === first.instanceId)
        .ecsStatus,
    ).toBe('ACTIVE');
  });

  it('times out with exit 5 on a standalone task, and stops it when asked', async () => {
    await scheduler.waitForSteady();
    const [, second] = (await list()).instances;
    await ecs.send(
      new StartTaskCommand({
        cluster: stack.clusterName,
        taskDefinition: 'worker',
        containerInstances: [second.containerInstanceArn],
      }),
    );
    const timedOut = await cli([
      'instances',
      'drain',
      second.instanceId,
      '--yes',
      '--timeout',
      '1s',
      '--poll-interval',
      '100ms',
    ]);
    expect(timedOut.code).toBe(5);
    expect(timedOut.stderr).toContain(`1 standalone task(s) keep running on ${second.instanceId}`);
    expect(timedOut.stderr).toMatch(
      new RegExp(
        // The one line names the task that keeps the instance: drain never moves a standalone task.
        `Error: Timed out after 1s waiting for ${second.instanceId} to drain \\(.*1 task left\\): ` +
          `${second.instanceId} is kept by standalone task family:worker \\([\\w-]+\\)\\. They stay DRAINING\\.`,
      ),
    );
    expect(timedOut.stderr).toContain(
      `Try: Or put them back in service: ecspoc instances activate ${second.instanceId} --env ${ENV}`,
    );

    const stopped = await cli([
      'instances',
      'drain',
      second.instanceId,
      '--stop-standalone-tasks',
      '--yes',
      '--poll-interval',
      '100ms',
      '--json',
    ]);
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.stdout).instances[0]).toMatchObject({
      runningTasks: 0,
      standaloneTasksStopped: 1,
    });
    expect((await cli(['instances', 'activate', second.instanceId, '--yes'])).code).toBe(0);
  });

  it('returns at once with --no-wait, and stops waiting on Ctrl-C with exit 130', async () => {
    await scheduler.waitForSteady();
    const [, , third] = (await list()).instances;
    const noWait = await cli(['instances', 'drain', third.instanceId, '--no-wait', '--yes', '--json']);
    expect(noWait.code).toBe(0);
    expect(JSON.parse(noWait.stdout)).toMatchObject({
      waited: false,
      drained: false,
      instances: [{ status: 'DRAINING' }],
    });
    expect((await cli(['instances', 'activate', third.instanceId, '--yes'])).code).toBe(0);
    await scheduler.waitForSteady();

    // A standalone task keeps the drain waiting until the operator presses Ctrl-C.
    await ecs.send(
      new StartTaskCommand({
        cluster: stack.clusterName,
        taskDefinition: 'worker',
        containerInstances: [third.containerInstanceArn],
      }),
    );
    const child = spawnCli([
      'instances',
      'drain',
      third.instanceId,
      '--yes',
      '--poll-interval',
      '100ms',
      '--env',
      ENV,
    ]);
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/DRAINING, \d+ task/.test(seen) && !child.killed) child.kill('SIGINT');
    });
    const interrupted = await collect(child, 60_000);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain(`Error: Interrupted: ${third.instanceId} stay DRAINING`);
    expect((await cli(['instances', 'activate', third.instanceId, '--yes'])).code).toBe(0);
  });

  describe('fails with one clear line and a suggestion', () => {
    it('on an unknown instance (exit 2)', async () => {
      const result = await cli(['instances', 'drain', 'i-0000000000000000', '--yes']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `Error: Not a container instance of ${stack.clusterName}: i-0000000000000000.\nTry: See the instances with: ecspoc instances list --env ${ENV}\n`,
      );
    });

    it('without --yes and no terminal (exit 2), changing nothing', async () => {
      const [first] = (await list()).instances;
      const result = await cli(['instances', 'drain', first.instanceId]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'Refusing to drain instances without confirmation: no terminal to ask on.',
      );
      expect((await list()).instances[0].ecsStatus).toBe('ACTIVE');
    });

    it('without ids and no terminal to pick on (exit 2)', async () => {
      const result = await cli(['instances', 'drain', '--yes']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Instances to drain: no terminal to pick on.');
      expect(result.stderr).toContain(`Try: Name them: ecspoc instances drain i-0abc123 --env ${ENV}`);
    });

    it('when the environment has no cluster stack (exit 1)', async () => {
      const result = await runCli(['instances', 'list', '--env', 'nowhere']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'Error: Environment "nowhere" has no cluster stack (ecspoc-nowhere-cluster).\n' +
          'Try: Deploy it: ecspoc deploy cluster --env nowhere\nTry: Or pick another environment with --env.\n',
      );
    });

    it('on a bad duration (exit 2)', async () => {
      const result = await cli(['instances', 'cycle', '--timeout', 'soon', '--plan']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Error: --timeout "soon" is not a duration.');
    });
  });

  it.each([
    [['instances', 'cycle', '--help']],
    [['instances', 'drain', '--help']],
    [['instances', 'list', '--help']],
  ])('%p loads no AWS SDK, listr2 or prompt code', (args) => {
    const record = join(mkdtempSync(join(tmpdir(), 'ecspoc-imports-')), 'imports.txt');
    const result = spawnSync(
      process.execPath,
      ['--import', join(ROOT, 'test/e2e/helpers/record-imports.mjs'), BIN, ...args],
      {
        env: { PATH: process.env.PATH, HOME: tmpdir(), ECSPOC_RECORD_IMPORTS: record },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    const modules = readFileSync(record, 'utf8').trim().split('\n');
    expect(result.stdout).toContain(`$ ecspoc instances ${args[1]}`);
    expect(modules.length).toBeGreaterThan(0);
    expect(modules.filter((url) => /@aws-sdk|@smithy|listr2|@inquirer/.test(url))).toEqual([]);
  });
});
