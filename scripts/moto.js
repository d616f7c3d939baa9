// Starts and stops moto_server (the local AWS emulator) for the tests, the benchmarks and the demo.
// Plain JavaScript so that jest's global setup, bench scripts and `npm run demo` share it.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

// moto_server plus the AWS behaviours its CloudFormation leaves out (see the file).
const LAUNCHER = fileURLToPath(new URL('./moto_server.py', import.meta.url));

/** Finds a free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when moto_server is on PATH and its Python can run the launcher. */
export function motoAvailable() {
  return (
    spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0 &&
    spawnSync('python3', [LAUNCHER, '--help'], { stdio: 'ignore' }).status === 0
  );
}

/** Starts moto_server (through scripts/moto_server.py) on 127.0.0.1 at a free port and waits until it answers. */
export async function startMoto(extraEnv = {}) {
  const port = await freePort();
  const child = spawn('python3', [LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', ...extraEnv },
  });
  let stderr = '';
  const onData = (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  };
  child.stderr.on('data', onData);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.stderr.off('data', onData);
  child.stderr.resume();
  child.unref();
  const pid = child.pid;
  return { endpoint, pid, stop: () => stopPid(pid) };
}

/**
 * Stops a process by pid: SIGTERM, then SIGKILL after five seconds, and returns only once it is gone
 * (a moto holding a whole deployed bundle can take longer than that to exit on a loaded machine; a
 * caller that exits right after must not leave it running, nor unreaped by this process).
 */
export async function stopPid(pid) {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!alive()) return;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Forgets every resource moto holds. */
export async function resetMoto(endpoint) {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
}

/** Keeps ECS tasks RUNNING: moto otherwise moves a task towards STOPPED on every DescribeTasks. */
export async function keepTasksRunning(endpoint) {
  const response = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model_name: 'ecs::task',
      transition: { progression: 'manual', times: 1_000_000_000 },
    }),
  });
  if (!response.ok) throw new Error(`moto set-transition failed: ${response.status}`);
}
