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
