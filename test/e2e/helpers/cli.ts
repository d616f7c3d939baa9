import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { awsTestEnv } from './env.js';

/** What a CLI run produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of one CLI run. */
export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed; without it stdin is /dev/null (no TTY). */
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

export const ROOT = resolve(import.meta.dirname, '../../..');
export const BIN = join(ROOT, 'bin', 'run.js');

/** A HOME of its own, so no user config or ~/.aws of the machine leaks into a test. */
export const TEST_HOME = mkdtempSync(join(tmpdir(), 'ecspoc-home-'));

/** The environment a CLI child process gets: moto credentials, a clean HOME, no colour. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: TEST_HOME, NO_COLOR: '1', ...awsTestEnv() };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Spawns the built CLI (`bin/run.js`) and resolves with its exit code and output. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  return collect(child, options.timeoutMs ?? 90_000);
}

/** Starts the built CLI and returns the child process, for tests that interact with a running command. */
export function spawnCli(args: string[], options: RunOptions = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? TEST_HOME,
    env: cliEnv(options.env),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  return child;
}

/** Collects a child's output until it exits; kills it after `timeoutMs`. */
export function collect(child: ReturnType<typeof spawn>, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** The `--debug` API call counts of a run, by operation (`Service.Operation`). */
export function apiCalls(result: CliResult): Record<string, number> {
  const line = result.stderr.split('\n').find((l) => l.startsWith('ecspoc: api-calls '));
  if (!line) throw new Error(`no api-calls line in stderr:\n${result.stderr}`);
  const parsed = JSON.parse(line.slice('ecspoc: api-calls '.length)) as {
    operations: Record<string, { operations: number }>;
  };
  return Object.fromEntries(
    Object.entries(parsed.operations).map(([name, count]) => [name, count.operations]),
  );
}
