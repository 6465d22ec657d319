// `vigil checks`: how many checks ran per target, service, host or group over a window, how many
// failed, and how fast they answered — from the per-minute/hour/day aggregates the daemon keeps.
import { Option, type Command } from '../commander.js';
import { describeError } from '../../describe-error.js';
import { queryCheckStats, type CheckStatsFilter, type CheckStatsRow, type Resolution } from '../../history/check-stats-query.js';
import { expectKnownTargets } from '../../history/target-names.js';
import { examples } from '../config-option.js';
import { formatLatency, formatShortDuration, formatTime, printLine, table } from '../format.js';
import { openHistoryForReading } from '../history-database.js';
import { byOption, HEADINGS, moreFailing, reportCommand, reportTargets, reportWindow, worstOption, worstRows, type ReportOptions } from '../report-options.js';

interface ChecksOptions extends ReportOptions {
  by: NonNullable<CheckStatsFilter['by']>;
  resolution?: Resolution;
  worst?: number;
}
const BUCKETS: Record<Resolution, string> = { minute: 'per-minute', hour: 'hourly', day: 'daily' };

/** Failed share with three decimals, rounded: `0.012%`; `-` without checks. */
function formatFailed(row: CheckStatsRow): string {
  return row.failureRatio === null ? '-' : `${+(row.failureRatio * 100).toFixed(3)}%`;
}

export function checksCommand(): Command {
  return reportCommand('checks', { default: '24h', examples: '24h, 7d, 2026-11-01, 2026-11-01T08:00' })
    .description('checks run, failed and their latency per target, service, host or group over a window')
    .addOption(byOption())
    .addOption(new Option('--resolution <buckets>', 'read these buckets (default: minutes up to 6h, hours up to 60d, days beyond; coarser for many targets or where retention took them)').choices(['minute', 'hour', 'day']))
    .addOption(worstOption('N rows with the largest share of failed checks'))
    .option('--utc', 'print times in UTC instead of local time')
    .option('--json', 'print JSON (latencies in ms)')
    .addHelpText(
      'after',
      `${examples([
        'vigil checks                              # every target, last 24 hours',
        'vigil checks --since 30d --by service',
        'vigil checks --service web-http --since 1h --json',
        'vigil checks --since 7d --worst 20                # the flakiest targets, down or not',
      ])}
Counts come from buckets (minute, hour, day): the window starts at the bucket holding --since.
A failed check is one that was down or unknown; latency is over the checks that measured one.
`,
    )
    .action(async (options: ChecksOptions) => {
      const now = Date.now();
      try {
        const { since, until } = reportWindow(options, now);
        const db = await openHistoryForReading(options);
        expectKnownTargets(db, reportTargets(options));
        const stats = queryCheckStats(db, { ...reportTargets(options), since, until, by: options.by, resolution: options.resolution }, now);
        db.close();
        const rows = options.worst === undefined ? stats.rows : worstRows(stats.rows, options.worst, moreFailing);
        // Retention (or a daemon that started later) leaves nothing before the oldest bucket: say so.
        if (stats.dataFrom !== null && stats.dataFrom > stats.from && stats.dataFrom < stats.until) {
          console.error(
            `(the ${BUCKETS[stats.resolution]} buckets start at ${formatTime(stats.dataFrom, options.utc)}: the counts cover ${formatShortDuration(stats.until - stats.dataFrom)} of the ${formatShortDuration(stats.until - stats.from)} asked for)`,
          );
        }
        if (options.json) {
          printLine(JSON.stringify({ since: new Date(stats.from).toISOString(), until: new Date(stats.until).toISOString(), resolution: stats.resolution, by: options.by, rows }, null, 2));
          return;
        }
        console.log(`${formatTime(stats.from, options.utc)} → ${formatTime(stats.until, options.utc)} (${formatShortDuration(stats.until - stats.from)}), ${BUCKETS[stats.resolution]} buckets`);
        if (!rows.length) return void console.log('no targets match');
        printLine(
          table(
            [HEADINGS[options.by], 'CHECKS', 'FAILED', 'FAILED%', 'LATENCY MIN', 'AVG', 'MAX'],
            rows.map((row) => [row.name, String(row.checks), String(row.failures), formatFailed(row), formatLatency(row.latencyMinMs), formatLatency(row.latencyAvgMs), formatLatency(row.latencyMaxMs)]),
          ),
        );
      } catch (err) {
        console.error(`vigil checks: ${describeError(err)}`);
        process.exitCode = 1;
      }
    });
}
