// `vigil availability`: per target, service, host or group over a window — availability, outages,
// downtime, MTTR, MTBF, longest outage — with maintenance time and the time Vigil was not running
// left out and shown.
import type { Command } from '../commander.js';
import { describeError } from '../../describe-error.js';
import { queryAvailability, type AvailabilityRow } from '../../history/availability-query.js';
import type { Grouping } from '../../history/grouping.js';
import { expectKnownTargets } from '../../history/target-names.js';
import { UnwatchedTime } from '../../history/unwatched-time.js';
import { examples } from '../config-option.js';
import { formatPercent, formatShortDuration, formatTime, printLine, table } from '../format.js';
import { openHistoryForReading } from '../history-database.js';
import { byOption, HEADINGS, lessAvailable, reportCommand, reportTargets, reportWindow, worstOption, worstRows, type ReportOptions } from '../report-options.js';

interface AvailabilityOptions extends ReportOptions {
  by: Grouping;
  worst?: number;
}
const orDash = (ms: number | null) => (ms === null ? '-' : formatShortDuration(ms));

type JsonRow = AvailabilityRow & { availabilityPercent?: number | null };

/** Adds the percentage beside the ratio, in place: a copy per row costs more than the query. */
function toJson(row: JsonRow): JsonRow {
  row.availabilityPercent = row.availability === null ? null : row.availability * 100;
  return row;
}

export function availabilityCommand(): Command {
  return reportCommand('availability', { default: '30d', examples: '30d, 12h, 2026-11-01, 2026-11-01T08:00' })
    .description('availability per target, service, host or group over a window, with maintenance left out')
    .addOption(byOption())
    .addOption(worstOption('N least available rows'))
    .option('--utc', 'print times in UTC instead of local time')
    .option('--json', 'print JSON (durations in ms)')
    .addHelpText(
      'after',
      `${examples([
        'vigil availability                                 # every target, last 30 days',
        'vigil availability --since 2026-11-01 --by service # this month, per service',
        'vigil availability --service web-http --since 7d',
        'vigil availability --by host --json',
        'vigil availability --worst 20                      # the 20 least available targets',
      ])}
Figures count only time inside the window while the target was configured and Vigil was running;
maintenance time is left out of all of them and shown on its own, and so is the time Vigil was not
running (in the first line). MTTR = downtime / outages; MTBF = uptime / outages.
`,
    )
    .action(async (options: AvailabilityOptions) => {
      const now = Date.now();
      try {
        const { since, until } = reportWindow(options, now);
        const db = await openHistoryForReading(options);
        expectKnownTargets(db, reportTargets(options));
        const end = Math.min(until, now);
        const unwatched = new UnwatchedTime(db, since, end, now);
        const all = queryAvailability(db, { ...reportTargets(options), since, until, by: options.by }, now, unwatched);
        db.close();
        const rows = options.worst === undefined ? all : worstRows(all, options.worst, lessAvailable);
        if (options.json) {
          const iso = (ms: number) => new Date(ms).toISOString();
          const notRunning = unwatched.gaps.map(([a, b]) => ({ start: iso(a), end: iso(b) }));
          printLine(JSON.stringify({ since: iso(since), until: iso(end), by: options.by, unwatched: notRunning, rows: rows.map(toJson) }, null, 2));
          return;
        }
        // Vigil's own stops are the same for every target (apart from each one's configured time): said once.
        const notRunning = unwatched.totalMs ? `; vigil not running ${formatShortDuration(unwatched.totalMs)} (left out)` : '';
        console.log(`${formatTime(since, options.utc)} → ${formatTime(end, options.utc)} (${formatShortDuration(end - since)}), maintenance left out${notRunning}`);
        if (!rows.length) return void console.log('no targets match');
        printLine(
          table(
            [HEADINGS[options.by], 'AVAILABILITY', 'OUTAGES', 'DOWNTIME', 'MTTR', 'MTBF', 'LONGEST', 'MAINTENANCE'],
            rows.map((row) => [
              row.name,
              formatPercent(row.availability),
              String(row.outages),
              formatShortDuration(row.downtimeMs),
              orDash(row.mttrMs),
              orDash(row.mtbfMs),
              row.outages ? formatShortDuration(row.longestMs) : '-',
              row.maintenanceMs ? formatShortDuration(row.maintenanceMs) : '-',
            ]),
          ),
        );
      } catch (err) {
        console.error(`vigil availability: ${describeError(err)}`);
        process.exitCode = 1;
      }
    });
}
