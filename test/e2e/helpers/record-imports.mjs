// Preloaded with `node --import`: appends every module URL the process resolves to the file named
// by ECSPOC_RECORD_IMPORTS, so a test can prove what start-up loads.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(process.env.ECSPOC_RECORD_IMPORTS)}, result.url + '\\n');
  return result;
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));
