// A password (or another secret: a RADIUS shared secret) for a check or an alert: from an
// environment variable or a file, so it can stay out of a config file that many people read. Read
// when used, so a changed file needs no reload. The helpers take the option's name (`password`,
// `secret`): its sources are then `<name>`, `<name>_env` and `<name>_file`.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeError } from '../describe-error.js';
import { pathOption } from './option-schemas.js';

/** The `<key>_env` and `<key>_file` options for a secret described as `what` ("password", "shared secret"). */
export function secretOptionsShape<K extends string>(key: K, what: string) {
  return {
    [`${key}_env`]: z.string().min(1).optional().describe(`Environment variable holding the ${what}`),
    [`${key}_file`]: pathOption(`File holding the ${what} (one line)`).optional(),
  } as { [P in `${K}_env` | `${K}_file`]: z.ZodOptional<z.ZodString> };
}

export const passwordOptionsShape = secretOptionsShape('password', 'password');

/** Where a secret comes from: written in the config itself (only where a plugin offers it), an environment variable, a file. */
export type SecretOptions<K extends string> = { [P in K | `${K}_env` | `${K}_file`]?: string };

export type PasswordOptions = SecretOptions<'password'>;

const sourcesOf = <K extends string>(key: K) => [key, `${key}_env`, `${key}_file`] as const;

/** Why these options do not name one source of the secret `key`, if they name several. */
export function secretSourcesProblem<K extends string>(opts: SecretOptions<K>, key: K): string | undefined {
  const given = sourcesOf(key).filter((source) => (opts as Record<string, unknown>)[source] !== undefined);
  return given.length > 1 ? `give one of ${given.join(', ')}, not ${given.length === 2 ? 'both' : 'several'}` : undefined;
}

/** Why these options do not name one password source, if they name several. */
export function passwordSourcesProblem(opts: PasswordOptions): string | undefined {
  return secretSourcesProblem(opts, 'password');
}

/** The secret `key` the options name, or undefined for none; throws, naming the source, when it cannot be read. */
export function readSecret<K extends string>(opts: SecretOptions<K>, key: K): string | undefined {
  const [inline, env, file] = sourcesOf(key).map((source) => (opts as Record<string, string | undefined>)[source]);
  if (inline !== undefined) return inline;
  if (env) {
    const value = process.env[env];
    if (value === undefined) throw new Error(`${key}_env: environment variable ${env} is not set`);
    return value;
  }
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new Error(`${key}_file ${file}: ${describeError(err)}`);
    }
  }
  return undefined;
}

/** The password the options name, or undefined for none; throws, naming the source, when it cannot be read. */
export function readPassword(opts: PasswordOptions): string | undefined {
  return readSecret(opts, 'password');
}
