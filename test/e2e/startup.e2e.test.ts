import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BIN, ROOT } from './helpers/cli.js';

function loadedModules(args: string[], status = 0): string[] {
  const record = join(mkdtempSync(join(tmpdir(), 'ecspoc-imports-')), 'imports.txt');
  const result = spawnSync(
    process.execPath,
    ['--import', join(ROOT, 'test/e2e/helpers/record-imports.mjs'), BIN, ...args],
    {
      env: {
        PATH: process.env.PATH,
        HOME: tmpdir(),
        ECSPOC_RECORD_IMPORTS: record,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        AWS_MAX_ATTEMPTS: '1',
      },
      encoding: 'utf8',
    },
  );
  expect(result.status).toBe(status);
  return readFileSync(record, 'utf8').trim().split('\n');
}

/** The source modules inside each loaded file of the single-file build (scripts/bundle.js's metafile). */
function bundledInputs(urls: string[]): string[] {
  const meta = JSON.parse(readFileSync(join(ROOT, 'dist/bundle-meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  return urls.flatMap((url) => {
    if (!url.startsWith('file:')) return [];
    const output = meta.outputs[relative(ROOT, fileURLToPath(url))];
    return output ? Object.keys(output.inputs) : [];
  });
}

describe('start-up', () => {
  it.each([[['--version']], [['--help']], [['doctor', '--help']], [['logs', 'tail', '--help']]])(
    '%p loads no AWS SDK, listr2 or prompt code',
    (args) => {
      const modules = loadedModules(args);
      expect(modules.length).toBeGreaterThan(0);
      expect(modules.filter((url) => /@aws-sdk|@smithy|listr2|@inquirer/.test(url))).toEqual([]);
      // The build bundles node_modules: what a loaded file holds is what start-up paid for.
      const inputs = bundledInputs(modules);
      expect(inputs.some((input) => input.includes('node_modules/@oclif/core/'))).toBe(true);
      expect(inputs.filter((input) => /@aws-sdk|@smithy|listr2|@inquirer/.test(input))).toEqual([]);
    },
  );

  it('a command that calls AWS loads the SDK from the build', () => {
    // Nothing listens on port 1: the command fails at its first call, after loading its clients.
    const modules = loadedModules(['bastion', 'status', '--endpoint-url', 'http://127.0.0.1:1'], 1);
    expect(bundledInputs(modules).some((input) => input.includes('node_modules/@aws-sdk/client-'))).toBe(
      true,
    );
  });

  it('a command parses the schemas of the operations it calls, not of its whole SDK client', () => {
    // Each SDK client keeps every operation's schema in one module (EC2's: 1.3 MB of source, which
    // `bastion status` used to parse whole); scripts/bundle.js makes those modules shakeable and
    // src/lib/aws/sdk/ keeps dynamic imports from holding on to every name. `instances list` of an
    // adopted cluster loads the fleet reader's five clients (EC2 among them) before its first call.
    const modules = loadedModules(
      ['instances', 'list', '--cluster', 'c', '--endpoint-url', 'http://127.0.0.1:1'],
      1,
    );
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist/bundle-meta.json'), 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const schemaBytes = new Map<string, number>();
    for (const url of new Set(modules.filter((m) => m.startsWith('file:')))) {
      const output = meta.outputs[relative(ROOT, fileURLToPath(url))];
      for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
        const client = /@aws-sdk\/(client-[^/]+)\/dist-es\/schemas\//.exec(input)?.[1];
        if (client) schemaBytes.set(client, (schemaBytes.get(client) ?? 0) + bytesInOutput);
      }
    }
    expect([...schemaBytes.keys()]).toEqual(expect.arrayContaining(['client-ec2', 'client-ecs']));
    for (const [client, bytes] of schemaBytes) expect([client, bytes < 150_000]).toEqual([client, true]);
  });

  it('help, completion and the "did you mean" hook are bundled: no oclif plugin is looked up', () => {
    const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      oclif: { plugins?: string[] };
    };
    expect(pjson.oclif.plugins ?? []).toEqual([]);
    const help = spawnSync(process.execPath, [BIN, 'help', 'logs', 'tail'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('$ ecspoc logs tail');
  });

  it('prints the version of package.json', () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    const result = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(result.stdout).toContain(`ecspoc/${version}`);
  });
});
