#!/usr/bin/env node
// The main job on a local emulator: starts moto_server on 127.0.0.1, drives ecspoc against it,
// and stops the server by its pid however the demo ends (success, failure or Ctrl-C).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { motoAvailable, startMoto, keepTasksRunning } from './moto.js';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const env = process.env.DEMO_ENV ?? 'demo';

if (!motoAvailable()) {
  console.error('Error: moto_server is not on PATH.\nTry: pip install "moto[server]"');
  process.exit(1);
}

const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '1' });
await keepTasksRunning(moto.endpoint);
let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  await moto.stop();
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(130));

const childEnv = {
  ...process.env,
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  ECSPOC_ENV: env,
};

/** Runs one ecspoc command, echoing it first; rejects on a non-zero exit. */
function ecspoc(...args) {
  console.error(`\n$ ecspoc ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: childEnv,
      stdio: ['inherit', 'inherit', 'inherit'],
    });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ecspoc ${args[0]} exited with ${code}`)),
    );
  });
}

console.error(`moto_server listening on ${moto.endpoint} (pid ${moto.pid}); environment "${env}"`);
try {
  await ecspoc('doctor');
  console.error('\nDemo finished.');
  await stop(0);
} catch (error) {
  console.error(`\nDemo failed: ${error.message}`);
  await stop(1);
}
