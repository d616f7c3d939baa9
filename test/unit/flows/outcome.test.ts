import { describe, expect, it } from '@jest/globals';

import { applyOutcome, failed, type OutcomeSink, succeeded } from '../../../src/flows/outcome.js';
import { EXIT_CODES, InterruptedError, OperationError } from '../../../src/lib/errors.js';

function sink(json: boolean) {
  let stderr = '';
  const codes: number[] = [];
  const target: OutcomeSink = {
    json,
    stderr: { write: (chunk: string) => ((stderr += chunk), true) } as NodeJS.WritableStream,
    // The renderer's shape (src/ui/error-output.ts failureLines), without loading oclif here.
    errorLines: (error) => [`Error: ${error.message}`, ...error.suggestions.map((s) => `Try: ${s}`)],
    setExitCode: (code) => void codes.push(code),
  };
  return { target, stderr: () => stderr, codes };
}

const failure = new OperationError('DEPLOY_FAILED', 'cluster failed: Resource limit exceeded', {
  suggestions: ['ecspoc status --env dev'],
});

describe('applyOutcome', () => {
  it('human output: ends with the error line and its Try: line, and the exit code', () => {
    const out = sink(false);
    const output = { ok: false };
    expect(applyOutcome(failed(output, failure), out.target)).toBe(output);
    expect(out.stderr()).toBe(
      'Error: cluster failed: Resource limit exceeded\nTry: ecspoc status --env dev\n',
    );
    expect(out.codes).toEqual([EXIT_CODES.failure]);
  });

  it('--json: writes nothing itself (the output says it all) and keeps the exit code', () => {
    const out = sink(true);
    const output = { ok: false, interrupted: true };
    const interrupted = new InterruptedError('Interrupted: 2 stack(s) not started (cluster, bastion).');
    expect(applyOutcome(failed(output, interrupted), out.target)).toBe(output);
    expect(out.stderr()).toBe('');
    expect(out.codes).toEqual([130]);
  });

  it('an exit code that is not an error (diff: 3, there are changes) is kept with no error line', () => {
    for (const json of [false, true]) {
      const out = sink(json);
      expect(applyOutcome({ output: 'plan', exitCode: EXIT_CODES.changes }, out.target)).toBe('plan');
      expect(out.stderr()).toBe('');
      expect(out.codes).toEqual([3]);
    }
  });

  it('success: exit 0 and the output, nothing on stderr', () => {
    const out = sink(false);
    expect(applyOutcome(succeeded([1, 2]), out.target)).toEqual([1, 2]);
    expect(out.stderr()).toBe('');
    expect(out.codes).toEqual([0]);
  });

  it("the outcome's exit code wins over the error's own (cycle --plan refused: 6)", () => {
    const out = sink(false);
    applyOutcome(failed({}, failure, EXIT_CODES.refused), out.target);
    expect(out.codes).toEqual([6]);
  });
});
