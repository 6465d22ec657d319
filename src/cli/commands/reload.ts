// `vigil reload`: the daemon re-reads its config (as SIGHUP does) and says what changed, or why
// the new config was rejected (the running one stays).
import { Command } from '../commander.js';
import { API_PREFIX, type ReloadAnswer } from '../../control/control-api.js';
import { examples } from '../config-option.js';
import { addDaemonOptions, askDaemon, reportFailure, type DaemonOptions } from '../daemon-client.js';

export function reloadCommand(): Command {
  return addDaemonOptions(new Command('reload').description('make the running daemon re-read its config (like SIGHUP), and show the result'))
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['vigil reload', 'vigil check-config -c /etc/vigil/vigil.yaml && vigil reload']))
    .action(async (options: DaemonOptions & { json?: boolean }) => {
      try {
        const reply = await askDaemon<ReloadAnswer | { error: string }>(options, 'POST', `${API_PREFIX}/reload`, {}, 120_000);
        if ('error' in reply.body) throw new Error(reply.body.error);
        const answer = reply.body;
        if (options.json) console.log(JSON.stringify(answer, null, 2));
        else if (answer.ok) console.log(answer.changes.length ? `reloaded:\n${answer.changes.map((line) => `  ${line}`).join('\n')}` : 'reloaded: no changes');
        else console.error(`reload rejected, the running configuration stays:\n${answer.errors.map((line) => `  ${line}`).join('\n')}`);
        if (!options.json && answer.restartNeeded?.length) {
          console.log(`needs a restart to take effect:\n${answer.restartNeeded.map((line) => `  ${line}`).join('\n')}`);
        }
        if (!options.json) for (const warning of answer.warnings ?? []) console.error(`warning: ${warning}`);
        if (!answer.ok) process.exitCode = 1;
      } catch (err) {
        reportFailure('reload', err);
      }
    });
}
