// Secrets written in the config file itself: allowed (what `vigil import` writes from ldirectord's
// passwd= and secret=), but a config file is read by more people, backups and editors than a file
// only the daemon's user can read, so `vigil check-config` warns about each one. A secret option
// is known by its siblings: a plugin that offers `<key>_env` and `<key>_file` (secretOptionsShape
// from vigil/plugin) makes a plain `<key>` the secret written inline.
import { z } from 'zod';
import type { RawIssue } from './zod-issues.js';

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The schema inside optional / default / nullable wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** A warning for each secret written inline in `options` (as the config has them), at `where`. */
export function inlineSecrets(schema: z.ZodType, options: unknown, where: (string | number)[]): RawIssue[] {
  const inner = unwrap(schema);
  if (!(inner instanceof z.ZodObject) || !isObject(options)) return [];
  const shape = inner.shape as Record<string, z.ZodType>;
  return Object.entries(shape).flatMap(([key, field]) => {
    if (options[key] === undefined) return [];
    if (`${key}_env` in shape && `${key}_file` in shape) {
      return [
        {
          path: [...where, key],
          message: `a secret written in the config file, where everyone who can read the file can read it: put it in a file only the daemon's user can read (${key}_file) or in the daemon's environment (${key}_env)`,
          atKey: true,
        },
      ];
    }
    return inlineSecrets(field, options[key], [...where, key]);
  });
}
