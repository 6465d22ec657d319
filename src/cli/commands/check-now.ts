// `vigil check-now`: run targets' checks at once on the running daemon and show the results.
import { Command } from '../commander.js';
import { API_PREFIX, type CheckNowAnswer } from '../../control/control-api.js';
import { examples } from '../config-option.js';
import { addDaemonOptions, askDaemon, expectOk, reportFailure, type DaemonOptions } from '../daemon-client.js';
import { formatLatency, table } from '../format.js';
import { addSelectorOptions, selectorsFrom, type SelectorOptions } from '../target-selector.js';

interface CheckNowOptions extends DaemonOptions, SelectorOptions {
  wait: boolean;
  json?: boolean;
}

export function checkNowCommand(): Command {
  const command = new Command('check-now').description('check targets now on the running daemon and print the results').argument('[targets...]', 'SERVICE or SERVICE/HOST');
  addSelectorOptions(command).option('--no-wait', 'return once the checks are scheduled');
  return addDaemonOptions(command)
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['vigil check-now web-http/web2', 'vigil check-now --group web', 'vigil check-now web-http --no-wait']))
    .action(async (targets: string[], options: CheckNowOptions) => {
      try {
        const answers: CheckNowAnswer[] = [];
        for (const selector of selectorsFrom(targets, options)) {
          answers.push(expectOk(await askDaemon<CheckNowAnswer>(options, 'POST', `${API_PREFIX}/check-now`, { ...selector, wait: options.wait }, 90_000)));
        }
        const answer: CheckNowAnswer = {
          scheduled: answers.flatMap((a) => a.scheduled),
          results: answers.flatMap((a) => a.results),
          pending: answers.flatMap((a) => a.pending),
        };
        if (!answer.scheduled.length) process.exitCode = 1; // with --json too: a script sees nothing was checked
        if (options.json) {
          console.log(JSON.stringify(answer, null, 2));
          return;
        }
        if (!answer.scheduled.length) {
          console.log('nothing was checked: the targets are disabled (vigil enable) or their service is');
          return;
        }
        if (!options.wait) {
          console.log(`scheduled: ${answer.scheduled.join(', ')}`);
          return;
        }
        if (answer.results.length) {
          console.log(
            table(
              ['TARGET', 'RESULT', 'STATE', 'LATENCY', 'MESSAGE'],
              answer.results.map((r) => [r.target, r.status, r.state.toUpperCase(), formatLatency(r.latencyMs), r.message ?? '']),
            ),
          );
        }
        if (answer.pending.length) console.log(`no result yet: ${answer.pending.join(', ')}`);
      } catch (err) {
        reportFailure('check-now', err);
      }
    });
}
