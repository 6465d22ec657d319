// `vigil alerts log | queue | test`: every delivery attempt and its result ("did the pager get
// it?"), what still waits to be retried, and a test alert sent through a configured alert.
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { Command, Option } from '../commander.js';
import { ConfigError, formatIssue } from '../../config/config-error.js';
import { formatDuration } from '../../config/duration-text.js';
import { describeError } from '../../describe-error.js';
import { expectKnownTargets } from '../../history/target-names.js';
import { recordedAlertNames } from '../../history/recorded-names.js';
import { hasAlertTables, NO_ATTEMPT, queryAttempts, queryQueue, type AttemptRow, type QueuedRow } from '../../history/attempt-query.js';
import { configOption, examples, passConfigDown } from '../config-option.js';
import { formatTime, printLine, table } from '../format.js';
import { openHistoryForReading } from '../history-database.js';
import { parseTimeArgument } from '../parse-time.js';
import { expectOrdered } from '../report-options.js';
import { expectKnownName } from '../unknown-name.js';

interface ReadOptions {
  config: string;
  db?: string;
  utc?: boolean;
  json?: boolean;
}

interface LogOptions extends ReadOptions {
  alert?: string;
  service?: string;
  host?: string;
  kind?: string;
  since?: string;
  until?: string;
  failed?: boolean;
  limit: string;
}

function fail(command: string, err: unknown): void {
  if (err instanceof ConfigError) {
    for (const issue of err.issues) console.error(formatIssue(issue));
    console.error(`vigil alerts ${command}: the configuration has errors${command === 'test' ? '' : '; give --db FILE to read a database directly'}`);
  } else console.error(`vigil alerts ${command}: ${describeError(err)}`);
  process.exitCode = 1;
}

/** An alert is known when the config defines it or the database recorded it (one since removed from the config). */
async function expectKnownAlert(db: Database, name: string, configFile: string): Promise<void> {
  const recorded = recordedAlertNames(db);
  if (recorded.includes(name)) return;
  // Read only now, on the way to an error: --db may be given with no config at hand (then: what was recorded).
  const names = await (await import('../../config/alert-names.js')).configuredAlertNames(configFile);
  expectKnownName({ one: 'alert', many: 'alerts' }, name, { recorded, configured: names && { file: path.resolve(configFile), names } });
}

/** A row that records an alert dropped before any attempt (attempt 0): its error says it was not sent and why. */
const attempted = (row: AttemptRow) => row.attempt !== NO_ATTEMPT;

function outcome(row: AttemptRow, utc?: boolean): string {
  if (row.ok) return 'delivered';
  if (!attempted(row)) return row.error ?? 'not sent';
  return `failed: ${row.error ?? 'unknown error'}${row.nextAt === null ? '' : `; retry at ${formatTime(row.nextAt, utc)}`}`;
}

function attemptJson(row: AttemptRow) {
  const test = row.kind === 'test';
  return {
    id: row.id,
    // A test (vigil alerts test) was sent from the CLI, not delivered from the daemon's queue.
    delivery: test ? null : row.deliveryId,
    alert: row.alert,
    target: row.target,
    kind: row.kind,
    test,
    outage: row.outageId,
    // 0: no attempt was made; `error` says why it was not sent.
    attempt: row.attempt,
    attempted: attempted(row),
    at: new Date(row.at).toISOString(),
    durationMs: row.durationMs,
    ok: row.ok === 1,
    error: row.error,
    retryAt: row.nextAt === null ? null : new Date(row.nextAt).toISOString(),
  };
}

function queuedJson(row: QueuedRow) {
  return {
    id: row.id,
    alert: row.alert,
    target: row.target,
    kind: row.kind,
    events: row.events,
    attempts: row.attempts,
    next: new Date(row.nextAt).toISOString(),
    created: new Date(row.createdAt).toISOString(),
    collecting: row.collecting === 1,
    lastError: row.lastError,
  };
}

const readOptions = (command: Command) =>
  command
    .addOption(configOption())
    .option('--db <file>', 'history database (default: history.path from the config)')
    .option('--utc', 'print times in UTC instead of local time')
    .option('--json', 'print JSON');

