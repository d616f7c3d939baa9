import {
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from '@jest/globals';

import { EXIT_CODES } from '../../../../src/lib/errors.js';
import {
  type CycleDeps,
  cycleInstances,
  type CycleOptions,
  defaultBatchSize,
  resumeCommand,
} from '../../../../src/lib/instances/cycle.js';
import type { InstanceEvent } from '../../../../src/lib/instances/events.js';
import { FakeWorld, type FakeWorldOptions } from './fake-cluster.js';

const SERVICES = [
  { name: 'web', desired: 4, definition: '', cpu: 512, memory: 1024, hostPort: 8080 },
  { name: 'worker', desired: 4, definition: '', cpu: 256, memory: 512 },
];

let world: FakeWorld | undefined;

function setUp(options: Partial<FakeWorldOptions> = {}) {
  world = new FakeWorld({
    instances: 6,
    desired: 6,
    max: 8,
    bootMs: 60_000,
    drainMs: 30_000,
    services: SERVICES,
    ...options,
  });
  return world;
}

function options(overrides: Partial<CycleOptions> = {}): CycleOptions {
  return {
    env: 'dev',
    selection: { kind: 'all' },
    batchSize: 2,
    maxUnavailable: 0,
    raiseMax: false,
    stopStandaloneTasks: false,
    stepTimeoutMs: 600_000,
    pollIntervalMs: 5_000,
    planOnly: false,
    ...overrides,
  };
}

function deps(w: FakeWorld, overrides: Partial<CycleDeps> = {}) {
  const events: InstanceEvent[] = [];
  const asked: string[] = [];
  const value: CycleDeps = {
    clock: w.clock,
    emit: (event) => events.push(event),
    confirm: async (_prepared, question) => {
      asked.push(question);
    },
    ...overrides,
  };
  return { deps: value, events, asked };
}

const errorOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & { exitCode: number; suggestions: string[] },
  );

