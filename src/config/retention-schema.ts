// `history.retention`: how long each kind of history row is kept, and when the clean-up runs.
import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { DURATION_HINT, parseDuration } from './duration.js';
import { timeZoneSchema } from './time-zone.js';

/** A retention period: a duration (`400d`, `2w`) or `forever`. Yields ms, or null for forever. */
function keep(defaultValue: string, what: string) {
  return z
    .string({ error: `expected ${DURATION_HINT} or 'forever'` })
    .refine((text) => text === 'forever' || (parseDuration(text) ?? 0) > 0, {
      error: (issue) => `expected ${DURATION_HINT} or 'forever', got ${JSON.stringify(issue.input)}`,
    })
    .transform((text) => (text === 'forever' ? null : parseDuration(text)!))
    .prefault(defaultValue)
    .meta({ description: `How long ${what} are kept (default ${defaultValue}; 'forever' keeps them)` });
}

export const RETENTION_DEFAULTS = {
  transitions: '400d',
  outages: '1095d',
  maintenance: '1095d',
  checks_minute: '2d',
  checks_hour: '90d',
  checks_day: '1095d',
} as const;

export const retentionSchema = z
  .strictObject({
    transitions: keep(RETENTION_DEFAULTS.transitions, 'state transitions'),
    outages: keep(RETENTION_DEFAULTS.outages, 'closed outages (open ones are never deleted)'),
    maintenance: keep(RETENTION_DEFAULTS.maintenance, 'ended maintenance periods'),
    checks_minute: keep(RETENTION_DEFAULTS.checks_minute, 'per-minute check aggregates'),
    checks_hour: keep(RETENTION_DEFAULTS.checks_hour, 'per-hour check aggregates'),
    checks_day: keep(RETENTION_DEFAULTS.checks_day, 'per-day check aggregates'),
    schedule: z
      .string()
      .superRefine((text, ctx) => {
        const checked = validateDetailed(text);
        if (!checked.valid) {
          const why = checked.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
          ctx.addIssue({ code: 'custom', message: `expected a cron expression such as '17 * * * *' (minute hour day month weekday)${why ? `: ${why}` : ''}` });
        }
      })
      .default('17 * * * *')
      .meta({ description: 'When the clean-up runs: a cron expression (node-cron; default hourly at :17)' }),
    time_zone: timeZoneSchema('the schedule'),
  })
  .prefault({});
