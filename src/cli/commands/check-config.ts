import { Command } from '../commander.js';
import { ConfigError, formatIssue } from '../../config/config-error.js';
import { loadConfig } from '../../config/load-config.js';
import { describeError } from '../../describe-error.js';
import { buildPlan } from '../../plan.js';
import { configOption, examples } from '../config-option.js';

export function checkConfigCommand(): Command {
  return new Command('check-config')
    .description('validate a config file: exit 0 when valid, else print every error and exit 1')
    .addOption(configOption())
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['vigil check-config -c /etc/vigil/vigil.yaml', 'vigil check-config -c new.yaml && systemctl reload vigil']))
    .action(async (options: { config: string; json?: boolean }) => {
      try {
        const plan = buildPlan(await loadConfig(options.config));
        const summary = { services: plan.services.size, targets: plan.targets.size, alerts: plan.alerts.size };
        if (options.json) console.log(JSON.stringify({ ok: true, file: plan.file, ...summary }));
        else console.log(`${plan.file}: OK (${summary.services} service(s), ${summary.targets} target(s), ${summary.alerts} alert(s))`);
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
