#!/usr/bin/env node
// The AWS SDK warns about Node 20 on every start; users must never see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Node 22+ keeps compiled code between runs (a third off start-up); Node 20 has no such cache.
const { default: nodeModule } = await import('node:module');
nodeModule.enableCompileCache?.();

// The single-file build (scripts/bundle.js): @oclif/core in one module instead of 166.
const { execute } = await import('../dist/bundle/cli/oclif.js');
await execute({ dir: import.meta.url });