describe('cycleInstances', () => {
  it('surges, drains and terminates batch by batch, and ends with the capacity it started with', async () => {
    const w = setUp();
    const original = w.members().map((i) => i.id);
    const { deps: d, events, asked } = deps(w);
    const result = await cycleInstances(w.clients(), options(), d);

    expect(asked).toEqual([
      'Replace 6 instance(s) of ecspoc-dev in 3 batch(es), desired capacity 6 → 8 during each batch?',
    ]);
    expect(result.replaced.map((r) => r.instanceId).sort()).toEqual([...original].sort());
    expect(result.replaced.map((r) => r.batch)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(result.desired).toEqual({ before: 6, after: 6 });
    expect(result.max).toEqual({ before: 8, after: 8 });
    expect(result.launched).toHaveLength(6);
    expect(w.group).toMatchObject({ desired: 6, max: 8, tags: {}, suspended: [] });
    expect(w.members().every((i) => i.imageId === 'ami-new' && i.ci?.status === 'ACTIVE')).toBe(true);
    // Every service task survived: four web and four worker tasks on the new instances.
    expect(w.tasks.filter((t) => t.group === 'web')).toHaveLength(4);
    expect(w.tasks.filter((t) => t.group === 'worker')).toHaveLength(4);

    // The order of changes: mark, remember, keep AZRebalance off; then per batch surge → drain → terminate.
    const changes = w.changes();
    expect(changes.slice(0, 3)).toEqual([
      'EC2.CreateTags',
      'AutoScaling.CreateOrUpdateTags',
      'AutoScaling.SuspendProcesses',
    ]);
    expect(changes.slice(3, 8)).toEqual([
      'AutoScaling.SetDesiredCapacity',
      'ECS.UpdateContainerInstancesState',
      // Every instance is protected from scale-in (managed termination protection): lifted first.
      'AutoScaling.SetInstanceProtection',
      'AutoScaling.TerminateInstanceInAutoScalingGroup',
      'AutoScaling.TerminateInstanceInAutoScalingGroup',
    ]);
    expect(changes.slice(-2)).toEqual(['AutoScaling.ResumeProcesses', 'AutoScaling.DeleteTags']);
    expect(events.filter((e) => e.type === 'batch-done')).toHaveLength(3);
    // Each batch drained only once its surge was ACTIVE: the wait took the boot time.
    expect(result.durationMs).toBeGreaterThanOrEqual(3 * (60_000 + 30_000));
  });

  it('keeps AZs balanced: each batch drains one instance per zone the surge landed in', async () => {
    const w = setUp();
    const { deps: d, events } = deps(w);
    await cycleInstances(w.clients(), options(), d);
    const zoneOf = new Map([...w.instances.values()].map((i) => [i.id, i.az]));
    for (const event of events.filter((e) => e.type === 'batch-started')) {
      const zones = (event as { instances: string[] }).instances.map((id) => zoneOf.get(id));
      expect(zones.sort()).toEqual(['us-east-1a', 'us-east-1b']);
    }
    const zones = w.members().map((i) => i.az);
    expect(zones.filter((z) => z === 'us-east-1a')).toHaveLength(3);
  });

  it('plans without changing anything', async () => {
    const w = setUp();
    const { deps: d, asked } = deps(w);
    const result = await cycleInstances(w.clients(), options({ planOnly: true }), d);
    expect(result.plan.batches).toHaveLength(3);
    expect(asked).toEqual([]);
    expect(w.changes()).toEqual([]);
  });

  it('refuses before changing anything when the tasks cannot fit', async () => {
    // Every instance runs web on static port 8080; with no room to surge, a batch's web tasks have nowhere to go.
    const w = setUp({
      max: 6,
      services: [{ name: 'web', desired: 6, definition: '', cpu: 256, memory: 256, hostPort: 8080 }],
    });
    const { deps: d, asked } = deps(w);
    const error = await errorOf(cycleInstances(w.clients(), options({ maxUnavailable: 2 }), d));
    expect(error?.message).toMatch(
      /^Refusing to cycle, nothing was changed: Batch 1: 2 of 2 tasks would not fit/,
    );
    expect(error?.exitCode).toBe(EXIT_CODES.failure);
    expect(asked).toEqual([]);
    expect(w.changes()).toEqual([]);
  });

  it('asks to raise the max size when only that lets the surge cover a batch, and restores it', async () => {
    const w = setUp({ max: 6 });
    const { deps: d } = deps(w, { agreeToRaiseMax: async (from, to) => from === 6 && to === 8 });
    const result = await cycleInstances(w.clients(), options(), d);
    expect(result.plan.raiseMax).toBe(true);
    expect(w.calls).toContain('AutoScaling.UpdateAutoScalingGroup');
    expect(w.group).toMatchObject({ desired: 6, max: 6 });
  });

  it('refuses when the max size leaves no room and the operator does not agree to raise it', async () => {
    const w = setUp({ max: 6 });
    const { deps: d } = deps(w, { agreeToRaiseMax: async () => false });
    const error = await errorOf(cycleInstances(w.clients(), options(), d));
    expect(error?.message).toContain('would leave 2 of 6 instances out of service (--max-unavailable 0)');
    expect(error?.suggestions[0]).toContain('--raise-max');
    expect(w.changes()).toEqual([]);
  });

  it('replaces in place, without a surge, when --max-unavailable allows it', async () => {
    const w = setUp({ max: 6 });
    const { deps: d } = deps(w);
    const result = await cycleInstances(w.clients(), options({ batchSize: 1, maxUnavailable: 1 }), d);
    expect(result.replaced).toHaveLength(6);
    expect(w.count('AutoScaling.SetDesiredCapacity')).toBe(0);
    expect(w.group).toMatchObject({ desired: 6, max: 6 });
    expect(w.tasks).toHaveLength(8);
  });

  describe('every wait stops at its timeout in a safe state (exit 5)', () => {
    it('registration: new instances never register; nothing was drained', async () => {
      const w = setUp({ agentsNeverStart: true });
      const { deps: d } = deps(w);
      const error = await errorOf(cycleInstances(w.clients(), options({ stepTimeoutMs: 120_000 }), d));
      expect(error?.exitCode).toBe(EXIT_CODES.timedOut);
      expect(error?.message).toMatch(
        /^Timed out after 2m00s waiting for the group's instances to register ACTIVE with ecspoc-dev \(.*not registered.*\)\. The cycle stopped in a safe state: desired capacity 8 \(6 before the cycle\), max size 8; no instance left DRAINING; 6 instance\(s\) still to replace\./,
      );
      expect(error?.suggestions[0]).toBe(
        'Carry on where it stopped: ecspoc instances cycle --env dev --batch-size 2',
      );
      expect(w.count('ECS.UpdateContainerInstancesState')).toBe(0);
    });

    it('drain: tasks never leave; the batch stays DRAINING and is named', async () => {
      const w = setUp({ schedulerStuck: true });
      const { deps: d } = deps(w);
      const error = await errorOf(cycleInstances(w.clients(), options({ stepTimeoutMs: 120_000 }), d));
      expect(error?.exitCode).toBe(EXIT_CODES.timedOut);
      expect(error?.message).toMatch(
        /^Timed out after 2m00s waiting for i-\w+, i-\w+ to drain \(.*task.* left\)\./,
      );
      expect(error?.message).toMatch(/i-\w+, i-\w+ left DRAINING/);
      expect(error?.suggestions[1]).toMatch(
        /^Or put the DRAINING ones back in service: ecspoc instances activate i-\w+ i-\w+ --env dev$/,
      );
      expect(w.count('AutoScaling.TerminateInstanceInAutoScalingGroup')).toBe(0);
    });

    it('services: a service stays below its desired count; nothing is terminated', async () => {
      const w = setUp({ unsteadyService: 'worker' });
      const { deps: d, events } = deps(w);
      const error = await errorOf(cycleInstances(w.clients(), options({ stepTimeoutMs: 120_000 }), d));
      expect(error?.exitCode).toBe(EXIT_CODES.timedOut);
      expect(error?.message).toMatch(
        /^Timed out after 2m00s waiting for the services of ecspoc-dev to be steady \(worker 3\/4 running\)\./,
      );
      expect(w.count('AutoScaling.TerminateInstanceInAutoScalingGroup')).toBe(0);
      // While it waited on the services, the unsteady one was shown as ServiceWatch sees it, only that one.
      const waitingFrom = events.findIndex((e) => e.type === 'services-waiting');
      const watched = events.slice(waitingFrom).filter((e) => e.type === 'service-watch');
      expect(watched.length).toBeGreaterThan(0);
      expect(watched.every((e) => e.type === 'service-watch' && e.waiting.service === 'worker')).toBe(true);
      expect(watched[0]).toMatchObject({ waiting: { running: 3, desired: 4 } });
    });
  });

  it('stops at a safe point on Ctrl-C (exit 130) and a second run carries on to the end', async () => {
    const w = setUp();
    const controller = new AbortController();
    const { deps: first } = deps(w, { signal: controller.signal });
    const emit = first.emit;
    first.emit = (event) => {
      emit(event);
      if (event.type === 'instance-draining') controller.abort();
    };
    const original = w.members().map((i) => i.id);
    const error = await errorOf(cycleInstances(w.clients(), options(), first));
    expect(error?.exitCode).toBe(EXIT_CODES.interrupted);
    expect(error?.message).toMatch(
      /^Interrupted\. The cycle stopped in a safe state: desired capacity 8 \(6 before the cycle\)/,
    );
    expect(w.group.tags['ecspoc:cycle']).toMatch(/^run=.*;desired=6;max=8;suspended=AZRebalance$/);

    const { deps: second, events, asked } = deps(w);
    const result = await cycleInstances(w.clients(), options({ batchSize: 1 }), second);
    expect(asked[0]).toMatch(
      /^Carry on the cycle of ecspoc-dev started .*: 6 instance\(s\) left in \d batch\(es\)\?$/,
    );
    expect(result.resumed).toBe(true);
    expect(
      events.some((e) => e.type === 'note' && e.message.includes('left DRAINING by an earlier run')),
    ).toBe(true);
    expect(result.replaced.map((r) => r.instanceId).sort()).toEqual([...original].sort());
    expect(w.group).toMatchObject({ desired: 6, max: 8, tags: {}, suspended: [] });
  });

  it('gives back a surge an earlier run left above what is still to replace', async () => {
    const w = setUp();
    // An earlier run (batch size 4) surged +4 and was interrupted; one marked instance is left.
    w.group.tags['ecspoc:cycle'] = 'run=r1;desired=6;max=10;suspended=';
    w.group.max = 10;
    const [last] = w.members();
    last.tags['ecspoc:cycle'] = 'r1';
    w.group.desired = 10;
    (w as unknown as { fill(): void }).fill();
    const { deps: d } = deps(w);
    const result = await cycleInstances(w.clients(), options({ batchSize: 1 }), d);
    expect(result.replaced.map((r) => r.instanceId)).toContain(last.id);
    expect(w.group).toMatchObject({ desired: 6, max: 10, tags: {} });
  });

  it('refuses standalone tasks unless told to stop them, then stops them as their instance drains', async () => {
    const w = setUp();
    const [host] = w.members();
    w.startTask('batch-job', 'arn:aws:ecs:us-east-1:1:task-definition/web:1', host);
    const refused = await errorOf(cycleInstances(w.clients(), options(), deps(w).deps));
    expect(refused?.message).toContain('1 standalone task(s) (not part of a service)');
    expect(w.changes()).toEqual([]);

    const result = await cycleInstances(w.clients(), options({ stopStandaloneTasks: true }), deps(w).deps);
    expect(result.replaced).toHaveLength(6);
    expect(w.count('ECS.StopTask')).toBe(1);
  });

  it('polls with calls that grow with instances / 100', async () => {
    const w = setUp({ instances: 250, desired: 250, max: 260, services: [] });
    let calls = 0;
    const wrap = w.calls.push.bind(w.calls);
    w.calls.push = (...items: string[]) => {
      calls += items.length;
      return wrap(...items);
    };
    const { deps: d } = deps(w, { apiCallCount: () => calls });
    const result = await cycleInstances(
      w.clients(),
      options({ selection: { kind: 'ids', ids: [w.members()[0].id] } }),
      d,
    );
    expect(result.replaced).toHaveLength(1);
    // Registration polls: DescribeAutoScalingGroups + 3 list pages + describes of the unsettled few.
    expect(result.stats.maxApiCallsPerPoll).toBeLessThanOrEqual(1 + 2 * Math.ceil(250 / 100));
  });
});

describe('cycleInstances: the next surge launched by the terminations', () => {
  /** Serving instances (ACTIVE, agent connected) and the group's size after every call the cycle makes. */
  function watchCapacity(w: FakeWorld) {
    const seen = { minServing: Infinity, maxDesired: 0, overMax: false };
    const wrap = w.calls.push.bind(w.calls);
    w.calls.push = (...items: string[]) => {
      const result = wrap(...items);
      const serving = w.members().filter((i) => i.ci?.status === 'ACTIVE' && i.ci.connected).length;
      seen.minServing = Math.min(seen.minServing, serving);
      seen.maxDesired = Math.max(seen.maxDesired, w.group.desired);
      seen.overMax ||= w.members().length > w.group.max;
      return result;
    };
    return seen;
  }
  const decrements = (w: FakeWorld) =>
    w.mocks.asg
      .commandCalls(TerminateInstanceInAutoScalingGroupCommand)
      .map((c) => c.args[0].input.ShouldDecrementDesiredCapacity);

  it('raises desired capacity once: each batch is terminated without decrementing while another follows', async () => {
    const w = setUp();
    const capacity = watchCapacity(w);
    const result = await cycleInstances(w.clients(), options(), deps(w).deps);
    expect(result.replaced).toHaveLength(6);
    expect(w.count('AutoScaling.SetDesiredCapacity')).toBe(1);
    // Batches 1 and 2 leave the group to replace them (the next surge); batch 3 gives the surge back.
    expect(decrements(w)).toEqual([false, false, false, false, true, true]);
    expect(w.group).toMatchObject({ desired: 6, max: 8 });
    // Never fewer in service than before the cycle, never above the max size.
    expect(capacity.minServing).toBeGreaterThanOrEqual(6);
    expect(capacity.maxDesired).toBe(8);
    expect(capacity.overMax).toBe(false);
    // Every batch still waited for its new instances to boot, then for its drain; each batch's timing
    // counts its surge from when it was asked for (the previous batch's terminations).
    expect(result.durationMs).toBeGreaterThanOrEqual(3 * (60_000 + 30_000));
    expect(result.stats.batches).toHaveLength(3);
    for (const b of result.stats.batches) {
      expect(b.surgeMs).toBeGreaterThanOrEqual(60_000);
      expect(b.drainMs).toBeGreaterThanOrEqual(30_000);
      expect(b.totalMs).toBeGreaterThanOrEqual(b.surgeMs + b.drainMs + b.servicesMs);
    }
  });

  it('decrements as far as a smaller last batch needs', async () => {
    // 5 instances in batches of 2, 2 and 1: batch 2 keeps a surge of 1 for batch 3.
    const w = setUp({ instances: 5, desired: 5, max: 7 });
    const capacity = watchCapacity(w);
    const result = await cycleInstances(w.clients(), options(), deps(w).deps);
    expect(result.replaced.map((r) => r.batch)).toEqual([1, 1, 2, 2, 3]);
    // The instances the group replaces go first; the decremented ones last.
    expect(decrements(w)).toEqual([false, false, false, true, true]);
    expect(w.count('AutoScaling.SetDesiredCapacity')).toBe(1);
    expect(w.group).toMatchObject({ desired: 5, max: 7 });
    expect(capacity.minServing).toBeGreaterThanOrEqual(5);
    expect(capacity.overMax).toBe(false);
  });

  it('asks for the first surge before reading the fleet again', async () => {
    const w = setUp();
    await cycleInstances(w.clients(), options(), deps(w).deps);
    const calls = w.calls.slice(w.calls.indexOf('AutoScaling.SuspendProcesses') + 1);
    expect(calls[0]).toBe('AutoScaling.SetDesiredCapacity');
  });

  it('between a surge and its drain, reads EC2 only for instances it has not described', async () => {
    const w = setUp({ instances: 12, desired: 12, max: 14 });
    const described: string[][] = [];
    const { deps: d } = deps(w);
    const emit = d.emit;
    let window: string[] | undefined;
    d.emit = (event) => {
      if (event.type === 'surge-ready') window = [];
      if (event.type === 'batch-started' && window) {
        described.push(window);
        window = undefined;
      }
      emit(event);
    };
    const wrap = w.calls.push.bind(w.calls);
    w.calls.push = (...items: string[]) => {
      if (items.includes('EC2.DescribeInstances') && window) window.push('EC2.DescribeInstances');
      return wrap(...items);
    };
    const result = await cycleInstances(w.clients(), options(), d);
    expect(result.replaced).toHaveLength(12);
    expect(described).toHaveLength(6);
    // Every new instance was described when the batch began (it was a group member by then).
    for (const calls of described) expect(calls).toEqual([]);
  });
});

describe('cycleInstances in large batches', () => {
  it('lifts scale-in protection 50 instance ids a call (the API limit), so a batch of 60 terminates', async () => {
    const w = setUp({ instances: 120, desired: 120, max: 200, services: [] });
    const calls: number[] = [];
    w.mocks.asg.on(SetInstanceProtectionCommand).callsFake((input) => {
      calls.push(input.InstanceIds?.length ?? 0);
      if ((input.InstanceIds ?? []).length > 50) throw new Error('test: more than 50 instance ids');
      for (const id of input.InstanceIds ?? []) {
        const instance = w.instances.get(id);
        if (instance) instance.protectedFromScaleIn = false;
      }
      return {};
    });
    const result = await cycleInstances(w.clients(), options({ batchSize: 60 }), deps(w).deps);
    expect(result.replaced).toHaveLength(120);
    // Two batches of 60, each lifted in two calls: 50 and 10.
    expect(calls).toEqual([50, 10, 50, 10]);
  });
});

describe('cycleInstances on a cluster ecspoc did not deploy', () => {
  it('finds the group from the instances and replaces every instance, naming --cluster to resume', async () => {
    const w = setUp();
    const original = w.members().map((i) => i.id);
    const { deps: d, asked } = deps(w);
    const result = await cycleInstances(w.clients(), options({ adopt: { cluster: 'ecspoc-dev' } }), d);
    expect(asked[0]).toMatch(/^Replace 6 instance\(s\) of ecspoc-dev/);
    expect(result.autoScalingGroup).toBe('ecspoc-dev-instances');
    expect(result.replaced.map((r) => r.instanceId).sort()).toEqual([...original].sort());
    // No stack was read: the cluster and its group came from ECS and EC2.
    expect(w.count('CloudFormation.DescribeStacks')).toBe(0);
    expect(resumeCommand(options({ adopt: { cluster: 'payments', asg: 'payments-a' } }))).toBe(
      'ecspoc instances cycle --cluster payments --asg payments-a --batch-size 2',
    );
  });

  it('refuses before changing anything when --asg names a group that launches none of its instances', async () => {
    const w = setUp();
    const error = await errorOf(
      cycleInstances(w.clients(), options({ adopt: { cluster: 'ecspoc-dev', asg: 'other' } }), deps(w).deps),
    );
    expect(error?.message).toMatch(/other launches no instance of cluster ecspoc-dev/);
    expect(error?.exitCode).toBe(EXIT_CODES.usage);
    expect(w.changes()).toEqual([]);
  });
});

describe('defaultBatchSize', () => {
  const base = { desired: 100, max: 120, maxUnavailable: 0, raiseMax: false, toReplace: 100 };

  it('is about 10 % of the group, at least 1', () => {
    expect(defaultBatchSize(base)).toBe(10);
    expect(defaultBatchSize({ ...base, desired: 2000, max: 2400, toReplace: 2000 })).toBe(200);
    expect(defaultBatchSize({ ...base, desired: 6, max: 8, toReplace: 6 })).toBe(1);
    expect(defaultBatchSize({ ...base, desired: 3, max: 4, toReplace: 3 })).toBe(1);
  });

  it('stays within the surge the max size allows, unless the max may be raised', () => {
    expect(defaultBatchSize({ ...base, max: 104 })).toBe(4);
    expect(defaultBatchSize({ ...base, max: 104, maxUnavailable: 3 })).toBe(7);
    expect(defaultBatchSize({ ...base, max: 100 })).toBe(1);
    expect(defaultBatchSize({ ...base, max: 100, raiseMax: true })).toBe(10);
  });

  it('never exceeds the instances to replace', () => {
    expect(defaultBatchSize({ ...base, toReplace: 3 })).toBe(3);
  });
});

describe('cycleInstances without --batch-size', () => {
  it('plans batches of about 10 % of the group', async () => {
    world = new FakeWorld({ instances: 20, desired: 20, max: 22 });
    const result = await cycleInstances(
      world.clients(),
      options({ batchSize: undefined, planOnly: true }),
      deps(world).deps,
    );
    expect(result.plan.batchSize).toBe(2);
    expect(result.plan.batches).toHaveLength(10);
    expect(result.plan.batches.every((b) => b.instances.length === 2)).toBe(true);
  });
});
