import { beforeAll, describe, expect, it } from '@jest/globals';

import { formatUptime, renderBastionStatus } from '../../../src/ui/bastion-output.js';

describe('bastion output', () => {
  beforeAll(() => {
    process.env.NO_COLOR = '1';
    delete process.env.FORCE_COLOR;
  });

  it.each([
    [42, '42s'],
    [60, '1m'],
    [3599, '59m'],
    [7980, '2h 13m'],
    [3 * 86_400 + 4 * 3_600 + 59, '3d 4h'],
  ])('formats an uptime of %i s as %s', (seconds, text) => {
    expect(formatUptime(seconds)).toBe(text);
  });

  it('shows a stopped bastion without address or uptime', () => {
    const text = renderBastionStatus({
      env: 'dev',
      stackName: 'ecspoc-dev-bastion',
      state: 'stopped',
      instanceId: 'i-0b',
      privateIp: '10.0.0.4',
      instanceType: 't3.micro',
      launchTime: '2026-01-01T10:00:00.000Z',
    });
    expect(text).toContain('state        stopped\n');
    expect(text).toContain('public       -\n');
    expect(text).toContain('uptime       - (last started 2026-01-01T10:00:00.000Z)\n');
  });

  it('shows parking: the idle stop and its alarm, or how to turn it on, and when it last stopped', () => {
    const stopped = {
      env: 'dev',
      stackName: 'ecspoc-dev-bastion',
      state: 'stopped' as const,
      instanceId: 'i-0b',
      launchTime: '2026-01-01T10:00:00.000Z',
      lastStopped: '2026-01-01T11:40:07.000Z',
    };
    const parked = renderBastionStatus({
      ...stopped,
      idleStop: { minutes: 30, alarmName: 'ecspoc-dev-bastion-idle-stop' },
    });
    expect(parked).toContain(
      'uptime       - (last started 2026-01-01T10:00:00.000Z, stopped 2026-01-01T11:40:07.000Z)\n',
    );
    expect(parked).toContain(
      'parking      idle stop after 30 min without SSH traffic (alarm ecspoc-dev-bastion-idle-stop)\n',
    );
    expect(renderBastionStatus(stopped)).toContain(
      'parking      off (ecspoc deploy bastion --env dev --parameter bastion.IdleStopMinutes=30 turns it on)\n',
    );
  });

  it('names the reason of a missing bastion', () => {
    expect(
      renderBastionStatus({
        env: 'dev',
        stackName: 'ecspoc-dev-bastion',
        state: 'missing',
        missingReason: 'stack ecspoc-dev-bastion does not exist',
      }),
    ).toBe('bastion      none (stack ecspoc-dev-bastion does not exist)\nstack        ecspoc-dev-bastion\n');
  });
});
