import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from '@jest/globals';

import {
  type BastionEvent,
  findBastion,
  startBastion,
  stopBastion,
} from '../../../../src/lib/bastion/index.js';
import { AbortedError, InterruptedError, OperationError, TimeoutError } from '../../../../src/lib/errors.js';
import { mockStacks } from '../../helpers/mock-sdk.js';
import { cfn, clients, ec2, instanceStates, noonClock, type State, statusChecks } from './fake-bastion.js';

describe('findBastion', () => {
  it('describes the instance named by the stack output, with its uptime', async () => {
    instanceStates('running');
    expect(await findBastion(clients(), 'dev', noonClock())).toEqual({
      env: 'dev',
      stackName: 'ecspoc-dev-bastion',
      state: 'running',
      instanceId: 'i-0b',
      publicIp: '198.51.100.1',
      privateIp: '10.0.0.4',
      instanceType: 't3.micro',
      launchTime: '2026-01-01T11:00:00.000Z',
      uptimeSeconds: 3600,
    });
  });

  it('carries the parking the stack has: the idle-stop minutes and alarm, from its outputs', async () => {
    mockStacks({
      'ecspoc-dev-bastion': {
        BastionInstanceId: 'i-0b',
        IdleStopMinutes: '30',
        IdleStopAlarmName: 'ecspoc-dev-bastion-idle-stop',
      },
    });
    instanceStates('running');
    const bastion = await findBastion(clients(), 'dev', noonClock());
    expect(bastion.idleStop).toEqual({ minutes: 30, alarmName: 'ecspoc-dev-bastion-idle-stop' });
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
  });

  it('has no parking when the stack has no idle-stop alarm (IdleStopMinutes 0)', async () => {
    instanceStates('running');
    expect((await findBastion(clients(), 'dev', noonClock())).idleStop).toBeUndefined();
  });

  it("reads when a stopped bastion stopped from EC2's state transition reason", async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0b',
              State: { Name: 'stopped' },
              StateTransitionReason: 'User initiated (2026-01-01 11:40:07 GMT)',
              LaunchTime: new Date('2026-01-01T11:00:00Z'),
            },
          ],
        },
      ],
    });
    const bastion = await findBastion(clients(), 'dev', noonClock());
    expect(bastion.lastStopped).toBe('2026-01-01T11:40:07.000Z');
  });

  it('gives no uptime while stopped', async () => {
    instanceStates('stopped');
    const bastion = await findBastion(clients(), 'dev', noonClock());
    expect(bastion.state).toBe('stopped');
    expect(bastion.uptimeSeconds).toBeUndefined();
    expect(bastion.publicIp).toBeUndefined();
  });
});

