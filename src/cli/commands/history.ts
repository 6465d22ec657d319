import type { Database } from 'better-sqlite3';
import { Command, Option } from '../commander.js';
import { formatDuration, parseDuration } from '../../config/duration-text.js';
import { describeError } from '../../describe-error.js';
import { countOutages, iterateOutages, queryOutages, type OutageFilter, type OutageRow } from '../../history/outage-query.js';
import { expectKnownTargets } from '../../history/target-names.js';
import { configOption, examples } from '../config-option.js';
import { formatTime, quietOnClosedPipe, table } from '../format.js';
import { openHistoryForReading } from '../history-database.js';
import { CSV_HEADER_LINE, DTLOG_HEADER, outageCsvLine, outageDtlogLine, outageToJson } from '../outage-formats.js';
import { parseTimeArgument } from '../parse-time.js';
import { expectOrdered, reportTargets } from '../report-options.js';

type Format = 'table' | 'json' | 'csv' | 'dtlog';

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
  limit?: string;
  utc?: boolean;
  json?: boolean;
  format: Format;
}

/** The table and JSON stop at 100 rows unless told (`--limit 0`: all); CSV and dtlog, exports, give all. */
const DEFAULT_LIMIT = 100;

interface TextLayout {
  header?: string;
  /** After every line but the last (`,` in a JSON array). */
  separator?: string;
  footer?: string;
  /** Instead of header and footer when there is no row (`[]`). */
  empty?: string;
}

/**
 * Writes a line per row to stdout in chunks, waiting when the reader is slower, so an export of
 * years of outages is never held in memory. A reader that goes away (`| head`) ends the export
 * quietly, as it would any Unix tool.
 */
async function writeLines(rows: Iterable<OutageRow>, line: (row: OutageRow) => string, layout: TextLayout = {}): Promise<number> {
  quietOnClosedPipe();
  let chunk = '';
  let count = 0;
  let previous: string | undefined; // held until the next row shows whether it is the last
  for (const row of rows) {
    if (previous === undefined) chunk += layout.header === undefined ? '' : `${layout.header}\n`;
    else chunk += `${previous}${layout.separator ?? ''}\n`;
    previous = line(row);
    if (++count % 2_000 !== 0) continue;
    const flowing = process.stdout.write(chunk);
    chunk = '';
    // Between chunks the event loop runs: a full pipe drains, a closed one is noticed.
    await new Promise((resolve) => (flowing ? setImmediate(resolve) : process.stdout.once('drain', resolve)));
  }
  if (previous === undefined) chunk += layout.empty !== undefined ? `${layout.empty}\n` : layout.header === undefined ? '' : `${layout.header}\n`;
  else chunk += `${previous}\n${layout.footer === undefined ? '' : `${layout.footer}\n`}`;
  if (chunk) process.stdout.write(chunk);
  return count;
}

