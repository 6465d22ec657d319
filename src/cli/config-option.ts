// The `-c/--config` option every command that reads a config shares.
import { Option } from './commander.js';

export const DEFAULT_CONFIG = process.env.VIGIL_CONFIG ?? '/etc/vigil/vigil.yaml';

export function configOption(): Option {
  return new Option('-c, --config <file>', 'config file (env VIGIL_CONFIG)').default(DEFAULT_CONFIG);
}

/** Commander help text: an "Examples:" block after the options. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