describe('startBastion', () => {
  it('starts, waits until running and until the status checks pass, and returns the new address', async () => {
    instanceStates('stopped', 'pending', 'pending', 'running', 'running');
    statusChecks('initializing', 'initializing', 'ok');
    const clock = noonClock();
    const events: BastionEvent[] = [];
    const result = await startBastion(clients(), 'dev', {
      clock,
      pollIntervalMs: 1000,
      onEvent: (e) => events.push(e),
    });
    expect(result).toMatchObject({
      action: 'start',
      changed: true,
      waited: true,
      bastion: { state: 'running', publicIp: '198.51.100.5' },
    });
    expect(ec2.commandCalls(StartInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceIds: ['i-0b'] },
    ]);
    expect(events).toEqual([
      { type: 'requested', action: 'start', instanceId: 'i-0b', from: 'stopped' },
      { type: 'state', instanceId: 'i-0b', state: 'pending' },
      { type: 'state', instanceId: 'i-0b', state: 'running' },
      { type: 'status-checks', instanceId: 'i-0b', status: 'initializing' },
      { type: 'status-checks', instanceId: 'i-0b', status: 'ok' },
    ]);
    expect(clock.sleeps).toEqual([1000, 1000, 1000, 1000]);
  });

  it('with wait false, returns right after StartInstances', async () => {
    instanceStates('stopped', 'pending');
    const result = await startBastion(clients(), 'dev', { wait: false, clock: noonClock() });
    expect(result).toMatchObject({ changed: true, waited: false, bastion: { state: 'pending' } });
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)).toHaveLength(0);
  });

  it('leaves a running bastion alone', async () => {
    instanceStates('running');
    const result = await startBastion(clients(), 'dev', { clock: noonClock() });
    expect(result).toMatchObject({ changed: false, waited: false });
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
  });

  it('waits for a stopping bastion to stop before starting it', async () => {
    instanceStates('stopping', 'stopping', 'stopped', 'running');
    statusChecks('ok');
    const result = await startBastion(clients(), 'dev', { clock: noonClock(), pollIntervalMs: 0 });
    expect(result.changed).toBe(true);
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
  });

  it('fails when the instance falls back to stopped after pending (EC2 could not start it)', async () => {
    instanceStates('stopped', 'pending', 'stopped');
    await expect(startBastion(clients(), 'dev', { clock: noonClock(), pollIntervalMs: 0 })).rejects.toThrow(
      /became stopped while waiting for it to be running/,
    );
  });

  it('tolerates a stale "stopped" right after StartInstances', async () => {
    instanceStates('stopped', 'stopped', 'pending', 'running');
    statusChecks('ok');
    const result = await startBastion(clients(), 'dev', { clock: noonClock(), pollIntervalMs: 0 });
    expect(result.bastion.state).toBe('running');
  });

  it('times out with exit code 5 and a suggestion', async () => {
    instanceStates('stopped', 'pending');
    const clock = noonClock();
    const error = await startBastion(clients(), 'dev', {
      clock,
      pollIntervalMs: 5000,
      timeoutMs: 60_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).exitCode).toBe(5);
    expect((error as TimeoutError).message).toMatch(/still pending/);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
  });

  it('gives up at exactly --timeout 600 (600 000 ms of fake time) over all its steps together', async () => {
    // stopping -> stopped, then pending -> running, then status checks that never pass: three waits
    // that each once had a deadline of their own (and so gave up only after about 1,780 s).
    let call = 0;
    const states: State[] = [
      ...Array<State>(60).fill('stopping'),
      'stopped',
      ...Array<State>(60).fill('pending'),
      'running',
    ];
    ec2.on(DescribeInstancesCommand).callsFake(() => {
      const state = states[Math.min(call++, states.length - 1)];
      return { Reservations: [{ Instances: [{ InstanceId: 'i-0b', State: { Name: state } }] }] };
    });
    statusChecks('initializing');
    const clock = noonClock();
    const started = clock.now();
    const error = await startBastion(clients(), 'dev', {
      clock,
      pollIntervalMs: 5_000,
      timeoutMs: 600_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).exitCode).toBe(5);
    expect((error as TimeoutError).message).toMatch(/status checks have not passed yet \(initializing\)/);
    expect(clock.now() - started).toBe(600_000);
  });

  it('with a zero poll interval against a state that never changes, the fake clock stops the test', async () => {
    instanceStates('stopped', 'pending');
    await expect(startBastion(clients(), 'dev', { clock: noonClock(), pollIntervalMs: 0 })).rejects.toThrow(
      /moved no time/,
    );
  });

  it('stops waiting at once on Ctrl-C (InterruptedError, exit 130)', async () => {
    instanceStates('stopped', 'pending');
    const controller = new AbortController();
    const clock = noonClock();
    const pending = startBastion(clients(), 'dev', {
      clock,
      pollIntervalMs: 5_000,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'state' && event.state === 'pending') controller.abort();
      },
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
  });

  it('fails on impaired status checks', async () => {
    instanceStates('stopped', 'running');
    statusChecks('impaired');
    await expect(startBastion(clients(), 'dev', { clock: noonClock(), pollIntervalMs: 0 })).rejects.toThrow(
      /fails its EC2 status checks/,
    );
  });

  it('refuses a missing bastion with the command that deploys it', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('does not exist'), { name: 'ValidationError' }));
    const error = await startBastion(clients(), 'dev', { clock: noonClock() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).message).toBe(
      'Environment "dev" has no bastion: stack ecspoc-dev-bastion does not exist.',
    );
    expect((error as OperationError).suggestions).toEqual(['ecspoc deploy bastion --env dev']);
  });

  it('refuses a terminated bastion', async () => {
    instanceStates('terminated');
    await expect(startBastion(clients(), 'dev', { clock: noonClock() })).rejects.toThrow(/is terminated/);
  });
});

describe('stopBastion', () => {
  it('asks first, stops, and waits until stopped', async () => {
    instanceStates('running', 'stopping', 'stopped');
    const asked: string[] = [];
    const result = await stopBastion(clients(), 'dev', {
      clock: noonClock(),
      pollIntervalMs: 0,
      confirm: async (bastion) => {
        asked.push(bastion.instanceId as string);
      },
    });
    expect(asked).toEqual(['i-0b']);
    expect(result).toMatchObject({
      action: 'stop',
      changed: true,
      waited: true,
      bastion: { state: 'stopped' },
    });
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(1);
  });

  it('stops nothing when the operator declines', async () => {
    instanceStates('running');
    await expect(
      stopBastion(clients(), 'dev', {
        clock: noonClock(),
        confirm: async () => {
          throw new AbortedError();
        },
      }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });

  it('neither asks nor stops when already stopped', async () => {
    instanceStates('stopped');
    let asked = false;
    const result = await stopBastion(clients(), 'dev', {
      clock: noonClock(),
      confirm: async () => {
        asked = true;
      },
    });
    expect(result).toMatchObject({ changed: false });
    expect(asked).toBe(false);
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });

  it('waits for a starting bastion to run before stopping it', async () => {
    instanceStates('pending', 'pending', 'running', 'stopped');
    const result = await stopBastion(clients(), 'dev', { clock: noonClock(), pollIntervalMs: 0 });
    expect(result.bastion.state).toBe('stopped');
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(1);
  });

  it('with wait false, returns right after StopInstances', async () => {
    instanceStates('running', 'stopping');
    const result = await stopBastion(clients(), 'dev', { clock: noonClock(), wait: false });
    expect(result).toMatchObject({ changed: true, waited: false, bastion: { state: 'stopping' } });
  });

  it('maps a refused StopInstances to an AwsError naming the call', async () => {
    instanceStates('running');
    ec2.on(StopInstancesCommand).rejects(Object.assign(new Error('nope'), { name: 'UnauthorizedOperation' }));
    await expect(stopBastion(clients(), 'dev', { clock: noonClock() })).rejects.toThrow(
      /Access denied while stopping the bastion i-0b \(ec2:StopInstances\)/,
    );
  });
});
