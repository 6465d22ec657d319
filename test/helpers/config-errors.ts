// Loads a config that must be rejected and returns its errors as the CLI prints them.
import { expect } from 'vitest';
import { ConfigError, formatIssue } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';

export async function configErrors(file: string): Promise<string[]> {
  try {
    await loadConfig(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map(formatIssue);
  }
  throw new Error('expected the config to be rejected');
}
