// Secrets written in the config file itself: allowed (what `vigil import` writes from ldirectord's
// passwd= and secret=), but a config file is read by more people, backups and editors than a file
// only the daemon's user can read, so `vigil check-config` and the daemon warn about each one. A
// secret option is known by its siblings: a plugin that offers `<key>_env` and `<key>_file`
// (secretOptionsShape from vigil/plugin) makes a plain `<key>` the secret written inline. An option
// that holds secrets only in part (a header map, a URL) is marked by its plugin with holdsSecrets,
// and is judged by what its finders find even when `<key>_env` and `<key>_file` stand beside it.
import { z } from 'zod';
import { secretFindersOf, type InlineSecret, type SecretFinder } from '../check-kit/secrets-in-options.js';
import type { RawIssue } from './zod-issues.js';
import { isObject } from '../is-object.js';

/** The schemas from `schema` inward through optional / default / nullable wrappers. */
function layers(schema: z.ZodType): z.ZodType[] {
  const found = [schema];
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
    found.push(current);
  }
  return found;
}

function warning(where: (string | number)[], secret: InlineSecret): RawIssue {
  return {
    path: [...where, ...secret.path],
    message: `${secret.what ?? 'a secret'} written in the config file, where everyone who can read the file can read it: ${secret.instead}`,
    atKey: true,
  };
}

const besideItsSources = (key: string): InlineSecret => ({
  path: [],
  instead: `put it in a file only the daemon's user can read (${key}_file) or in the daemon's environment (${key}_env)`,
});

/** A warning for each secret written inline in `options` (as the config has them), at `where`. */
export function inlineSecrets(schema: z.ZodType, options: unknown, where: (string | number)[]): RawIssue[] {
  const wrappers = layers(schema);
  const finders: SecretFinder[] = wrappers.flatMap(secretFindersOf);
  if (finders.length) return finders.flatMap((find) => find(options)).map((secret) => warning(where, secret));
  const inner = wrappers.at(-1)!;
  if (!(inner instanceof z.ZodObject) || !isObject(options)) return [];
  const shape = inner.shape as Record<string, z.ZodType>;
  return Object.entries(shape).flatMap(([key, field]) => {
    if (options[key] === undefined) return [];
    // A `<key>` with finders of its own (a webhook's url beside url_env and url_file) is a secret
    // only where they find one: a URL is not always a secret, a password always is.
    const judgedInPart = layers(field).some((layer) => secretFindersOf(layer).length > 0);
    if (`${key}_env` in shape && `${key}_file` in shape && !judgedInPart) return [warning([...where, key], besideItsSources(key))];
    return inlineSecrets(field, options[key], [...where, key]);
  });
}
