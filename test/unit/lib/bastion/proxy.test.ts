import { DescribeInstancesCommand, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from '@jest/globals';

import type { BastionEvent } from '../../../../src/lib/bastion/index.js';
import { prepareBastionTunnel } from '../../../../src/lib/bastion/proxy.js';
import { OperationError, TimeoutError, UsageError } from '../../../../src/lib/errors.js';
import { mockStacks } from '../../helpers/mock-sdk.js';
import { clients, ec2, instanceStates, noonClock, statusChecks } from './fake-bastion.js';

const request = { env: 'dev', host: '10.0.16.9', port: '22', user: 'ec2-user' };

describe('prepareBastionTunnel', () => {
  it('tunnels through a running bastion at once, without starting it', async () => {
    instanceStates('running');
    const tunnel = await prepareBastionTunnel(
      clients(),
      { ...request, identityFile: '/k/jump.pem' },
      {
        clock: noonClock(),
        pollIntervalMs: 0,
      },
    );
    expect(tunnel.started).toBe(false);
    expect(tunnel.sshArgs).toEqual([
      '-W',
      '10.0.16.9:22',
      '-l',
      'ec2-user',
      '-i',
      '/k/jump.pem',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'HostKeyAlias=ecspoc-dev-bastion',
      tunnel.address,
    ]);
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
  });

  it('starts a stopped bastion, waits until it runs and passes its checks, then uses its new address', async () => {
    instanceStates('stopped', 'pending', 'pending', 'running');
    statusChecks('initializing', 'ok');
    const events: BastionEvent[] = [];
    const tunnel = await prepareBastionTunnel(clients(), request, {
      clock: noonClock(),
      pollIntervalMs: 0,
      onEvent: (e) => events.push(e),
    });
    expect(ec2).toHaveReceivedCommandWith(StartInstancesCommand, { InstanceIds: ['i-0b'] });
    expect(tunnel.started).toBe(true);
    expect(tunnel.address).toMatch(/^198\.51\.100\.\d+$/);
    expect(tunnel.sshArgs.at(-1)).toBe(tunnel.address);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['requested', 'state', 'status-checks']),
    );
  });

  it('fails with what to deploy when there is no bastion', async () => {
    mockStacks({});
    const run = prepareBastionTunnel(clients(), request, { clock: noonClock(), pollIntervalMs: 0 });
    await expect(run).rejects.toThrow(OperationError);
    await expect(run).rejects.toThrow(/has no bastion/);
  });

  it('fails when the bastion falls back to stopped after starting', async () => {
    instanceStates('stopped', 'pending', 'stopped');
    const run = prepareBastionTunnel(clients(), request, { clock: noonClock(), pollIntervalMs: 0 });
    await expect(run).rejects.toThrow(/became stopped while waiting for it to be running/);
  });

  it('gives up at the deadline when the bastion will not start', async () => {
    instanceStates('stopped', 'pending');
    const run = prepareBastionTunnel(clients(), request, {
      clock: noonClock(),
      pollIntervalMs: 1_000,
      timeoutMs: 5_000,
    });
    await expect(run).rejects.toThrow(TimeoutError);
  });

  it('refuses a terminated bastion with the command that deploys a new one, without starting anything', async () => {
    instanceStates('terminated');
    const error = await prepareBastionTunnel(clients(), request, {
      clock: noonClock(),
      pollIntervalMs: 0,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).message).toBe(
      'The bastion i-0b of "dev" is terminated; it cannot be started or stopped.',
    );
    expect((error as OperationError).suggestions).toEqual(['ecspoc deploy bastion --env dev']);
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
  });

  it('waits for a stopping bastion to stop, then starts it and tunnels through the new address', async () => {
    instanceStates('stopping', 'stopping', 'stopped', 'pending', 'running');
    statusChecks('ok');
    const clock = noonClock();
    const tunnel = await prepareBastionTunnel(clients(), request, { clock, pollIntervalMs: 5_000 });
    expect(tunnel.started).toBe(true);
    expect(tunnel.sshArgs.at(-1)).toBe(tunnel.address);
    expect(ec2).toHaveReceivedCommandTimes(StartInstancesCommand, 1);
    // Each poll waited on the fake clock, not in real time.
    expect(clock.now() - Date.parse('2026-01-01T12:00:00Z')).toBeGreaterThanOrEqual(10_000);
  });

  it('fails with one line when a running bastion has no public address to tunnel through', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-0b', State: { Name: 'running' }, PrivateIpAddress: '10.0.0.4' }] },
      ],
    });
    const run = prepareBastionTunnel(clients(), request, { clock: noonClock(), pollIntervalMs: 0 });
    await expect(run).rejects.toThrow(
      'The bastion i-0b of "dev" is running without a public address; there is nothing to tunnel through.',
    );
  });

  it('brackets an IPv6 target for -W', async () => {
    instanceStates('running');
    const tunnel = await prepareBastionTunnel(
      clients(),
      { ...request, host: 'fd00::9' },
      { clock: noonClock(), pollIntervalMs: 0 },
    );
    expect(tunnel.sshArgs.slice(0, 2)).toEqual(['-W', '[fd00::9]:22']);
  });

  it.each([
    [{ host: '-oProxyCommand=x' }, /HOST "-oProxyCommand=x" is not a host name/],
    [{ host: 'a b' }, /HOST "a b"/],
    [{ port: '0' }, /PORT "0" is not a TCP port/],
    [{ port: '22x' }, /PORT "22x"/],
  ])('refuses %p before any AWS call', async (bad, message) => {
    await expect(prepareBastionTunnel(clients(), { ...request, ...bad })).rejects.toThrow(UsageError);
    await expect(prepareBastionTunnel(clients(), { ...request, ...bad })).rejects.toThrow(message);
    expect(ec2).not.toHaveReceivedCommand(DescribeInstancesCommand);
  });
});