/** On stderr, so what goes to stdout stays clean: that `--limit` left rows out, and how many. */
function sayIfCut(db: Database, filter: OutageFilter, shown: number, now: number): void {
  if (filter.limit === undefined || shown < filter.limit) return;
  const upTo = 10_000;
  const total = countOutages(db, filter, now, upTo);
  const of = total > upTo ? `more than ${upTo}` : String(total);
  if (total > shown) console.error(`(showing the ${filter.order === 'recovered' ? 'first recovered' : 'newest'} ${shown} of ${of}; --limit 0 for all)`);
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
    .option('-n, --limit <count>', `at most this many rows, 0 for all (default: ${DEFAULT_LIMIT} for the table and JSON, all for csv and dtlog)`)
    .option('--utc', 'print times in UTC instead of local time')
    .addOption(new Option('-f, --format <format>', "table for people; json; csv; dtlog = mon's downtime log lines").choices(['table', 'json', 'csv', 'dtlog']).default('table'))
    .option('--json', 'print JSON (same as --format json)')
    .addHelpText(
      'after',
      examples([
        'vigil history --since 1d',
        'vigil history --service web-http --host 10.0.0.12 --since 2026-11-01 --until 2026-11-08',
        'vigil history --open --json',
        'vigil history --since 30d --format csv > outages.csv',
        'vigil history --since 7d --format dtlog | ./mon-downtime-report   # scripts written for mon\'s dtlogfile',
        'vigil history --db /var/lib/vigil/history.db --min-duration 1m',
      ]),
    )
    .action(async (options: HistoryOptions) => {
      const now = Date.now();
      const format: Format = options.json ? 'json' : options.format;
      try {
        if (options.json && options.format !== 'table' && options.format !== 'json') throw new Error(`--json and --format ${options.format} ask for two formats: give one`);
        // mon's downtime log has a line per ended outage only: say why --open gives none.
        if (format === 'dtlog' && options.open) console.error('(dtlog lists ended outages only, as mon\'s downtime log: --open leaves none)');
        const minDuration = options.minDuration === undefined ? undefined : parseDuration(options.minDuration);
        if (options.minDuration !== undefined && minDuration === undefined) throw new Error(`--min-duration: expected a duration such as 30s, got ${options.minDuration}`);
        const asked = options.limit === undefined ? (format === 'table' || format === 'json' ? DEFAULT_LIMIT : 0) : Number(options.limit);
        if (!Number.isInteger(asked) || asked < 0) throw new Error(`--limit: expected a whole number (0 for all), got ${options.limit}`);
        const limit = asked || undefined;
        const since = options.since === undefined ? undefined : parseTimeArgument(options.since, now);
        const until = options.until === undefined ? undefined : parseTimeArgument(options.until, now);
        expectOrdered(options, since, until);
        const filter: OutageFilter = { ...reportTargets(options), since, until, openOnly: options.open, minDurationMs: minDuration, limit };
        const db = await openHistoryForReading(options);
        expectKnownTargets(db, filter);
        // Machine formats stream: years of outages are written as they are read.
        if (format === 'csv') sayIfCut(db, filter, await writeLines(iterateOutages(db, filter, now), (row) => outageCsvLine(row, now), { header: CSV_HEADER_LINE }), now);
        if (format === 'dtlog') {
          const recovered: OutageFilter = { ...filter, closedOnly: true, order: 'recovered' };
          sayIfCut(db, recovered, await writeLines(iterateOutages(db, recovered, now), outageDtlogLine, { header: DTLOG_HEADER }), now);
        }
        if (format === 'json') {
          // The layout of JSON.stringify(rows, null, 2), one row at a time.
          const indented = (row: OutageRow) => `  ${JSON.stringify(outageToJson(row, now), null, 2).replace(/\n/g, '\n  ')}`;
          sayIfCut(db, filter, await writeLines(iterateOutages(db, filter, now), indented, { header: '[', separator: ',', footer: ']', empty: '[]' }), now);
        }
        if (format !== 'table') return void db.close();
        const rows = queryOutages(db, filter, now);
        if (!rows.length) return void console.log('no outages match');
        console.log(
          table(
            ['ID', 'SERVICE', 'HOST', 'START', 'END', 'DURATION', 'ACK', 'CAUSE'],
            rows.map((row) => [
              String(row.id),
              row.service,
              row.host,
              formatTime(row.startedAt, options.utc),
              row.endedAt === null ? 'open' : formatTime(row.endedAt, options.utc),
              formatDuration(row.durationMs ?? now - row.startedAt) + (row.endedAt === null ? '+' : ''),
              row.ackAt === null ? '-' : (row.ackBy ?? 'yes'),
              row.cause + (row.ackComment ? ` [ack: ${row.ackComment}]` : ''),
            ]),
          ),
        );
        sayIfCut(db, filter, rows.length, now); // after the table, where the eye ends
        db.close();
      } catch (err) {
        console.error(`vigil history: ${describeError(err)}`);
        process.exitCode = 1;
      }
    });
}
