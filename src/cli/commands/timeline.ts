// `vigil timeline`: a picture of the last hours or days — one row per target, time across the
// terminal, down time marked.
import type { Command } from '../commander.js';
import { describeError } from '../../describe-error.js';
import { queryAvailability } from '../../history/availability-query.js';
import { expectKnownTargets } from '../../history/target-names.js';
import { queryTimeline } from '../../history/timeline-query.js';
import { UnwatchedTime } from '../../history/unwatched-time.js';
import { examples } from '../config-option.js';
import { printLine } from '../format.js';
import { openHistoryForReading } from '../history-database.js';
import { lessAvailable, reportCommand, reportTargets, reportWindow, worstOption, worstRows, type ReportOptions } from '../report-options.js';
import { renderTimeline } from '../timeline-render.js';

interface TimelineOptions extends ReportOptions {
  width?: string;
  ascii?: boolean;
  worst?: number;
}

/** Without a terminal (piped), draw this wide. */
const DEFAULT_WIDTH = 100;

export function timelineCommand(): Command {
  return reportCommand('timeline', { default: '24h', examples: '24h, 7d, 2026-11-01T08:00' })
    .description('one row per target, time across, down time marked: the last hours or days at a glance')
    .option('-w, --width <columns>', 'total width (default: the terminal width)')
    .option('--ascii', 'ASCII marks (# down, m maintenance, . up, - vigil not running) instead of block characters')
    .addOption(worstOption('N least available targets'))
    .option('--utc', 'print times in UTC instead of local time')
    .option('--json', 'print the outage and maintenance intervals as JSON instead')
    .addHelpText('after', examples(['vigil timeline', 'vigil timeline --since 7d --service web-http', 'vigil timeline --since 7d --worst 20', 'vigil timeline --since 2026-11-20 --until 2026-11-21 --width 120 --ascii']))
    .action(async (options: TimelineOptions) => {
      const now = Date.now();
      try {
        const window = reportWindow(options, now);
        const since = window.since;
        const until = Math.min(window.until, now);
        if (until <= since) throw new Error(`--since (${options.since}) is in the future`);
        // Without a terminal (piped), COLUMNS when set: `COLUMNS=80 vigil timeline | less`.
        const width = options.width === undefined ? (process.stdout.columns ?? (Number(process.env.COLUMNS) || DEFAULT_WIDTH)) : Number(options.width);
        if (!Number.isInteger(width) || width < 1) throw new Error(`--width: expected a number of columns, got ${options.width}`);
        const filter = { ...reportTargets(options), since, until };
        const db = await openHistoryForReading(options);
        expectKnownTargets(db, filter);
        const unwatched = new UnwatchedTime(db, since, until, now);
        const perTarget = queryAvailability(db, filter, now, unwatched);
        const availability = new Map(perTarget.map((row) => [row.name, row.availability]));
        let rows = queryTimeline(db, filter, now);
        const notRunning = unwatched.gaps;
        db.close();
        if (options.worst !== undefined) {
          const timelineOf = new Map(rows.map((row) => [row.id, row]));
          rows = worstRows(perTarget, options.worst, lessAvailable).flatMap((row) => timelineOf.get(row.name) ?? []);
        }
        if (options.json) {
          const iso = (ms: number) => new Date(ms).toISOString();
          const intervals = (list: Array<[number, number]>) => list.map(([a, b]) => ({ start: iso(a), end: iso(b) }));
          const targets = rows.map((row) => ({ target: row.id, availability: availability.get(row.id) ?? null, outages: intervals(row.outages), maintenance: intervals(row.maintenance) }));
          return void printLine(JSON.stringify({ since: iso(since), until: iso(until), unwatched: intervals(notRunning), targets }, null, 2));
        }
        if (!rows.length) return void console.log('no targets match');
        printLine(renderTimeline(rows, availability, { since, until, width, ascii: options.ascii, utc: options.utc, notRunning }));
      } catch (err) {
        console.error(`vigil timeline: ${describeError(err)}`);
        process.exitCode = 1;
      }
    });
}
