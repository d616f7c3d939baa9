#!/usr/bin/env node
// The AWS SDK warns about Node 20 on every start; users must never see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// @oclif/core checks its own `engines` at import, with semver, from a package.json that the single-file
// build does not have beside it: the check can never warn and cost 10-20 ms of every start (cpu-prof).
// npm checks ecspoc's own engines at install.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true';

// The CLI is CommonJS, this file (bin/package.json) and the build's: Node's ESM loader costs a Node 20
// start 30-40 ms before any of the CLI runs, and only scripts can be compiled from a code cache.
const path = require('node:path');
const nodeModule = require('node:module');

// @oclif/core, built into one CommonJS file (scripts/bundle.js) beside the commands and the chunks they
// load, and compiled once: Node 22+ keeps compiled code between runs itself; on Node 20,
// code-cache.js keeps V8's code cache of the build's files.
const build = path.join(__dirname, '..', 'dist', 'bundle', 'cli');
if (nodeModule.enableCompileCache) nodeModule.enableCompileCache();
else require('./code-cache.js').cacheCompiles(build);
const { flush, handle, run } = require(path.join(build, 'oclif.cjs'));
// oclif logs its own workings through the `debug` package, printed only when DEBUG names them. Making
// that logger loads `debug`, which inspects the terminal (loading tty and net): about 10 ms of every
// start. Without DEBUG, oclif gets a logger that drops its lines (a documented load option).
const drop = () => {};
const silent = {
  child: () => silent,
  debug: drop,
  error: drop,
  info: drop,
  namespace: 'oclif',
  trace: drop,
  warn: drop,
};
// The package's root, not this file: bin/package.json (which only makes bin CommonJS) is not ecspoc's.
const root = path.join(__dirname, '..');
const options = process.env.DEBUG ? root : { root, logger: silent };
// `ecspoc` alone on a terminal opens the interactive session; without one it prints the help as
// before (a script or CI that runs it bare must not hang on a menu).
const given = process.argv.slice(2);
const argv = given.length === 0 && process.stdin.isTTY && process.stderr.isTTY ? ['session'] : given;
run(argv, options)
  .then(() => flush())
  .catch(async (error) => {
    // A mistyped command never reaches a command's error renderer: oclif's not-found hook ends the
    // run with exit 127. Under --json, say so on stdout as every other error does.
    const argv = process.argv.slice(2);
    const end = argv.indexOf('--');
    if (error?.oclif?.exit === 127 && (end === -1 ? argv : argv.slice(0, end)).includes('--json')) {
      const typed = argv.filter((a) => !a.startsWith('-')).join(' ');
      const json = {
        error: {
          code: 'UNKNOWN_COMMAND',
          message: `${typed} is not an ecspoc command.`,
          suggestions: ['ecspoc help lists the commands'],
        },
      };
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    }
    return handle(error);
  });
