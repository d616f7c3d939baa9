// Loads the rig's TypeScript helpers for the benchmarks and the demo (test/e2e/helpers: the ECS agent and scheduler stand-ins, the
// sampler, the cluster set-up) into a plain Node script: each is transpiled with swc into tmp/, and
// reaches the engine through its build (dist/). Set ECSPOC_TEST_MOTO_ENDPOINT before calling them.
import { transformFileSync } from '@swc/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}tmp/bench-helpers/`;
const helpers = [
  'ecs-agent',
  'scheduler',
  'sampler',
  'cluster',
  'bundle',
  'env',
  'log-producer',
  'ecs-pages',
];

/** Imports the helpers; returns them by file name. */
export async function loadStandIns() {
  mkdirSync(`${out}helpers`, { recursive: true });
  for (const name of helpers) {
    const { code } = transformFileSync(`${root}test/e2e/helpers/${name}.ts`, {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    // The helpers reach the engine through ../../../src; the bench runs the build of it instead.
    writeFileSync(`${out}helpers/${name}.js`, code.replaceAll("'../../../src/", "'../../../dist/"));
  }
  const loaded = {};
  for (const name of helpers) loaded[name] = await import(`${out}helpers/${name}.js`);
  return loaded;
}
