// `vigil disable` / `vigil enable`: stop and resume checking targets on the running daemon (mon's
// disable/enable). The daemon keeps the flag across restarts.
import { Command } from '../commander.js';
import { API_PREFIX, type ChangeAnswer } from '../../control/control-api.js';
import { examples } from '../config-option.js';
import { addDaemonOptions, askDaemon, expectOk, reportFailure, type DaemonOptions } from '../daemon-client.js';
import { addSelectorOptions, selectorsFrom, type SelectorOptions } from '../target-selector.js';

interface DisableOptions extends DaemonOptions, SelectorOptions {
  reason?: string;
  json?: boolean;
}

/** Sends one change command per selector and prints what changed. */
export async function applyChange(
  name: string,
  targets: string[],
  options: DaemonOptions & SelectorOptions & { json?: boolean },
  path: string,
  extra: Record<string, unknown>,
  words: { changed: string; unchanged: string },
): Promise<void> {
  try {
    const answers: ChangeAnswer[] = [];
    for (const selector of selectorsFrom(targets, options)) {
      answers.push(expectOk(await askDaemon<ChangeAnswer>(options, 'POST', `${API_PREFIX}${path}`, { ...selector, ...extra })));
    }
    const matched = answers.flatMap((a) => a.matched);
    const changed = answers.flatMap((a) => a.changed);
    if (options.json) {
      console.log(JSON.stringify({ matched, changed }, null, 2));
      return;
    }
    const unchanged = matched.filter((id) => !changed.includes(id));
    if (changed.length) console.log(`${words.changed}: ${changed.join(', ')}`);
    if (unchanged.length) console.log(`${words.unchanged}: ${unchanged.join(', ')}`);
  } catch (err) {
    reportFailure(name, err);
  }
}

function command(name: 'disable' | 'enable'): Command {
  const disabling = name === 'disable';
  const result = new Command(name)
    .description(disabling ? "stop checking targets on the running daemon (mon's disable); kept across restarts" : 'check disabled targets again')
    .argument('[targets...]', 'SERVICE or SERVICE/HOST');
  addSelectorOptions(result);
  if (disabling) result.option('-r, --reason <text>', 'why, shown by vigil status');
  addDaemonOptions(result)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      examples(
        disabling
          ? [
              'vigil disable web-http/web2 --reason "disk swap"   # one target',
              'vigil disable --host 10.0.0.12                       # a host in every service (mon: disable host)',
              'vigil disable web-http                               # every host of a service (mon: disable service)',
              'vigil disable --group web                            # every service on a host group (mon: disable watch)',
            ]
          : ['vigil enable web-http/web2', 'vigil enable --host 10.0.0.12'],
      ),
    )
    .action(async (targets: string[], options: DisableOptions) => {
      await applyChange(name, targets, options, `/${name}`, disabling && options.reason ? { reason: options.reason } : {}, {
        changed: disabling ? 'disabled' : 'enabled',
        unchanged: disabling ? 'already disabled' : 'already enabled',
      });
    });
  return result;
}

export const disableCommand = () => command('disable');
export const enableCommand = () => command('enable');
