import { writeFileSync } from 'node:fs';
import { Command } from '../commander.js';
import { configJsonSchema } from '../../config/json-schema.js';
import { loadBuiltinPlugins } from '../../plugins/load-plugins.js';
import { examples } from '../config-option.js';
import { quietOnClosedPipe } from '../format.js';

export function schemaCommand(): Command {
  return new Command('schema')
    .description('print the JSON Schema of the config (built-in checks and alerts included) for editor completion')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText('after', examples(['vigil schema -o config/vigil.schema.json', '# then, first line of a config:  # yaml-language-server: $schema=./vigil.schema.json']))
    .action(async (options: { output?: string }) => {
      const text = `${JSON.stringify(configJsonSchema(await loadBuiltinPlugins()), null, 2)}\n`;
      if (options.output) writeFileSync(options.output, text);
      else {
        quietOnClosedPipe();
        process.stdout.write(text);
      }
    });
}
