import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../../src/lib/errors.js';
import { resolveSshVia, sshViaProblem } from '../../../../src/lib/ssh/via.js';

describe('resolveSshVia', () => {
  it('takes --via over the config file, and the config file when --via is not given', () => {
    expect(resolveSshVia('eice', 'ssm')).toBe('eice');
    expect(resolveSshVia('bastion', 'ssm')).toBe('bastion');
    expect(resolveSshVia(undefined, 'ssm')).toBe('ssm');
    // Neither: the default, the bastion, is ssh-config's to apply.
    expect(resolveSshVia(undefined, undefined)).toBeUndefined();
  });

  it('refuses a bad --via in one line with the nearest way in, even when the config file is fine', () => {
    const run = () => resolveSshVia('sms', 'bastion');
    expect(run).toThrow(UsageError);
    expect(run).toThrow('--via must be bastion, ssm or eice, not "sms" (did you mean "ssm"?).');
  });

  it('names the config file when the bad value comes from there', () => {
    expect(() => resolveSshVia(undefined, 'bastoin')).toThrow(
      'sshVia in the config file must be bastion, ssm or eice, not "bastoin" (did you mean "bastion"?).',
    );
  });

  it('suggests nothing for a value far from every way in', () => {
    expect(sshViaProblem('vpn')).toBe('must be bastion, ssm or eice, not "vpn"');
    expect(sshViaProblem('ssm')).toBeUndefined();
  });
});
