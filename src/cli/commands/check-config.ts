import { Command } from '../commander.js';
import { ConfigError, formatIssue } from '../../config/config-error.js';
import { loadConfig } from '../../config/load-config.js';
import { describeError } from '../../describe-error.js';
import { buildPlan } from '../../plan.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import { configOption, examples } from '../config-option.js';

export function checkConfigCommand(): Command {
  return new Command('check-config')
    .description('validate a config file: exit 0 when valid, else print every error and exit 1')
    .addOption(configOption())
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `${examples(['vigil check-config -c /etc/vigil/vigil.yaml', 'vigil check-config -c new.yaml && systemctl reload vigil'])}
TypeScript plugins in plugin_dirs are type-checked too: a type error is a warning on stderr
(file:line:column); the config is still OK, since the plugin runs as written.
A secret written in the config (a password, a RADIUS secret) is a warning too, with its file,
line and key: <key>_file or <key>_env keep it out of the config.
`,
    )
    .action(async (options: { config: string; json?: boolean }) => {
      try {
        const loaded = await loadConfig(options.config);
        const plan = buildPlan(loaded);
        const summary = { services: plan.services.size, targets: plan.targets.size, alerts: plan.alerts.size };
        const warnings = [...loaded.warnings.map(formatIssue), ...(await pluginTypeWarnings(loaded.registry))];
        if (options.json) console.log(JSON.stringify({ ok: true, file: plan.file, ...summary, ...(warnings.length ? { warnings } : {}) }));
        else {
          for (const warning of warnings) console.error(`warning: ${warning}`);
          console.log(`${plan.file}: OK (${summary.services} service(s), ${summary.targets} target(s), ${summary.alerts} alert(s))`);
        }
      } catch (err) {
        const issues = err instanceof ConfigError ? err.issues : [{ file: options.config, path: [], message: describeError(err) }];
        if (options.json) console.log(JSON.stringify({ ok: false, issues }));
        else {
          for (const issue of issues) console.error(formatIssue(issue));
          console.error(`${issues.length} error(s)`);
        }
        process.exitCode = 1;
      }
    });
}

/** Type errors in the config's TypeScript plugins: warnings, since the plugin runs as written. */
async function pluginTypeWarnings(registry: PluginRegistry): Promise<string[]> {
  const files = [...new Set([...registry.checks.values(), ...registry.alerts.values()].filter((entry) => !entry.builtin && /\.m?ts$/.test(entry.source)).map((entry) => entry.source))];
  if (!files.length) return [];
  const { typeCheckPlugins } = await import('../../plugins/type-check-plugins.js'); // typescript loads only when needed
  const result = typeCheckPlugins(files);
  if ('unavailable' in result) return [`TypeScript plugins not type-checked: ${result.unavailable}`];
  return result.problems.map((problem) => `${problem.file}:${problem.line}:${problem.column}: ${problem.message} (a type error; the plugin runs as written)`);
}
