#!/usr/bin/env node
// Start-up time of the CLI against `node -e 0`, run the same way in the same script, interleaved,
// medians. Ratios, not absolute times: these machines are noisy. Every process runs without
// NODE_EXTRA_CA_CERTS (these machines set it; users do not, and it adds 60-150 ms to every Node start).
// `bastion status` is timed to its first AWS request: a local HTTP endpoint records when the request
// arrives and answers with an error, so the command ends there.
// Goals (issue 18): --version and --help <= 3x node -e 0; the first AWS call within 150 ms of
// --version (bastion status <= 2.5x --version). Usage: npm run bench:startup [-- RUNS]
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const runs = Number(process.argv[2] ?? 21);

const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
Object.assign(env, {
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_MAX_ATTEMPTS: '1',
  NO_COLOR: '1',
});

let firstRequestAt;
const server = createServer((request, response) => {
  firstRequestAt ??= performance.now();
  request.resume();
  request.on('end', () => {
    response.writeHead(400, { 'content-type': 'text/xml' });
    response.end(
      '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>bench</Message></Error></ErrorResponse>',
    );
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${server.address().port}`;

const cases = {
  'node -e 0': { args: ['-e', '0'] },
  'ecspoc --version': { args: [bin, '--version'] },
  'ecspoc --help': { args: [bin, '--help'] },
  'ecspoc logs tail --help': { args: [bin, 'logs', 'tail', '--help'] },
  'bastion status, first AWS call': {
    args: [bin, 'bastion', 'status', '--endpoint-url', endpoint],
    firstCall: true,
  },
};
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));

function run({ args, firstCall }) {
  return new Promise((resolve, reject) => {
    firstRequestAt = undefined;
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const end = performance.now();
      if (firstCall) {
        if (firstRequestAt === undefined) reject(new Error(`no AWS request arrived: ${stderr}`));
        else resolve(firstRequestAt - start);
      } else if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve(end - start);
    });
  });
}

for (let i = 0; i < runs; i++) {
  for (const [name, spec] of Object.entries(cases)) {
    const ms = await run(spec);
    if (i > 0) times[name].push(ms); // the first round warms the file cache
  }
}
server.close();

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const baseline = median(times['node -e 0']);
const version = median(times['ecspoc --version']);
console.log(
  `Node ${process.version}, NODE_EXTRA_CA_CERTS unset; ${runs - 1} interleaved runs, first discarded; medians`,
);
for (const [name, values] of Object.entries(times)) {
  const m = median(values);
  console.log(`${name.padEnd(32)} ${m.toFixed(0).padStart(5)} ms   ${(m / baseline).toFixed(2)}x node -e 0`);
}
const firstCall = median(times['bastion status, first AWS call']);
console.log(
  `first AWS call of bastion status: ${(firstCall - version).toFixed(0)} ms after --version's time (goal <= 150 ms), ${(firstCall / version).toFixed(2)}x --version (goal <= 2.5x)`,
);
console.log(
  `--version ${(version / baseline).toFixed(2)}x, --help ${(median(times['ecspoc --help']) / baseline).toFixed(2)}x node -e 0 (goal <= 3x)`,
);
