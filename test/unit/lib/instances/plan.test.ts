import { describe, expect, it } from '@jest/globals';

import type { FleetInstance, Resources } from '../../../../src/lib/instances/fleet.js';
import {
  chooseBatch,
  countByAz,
  type Host,
  type PlanInput,
  placeSurge,
  placeTasks,
  planCycle,
  surgeFor,
} from '../../../../src/lib/instances/plan.js';
import type { WorkloadTask } from '../../../../src/lib/instances/workload.js';

function instance(id: string, az: string, extra: Partial<FleetInstance> = {}): FleetInstance {
  return {
    instanceId: id,
    containerInstanceArn: `arn:ci/${id}`,
    ec2State: 'running',
    ecsStatus: 'ACTIVE',
    agentConnected: true,
    runningTasks: 0,
    pendingTasks: 0,
    availabilityZone: az,
    launchTime: `2026-01-01T00:00:0${id.slice(-1)}Z`,
    lifecycleState: 'InService',
    outdated: true,
    outdatedReasons: ['AMI ami-old, current ami-new'],
    registered: { cpu: 2048, memory: 4096, ports: ['22/tcp'] },
    remaining: { cpu: 2048, memory: 4096, ports: ['22/tcp'] },
    ...extra,
  };
}

/** Six instances over two AZs (a: i-1, i-3, i-5; b: i-2, i-4, i-6), `perInstance` web tasks each. */
function fleet(perInstance: number, need: Resources) {
  const instances = [1, 2, 3, 4, 5, 6].map((n) => instance(`i-${n}`, n % 2 ? 'us-east-1a' : 'us-east-1b'));
  const tasks: WorkloadTask[] = [];
  for (const i of instances) {
    for (let t = 0; t < perInstance; t++) {
      tasks.push({
        taskArn: `${i.instanceId}/t${t}`,
        taskDefinitionArn: 'web:1',
        containerInstanceArn: i.containerInstanceArn,
        group: 'service:web',
        service: 'web',
      });
    }
    i.runningTasks = perInstance;
    i.remaining = {
      cpu: 2048 - perInstance * need.cpu,
      memory: 4096 - perInstance * need.memory,
      ports: ['22/tcp', ...(perInstance ? need.ports : [])],
    };
  }
  return { instances, tasks };
}

function input(
  overrides: Partial<PlanInput> = {},
  perInstance = 2,
  need: Resources = { cpu: 256, memory: 512, ports: [] },
): PlanInput {
  const { instances, tasks } = fleet(perInstance, need);
  return {
    instances,
    replace: instances.map((i) => i.instanceId),
    tasks,
    requirements: new Map([['web:1', need]]),
    daemonServices: new Set(),
    desired: 6,
    max: 8,
    batchSize: 2,
    maxUnavailable: 0,
    raiseMax: false,
    stopStandaloneTasks: false,
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    ...overrides,
  };
}

const ids = (plan: ReturnType<typeof planCycle>) =>
  plan.batches.map((b) => b.instances.map((i) => i.instanceId));

