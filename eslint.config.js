import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// A dynamic import of an AWS SDK package keeps all of its operations in the build (the bundler cannot
// see which names are used): load the service's module under src/lib/aws/sdk/ instead.
const SDK_IMPORT_EXPRESSION = {
  selector: String.raw`ImportExpression[source.value=/^@aws-sdk\//]`,
  message: "Load an AWS SDK client through src/lib/aws/sdk/<service>.js, not import('@aws-sdk/...').",
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'tmp/', 'oclif.manifest.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The engine (src/lib) knows AWS and the domain, not the terminal: no oclif, listr2 or inquirer,
  // nothing from the shell (commands, flows) or the renderers, and no console.
  {
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@oclif/*'], message: 'src/lib is the engine: oclif belongs to src/commands.' },
            { group: ['listr2'], message: 'src/lib reports events; src/ui draws them.' },
            { group: ['@inquirer/*'], message: 'src/lib never asks: prompts live in src/ui/prompt.ts.' },
            {
              group: ['**/ui', '**/ui/*', '**/flows', '**/flows/*', '**/commands', '**/commands/*'],
              message:
                'src/lib may not import the shell (src/commands, src/flows) or the renderers (src/ui).',
            },
          ],
        },
      ],
      // no-restricted-imports does not see import(): the same boundary for lazily loaded modules.
      'no-restricted-syntax': [
        'error',
        {
          selector: String.raw`ImportExpression[source.value=/^(@oclif\/|listr2|@inquirer\/)|\/(ui|flows|commands)\//]`,
          message: 'src/lib may not load oclif, listr2, inquirer, src/ui, src/flows or src/commands.',
        },
        SDK_IMPORT_EXPRESSION,
      ],
    },
  },
  {
    files: ['src/*.ts', 'src/commands/**/*.ts', 'src/flows/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', SDK_IMPORT_EXPRESSION] },
  },
  // Renderers only draw: the conversation (plan, ask, execute, report, Ctrl-C, exit codes) is a flow's.
  {
    files: ['src/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/flows', '**/flows/*', '**/commands', '**/commands/*'],
              message: 'src/ui only renders: it may not import src/flows or src/commands.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'exit',
          message: 'src/ui never ends the process: return an outcome from a flow.',
        },
        {
          object: 'process',
          property: 'exitCode',
          message: "Exit codes are the base command's, from a flow outcome.",
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "Literal[value='SIGINT']",
          message: 'Ctrl-C is handled once, by src/flows/interrupt.ts.',
        },
        {
          selector: String.raw`ImportExpression[source.value=/\/(flows|commands)\//]`,
          message: 'src/ui only renders: it may not load src/flows or src/commands.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  // bin/ is CommonJS (bin/package.json): Node 20 keeps V8's code cache only of scripts.
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
