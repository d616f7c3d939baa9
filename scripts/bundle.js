#!/usr/bin/env node
// Builds the CLI as a few files under dist/bundle/cli/ (run after `tsc`, which still emits dist/ for the
// benches and the rig's stand-ins):
//   oclif.cjs    @oclif/core whole, as one CommonJS file: what bin/run.js loads (with a code cache) to
//                answer --version and --help, and the one copy of oclif every command uses;
//   commands.js  every command class, exported as COMMANDS (oclif's "explicit" command strategy), the
//                commands of @oclif/plugin-help and @oclif/plugin-autocomplete among them (ESM);
//   hooks.js     the hooks package.json names (@oclif/plugin-not-found's command_not_found);
//   chunk-*.js   code shared between the two, and one chunk per dynamic import (each SDK client,
//                listr2, the prompts), so a command loads only the clients it uses.
// One file instead of @oclif/core's 166 saves most of start-up. The command list is generated from
// src/commands/, so a new command file needs no registration. A metafile (dist/bundle-meta.json, not
// packed) maps every output file to its inputs, so a test can prove what start-up loads.
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const commandsDir = join(root, 'src', 'commands');

/** Every command file under src/commands, with its oclif id (`logs/tail.ts` is `logs:tail`). */
function commandFiles(dir = commandsDir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return commandFiles(path);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) return [];
    const id = relative(commandsDir, path).slice(0, -3).split(sep).join(':');
    return [{ id: id.endsWith(':index') ? id.slice(0, -6) : id, path }];
  });
}

// The commands of the oclif plugins ecspoc ships (help, shell completion) are bundled as its own: loading
// a plugin at start-up means finding its package, reading its package.json and manifest and matching
// globs, about a third of `--version`'s time. Their ids are those the plugins' own command folders give;
// their packages export only their index, so the files are named by path.
const pluginCommand = (id, file) => ({ id, path: join(root, 'node_modules', '@oclif', file) });
const pluginCommands = [
  pluginCommand('help', 'plugin-help/lib/commands/help.js'),
  pluginCommand('autocomplete', 'plugin-autocomplete/lib/commands/autocomplete/index.js'),
  pluginCommand('autocomplete:create', 'plugin-autocomplete/lib/commands/autocomplete/create.js'),
  pluginCommand('autocomplete:script', 'plugin-autocomplete/lib/commands/autocomplete/script.js'),
];
const commands = [...commandFiles(), ...pluginCommands].sort((a, b) => a.id.localeCompare(b.id));
const commandsSource =
  commands.map((c, i) => `import C${i} from ${JSON.stringify(c.path)};`).join('\n') +
  `\nexport const COMMANDS = {\n${commands.map((c, i) => `  ${JSON.stringify(c.id)}: C${i},`).join('\n')}\n};\n`;

/**
 * oclif's help passes every summary, description and example through ejs (`<%= config.bin %>`), which
 * compiles each string into a function: most of `--help`'s time went there. A string without `<%` has
 * no tag, and ejs gives it back unchanged, so it skips ejs.
 */
function plainHelpText(path, source) {
  if (!/[\\/]help[\\/]util\.js$/.test(path)) return source;
  const render = '        return ejs_1.default.render(t, context);';
  if (!source.includes(render)) throw new Error(`@oclif/core's help template changed: ${path}`);
  return source.replace(render, `        if (!t.includes('<%')) return t;\n${render}`);
}