describe('planCycle: batches', () => {
  it('splits six instances into three batches of two, oldest first, one per AZ', () => {
    const plan = planCycle(input());
    expect(ids(plan)).toEqual([
      ['i-1', 'i-2'],
      ['i-3', 'i-4'],
      ['i-5', 'i-6'],
    ]);
    expect(plan.batches.map((b) => b.surge)).toEqual([2, 2, 2]);
    expect(plan).toMatchObject({
      peakDesired: 8,
      maxNeeded: 8,
      raiseMax: false,
      tasksMoved: 12,
      problems: [],
    });
  });

  it('makes a last, smaller batch when the count does not divide', () => {
    const plan = planCycle(input({ batchSize: 4 }));
    expect(plan.batches.map((b) => b.instances.length)).toEqual([4, 2]);
    expect(plan.batches.map((b) => b.surge)).toEqual([2, 2]);
    // Max 8 leaves room for a surge of 2 only: a batch of 4 would leave 2 out of service.
    expect(plan.problems.map((p) => p.code)).toEqual(['TOO_UNAVAILABLE']);
    expect(plan.problems[0].suggestion).toContain('--raise-max (max size 10 during the cycle)');
  });

  it('with --raise-max surges the whole batch and says how far max rises', () => {
    const plan = planCycle(input({ batchSize: 4, raiseMax: true }));
    expect(plan.batches.map((b) => b.surge)).toEqual([4, 2]);
    expect(plan).toMatchObject({ peakDesired: 10, maxNeeded: 10, raiseMax: true, problems: [] });
  });

  it('puts instances a previous run left DRAINING first, in a batch of their own, with no new surge', () => {
    const base = input({ currentDesired: 8 });
    base.instances[4].ecsStatus = 'DRAINING';
    base.instances[5].ecsStatus = 'DRAINING';
    // The surge of that run is there: two new instances, registered and serving.
    base.instances.push(
      instance('i-7', 'us-east-1a', { outdated: false }),
      instance('i-8', 'us-east-1b', { outdated: false }),
    );
    const plan = planCycle(base);
    expect(ids(plan)[0]).toEqual(['i-5', 'i-6']);
    expect(plan.batches[0].surge).toBe(0);
    expect(plan.batches.slice(1).map((b) => b.instances.length)).toEqual([2, 2]);
    expect(plan.problems).toEqual([]);
  });

  it('does not place again the tasks of a batch left DRAINING whose replacements already run', () => {
    // One web task per instance on host port 8080. The earlier run's two new instances already run
    // the replacements ECS started for the draining ones (it starts them before it stops the
    // originals), so every serving host holds 8080 while the draining instances still list theirs.
    const need: Resources = { cpu: 256, memory: 512, ports: ['8080/tcp'] };
    const base = input({ currentDesired: 8 }, 1, need);
    base.instances[4].ecsStatus = 'DRAINING';
    base.instances[5].ecsStatus = 'DRAINING';
    for (const id of ['i-7', 'i-8']) {
      const added = instance(id, id === 'i-7' ? 'us-east-1a' : 'us-east-1b', {
        outdated: false,
        runningTasks: 1,
        remaining: { cpu: 2048 - 256, memory: 4096 - 512, ports: ['22/tcp', '8080/tcp'] },
      });
      base.instances.push(added);
      base.tasks.push({
        taskArn: `${id}/t0`,
        taskDefinitionArn: 'web:1',
        containerInstanceArn: added.containerInstanceArn,
        group: 'service:web',
        service: 'web',
      });
    }
    const plan = planCycle(base);
    expect(ids(plan)[0]).toEqual(['i-5', 'i-6']);
    expect(plan.problems).toEqual([]);
    // The later batches are checked as ever: their web tasks go to the surges still to come.
    expect(plan.batches.slice(1).map((b) => b.surge)).toEqual([2, 2]);
  });

  it('counts a surge still booting as capacity to come', () => {
    const base = input({ currentDesired: 8 });
    base.instances.push(
      instance('i-7', 'us-east-1a', {
        containerInstanceArn: undefined,
        ecsStatus: undefined,
        agentConnected: false,
      }),
      instance('i-8', 'us-east-1b', {
        containerInstanceArn: undefined,
        ecsStatus: undefined,
        agentConnected: false,
      }),
    );
    const plan = planCycle({ ...base, replace: base.replace.slice(0, 6) });
    expect(plan.batches[0].surge).toBe(0);
    expect(plan.batches[0].unavailable).toBe(0);
    expect(plan.problems).toEqual([]);
  });
});

