import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { collect, ROOT } from './helpers/cli.js';

// The README's main-job command (`npm run demo` runs the build, then this script): the whole story
// against its own moto_server, which it must stop however it ends.
const DEMO = join(ROOT, 'scripts/demo.js');

function startDemo(env: string) {
  return spawn(process.execPath, [DEMO], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', DEMO_ENV: env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function motoPid(stderr: string): number {
  const match = /moto_server listening on http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/.exec(stderr);
  expect(match).not.toBeNull();
  return Number((match as RegExpExecArray)[1]);
}

describe('npm run demo', () => {
  it('runs the whole story and exits 0, leaving no moto_server behind', async () => {
    const result = await collect(startDemo('demo'), 240_000);
    expect(result.stderr).toContain('Demo finished.');
    expect(result.code).toBe(0);
    for (const step of [
      '$ ecspoc deploy',
      '$ ecspoc status',
      '$ ecspoc ssh-config --write',
      '$ ecspoc bastion stop',
      '$ ecspoc bastion start',
      '$ ecspoc logs tail',
      '$ ecspoc instances cycle',
      '$ ecspoc destroy',
    ]) {
      expect(result.stderr).toContain(step);
    }
    expect(result.stdout).toContain('Task engine: managed task RUNNING');
    expect(result.stderr).toMatch(/ssh -G ecspoc-demo-bastion -> hostname \d+\.\d+\.\d+\.\d+/);
    expect(alive(motoPid(result.stderr))).toBe(false);
  }, 300_000);

  it('interrupted halfway, stops its moto_server and exits 130', async () => {
    const child = startDemo('halfway');
    let stderr = '';
    const done = collect(child, 120_000);
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('$ ecspoc deploy')) resolve();
      });
    });
    const pid = motoPid(stderr);
    expect(alive(pid)).toBe(true);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(alive(pid)).toBe(false);
  }, 180_000);
});
