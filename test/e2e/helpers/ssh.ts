import { spawnSync } from 'node:child_process';

/** The resolved configuration of `host` under `file`, from the real OpenSSH client (no connection). */
export function sshG(file: string, host: string): Record<string, string[]> {
  const result = spawnSync('ssh', ['-G', '-F', file, host], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) throw new Error(`ssh -G -F ${file} ${host} failed: ${result.stderr}`);
  const resolved: Record<string, string[]> = {};
  for (const line of result.stdout.trim().split('\n')) {
    const space = line.indexOf(' ');
    (resolved[line.slice(0, space)] ??= []).push(line.slice(space + 1));
  }
  return resolved;
}