function logCommand(): Command {
  return readOptions(new Command('log').description('every alert delivery attempt and its result, newest first'))
    .option('-a, --alert <name>', 'only this alert')
    .option('-s, --service <name>', 'only alerts about this service')
    .option('--host <host>', 'only alerts about this host')
    .addOption(new Option('-k, --kind <kind>', 'only this kind').choices(['down', 'up', 'repeat', 'startup', 'flapping', 'test', 'digest']))
    .option('--since <time>', 'attempts at or after this time: 7d, 12h, 2026-11-01, 2026-11-01T08:00')
    .option('--until <time>', 'attempts at or before this time')
    .option('--failed', 'only failed attempts, and alerts dropped before any attempt')
    .option('-n, --limit <count>', 'at most this many rows', '100')
    .addHelpText(
      'after',
      examples([
        'vigil alerts log --since 1d',
        'vigil alerts log --alert pager --host web1     # did the pager get it?',
        'vigil alerts log --failed --json',
      ]),
    )
    .action(async (options: LogOptions) => {
      const now = Date.now();
      try {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit: expected a positive whole number, got ${options.limit}`);
        const since = options.since === undefined ? undefined : parseTimeArgument(options.since, now);
        const until = options.until === undefined ? undefined : parseTimeArgument(options.until, now);
        expectOrdered(options, since, until);
        const db = await openHistoryForReading(options);
        const rows = hasAlertTables(db)
          ? queryAttempts(db, {
              alert: options.alert,
              service: options.service,
              host: options.host,
              kind: options.kind,
              since,
              until,
              failedOnly: options.failed,
              limit,
            })
          : [];
        // A --service, --host or --alert that exists nowhere is a typo, not "nothing sent": refused
        // with the names that exist, as the other reports do. Only asked when nothing matched (a
        // test alert's --target need not be a recorded target).
        try {
          if (!rows.length) expectKnownTargets(db, { service: options.service, host: options.host });
          if (!rows.length && options.alert !== undefined) await expectKnownAlert(db, options.alert, options.config);
        } finally {
          db.close();
        }
        if (options.json) return printLine(JSON.stringify(rows.map(attemptJson), null, 2));
        if (!rows.length) return console.log('no alert attempts match');
        printLine(
          table(
            ['TIME', 'ALERT', 'KIND', 'TARGET', 'TRY', 'TOOK', 'RESULT'],
            rows.map((row) => [
              formatTime(row.at, options.utc),
              row.alert,
              row.kind,
              row.target,
              attempted(row) ? String(row.attempt) : '-',
              attempted(row) ? formatDuration(row.durationMs) : '-',
              outcome(row, options.utc),
            ]),
          ),
        );
      } catch (err) {
        fail('log', err);
      }
    });
}

function queueCommand(): Command {
  return readOptions(new Command('queue').description('deliveries waiting to be sent or retried'))
    .addHelpText('after', examples(['vigil alerts queue', 'vigil alerts queue --json']))
    .action(async (options: ReadOptions) => {
      try {
        const db = await openHistoryForReading(options);
        const rows = hasAlertTables(db) ? queryQueue(db) : [];
        db.close();
        if (options.json) return printLine(JSON.stringify(rows.map(queuedJson), null, 2));
        if (!rows.length) return console.log('no deliveries waiting');
        printLine(
          table(
            ['ID', 'ALERT', 'KIND', 'TARGET', 'ATTEMPTS', 'NEXT', 'LAST ERROR'],
            rows.map((row) => [
              String(row.id),
              row.alert,
              row.collecting ? `${row.kind} (collecting ${row.events})` : row.kind,
              row.target,
              String(row.attempts),
              formatTime(row.nextAt, options.utc),
              row.lastError ?? '',
            ]),
          ),
        );
      } catch (err) {
        fail('queue', err);
      }
    });
}

function testCommand(): Command {
  return new Command('test')
    .description("send a test alert through a configured alert, from this shell (mon's test alert); vigil alerts log shows the attempt, kind test")
    .argument('<alert>', 'the alert name in the config')
    .addOption(configOption())
    .option('-t, --target <service/host>', 'the target the test alert is about (default: the first target routed to the alert)')
    .option('--db <file>', 'history database to record the attempt in (default: history.path from the config)')
    .addHelpText('after', examples(['vigil alerts test pager', 'vigil alerts test ops-mail --target web-http/10.0.0.11:80']))
    .action(async (name: string, options: { config: string; target?: string; db?: string }) => {
      try {
        // Loaded here: the config, the plugins and the delivery code are what `log` and `queue` do without.
        await (await import('../send-test-alert.js')).sendTestAlert(name, options);
      } catch (err) {
        fail('test', err);
      }
    });
}

export function alertsCommand(): Command {
  return passConfigDown(new Command('alerts'))
    .description('alert deliveries: the log of attempts, the retry queue, test alerts')
    .addCommand(logCommand())
    .addCommand(queueCommand())
    .addCommand(testCommand());
}
