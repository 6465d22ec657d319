// Module resolve hook: one stderr line per built-in imported by a vigil ES module.
import { isBuiltin } from 'node:module';

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (isBuiltin(specifier) && (parent.includes('/dist/') || parent.endsWith('/bin/vigil'))) {
    process.stderr.write(`builtin-import ${specifier.replace(/^node:/, '')} ${parent}\n`);
  }
  return next(specifier, context);
}
