// A password for a check or an alert: from an environment variable or a file, so it can stay out
// of a config file that many people read. Read when used, so a changed file needs no reload.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeError } from '../describe-error.js';
import { pathOption } from './option-schemas.js';

export const passwordOptionsShape = {
  password_env: z.string().min(1).optional().describe('Environment variable holding the password'),
  password_file: pathOption('File holding the password (one line)').optional(),
};

export interface PasswordOptions {
  /** Written in the config itself (only where a plugin offers it). */
  password?: string;
  password_env?: string;
  password_file?: string;
}

/** Why these options do not name one password source, if they name several. */
export function passwordSourcesProblem(opts: PasswordOptions): string | undefined {
  const given = (['password', 'password_env', 'password_file'] as const).filter((key) => opts[key] !== undefined);
  return given.length > 1 ? `give one of ${given.join(', ')}, not ${given.length === 2 ? 'both' : 'several'}` : undefined;
}

/** The password the options name, or undefined for none; throws, naming the source, when it cannot be read. */
export function readPassword(opts: PasswordOptions): string | undefined {
  if (opts.password !== undefined) return opts.password;
  if (opts.password_env) {
    const value = process.env[opts.password_env];
    if (value === undefined) throw new Error(`password_env: environment variable ${opts.password_env} is not set`);
    return value;
  }
  if (opts.password_file) {
    try {
      return readFileSync(opts.password_file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new Error(`password_file ${opts.password_file}: ${describeError(err)}`);
    }
  }
  return undefined;
}
