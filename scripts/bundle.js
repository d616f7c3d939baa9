#!/usr/bin/env node
// Builds the CLI as a few ESM files under dist/bundle/cli/ (run after `tsc`, which still emits dist/
// for the benches and the rig's stand-ins):
//   oclif.js     @oclif/core's `run`, `flush` and `handle`, what bin/run.js loads to answer --version and --help;
//   commands.js  every command class, exported as COMMANDS (oclif's "explicit" command strategy), the
//                commands of @oclif/plugin-help and @oclif/plugin-autocomplete among them;
//   hooks.js     the hooks package.json names (@oclif/plugin-not-found's command_not_found);
//   chunk-*.js   code shared between the two, and one chunk per dynamic import (each SDK client,
//                listr2, the prompts), so a command loads only the clients it uses.
// One file instead of @oclif/core's 166 saves most of start-up. The command list is generated from
// src/commands/, so a new command file needs no registration. A metafile (dist/bundle-meta.json, not
// packed) maps every output file to its inputs, so a test can prove what start-up loads.
import { build } from 'esbuild';
import { readdirSync, writeFileSync } from 'node:fs';
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

const result = await build({
  absWorkingDir: root,
  entryPoints: { oclif: 'entry:oclif', commands: 'entry:commands', hooks: 'entry:hooks' },
  outdir: join(root, 'dist', 'bundle', 'cli'),
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  // Development-only paths of @oclif/core (ts-node, tsx, reading a tsconfig) stay unresolved.
  external: ['typescript', 'ts-node', 'tsx', 'pnpapi'],
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // CommonJS modules in the bundle (@oclif/core among them) call require and read __dirname.
  banner: {
    js: [
      "import { createRequire as __ecspocCreateRequire } from 'node:module';",
      "import { fileURLToPath as __ecspocFileURLToPath } from 'node:url';",
      'const require = __ecspocCreateRequire(import.meta.url);',
      'const __filename = __ecspocFileURLToPath(import.meta.url);',
      "const __dirname = __ecspocFileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
  plugins: [
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
          'entry:oclif': "export { flush, handle, run } from '@oclif/core';",
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

// Modules of src/lib find package files (package.json, templates/) at '../../../' from themselves,
// as they sit in dist/lib/<concern>/; the bundle lives at that same depth so those URLs still hold.
writeFileSync(join(root, 'dist', 'bundle-meta.json'), JSON.stringify(result.metafile));
