// `vigil maintenance start|stop`: targets stay checked and recorded, but no action fires; the time
// is recorded as a maintenance period and left out of availability.
import { Command } from '../commander.js';
import { parseDuration } from '../../config/duration-text.js';
import { examples } from '../config-option.js';
import { addDaemonOptions, reportFailure, type DaemonOptions } from '../daemon-client.js';
import { addSelectorOptions, type SelectorOptions } from '../target-selector.js';
import { applyChange } from './disable.js';

interface MaintenanceOptions extends DaemonOptions, SelectorOptions {
  for?: string;
  reason?: string;
  json?: boolean;
}

function startCommand(): Command {
  const command = new Command('start').description('put targets in maintenance').argument('[targets...]', 'SERVICE or SERVICE/HOST');
  addSelectorOptions(command)
    .option('--for <duration>', 'end it by itself after this long, e.g. 2h')
    .option('-r, --reason <text>', 'why, kept with the maintenance period');
  return addDaemonOptions(command)
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['vigil maintenance start web-http --for 2h --reason "kernel upgrade"', 'vigil maintenance start --host 10.0.0.12']))
    .action(async (targets: string[], options: MaintenanceOptions) => {
      const forMs = options.for === undefined ? undefined : parseDuration(options.for);
      if (options.for !== undefined && !forMs) return reportFailure('maintenance start', new Error(`--for: expected a duration such as 30m or 2h, got ${options.for}`));
      await applyChange('maintenance start', targets, options, '/maintenance', { action: 'start', ...(forMs ? { forMs } : {}), ...(options.reason ? { reason: options.reason } : {}) }, {
        changed: 'in maintenance',
        unchanged: 'unchanged',
      });
    });
}

function stopCommand(): Command {
  const command = new Command('stop').description('end maintenance').argument('[targets...]', 'SERVICE or SERVICE/HOST');
  addSelectorOptions(command);
  return addDaemonOptions(command)
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['vigil maintenance stop web-http', 'vigil maintenance stop --host 10.0.0.12']))
    .action(async (targets: string[], options: MaintenanceOptions) => {
      await applyChange('maintenance stop', targets, options, '/maintenance', { action: 'stop' }, { changed: 'maintenance ended', unchanged: 'not in maintenance' });
    });
}

export function maintenanceCommand(): Command {
  return new Command('maintenance')
    .description('start or stop maintenance on the running daemon: checks and history go on, actions do not fire')
    .addCommand(startCommand())
    .addCommand(stopCommand())
    .addHelpText('after', examples(['vigil maintenance start web-http/web2 --for 1h --reason "disk swap"', 'vigil maintenance stop web-http/web2']));
}