describe('planCycle: AZ balance', () => {
  it('ends with the AZs balanced even from an unbalanced start', () => {
    // Four in a, two in b. The group puts each surge into its emptiest zone, so the first batch
    // drains a twice: the next surges then land in a, and the new fleet ends three and three.
    const instances = ['a', 'a', 'a', 'a', 'b', 'b'].map((z, n) => instance(`i-${n + 1}`, `us-east-1${z}`));
    const plan = planCycle({ ...input(), instances, replace: instances.map((i) => i.instanceId), tasks: [] });
    const zoneOf = new Map(instances.map((i) => [i.instanceId, i.availabilityZone]));
    expect(plan.batches.map((b) => b.instances.map((i) => zoneOf.get(i.instanceId)?.slice(-1)))).toEqual([
      ['a', 'a'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
    const counts = new Map([
      ['us-east-1a', 4],
      ['us-east-1b', 2],
    ]);
    const added = new Map<string, number>();
    for (const batch of plan.batches) {
      for (const zone of placeSurge(counts, ['us-east-1a', 'us-east-1b'], batch.surge)) {
        counts.set(zone, (counts.get(zone) ?? 0) + 1);
        added.set(zone, (added.get(zone) ?? 0) + 1);
      }
      for (const member of batch.instances) {
        const zone = zoneOf.get(member.instanceId) as string;
        counts.set(zone, (counts.get(zone) ?? 0) - 1);
      }
    }
    expect([...added.entries()].sort()).toEqual([
      ['us-east-1a', 3],
      ['us-east-1b', 3],
    ]);
  });

  it('drains one instance per zone from a balanced start', () => {
    const plan = planCycle(input({ batchSize: 2 }));
    expect(plan.batches.map((b) => b.instances.map((i) => i.availabilityZone))).toEqual(
      Array(3).fill(['us-east-1a', 'us-east-1b']),
    );
  });

  it('chooseBatch spreads a batch over the zones, the fullest first, when no zone lacks more', () => {
    const candidates = [
      instance('i-1', 'a'),
      instance('i-2', 'a'),
      instance('i-3', 'b'),
      instance('i-4', 'c'),
    ];
    const batch = chooseBatch(
      candidates,
      3,
      new Map([
        ['a', 3],
        ['b', 3],
        ['c', 1],
      ]),
    );
    expect(batch.map((i) => i.availabilityZone)).toEqual(['a', 'b', 'c']);
  });

  it('chooseBatch returns DRAINING candidates before anything else', () => {
    const candidates = [instance('i-1', 'a'), instance('i-2', 'b', { ecsStatus: 'DRAINING' })];
    expect(chooseBatch(candidates, 2, new Map()).map((i) => i.instanceId)).toEqual(['i-2']);
  });

  it('placeSurge fills the emptiest AZ first, as EC2 Auto Scaling does', () => {
    expect(
      placeSurge(
        new Map([
          ['a', 3],
          ['b', 2],
        ]),
        ['a', 'b', 'c'],
        3,
      ),
    ).toEqual(['c', 'c', 'b']);
  });

  it('countByAz counts group members that are not leaving', () => {
    const counts = countByAz([
      instance('i-1', 'a'),
      instance('i-2', 'a', { ec2State: 'terminated' }),
      instance('i-3', 'b', { lifecycleState: undefined }),
      instance('i-4', 'b'),
    ]);
    expect([...counts]).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });
});

describe('planCycle: capacity fit', () => {
  it('refuses when memory runs out: tasks of a batch have nowhere to go', () => {
    // Three 1 GiB tasks per 4 GiB instance, and no surge: a batch of two needs 6 GiB on four instances with 1 GiB each.
    const plan = planCycle(input({ max: 6, maxUnavailable: 2 }, 3, { cpu: 256, memory: 1024, ports: [] }));
    expect(plan.problems.map((p) => p.code)).toEqual(['WONT_FIT']);
    expect(plan.problems[0].message).toBe(
      'Batch 1: 2 of 6 tasks would not fit on the instances left; a web task from i-2 (256 CPU units, 1024 MiB) ' +
        'fits nowhere: the roomiest instance left has 1024 CPU units and 0 MiB free.',
    );
  });

  it('refuses on host ports: a static port already taken on every instance left', () => {
    const plan = planCycle(
      input({ max: 6, maxUnavailable: 2 }, 1, { cpu: 128, memory: 128, ports: ['8080/tcp'] }),
    );
    expect(plan.problems.map((p) => p.code)).toEqual(['WONT_FIT']);
    expect(plan.problems[0].message).toContain('port 8080/tcp');
  });

  it('fits the same tasks once the surge adds empty instances', () => {
    const plan = planCycle(input({}, 1, { cpu: 128, memory: 128, ports: ['8080/tcp'] }));
    expect(plan.problems).toEqual([]);
    expect(plan.tasksMoved).toBe(6);
  });

  it('refuses on CPU', () => {
    const plan = planCycle(input({ max: 6, maxUnavailable: 2 }, 2, { cpu: 1000, memory: 256, ports: [] }));
    expect(plan.problems.map((p) => p.code)).toEqual(['WONT_FIT']);
    expect(plan.problems[0].message).toContain('1000 CPU units');
  });

  it('does not move daemon tasks, and sizes new instances without their reservation', () => {
    const base = input({ daemonServices: new Set(['agent']) });
    for (const i of base.instances) {
      base.tasks.push({
        taskArn: `${i.instanceId}/d`,
        taskDefinitionArn: 'agent:1',
        containerInstanceArn: i.containerInstanceArn,
        service: 'agent',
        group: 'service:agent',
      });
    }
    base.requirements.set('agent:1', { cpu: 100, memory: 200, ports: ['9100/tcp'] });
    const plan = planCycle(base);
    expect(plan.tasksMoved).toBe(12);
    expect(plan.newInstanceCapacity).toMatchObject({ cpu: 2048 - 100, memory: 4096 - 200 });
    expect(plan.newInstanceCapacity?.ports).toContain('9100/tcp');
  });

  it('names standalone tasks as a problem unless they are to be stopped', () => {
    const base = input();
    base.tasks.push({
      taskArn: 'job',
      taskDefinitionArn: 'web:1',
      containerInstanceArn: 'arn:ci/i-3',
      group: 'family:job',
    });
    expect(planCycle(base).problems.map((p) => p.code)).toEqual(['STANDALONE_TASKS']);
    expect(planCycle(base).standaloneTasks).toEqual([{ instanceId: 'i-3', taskArn: 'job' }]);
    expect(planCycle({ ...base, stopStandaloneTasks: true }).problems).toEqual([]);
  });
});

describe('placeTasks', () => {
  const hosts = (): Host[] => [
    { id: 'a', cpu: 1024, memory: 1024, ports: new Set(['80/tcp']) },
    { id: 'b', cpu: 512, memory: 2048, ports: new Set() },
  ];
  const task = (memory: number, cpu = 128, ports: string[] = []) => ({
    taskArn: `t${memory}`,
    label: 'web',
    from: 'x',
    cpu,
    memory,
    ports,
  });

  it('places on the host with the most free memory that has room, and uses it up', () => {
    const h = hosts();
    expect(placeTasks(h, [task(1500), task(900)])).toEqual([]);
    expect(h.map((x) => x.memory)).toEqual([124, 548]);
  });

  it('returns what fits nowhere', () => {
    expect(placeTasks(hosts(), [task(4096)]).map((t) => t.memory)).toEqual([4096]);
    expect(placeTasks(hosts(), [task(100, 2000)]).length).toBe(1);
  });

  it('keeps a host port to one task per host', () => {
    const h = hosts();
    const unplaced = placeTasks(h, [task(10, 10, ['80/tcp']), task(11, 10, ['80/tcp'])]);
    expect(unplaced).toHaveLength(1);
    expect(h[1].ports.has('80/tcp')).toBe(true);
  });
});

describe('surgeFor', () => {
  it('surges the whole batch within max, the headroom otherwise, everything when max may rise', () => {
    expect(surgeFor(2, 6, 8, false)).toBe(2);
    expect(surgeFor(3, 6, 8, false)).toBe(2);
    expect(surgeFor(3, 6, 6, false)).toBe(0);
    expect(surgeFor(3, 6, 6, true)).toBe(3);
  });
});
