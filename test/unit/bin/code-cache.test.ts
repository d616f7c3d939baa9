import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const codeCache = fileURLToPath(new URL('../../../bin/code-cache.js', import.meta.url));

/** A build directory as scripts/bundle.js writes one: CommonJS files and code-cache.json naming them. */
function build(
  files: Record<string, string>,
  id = 'build-1',
  dir = mkdtempSync(join(tmpdir(), 'ecspoc-build-')),
) {
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  writeFileSync(join(dir, 'code-cache.json'), JSON.stringify({ build: id, files: Object.keys(files) }));
  return dir;
}

/** Requires `name` of `dir` in a fresh node after cacheCompiles, as bin/run.js does: its answer and the cache's fate. */
function load(dir: string, name: string, cacheDir: string, env: Record<string, string> = {}) {
  const file = join(dir, name);
  const script = `
    require(${JSON.stringify(codeCache)}).cacheCompiles(${JSON.stringify(dir)});
    Promise.resolve(require(${JSON.stringify(file)}).answer()).then((answer) => {
      console.log(JSON.stringify({ answer, cache: require.cache[${JSON.stringify(file)}].codeCache }));
    });`;
  const result = spawnSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, ECSPOC_CACHE_DIR: cacheDir, ...env },
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as { answer: unknown; cache?: string };
}

const buildDir = (cacheDir: string, id = 'build-1') =>
  join(cacheDir, 'code-cache', `${id}-${process.version}-${process.arch}`);

describe('bin/code-cache.js', () => {
  it('writes caches only this user may read or write, then compiles from them', () => {
    const dir = build({
      'a.cjs': 'exports.answer = () => require("./b.cjs").half * 2;',
      'b.cjs': 'exports.half = 21;',
    });
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'ecspoc-cache-')), 'cache');
    expect(load(dir, 'a.cjs', cacheDir)).toEqual({ answer: 42, cache: 'missing' });
    expect(readdirSync(buildDir(cacheDir)).sort()).toEqual(['a.cjs.bin', 'b.cjs.bin']);
    expect(statSync(buildDir(cacheDir)).mode & 0o777).toBe(0o700);
    expect(statSync(join(buildDir(cacheDir), 'a.cjs.bin')).mode & 0o777).toBe(0o600);
    expect(load(dir, 'a.cjs', cacheDir)).toEqual({ answer: 42, cache: 'used' });
  });

  it('ignores a cache others could have written, and replaces it', () => {
    const dir = build({ 'a.cjs': 'exports.answer = () => "plain";' });
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'ecspoc-cache-')), 'cache');
    load(dir, 'a.cjs', cacheDir);
    chmodSync(join(buildDir(cacheDir), 'a.cjs.bin'), 0o666);
    expect(load(dir, 'a.cjs', cacheDir)).toEqual({ answer: 'plain', cache: 'missing' });
    expect(statSync(join(buildDir(cacheDir), 'a.cjs.bin')).mode & 0o777).toBe(0o600);
    expect(load(dir, 'a.cjs', cacheDir).cache).toBe('used');
  });

  it("a new build gets its own caches, and the old build's go", () => {
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'ecspoc-cache-')), 'cache');
    const dir = build({ 'a.cjs': 'exports.answer = () => 1;' });
    load(dir, 'a.cjs', cacheDir);
    // The same length: V8 alone would take the old cache for this source.
    build({ 'a.cjs': 'exports.answer = () => 2;' }, 'build-2', dir);
    expect(load(dir, 'a.cjs', cacheDir)).toEqual({ answer: 2, cache: 'missing' });
    expect(readdirSync(join(cacheDir, 'code-cache'))).toEqual([`build-2-${process.version}-${process.arch}`]);
  });

  it('a cache V8 refuses is rebuilt', () => {
    const dir = build({ 'a.cjs': 'exports.answer = () => "again";' });
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'ecspoc-cache-')), 'cache');
    load(dir, 'a.cjs', cacheDir);
    writeFileSync(join(buildDir(cacheDir), 'a.cjs.bin'), 'not a code cache', { mode: 0o600 });
    expect(load(dir, 'a.cjs', cacheDir)).toEqual({ answer: 'again', cache: 'rejected' });
    expect(load(dir, 'a.cjs', cacheDir).cache).toBe('used');
  });

  it('a cached file can still import() (oclif loads ESM so)', () => {
    const dir = build({
      'a.cjs': `var __ecspocImport = typeof __ecspocImportModule === "function" ? __ecspocImportModule : (id) => import(id);
exports.answer = async () => (await __ecspocImport(require("node:url").pathToFileURL(__dirname + "/esm.mjs").href)).value;`,
    });
    writeFileSync(join(dir, 'esm.mjs'), 'export const value = "from esm";');
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'ecspoc-cache-')), 'cache');
    expect(load(dir, 'a.cjs', cacheDir)).toEqual({ answer: 'from esm', cache: 'missing' });
    expect(load(dir, 'a.cjs', cacheDir)).toEqual({ answer: 'from esm', cache: 'used' });
  });

  it('a file the build does not name, and every file under NODE_DISABLE_COMPILE_CACHE, load plainly', () => {
    const dir = build({ 'a.cjs': 'exports.answer = () => "named";' });
    writeFileSync(join(dir, 'other.cjs'), 'exports.answer = () => "other";');
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'ecspoc-cache-')), 'cache');
    expect(load(dir, 'other.cjs', cacheDir)).toEqual({ answer: 'other' });
    expect(load(dir, 'a.cjs', cacheDir, { NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual({ answer: 'named' });
    expect(() => readdirSync(cacheDir)).toThrow();
  });
});