const lazyOclifRequires = {
  // @oclif/core's index requires all of its modules, and each module all of its dependencies, at load:
  // `--version` evaluated the help renderer, the error pretty-printer, the spinner, glob matchers and
  // child_process (with net and dgram) it never calls. Its modules are tsc's CommonJS, which names
  // each dependency once (`const x_1 = require("x");`) and reads it only inside functions
  // (`(0, x_1.fn)()`). Each such binding becomes a stand-in that requires the module at its first
  // property read: a module read at load time (a base class, a top-level call) still loads at once,
  // in the same order, and one never read is never evaluated. Bare `require("x");` lines (side
  // effects) are left as they are.
  name: 'lazy-oclif-requires',
  setup(build) {
    const header =
      'var __ecspocLazy = (load) => { let m; const get = () => (m ??= load()); return new Proxy({}, {' +
      ' get: (_, k) => get()[k], set: (_, k, v) => ((get()[k] = v), true), has: (_, k) => k in get(),' +
      ' ownKeys: () => Reflect.ownKeys(get()),' +
      ' getOwnPropertyDescriptor: (_, k) => { const d = Reflect.getOwnPropertyDescriptor(get(), k); return d && { ...d, configurable: true }; } }); };\n';
    build.onLoad({ filter: /[\\/]node_modules[\\/]@oclif[\\/]core[\\/]lib[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const lazy = source
        .replace(
          /^(const|var) (\w+) = ((?:__importDefault|__importStar)\()?require\(("[^"]+")\)(\)?);$/gm,
          (_, kind, name, wrap = '', id, close) =>
            `${kind} ${name} = __ecspocLazy(() => ${wrap}require(${id})${close});`,
        )
        // index.js: `exports.Flags = __importStar(require("./flags"));` becomes a getter.
        .replace(
          /^exports\.(\w+) = __importStar\(require\(("[^"]+")\)\);$/gm,
          (_, name, id) =>
            `Object.defineProperty(exports, "${name}", { enumerable: true, configurable: true, get: ((m) => () => (m ??= __importStar(require(${id}))))() });`,
        );
      return { contents: plainHelpText(args.path, lazy === source ? source : header + lazy), loader: 'js' };
    });
  },
};

// Modules of src/lib find package files (package.json, templates/) at '../../../' from themselves,
// as they sit in dist/lib/<concern>/; the bundle lives at that same depth so those URLs still hold.
const outdir = join(root, 'dist', 'bundle', 'cli');
/** What both builds share. Development-only paths of @oclif/core (ts-node, tsx, reading a tsconfig) stay unresolved. */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  external: ['typescript', 'ts-node', 'tsx', 'pnpapi'],
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
};

// @oclif/core as one CommonJS file. CommonJS because Node 20 can keep V8's code cache only of scripts
// (bin/code-cache.js), and its ESM loader costs a start 30-40 ms before any code runs.
const core = await build({
  stdin: { contents: "module.exports = require('@oclif/core');", resolveDir: root, loader: 'js' },
  outfile: join(outdir, 'oclif.cjs'),
  format: 'cjs',
  ...common,
  plugins: [
    lazyOclifRequires,
    {
      // oclif names the platform on every start (`wsl` or the OS's) from wsl-utils, which at load
      // requires child_process (with net and dgram) and runs its own checks, for PowerShell helpers
      // oclif calls only on Windows (cpu-prof: 7-17 ms of a profiled --version). The same answer from
      // is-wsl, which wsl-utils re-exports; wsl-utils itself only for the PowerShell path.
      name: 'wsl-platform-only',
      setup(build) {
        build.onResolve({ filter: /^wsl-utils$/ }, (args) =>
          /[\\/]@oclif[\\/]core[\\/]lib[\\/]util[\\/]os\.js$/.test(args.importer)
            ? { path: 'wsl-utils', namespace: 'wsl-platform-only' }
            : undefined,
        );
        build.onLoad({ filter: /.*/, namespace: 'wsl-platform-only' }, () => ({
          contents:
            "export { default as isWsl } from 'is-wsl';\n" +
            "export const powerShellPath = async () => (await import('wsl-utils')).powerShellPath();\n",
          resolveDir: join(root, 'node_modules', 'wsl-utils'),
          loader: 'js',
        }));
      },
    },
  ],
});
// oclif loads ESM with import() (lilconfig, a command file of a plugin). A script compiled by node:vm,
// as bin/code-cache.js compiles this file, cannot import() on Node 20 without --experimental-vm-modules:
// it passes in an import of its own, and a plain require (Node 22, or the cache turned off) imports as before.
const coreFile = join(outdir, 'oclif.cjs');
const coreSource = readFileSync(coreFile, 'utf8');
if (!coreSource.includes('await import('))
  throw new Error("@oclif/core's bundle has no import() left to route: check scripts/bundle.js");
writeFileSync(
  coreFile,
  'var __ecspocImport = typeof __ecspocImportModule === "function" ? __ecspocImportModule : (id) => import(id);\n' +
    coreSource.replaceAll('await import(', 'await __ecspocImport('),
);

const result = await build({
  entryPoints: { commands: 'entry:commands', hooks: 'entry:hooks' },
  outdir,
  chunkNames: '[name]-[hash]',
  splitting: true,
  format: 'esm',
  ...common,
  // Written as CommonJS below.
  write: false,
  plugins: [
    {
      // The commands (and the bundled oclif plugins) use the one @oclif/core that bin/run.js loaded.
      name: 'oclif-core-cjs',
      setup(build) {
        build.onResolve({ filter: /^@oclif\/core$/ }, () => ({
          path: '@oclif/core',
          namespace: 'oclif-core-cjs',
        }));
        build.onResolve({ filter: /^\.\/oclif\.cjs$/ }, () => ({ path: './oclif.cjs', external: true }));
        build.onLoad({ filter: /.*/, namespace: 'oclif-core-cjs' }, () => ({
          contents: "module.exports = require('./oclif.cjs');",
          loader: 'js',
        }));
      },
    },
    {
      // Each AWS SDK client keeps the schemas of all its operations in one module (EC2's: 1.3 MB), as
      // `export var X$ = [3, n0, _X, 0, [...], [[() => Y$, { [_xN]: _y }]]]`. The computed keys make
      // esbuild treat every statement as having side effects, so none is shaken off and `bastion status`
      // parsed all of EC2's. The keys are module constants holding strings (`const _xN = "xmlName";`):
      // writing the strings in their place changes nothing at run time and lets unused schemas go.
      name: 'shakeable-sdk-schemas',
      setup(build) {
        build.onLoad(
          { filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
          async (args) => {
            const source = await readFile(args.path, 'utf8');
            const strings = new Map(
              [...source.matchAll(/^const (_\w+) = ("[^"\\]*");$/gm)].map((m) => [m[1], m[2]]),
            );
            return {
              contents: source.replace(/\[(_\w+)\]:/g, (key, name) =>
                strings.has(name) ? `${strings.get(name)}:` : key,
              ),
              loader: 'js',
            };
          },
        );
      },
    },
    {
      // A CommonJS package loaded by `await import()` becomes a chunk with a default export only, so
      // `const { parse } = await import('yaml')` would find nothing: re-export yaml's names from ESM.
      name: 'cjs-named-exports',
      setup(build) {
        build.onResolve({ filter: /^yaml$/ }, (args) =>
          args.kind === 'dynamic-import' ? { path: 'yaml', namespace: 'cjs-named' } : undefined,
        );
        build.onLoad({ filter: /.*/, namespace: 'cjs-named' }, () => ({
          contents:
            "import yaml from 'yaml';\nexport const { parse, stringify, parseDocument, parseAllDocuments } = yaml;\nexport default yaml;",
          resolveDir: root,
          loader: 'js',
        }));
      },
    },
    {
      name: 'entries',
      setup(build) {
        build.onResolve({ filter: /^entry:/ }, (args) => ({ path: args.path, namespace: 'entry' }));
        const entries = {
          'entry:commands': commandsSource,
          // package.json's oclif.hooks names these (@oclif/plugin-not-found's "did you mean", bundled).
          'entry:hooks': "export { default as NOT_FOUND } from '@oclif/plugin-not-found';",
        };
        build.onLoad({ filter: /.*/, namespace: 'entry' }, (args) => ({
          contents: entries[args.path],
          resolveDir: root,
          loader: 'js',
        }));
      },
    },
  ],
});

// Each file of the split ESM build becomes a CommonJS file of the same name, its imports require()s
// (a dynamic import() a require in a promise): Node 20 keeps V8's code cache only of scripts, and its
// ESM loader read, compiled and linked each chunk anew on every run (70 ms of `bastion status` before
// its first AWS call). import.meta.url becomes the file's own URL; no chunk has a top-level await.
const files = ['oclif.cjs'];
const contents = createHash('sha1').update(readFileSync(coreFile));
for (const file of result.outputFiles) {
  if (!file.path.endsWith('.js')) continue;
  const cjs = await transform(file.text, {
    format: 'cjs',
    target: 'node20',
    platform: 'node',
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__ecspocImportMetaUrl' },
    banner: file.text.includes('import.meta.url')
      ? 'var __ecspocImportMetaUrl = require("node:url").pathToFileURL(__filename).href;'
      : '',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  writeFileSync(file.path, cjs.code);
  files.push(relative(outdir, file.path));
  contents.update(cjs.code);
}
// The directory is CommonJS whatever the package's type. code-cache.json names the files bin/code-cache.js
// keeps a code cache of, and the build by a hash of their contents: V8 matches a cache to its source by
// length only, so each build's caches are its own.
writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
const buildId = contents.digest('hex').slice(0, 16);
writeFileSync(join(outdir, 'code-cache.json'), JSON.stringify({ build: buildId, files }));

writeFileSync(
  join(root, 'dist', 'bundle-meta.json'),
  JSON.stringify({
    inputs: { ...core.metafile.inputs, ...result.metafile.inputs },
    outputs: { ...core.metafile.outputs, ...result.metafile.outputs },
  }),
);
