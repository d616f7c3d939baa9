// Loads the rig's TypeScript helpers (test/e2e/helpers: the ECS agent and scheduler stand-ins, the
// sampler, the cluster set-up) into a plain Node script: each is transpiled with swc into tmp/ once.
import { transformFileSync } from '@swc/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}tmp/bench-helpers/`;
const helpers = ['ecs-agent', 'scheduler', 'sampler', 'cluster', 'env'];

/** Imports the helpers; returns them by file name. */
export async function loadStandIns() {
  mkdirSync(`${out}fixtures`, { recursive: true });
  mkdirSync(`${out}helpers`, { recursive: true });
  for (const name of helpers) {
    const { code } = transformFileSync(`${root}test/e2e/helpers/${name}.ts`, {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    writeFileSync(`${out}helpers/${name}.js`, code);
  }
  // cluster.ts reads its template relative to itself.
  writeFileSync(
    `${out}fixtures/cluster-stack.yml`,
    (await import('node:fs')).readFileSync(`${root}test/e2e/fixtures/cluster-stack.yml`),
  );
  const loaded = {};
  for (const name of helpers) loaded[name] = await import(`${out}helpers/${name}.js`);
  return loaded;
}
