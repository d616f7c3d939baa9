import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const codeCache = fileURLToPath(new URL('../../../bin/code-cache.js', import.meta.url));

/** A CommonJS file ending with its cache key, as scripts/bundle.js writes oclif.cjs. */
function bundle(dir: string, body: string): string {
  const file = join(dir, 'lib.cjs');
  writeFileSync(file, body);
  const key = createHash('sha1').update(body).digest('hex');
  writeFileSync(file, `${body}\n//# cache-key ${key}\n`);
  return file;
}

/** Loads `file` through requireCached in a fresh node, as bin/run.js does; its answer and the cache's fate. */
function load(file: string, cacheDir: string, env: Record<string, string> = {}) {
  const script = `
    const { requireCached } = require(${JSON.stringify(codeCache)});
    const exports = requireCached(${JSON.stringify(file)});
    Promise.resolve(exports.answer()).then((answer) => {
      console.log(JSON.stringify({ answer, cache: require.cache[${JSON.stringify(file)}].codeCache }));
    });`;
  const result = spawnSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, ECSPOC_CACHE_DIR: cacheDir, ...env },
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as { answer: unknown; cache?: string };
}

describe('bin/code-cache.js', () => {
  it('writes a cache only this user may read or write, then compiles from it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecspoc-code-cache-'));
    const file = bundle(dir, 'exports.answer = () => 6 * 7;');
    const cacheDir = join(dir, 'cache');
    expect(load(file, cacheDir)).toEqual({ answer: 42, cache: 'missing' });
    const [name] = readdirSync(join(cacheDir, 'code-cache'));
    expect(name).toMatch(new RegExp(`^code-[0-9a-f]{40}-${process.version}-${process.arch}\\.bin$`));
    expect(statSync(join(cacheDir, 'code-cache')).mode & 0o777).toBe(0o700);
    expect(statSync(join(cacheDir, 'code-cache', name!)).mode & 0o777).toBe(0o600);
    expect(load(file, cacheDir)).toEqual({ answer: 42, cache: 'used' });
  });

  it('ignores a cache others could have written, and replaces it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecspoc-code-cache-'));
    const file = bundle(dir, 'exports.answer = () => "plain";');
    const cacheDir = join(dir, 'cache');
    load(file, cacheDir);
    const [name] = readdirSync(join(cacheDir, 'code-cache'));
    chmodSync(join(cacheDir, 'code-cache', name!), 0o666);
    expect(load(file, cacheDir)).toEqual({ answer: 'plain', cache: 'missing' });
    expect(statSync(join(cacheDir, 'code-cache', name!)).mode & 0o777).toBe(0o600);
    expect(load(file, cacheDir).cache).toBe('used');
  });

  it('a new build gets its own cache, and the old one goes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecspoc-code-cache-'));
    const cacheDir = join(dir, 'cache');
    const file = bundle(dir, 'exports.answer = () => 1;');
    load(file, cacheDir);
    const [before] = readdirSync(join(cacheDir, 'code-cache'));
    // The same length: V8 alone would take the old cache for this source.
    bundle(dir, 'exports.answer = () => 2;');
    expect(load(file, cacheDir)).toEqual({ answer: 2, cache: 'missing' });
    const after = readdirSync(join(cacheDir, 'code-cache'));
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
  });

  it('a cache V8 refuses is rebuilt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecspoc-code-cache-'));
    const cacheDir = join(dir, 'cache');
    const file = bundle(dir, 'exports.answer = () => "again";');
    load(file, cacheDir);
    const [name] = readdirSync(join(cacheDir, 'code-cache'));
    writeFileSync(join(cacheDir, 'code-cache', name!), 'not a code cache', { mode: 0o600 });
    expect(load(file, cacheDir)).toEqual({ answer: 'again', cache: 'rejected' });
    expect(load(file, cacheDir).cache).toBe('used');
  });

  it('the script can still import() (oclif loads the commands so)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecspoc-code-cache-'));
    writeFileSync(join(dir, 'esm.mjs'), 'export const value = "from esm";');
    const file = bundle(
      dir,
      `var __ecspocImport = typeof __ecspocImportModule === "function" ? __ecspocImportModule : (id) => import(id);
exports.answer = async () => (await __ecspocImport(require("node:url").pathToFileURL(__dirname + "/esm.mjs").href)).value;`,
    );
    const cacheDir = join(dir, 'cache');
    expect(load(file, cacheDir)).toEqual({ answer: 'from esm', cache: 'missing' });
    expect(load(file, cacheDir)).toEqual({ answer: 'from esm', cache: 'used' });
  });

  it('NODE_DISABLE_COMPILE_CACHE loads the file plainly and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecspoc-code-cache-'));
    const cacheDir = join(dir, 'cache');
    const file = bundle(dir, 'exports.answer = () => "plain";');
    expect(load(file, cacheDir, { NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual({ answer: 'plain' });
    expect(() => readdirSync(cacheDir)).toThrow();
  });
});
