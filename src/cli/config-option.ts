// The `-c/--config` option every command that reads a config shares.
import { Option, type Command } from './commander.js';

// An empty VIGIL_CONFIG (`VIGIL_CONFIG= vigil status`) is as good as unset.
export const DEFAULT_CONFIG = process.env.VIGIL_CONFIG || '/etc/vigil/vigil.yaml';

export function configOption(): Option {
  return new Option('-c, --config <file>', 'config file (env VIGIL_CONFIG)').default(DEFAULT_CONFIG);
}

/**
 * Lets a command with subcommands (`maintenance`, `alerts`) take `-c FILE` before the subcommand
 * too (`vigil maintenance -c FILE start …`), handing it to the subcommand that runs.
 */
export function passConfigDown(parent: Command): Command {
  return parent.option('-c, --config <file>', 'config file (env VIGIL_CONFIG)').hook('preAction', (self, action) => {
    const config = self.opts().config as string | undefined;
    if (config !== undefined && action !== self) action.setOptionValue('config', config);
  });
}

/** Commander help text: an "Examples:" block after the options. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
