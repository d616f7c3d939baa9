// Loads a CommonJS file of the build with V8's code cache, so a start does not compile it again.
// Node 22 has this built in (module.enableCompileCache, used by run.js when present); Node 20 has not,
// and compiling @oclif/core's bundle (480 KB) and the functions a start runs was a third of
// `ecspoc --version`. V8 checks a cache against its own version and flags and rejects it then, but
// matches the source only by its length: the build ends each cached file with a hash of its contents
// (`//# cache-key <sha1>`, scripts/bundle.js), and the cache file is named by it.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

/** oclif's cache directory for the CLI (ECSPOC_CACHE_DIR, ~/Library/Caches, XDG_CACHE_HOME or ~/.cache). */
function cacheDir(env = process.env) {
  if (env.ECSPOC_CACHE_DIR) return env.ECSPOC_CACHE_DIR;
  const home = env.HOME || os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'ecspoc');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'ecspoc');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'ecspoc');
}

/**
 * The cache bytes, only from a file this user owns that no one else may write: a code cache is code,
 * and a planted one would run as the user.
 */
function readOwn(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const stat = fs.fstatSync(fd);
    const owner = typeof process.getuid === 'function' ? process.getuid() : stat.uid;
    if (!stat.isFile() || stat.uid !== owner || (stat.mode & 0o022) !== 0) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes the cache whole or not at all (a temporary file renamed), readable by the user alone. */
function writeOwn(dir, file, data) {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(temporary, data, { mode: 0o600 });
    fs.renameSync(temporary, file);
    // A new build's cache replaces the old builds' ones.
    const name = path.basename(file);
    for (const other of fs.readdirSync(dir)) {
      if (other !== name && /^code-.*\.bin$/.test(other)) fs.rmSync(path.join(dir, other), { force: true });
    }
  } catch {
    // A read-only or full home only loses the speed-up.
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * Requires `file` as Node would, compiled from the code cache when there is a good one, and writes a
 * cache at exit when there was none (it then holds the functions this run compiled too). Returns the
 * module's exports; the module is in require's cache, so a later require or import gets the same one.
 */
function requireCached(file, env = process.env) {
  const source = fs.readFileSync(file, 'utf8');
  const key = /\/\/# cache-key ([0-9a-f]{40})\s*$/.exec(source.slice(-64))?.[1];
  if (!key || env.NODE_DISABLE_COMPILE_CACHE) return require(file);
  const dir = path.join(cacheDir(env), 'code-cache');
  const cacheFile = path.join(dir, `code-${key}-${process.version}-${process.arch}.bin`);
  const cachedData = readOwn(cacheFile);
  // Node's own wrapper, and the import() the script cannot make itself (scripts/bundle.js routes oclif's
  // through it): node:vm's dynamic import needs --experimental-vm-modules on Node 20.
  const wrapped = `(function (exports, require, module, __filename, __dirname, __ecspocImportModule) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  const module = new Module(file, null);
  module.filename = file;
  module.paths = Module._nodeModulePaths(path.dirname(file));
  Module._cache[file] = module;
  try {
    const load = script.runInThisContext();
    load(module.exports, Module.createRequire(file), module, file, path.dirname(file), (id) => import(id));
  } catch (error) {
    delete Module._cache[file];
    throw error;
  }
  module.loaded = true;
  // What became of the cache, for the tests: 'used', 'missing' (none, or not trusted) or 'rejected' (V8's).
  module.codeCache = !cachedData ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used';
  if (module.codeCache !== 'used') {
    process.once('exit', () => writeOwn(dir, cacheFile, script.createCachedData()));
  }
  return module.exports;
}

module.exports = { cacheDir, requireCached };
