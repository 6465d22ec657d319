// `vigil maintenance start|stop`: targets stay checked and recorded, but no action fires; the time
// is recorded as a maintenance period and left out of availability.
import { Command } from '../commander.js';
import { parseDuration } from '../../config/duration-text.js';
import { examples, passConfigDown } from '../config-option.js';
import { API_PREFIX, type ChangeAnswer } from '../../control/control-api.js';
import { addDaemonOptions, askDaemon, expectOk, reportFailure, type DaemonOptions } from '../daemon-client.js';
import { formatTime } from '../format.js';
import { addSelectorOptions, selectorsFrom, type SelectorOptions } from '../target-selector.js';
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
      try {
        const forMs = options.for === undefined ? undefined : parseDuration(options.for);
        if (options.for !== undefined && !forMs) throw new Error(`--for: expected a duration such as 30m or 2h, got ${options.for}`);
        const extra = { action: 'start', ...(forMs ? { forMs } : {}), ...(options.reason ? { reason: options.reason } : {}) };
        const answers: ChangeAnswer[] = [];
        for (const selector of selectorsFrom(targets, options)) answers.push(expectOk(await askDaemon<ChangeAnswer>(options, 'POST', `${API_PREFIX}/maintenance`, { ...selector, ...extra })));
        const matched = [...new Set(answers.flatMap((a) => a.matched))];
        const changed = new Set(answers.flatMap((a) => a.changed));
        const updated = new Set(answers.flatMap((a) => a.updated ?? []));
        const maintenance = Object.assign({}, ...answers.map((a) => a.maintenance ?? {})) as NonNullable<ChangeAnswer['maintenance']>;
        if (options.json) return void console.log(JSON.stringify({ matched, changed: [...changed], updated: [...updated], maintenance }, null, 2));
        const started = matched.filter((id) => changed.has(id) && !updated.has(id));
        if (started.length) console.log(`in maintenance: ${started.join(', ')}`);
        for (const id of matched.filter((id) => updated.has(id))) console.log(`maintenance of ${id} now${describeMaintenance(maintenance[id]) || ' open-ended'}`);
        for (const id of matched.filter((id) => !changed.has(id))) console.log(`already in maintenance: ${id}${describeMaintenance(maintenance[id])}`);
      } catch (err) {
        reportFailure('maintenance start', err);
      }
    });
}

/** ` until 2026-11-22 18:00:00 (kernel upgrade)`, or empty for an open-ended one without a reason. */
function describeMaintenance(maintenance: { until?: number; reason?: string } | undefined): string {
  return `${maintenance?.until !== undefined ? ` until ${formatTime(maintenance.until)}` : ''}${maintenance?.reason ? ` (${maintenance.reason})` : ''}`;
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
  return passConfigDown(new Command('maintenance'))
    .description('start or stop maintenance on the running daemon: checks and history go on, actions do not fire')
    .addCommand(startCommand())
    .addCommand(stopCommand())
    .addHelpText('after', examples(['vigil maintenance start web-http/web2 --for 1h --reason "disk swap"', 'vigil maintenance stop web-http/web2']));
}
