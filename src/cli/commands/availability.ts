// `vigil availability`: per target, service, host or group over a window — availability, outages,
// downtime, MTTR, MTBF, longest outage — with maintenance time left out and shown.
import { Command, Option } from 'commander';
import { describeError } from '../../describe-error.js';
import { queryAvailability, type AvailabilityGrouping, type AvailabilityRow } from '../../history/availability-query.js';
import { configOption, examples } from '../config-option.js';
import { formatPercent, formatShortDuration, formatTime, table } from '../format.js';
import { openHistoryForReading } from '../history-database.js';
import { parseTimeArgument } from '../parse-time.js';

interface AvailabilityOptions {
  config: string;
  db?: string;
  service?: string;
  host?: string;
  group?: string;
  since: string;
  until: string;
  by: AvailabilityGrouping;
  utc?: boolean;
  json?: boolean;
}

const HEADINGS: Record<AvailabilityGrouping, string> = { target: 'TARGET', service: 'SERVICE', host: 'HOST', group: 'GROUP' };
const orDash = (ms: number | null) => (ms === null ? '-' : formatShortDuration(ms));

function toJson(row: AvailabilityRow) {
  return { ...row, availabilityPercent: row.availability === null ? null : row.availability * 100 };
}

export function availabilityCommand(): Command {
  return new Command('availability')
    .description('availability per target, service, host or group over a window, with maintenance left out')
    .addOption(configOption())
    .option('--db <file>', 'history database (default: history.path from the config)')
    .option('-s, --service <name>', 'only this service')
    .option('--host <host>', 'only this host')
    .option('-g, --group <name>', 'only this host group')
    .option('--since <time>', 'start of the window: 30d, 12h, 2026-11-01, 2026-11-01T08:00', '30d')
    .option('--until <time>', 'end of the window', 'now')
    .addOption(new Option('--by <what>', 'one row per target, service, host or group').choices(['target', 'service', 'host', 'group']).default('target'))
    .option('--utc', 'print times in UTC instead of local time')
    .option('--json', 'print JSON (durations in ms)')
    .addHelpText(
      'after',
      `${examples([
        'vigil availability                                 # every target, last 30 days',
        'vigil availability --since 2026-11-01 --by service # this month, per service',
        'vigil availability --service web-http --since 7d',
        'vigil availability --by host --json',
      ])}
Figures count only time inside the window while the target was configured; maintenance time is
left out of all of them and shown on its own. MTTR = downtime / outages; MTBF = uptime / outages.
`,
    )
    .action(async (options: AvailabilityOptions) => {
      const now = Date.now();
      try {
        const since = parseTimeArgument(options.since, now);
        const until = parseTimeArgument(options.until, now);
        if (until <= since) throw new Error(`--until (${options.until}) must be after --since (${options.since})`);
        const db = await openHistoryForReading(options);
        const rows = queryAvailability(db, { service: options.service, host: options.host, group: options.group, since, until, by: options.by }, now);
        db.close();
        const end = Math.min(until, now);
        if (options.json) {
          console.log(JSON.stringify({ since: new Date(since).toISOString(), until: new Date(end).toISOString(), by: options.by, rows: rows.map(toJson) }, null, 2));
          return;
        }
        console.log(`${formatTime(since, options.utc)} → ${formatTime(end, options.utc)} (${formatShortDuration(end - since)}), maintenance left out`);
        if (!rows.length) return void console.log('no targets match');
        console.log(
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
