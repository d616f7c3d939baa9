import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../src/lib/errors.js';
import { agree, confirm, pickMany, pickOne } from '../../../src/ui/prompt.js';

// Without a terminal on stdin every question must fail at once rather than read it.
describe('prompt without a terminal', () => {
  const wasTTY = process.stdin.isTTY;
  beforeEach(() => {
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
  });
  afterEach(() => {
    Object.defineProperty(process.stdin, 'isTTY', { value: wasTTY, configurable: true });
  });

  it('a picker fails with the hint that names the choice on the command line', async () => {
    const hint = 'Name them: ecspoc instances drain i-0abc123 --env dev';
    const error = await pickMany('Instances to drain', [{ name: 'i-1', value: 'i-1' }], hint).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('Instances to drain: no terminal to pick on.');
    expect(error.suggestions).toEqual([hint]);
    expect(error.exitCode).toBe(2);
  });

  it('a single-choice picker fails at once naming the flag that makes the choice', async () => {
    const error = await pickOne('Environment', [{ name: 'dev', value: 'dev' }], '--env NAME').catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.code).toBe('NOTHING_CHOSEN');
    expect(error.message).toBe('Environment: no terminal to pick on.');
    expect(error.suggestions).toEqual(['--env NAME']);
    expect(error.exitCode).toBe(2);
  });

  it('a confirmation fails naming --yes, and --yes needs no terminal', async () => {
    const error = await confirm('Drain?', { yes: false, action: 'drain instances' }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain('Refusing to drain instances without confirmation');
    expect(error.suggestions).toEqual(['Re-run with --yes to confirm non-interactively.']);
    await expect(confirm('Drain?', { yes: true, action: 'drain instances' })).resolves.toBeUndefined();
    await expect(agree('Empty buckets?', { yes: true, action: 'empty buckets' })).resolves.toBe(true);
  });
});
