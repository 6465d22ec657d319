// `vigil vrrp` and `vigil actions`: read back VRRP state changes and the actions plugins took.
import { Command } from '../commander.js';
import { describeError } from '../../describe-error.js';
import { queryActions, queryVrrp } from '../../history/lvs-query.js';
import { recordedVrrpNames } from '../../history/recorded-names.js';
import { configOption, examples } from '../config-option.js';
import { formatTime, printLine, table } from '../format.js';
import { openHistoryForReading } from '../history-database.js';
import { parseTimeArgument } from '../parse-time.js';
import { expectKnownName } from '../unknown-name.js';

interface Common {
  config: string;
  db?: string;
  since?: string;
  limit: string;
  utc?: boolean;
  json?: boolean;
}

function common(command: Command): Command {
  return command
    .addOption(configOption())
    .option('--db <file>', 'history database (default: history.path from the config)')
    .option('--since <time>', 'only since this time: 7d, 12h, 2026-11-01')
    .option('-n, --limit <count>', 'at most this many rows', '100')
    .option('--utc', 'print times in UTC')
    .option('--json', 'print JSON');
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit: expected a positive whole number, got ${text}`);
  return limit;
}

async function run(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    console.error(`vigil ${name}: ${describeError(err)}`);
    process.exitCode = 1;
  }
}

export function vrrpCommand(): Command {
  return common(new Command('vrrp').description('VRRP state changes recorded by vigil vrrp-notify, newest first'))
    .option('--node <name>', 'only this director')
    .option('--instance <name>', 'only this instance or group')
    .addHelpText('after', examples(['vigil vrrp --since 1d', 'vigil vrrp --node lb1 --json']))
    .action((options: Common & { node?: string; instance?: string }) =>
      run('vrrp', async () => {
        const db = await openHistoryForReading(options);
        const rows = queryVrrp(db, { since: options.since ? parseTimeArgument(options.since, Date.now()) : undefined, node: options.node, name: options.instance, limit: parseLimit(options.limit) });
        try {
          // A director or instance never recorded is a typo, not "no changes". The config does not
          // name them (keepalived does, and vrrp-notify records them): what was recorded is what is known.
          if (!rows.length && options.node !== undefined) expectKnownName({ one: 'node', many: 'nodes' }, options.node, { recorded: recordedVrrpNames(db, 'node') });
          if (!rows.length && options.instance !== undefined) expectKnownName({ one: 'VRRP instance or group', many: 'instances' }, options.instance, { recorded: recordedVrrpNames(db, 'name') });
        } finally {
          db.close();
        }
        if (options.json) return printLine(JSON.stringify(rows.map((row) => ({ ...row, at: new Date(row.at).toISOString() })), null, 2));
        if (!rows.length) return console.log('no VRRP state changes recorded');
        printLine(table(['TIME', 'NODE', 'KIND', 'NAME', 'STATE', 'PRIORITY'], rows.map((row) => [formatTime(row.at, options.utc), row.node, row.kind, row.name, row.state, row.priority === null ? '' : String(row.priority)])));
      }),
    );
}

/** The kinds the built-in plugins record; the help lists them. */
const ACTION_KINDS = ['command', 'drift', 'dry-run', 'hook', 'panic'];

export function actionsCommand(): Command {
  return common(new Command('actions').description('actions taken by alert plugins (ipvsadm commands, drift repaired, hooks), newest first'))
    .option('--kind <kind>', `only this kind: ${ACTION_KINDS.join(', ')}`)
    .option('--failed', 'only actions that failed')
    .addHelpText('after', examples(['vigil actions --since 1h', 'vigil actions --kind drift', 'vigil actions --failed --json']))
    .action((options: Common & { kind?: string; failed?: boolean }) =>
      run('actions', async () => {
        const db = await openHistoryForReading(options);
        const rows = queryActions(db, { since: options.since ? parseTimeArgument(options.since, Date.now()) : undefined, kind: options.kind, failedOnly: options.failed, limit: parseLimit(options.limit) });
        if (!rows.length && options.kind !== undefined && !ACTION_KINDS.includes(options.kind)) {
          // Plugins may record kinds of their own: an unknown one is a mistake only if none was ever recorded.
          const recorded = db.prepare('SELECT DISTINCT kind FROM action_log ORDER BY kind').pluck().all() as string[];
          if (!recorded.includes(options.kind)) throw new Error(`no action of kind ${JSON.stringify(options.kind)} was ever recorded (kinds: ${[...new Set([...ACTION_KINDS, ...recorded])].sort().join(', ')})`);
        }
        db.close();
        if (options.json) return printLine(JSON.stringify(rows.map((row) => ({ ...row, at: new Date(row.at).toISOString() })), null, 2));
        if (!rows.length) return console.log('no actions recorded');
        printLine(
          table(
            ['TIME', 'ALERT', 'SUBJECT', 'KIND', 'RESULT', 'COMMAND', 'MESSAGE'],
            rows.map((row) => [formatTime(row.at, options.utc), row.alert, row.subject, row.kind, row.ok ? 'ok' : `failed${row.exitCode === null ? '' : ` (${row.exitCode})`}`, row.command?.join(' ') ?? '', row.message ?? '']),
          ),
        );
      }),
    );
}
