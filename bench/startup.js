#!/usr/bin/env node
// Start-up time of the CLI against `node -e 0`, run the same way in the same script, interleaved,
// medians. Ratios, not absolute times: these machines are noisy. Usage: npm run bench:startup [-- RUNS]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const runs = Number(process.argv[2] ?? 21);
const cases = {
  'node -e 0': ['-e', '0'],
  'ecspoc --version': [bin, '--version'],
  'ecspoc --help': [bin, '--help'],
  'ecspoc doctor --help': [bin, 'doctor', '--help'],
};
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));

for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`);
    if (i > 0) times[name].push(ms); // the first round warms the file cache
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const baseline = median(times['node -e 0']);
console.log(`runs: ${runs - 1} (interleaved, first round discarded)`);
for (const [name, values] of Object.entries(times)) {
  const m = median(values);
  console.log(
    `${name.padEnd(24)} median ${m.toFixed(0).padStart(5)} ms   ratio ${(m / baseline).toFixed(2)}x`,
  );
}
