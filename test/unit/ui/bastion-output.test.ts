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
