// Compiles the build's CommonJS files with V8's code cache, so a start does not compile them again.
// Node 22 has this built in (module.enableCompileCache, used by run.js when present); Node 20 has not,
// and compiling @oclif/core (480 KB), the commands and the SDK clients a command loads, and the
// functions a start runs, was a third of `ecspoc --version` and more of a command's first AWS call.
// V8 checks a cache against its own version and flags, but matches the source only by its length: the
// build's code-cache.json (scripts/bundle.js) names the files and the build by a hash of their contents,
// and the caches are kept per build.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

/** oclif's cache directory for the CLI, found the same way before oclif is loaded (ECSPOC_CACHE_DIR, ~/Library/Caches, XDG_CACHE_HOME or ~/.cache). */
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
    // Windows has no owner or mode bits here (its ACLs keep %LOCALAPPDATA% the user's).
    const unsafe =
      process.platform !== 'win32' && (stat.uid !== process.getuid() || (stat.mode & 0o022) !== 0);
    if (!stat.isFile() || unsafe) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes a file whole or not at all (a temporary file renamed), readable by the user alone. */
function writeOwn(file, data) {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, data, { mode: 0o600 });
    fs.renameSync(temporary, file);
  } catch {
    // A read-only or full home only loses the speed-up.
    fs.rmSync(temporary, { force: true });
  }
}

/** The directory of this build's caches, made (only this user's) with the other builds' ones gone. */
function buildDir(root, build) {
  const dir = path.join(root, build);
  if (fs.existsSync(dir)) return dir;
  try {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    for (const other of fs.readdirSync(root)) {
      if (other !== build) fs.rmSync(path.join(root, other), { recursive: true, force: true });
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  return dir;
}

/**
 * From now on, the CommonJS files of `dir` that its code-cache.json names are compiled from the code
 * cache when there is a good one; at exit, a cache is written for each that had none (holding the
 * functions this run compiled too). Other files load as Node loads them.
 */
function cacheCompiles(dir, env = process.env) {
  if (env.NODE_DISABLE_COMPILE_CACHE) return;
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'code-cache.json'), 'utf8'));
  } catch {
    return;
  }
  const root = path.join(cacheDir(env), 'code-cache');
  const build = `${manifest.build}-${process.version}-${process.arch}`;
  const files = new Set(manifest.files);
  const stale = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    const name = path.basename(filename);
    if (path.dirname(filename) !== dir || !files.has(name)) return compile.call(this, content, filename);
    const cacheFile = path.join(root, build, `${name}.bin`);
    const cachedData = readOwn(cacheFile);
    // Node's own wrapper, and the import() a node:vm script cannot make itself on Node 20 without
    // --experimental-vm-modules (scripts/bundle.js routes oclif's through it).
    const wrapped = `(function (exports, require, module, __filename, __dirname, __ecspocImportModule) {${content}\n})`;
    const script = new vm.Script(wrapped, { filename, cachedData });
    // What became of the cache, for the tests: 'used', 'missing' (none, or not trusted) or 'rejected' (V8's).
    this.codeCache = !cachedData ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used';
    if (this.codeCache !== 'used') stale.push([name, script]);
    const load = script.runInThisContext();
    const require = Module.createRequire(filename);
    return load.call(this.exports, this.exports, require, this, filename, dir, (id) => import(id));
  };
  process.once('exit', () => {
    if (stale.length === 0) return;
    const into = buildDir(root, build);
    if (into)
      for (const [name, script] of stale) writeOwn(path.join(into, `${name}.bin`), script.createCachedData());
  });
}

module.exports = { cacheCompiles };
