// The `vigil` command line.
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { alertsCommand } from './commands/alerts.js';
import { checkConfigCommand } from './commands/check-config.js';
import { demoCommand } from './commands/demo.js';
import { historyCommand } from './commands/history.js';
import { actionsCommand, vrrpCommand } from './commands/lvs-log.js';
import { trackCommand } from './commands/track.js';
import { vrrpNotifyCommand } from './commands/vrrp-notify.js';
import { probeCommand } from './commands/probe.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { examples } from './config-option.js';

const program = new Command('vigil')
  .description('health checks and failover for Linux Virtual Server directors')
  .version(VERSION)
  .addCommand(runCommand())
  .addCommand(checkConfigCommand())
  .addCommand(probeCommand())
  .addCommand(historyCommand())
  .addCommand(alertsCommand())
  .addCommand(trackCommand())
  .addCommand(vrrpNotifyCommand())
  .addCommand(vrrpCommand())
  .addCommand(actionsCommand())
  .addCommand(demoCommand())
  .addCommand(schemaCommand())
  .addHelpText(
    'after',
    examples([
      'vigil demo                                   # see it work on local servers',
      'vigil check-config -c /etc/vigil/vigil.yaml',
      'vigil run -c /etc/vigil/vigil.yaml',
      'vigil probe http://127.0.0.1:8080/health',
      'vigil history --since 1d',
      'vigil alerts log --failed',
    ]),
  );

await program.parseAsync(process.argv);
