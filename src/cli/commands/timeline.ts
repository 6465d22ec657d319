// `vigil timeline`: a picture of the last hours or days — one row per target, time across the
// terminal, down time marked.
import { Command } from 'commander';
import { describeError } from '../../describe-error.js';
import { queryAvailability } from '../../history/availability-query.js';
import { queryTimeline } from '../../history/timeline-query.js';
import { configOption, examples } from '../config-option.js';
import { openHistoryForReading } from '../history-database.js';
import { parseTimeArgument } from '../parse-time.js';
import { renderTimeline } from '../timeline-render.js';

interface TimelineOptions {
  config: string;
  db?: string;
  service?: string;
  host?: string;
  group?: string;
  since: string;
  until: string;
  width?: string;
  ascii?: boolean;
  utc?: boolean;
  json?: boolean;
}

/** Without a terminal (piped), draw this wide. */
const DEFAULT_WIDTH = 100;

export function timelineCommand(): Command {
  return new Command('timeline')
    .description('one row per target, time across, down time marked: the last hours or days at a glance')
    .addOption(configOption())
    .option('--db <file>', 'history database (default: history.path from the config)')
    .option('-s, --service <name>', 'only this service')
    .option('--host <host>', 'only this host')
    .option('-g, --group <name>', 'only this host group')
    .option('--since <time>', 'start: 24h, 7d, 2026-11-01T08:00', '24h')
    .option('--until <time>', 'end', 'now')
    .option('-w, --width <columns>', 'total width (default: the terminal width)')
    .option('--ascii', 'ASCII marks (# down, m maintenance, . up) instead of block characters')
    .option('--utc', 'print times in UTC instead of local time')
    .option('--json', 'print the outage and maintenance intervals as JSON instead')
    .addHelpText('after', examples(['vigil timeline', 'vigil timeline --since 7d --service web-http', 'vigil timeline --since 2026-11-20 --until 2026-11-21 --width 120 --ascii']))
    .action(async (options: TimelineOptions) => {
      const now = Date.now();
      try {
        const since = parseTimeArgument(options.since, now);
        const until = Math.min(parseTimeArgument(options.until, now), now);
        if (until <= since) throw new Error(`--until (${options.until}) must be after --since (${options.since})`);
        const width = options.width === undefined ? (process.stdout.columns ?? DEFAULT_WIDTH) : Number(options.width);
        if (!Number.isInteger(width) || width < 1) throw new Error(`--width: expected a number of columns, got ${options.width}`);
        const filter = { service: options.service, host: options.host, group: options.group, since, until };
        const db = await openHistoryForReading(options);
        const rows = queryTimeline(db, filter, now);
        const availability = new Map(queryAvailability(db, filter, now).map((row) => [row.name, row.availability]));
        db.close();
        if (options.json) {
          const iso = (ms: number) => new Date(ms).toISOString();
          const intervals = (list: Array<[number, number]>) => list.map(([a, b]) => ({ start: iso(a), end: iso(b) }));
          const targets = rows.map((row) => ({ target: row.id, availability: availability.get(row.id) ?? null, outages: intervals(row.outages), maintenance: intervals(row.maintenance) }));
          return void console.log(JSON.stringify({ since: iso(since), until: iso(until), targets }, null, 2));
        }
        if (!rows.length) return void console.log('no targets match');
        console.log(renderTimeline(rows, availability, { since, until, width, ascii: options.ascii, utc: options.utc }));
      } catch (err) {
        console.error(`vigil timeline: ${describeError(err)}`);
        process.exitCode = 1;
      }
    });
}
