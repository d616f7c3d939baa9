import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from '@jest/globals';

import { EXIT_CODES, TimeoutError, UsageError } from '../../../../src/lib/errors.js';
import { activateInstances, drainInstances, type DrainOptions } from '../../../../src/lib/instances/drain.js';
import type { InstanceEvent } from '../../../../src/lib/instances/events.js';
import { FakeWorld, type FakeWorldOptions } from './fake-cluster.js';

let world: FakeWorld | undefined;

function setUp(options: Partial<FakeWorldOptions> = {}) {
  world = new FakeWorld({
    instances: 12,
    drainMs: 20_000,
    services: [{ name: 'web', desired: 12, definition: '', cpu: 128, memory: 256 }],
    ...options,
  });
  return world;
}

function run(w: FakeWorld, ids: string[], overrides: Partial<DrainOptions> = {}) {
  const events: InstanceEvent[] = [];
  const promise = drainInstances(
    w.clients(),
    {
      env: 'dev',
      ids,
      stopStandaloneTasks: false,
      wait: true,
      timeoutMs: 600_000,
      pollIntervalMs: 5_000,
      ...overrides,
    },
    { clock: w.clock, emit: (e) => events.push(e) },
  );
  return { promise, events };
}

describe('drainInstances', () => {
  it('sets the instances DRAINING (10 per call) and waits until no task runs on them', async () => {
    const w = setUp();
    const ids = w
      .members()
      .slice(0, 11)
      .map((i) => i.id);
    const { promise, events } = run(w, ids);
    const result = await promise;
    expect(result.drained).toBe(true);
    expect(result.instances.every((i) => i.status === 'DRAINING' && i.runningTasks === 0)).toBe(true);
    expect(w.count('ECS.UpdateContainerInstancesState')).toBe(2);
    // The service kept its twelve tasks: on the one instance left ACTIVE.
    expect(w.tasks).toHaveLength(12);
    expect(
      events
        .filter((e) => e.type === 'instance-drained')
        .map((e) => (e as { instanceId: string }).instanceId)
        .sort(),
    ).toEqual([...ids].sort());
    // The wait took the simulated drain time, and polled every 5 s.
    expect(w.clock.now() - 1_000_000).toBe(20_000);
  });

  it('times out with exit 5, saying the instances stay DRAINING and how to undo it', async () => {
    const w = setUp({ schedulerStuck: true });
    const [id] = w.members().map((i) => i.id);
    const error = (await run(w, [id], { timeoutMs: 60_000 }).promise.catch(
      (e: unknown) => e,
    )) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.exitCode).toBe(EXIT_CODES.timedOut);
    expect(error.message).toBe(
      `Timed out after 1m00s waiting for ${id} to drain (${id}: 1 task left). They stay DRAINING.`,
    );
    expect(error.suggestions).toEqual([
      `Wait again: ecspoc instances drain ${id} --env dev --timeout 30m`,
      `Or put them back in service: ecspoc instances activate ${id} --env dev`,
    ]);
  });

  it('a timeout names the standalone task that keeps the instance, and says to stop it', async () => {
    const w = setUp({ schedulerStuck: true });
    const [host] = w.members();
    const job = w.startTask('nightly-report', 'arn:aws:ecs:us-east-1:1:task-definition/web:1', host)!;
    const { promise, events } = run(w, [host.id], { timeoutMs: 60_000 });
    const error = (await promise.catch((e: unknown) => e)) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    const jobId = job.arn.split('/').pop();
    expect(error.message).toBe(
      `Timed out after 1m00s waiting for ${host.id} to drain (${host.id}: 2 tasks left): ` +
        `${host.id} is kept by standalone task nightly-report (${jobId}). They stay DRAINING.`,
    );
    expect(error.suggestions[0]).toContain('--stop-standalone-tasks');
    const blocked = events.filter((e) => e.type === 'drain-blocked');
    // Said once while it waited, not at every look.
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({
      instanceId: host.id,
      blockers: [{ kind: 'standalone', taskArn: job.arn }],
    });
  });

  it('names a daemon task, which draining stops last, and not the service task that moves', async () => {
    const w = setUp({
      instances: 2,
      schedulerStuck: true,
      services: [
        { name: 'web', desired: 2, definition: '', cpu: 128, memory: 256 },
        { name: 'agent', desired: 2, definition: '', cpu: 64, memory: 64, daemon: true },
      ],
    });
    const [host] = w.members();
    const { promise } = run(w, [host.id], { timeoutMs: 30_000 });
    const error = (await promise.catch((e: unknown) => e)) as TimeoutError;
    const daemon = w.tasks.find((t) => t.group === 'agent' && t.host === host.ci?.arn)!;
    expect(error.message).toContain(
      `${host.id} is kept by daemon task of agent (${daemon.arn.split('/').pop()}).`,
    );
    expect(error.message).not.toContain('web');
    expect(error.suggestions).toContain(
      'Daemon tasks stop last, once every other task of the instance has gone.',
    );
  });

  it('names a task whose static host port is taken on every other instance, while it waits and at the end', async () => {
    const w = setUp({
      instances: 2,
      drainMs: 600_000,
      services: [{ name: 'web', desired: 2, definition: '', cpu: 256, memory: 512, hostPort: 80 }],
    });
    const [host] = w.members();
    const { promise, events } = run(w, [host.id], { timeoutMs: 60_000 });
    const error = (await promise.catch((e: unknown) => e)) as TimeoutError;
    expect(error.message).toMatch(
      new RegExp(
        `${host.id} is kept by a web task \\(t\\d+\\) that fits on no ACTIVE instance\\. They stay DRAINING\\.$`,
      ),
    );
    expect(error.suggestions.some((s) => s.includes('free the static host port'))).toBe(true);
    const blocked = events.find((e) => e.type === 'drain-blocked');
    expect(blocked).toMatchObject({ blockers: [{ kind: 'fits-nowhere' }] });
    expect((blocked as { blockers: { detail: string }[] }).blockers[0].detail).toContain('port 80/tcp');
  });

  it("shows the services' own events once each, and takes ECS's placement failure as a blocker", async () => {
    const w = setUp({ instances: 2, schedulerStuck: true });
    const [host] = w.members();
    const at = new Date(w.clock.now());
    const unable =
      '(service web) was unable to place a task because no container instance met all of its requirements. ' +
      'The closest matching (container-instance 5e9f) is missing an attribute required by your task.';
    w.mocks.ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'web',
          status: 'ACTIVE',
          desiredCount: 12,
          runningCount: 11,
          pendingCount: 0,
          schedulingStrategy: 'REPLICA',
          // Newest first, as ECS lists them.
          events: [
            { id: 'e2', createdAt: at, message: unable },
            { id: 'e1', createdAt: at, message: '(service web) has begun draining connections on 1 tasks.' },
          ],
          deployments: [
            { status: 'PRIMARY', rolloutState: 'IN_PROGRESS', runningCount: 11, desiredCount: 12 },
          ],
        },
      ],
    });
    const { promise, events } = run(w, [host.id], { timeoutMs: 60_000 });
    const error = (await promise.catch((e: unknown) => e)) as TimeoutError;
    const watched = events.filter((e) => e.type === 'service-watch');
    expect(watched).toHaveLength(1);
    expect(watched[0]).toMatchObject({
      waiting: { service: 'web', rolloutState: 'IN_PROGRESS', running: 11, desired: 12 },
    });
    expect((watched[0] as { waiting: { events: { id: string }[] } }).waiting.events.map((e) => e.id)).toEqual(
      ['e1', 'e2'],
    );
    const blocked = events.find((e) => e.type === 'drain-blocked') as { blockers: { detail: string }[] };
    expect(blocked.blockers[0].detail).toBe(`ECS says: ${unable}`);
    expect(error.message).toContain('that fits on no ACTIVE instance');
    // The explanation is read at most every 15 s, the first after 15 s of waiting (a quick drain
    // needs none): 60 s of waiting is four looks, not thirteen.
    expect(w.mocks.ecs.commandCalls(DescribeServicesCommand)).toHaveLength(4);
  });

  it('reads no explanation for a drain that ends within 15 s, and still names the blocker of one that times out sooner', async () => {
    const quick = setUp({ drainMs: 10_000 });
    const [first] = quick.members();
    await expect(run(quick, [first.id]).promise).resolves.toMatchObject({ drained: true });
    expect(quick.mocks.ecs.commandCalls(DescribeServicesCommand)).toHaveLength(0);

    const w = setUp({ schedulerStuck: true });
    const [host] = w.members();
    const job = w.startTask('nightly-report', 'arn:aws:ecs:us-east-1:1:task-definition/web:1', host)!;
    const error = (await run(w, [host.id], { timeoutMs: 10_000 }).promise.catch(
      (e: unknown) => e,
    )) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toContain(
      `${host.id} is kept by standalone task nightly-report (${job.arn.split('/').pop()}).`,
    );
  });

  it('returns at once with wait off', async () => {
    const w = setUp({ schedulerStuck: true });
    const [id] = w.members().map((i) => i.id);
    const result = await run(w, [id], { wait: false }).promise;
    expect(result).toMatchObject({
      waited: false,
      drained: false,
      instances: [{ status: 'DRAINING', runningTasks: 1 }],
    });
    expect(w.clock.now()).toBe(1_000_000);
  });

  it('stops standalone tasks only when asked, and warns otherwise', async () => {
    const w = setUp();
    const [host] = w.members();
    w.startTask('job', 'arn:aws:ecs:us-east-1:1:task-definition/web:1', host);
    const warned = await run(w, [host.id], { wait: false }).promise;
    expect(warned.warnings).toEqual([
      `1 standalone task(s) keep running on ${host.id}: draining does not stop them (--stop-standalone-tasks does).`,
    ]);
    const stopped = await run(w, [host.id], { stopStandaloneTasks: true }).promise;
    expect(stopped.instances[0]).toMatchObject({ standaloneTasksStopped: 1, runningTasks: 0 });
  });

  it('warns when the instances left cannot hold the tasks', async () => {
    const w = setUp({
      instances: 2,
      services: [{ name: 'web', desired: 2, definition: '', cpu: 256, memory: 512, hostPort: 80 }],
    });
    const [first] = w.members();
    const { promise } = run(w, [first.id], { wait: false });
    const result = await promise;
    expect(result.warnings[0]).toMatch(
      /^1 of 1 service tasks will not fit on the instances left ACTIVE: a web task from i-\w+ \(256 CPU units, 512 MiB, port 80\/tcp\) fits nowhere/,
    );
  });

  it('refuses unknown instances with a usage error, changing nothing', async () => {
    const w = setUp();
    const error = await run(w, ['i-nope']).promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('Not a container instance of ecspoc-dev: i-nope.');
    expect(w.changes()).toEqual([]);
  });
});

describe('activateInstances', () => {
  it('sets DRAINING instances ACTIVE again, found by container instance id too', async () => {
    const w = setUp({ instances: 2, services: [] });
    const [first, second] = w.members();
    await run(w, [first.id, second.id], { wait: false }).promise;
    const result = await activateInstances(
      w.clients(),
      'dev',
      [first.id, `${second.id}-ci`],
      () => undefined,
    );
    expect(result.instances.map((i) => i.instanceId)).toEqual([first.id, second.id]);
    expect(w.members().every((i) => i.ci?.status === 'ACTIVE')).toBe(true);
  });
});
