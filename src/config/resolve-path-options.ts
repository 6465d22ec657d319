// Relative paths in plugin options (those declared with pathOption or commandOption) are taken
// from the config file's directory, like history.path: the daemon's working directory is / under
// systemd.
import path from 'node:path';
import { z } from 'zod';
import { pathOptionSchemas } from '../check-kit/option-schemas.js';

/** The schema inside optional / default / nullable wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** Makes the path options in `value` (parsed by `schema`) absolute, in place; returns `value`. */
export function resolvePathOptions<T>(schema: z.ZodType, value: T, baseDir: string): T {
  const inner = unwrap(schema);
  if (typeof value === 'string') {
    const kind = pathOptionSchemas.get(inner);
    const resolve = kind !== undefined && !(kind.command && !value.includes('/')); // a bare command name is for PATH
    return (resolve ? path.resolve(baseDir, value) : value) as T;
  }
  if (inner instanceof z.ZodObject && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const [key, field] of Object.entries(inner.shape)) {
      if (record[key] !== undefined) record[key] = resolvePathOptions(field as z.ZodType, record[key], baseDir);
    }
  }
  return value;
}
