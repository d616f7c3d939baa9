// Preloaded with `node --import`: appends every module URL the process resolves to the file named
// by ECSPOC_RECORD_IMPORTS, so a test can prove what start-up loads. ESM imports are seen as they are
// resolved; CommonJS files (bin/run.js loads @oclif/core's bundle with require) from require's cache
// at exit.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const record = process.env.ECSPOC_RECORD_IMPORTS;
const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(record)}, result.url + '\\n');
  return result;
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));
const { cache } = createRequire(import.meta.url);
process.once('exit', () => {
  const files = Object.keys(cache).map((file) => pathToFileURL(file).href);
  appendFileSync(record, files.map((url) => url + '\n').join(''));
});
