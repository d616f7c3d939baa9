#!/usr/bin/env node
// The AWS SDK warns about Node 20 on every start; users must never see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// @oclif/core checks its own `engines` at import, with semver, from a package.json that the single-file
// build does not have beside it: the check can never warn and cost 10-20 ms of every start (cpu-prof).
// npm checks ecspoc's own engines at install.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true';

// Node 22+ keeps compiled code between runs (a third off start-up); Node 20 has no such cache.
const { default: nodeModule } = await import('node:module');
nodeModule.enableCompileCache?.();

// The single-file build (scripts/bundle.js): @oclif/core in one module instead of 166.
const { flush, handle, run } = await import('../dist/bundle/cli/oclif.js');
// `ecspoc` alone on a terminal opens the interactive session; without one it prints the help as
// before (a script or CI that runs it bare must not hang on a menu).
const given = process.argv.slice(2);
const argv = given.length === 0 && process.stdin.isTTY && process.stderr.isTTY ? ['session'] : given;
await run(argv, import.meta.url)
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
