import { Command } from 'commander';
import { ConfigError, formatIssue } from '../../config/config-error.js';
import { formatDuration, parseDuration } from '../../config/duration.js';
import { describeError } from '../../describe-error.js';
import { queryOutages, type OutageRow } from '../../history/outage-query.js';
import { configOption, examples } from '../config-option.js';
import { formatTime, table } from '../format.js';
import { openHistoryForReading } from '../history-database.js';
import { parseTimeArgument } from '../parse-time.js';

interface HistoryOptions {
  config: string;
  db?: string;
  service?: string;
  host?: string;
  group?: string;
  since?: string;
  until?: string;
  open?: boolean;
  minDuration?: string;
  limit: string;
  utc?: boolean;
  json?: boolean;
}

function toJson(row: OutageRow, now: number) {
  return {
    id: row.id,
    service: row.service,
    group: row.group,
    host: row.host,
    start: new Date(row.startedAt).toISOString(),
    end: row.endedAt === null ? null : new Date(row.endedAt).toISOString(),
    open: row.endedAt === null,
    durationMs: row.durationMs ?? now - row.startedAt,
    cause: row.cause,
    endMessage: row.endMessage,
  };
}

export function historyCommand(): Command {
  return new Command('history')
    .description('list outages, newest first')
    .addOption(configOption())
    .option('--db <file>', 'history database (default: history.path from the config)')
    .option('-s, --service <name>', 'only this service')
    .option('--host <host>', 'only this host')
    .option('-g, --group <name>', 'only this host group')
    .option('--since <time>', 'outages still going at or after this time: 7d, 12h, 2026-11-01, 2026-11-01T08:00')
    .option('--until <time>', 'outages that started at or before this time')
    .option('--open', 'only outages still open')
    .option('--min-duration <duration>', 'only outages at least this long, e.g. 30s')
    .option('-n, --limit <count>', 'at most this many rows', '100')
    .option('--utc', 'print times in UTC instead of local time')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      examples([
        'vigil history --since 1d',
        'vigil history --service web --host 10.0.0.2 --since 2026-11-01 --until 2026-11-08',
        'vigil history --open --json',
        'vigil history --db /var/lib/vigil/history.db --min-duration 1m',
      ]),
    )
    .action(async (options: HistoryOptions) => {
      const now = Date.now();
      try {
        const minDuration = options.minDuration === undefined ? undefined : parseDuration(options.minDuration);
        if (options.minDuration !== undefined && minDuration === undefined) throw new Error(`--min-duration: expected a duration such as 30s, got ${options.minDuration}`);
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit: expected a positive whole number, got ${options.limit}`);
        const db = await openHistoryForReading(options);
        const rows = queryOutages(
          db,
          {
            service: options.service,
            host: options.host,
            group: options.group,
            since: options.since === undefined ? undefined : parseTimeArgument(options.since, now),
            until: options.until === undefined ? undefined : parseTimeArgument(options.until, now),
            openOnly: options.open,
            minDurationMs: minDuration,
            limit,
          },
          now,
        );
        db.close();
        if (options.json) {
          console.log(JSON.stringify(rows.map((row) => toJson(row, now)), null, 2));
          return;
        }
        if (!rows.length) {
          console.log('no outages match');
          return;
        }
        console.log(
          table(
            ['ID', 'SERVICE', 'HOST', 'START', 'END', 'DURATION', 'CAUSE'],
            rows.map((row) => [
              String(row.id),
              row.service,
              row.host,
              formatTime(row.startedAt, options.utc),
              row.endedAt === null ? 'open' : formatTime(row.endedAt, options.utc),
              formatDuration(row.durationMs ?? now - row.startedAt) + (row.endedAt === null ? '+' : ''),
              row.cause,
            ]),
          ),
        );
      } catch (err) {
        if (err instanceof ConfigError) {
          for (const issue of err.issues) console.error(formatIssue(issue));
          console.error('vigil history: cannot find the database through this config; give --db FILE');
        } else console.error(`vigil history: ${describeError(err)}`);
        process.exitCode = 1;
      }
    });
}
