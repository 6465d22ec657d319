// `vigil ack`: acknowledge a current outage with a comment — no more repeat alerts for it; the
// acknowledgement is written on the outage in history and ends when the target is UP again.
import { Command } from '../commander.js';
import os from 'node:os';
import { API_PREFIX, type AckAnswer } from '../../control/control-api.js';
import { examples } from '../config-option.js';
import { addDaemonOptions, askDaemon, expectOk, reportFailure, type DaemonOptions } from '../daemon-client.js';
import { addSelectorOptions, selectorsFrom, type SelectorOptions } from '../target-selector.js';

interface AckOptions extends DaemonOptions, SelectorOptions {
  comment: string;
  outage?: string;
  by?: string;
  json?: boolean;
}

/** Who is acknowledging: the person behind sudo when there is one. */
function operator(): string {
  return process.env.SUDO_USER || os.userInfo().username;
}

export function ackCommand(): Command {
  const command = new Command('ack').description('acknowledge a current outage with a comment: no more repeat alerts for it').argument('[targets...]', 'SERVICE or SERVICE/HOST');
  addSelectorOptions(command)
    .requiredOption('-m, --comment <text>', 'what is being done about it')
    .option('--outage <id>', 'the outage number (from vigil history --open) instead of naming the target')
    .option('--by <name>', 'who acknowledges (default: your user name)');
  return addDaemonOptions(command)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      examples(['vigil ack web-http/web2 -m "disk replaced, back by 14:00"', 'vigil ack --outage 1234 -m "known, vendor ticket 5521"', 'vigil ack --host 10.0.0.12 -m "rack power"']),
    )
    .action(async (targets: string[], options: AckOptions) => {
      try {
        const common = { comment: options.comment, by: options.by ?? operator() };
        const answers: AckAnswer[] = [];
        if (options.outage !== undefined) {
          const outage = Number(options.outage.replace(/^#/, ''));
          if (!Number.isInteger(outage)) throw new Error(`--outage: expected an outage number, got ${options.outage}`);
          answers.push(expectOk(await askDaemon<AckAnswer>(options, 'POST', `${API_PREFIX}/ack`, { ...common, outage })));
        } else {
          for (const selector of selectorsFrom(targets, options)) {
            answers.push(expectOk(await askDaemon<AckAnswer>(options, 'POST', `${API_PREFIX}/ack`, { ...common, ...selector })));
          }
        }
        const acknowledged = answers.flatMap((a) => a.acknowledged);
        const notDown = answers.flatMap((a) => a.notDown);
        if (options.json) {
          console.log(JSON.stringify({ acknowledged, notDown }, null, 2));
          return;
        }
        for (const { target, outageId, replaced } of acknowledged) {
          const instead = replaced ? `, replacing the acknowledgement by ${replaced.by ?? 'someone'}: ${JSON.stringify(replaced.comment)}` : '';
          console.log(`acknowledged ${target}${outageId !== undefined ? ` (outage #${outageId})` : ''}${instead}`);
        }
        if (notDown.length) console.log(`not down, nothing to acknowledge: ${notDown.join(', ')}`);
      } catch (err) {
        reportFailure('ack', err);
      }
    });
}
