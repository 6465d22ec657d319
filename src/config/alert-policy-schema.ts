// The config shapes of the alert policy: routes (`alerts: [pager, {alert: mail, after: 3}]`),
// the policy keys an alert definition may carry as defaults, periods, flapping rules and
// maintenance windows. Meanings in docs/alerts.md.
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { parsePeriod } from '../alerting/time-period.js';
import { durationSchema, TIMER_MIN_MS } from './duration.js';
import { timeZoneSchema } from './time-zone.js';

const periodSpecSchema = z
  .strictObject({
    days: z.string().optional().meta({ description: 'Weekdays: Mon-Fri, Sat Sun, Mon,Wed,Fri (mon: wd {...})' }),
    hours: z.string().optional().meta({ description: 'Hours, end excluded: 7am-10pm, 09:00-17:30, 10pm-6am (mon: hr {...})' }),
    time_zone: z.string().optional().meta({ description: 'IANA time zone the days and hours are in (default: local time)' }),
  })
  .superRefine((spec, ctx) => {
    const period = parsePeriod(spec);
    if (typeof period === 'string') ctx.addIssue({ code: 'custom', message: period });
  });

/** A period in `periods:`: a mapping, a list of mappings (any of them), or mon's own string. */
export const periodDefinitionSchema = z.union([
  z
    .string()
    .superRefine((text, ctx) => {
      const period = parsePeriod(text);
      if (typeof period === 'string') ctx.addIssue({ code: 'custom', message: period });
    })
    .meta({ description: "mon's form: wd {Mon-Fri} hr {7am-10pm}" }),
  periodSpecSchema,
  z.array(periodSpecSchema).min(1),
]);

/** On a route or alert: the name of a period from `periods:`, or one written in place. */
export const periodReferenceSchema = z.union([
  z.string().meta({ description: 'Name of a period from periods:' }),
  periodSpecSchema,
  z.array(periodSpecSchema).min(1),
]);

/** When a DOWN target is first alerted. */
export type AfterRule =
  | { consecutive: number } // mon: alertafter N
  | { failingForMs: number } // mon: alertafter T
  | { failures: number; withinMs: number }; // mon: alertafter N T

export const afterSchema = z
  .union([
    z
      .int()
      .min(1)
      .transform((count): AfterRule => ({ consecutive: count }))
      .meta({ description: 'after this many consecutive failed checks (mon: alertafter N)' }),
    durationSchema()
      .transform((ms): AfterRule => ({ failingForMs: ms }))
      .meta({ description: 'after failing for this long (mon: alertafter T)' }),
    z
      .strictObject({ failures: z.int().min(1), within: durationSchema() })
      .transform(({ failures, within }): AfterRule => ({ failures, withinMs: within }))
      .meta({ description: 'after this many failed checks within the window (mon: alertafter N T)' }),
  ], { error: 'expected a number of failures (3), a duration (5m) or {failures: 3, within: 10m}' })
  .meta({ description: 'When a DOWN target is first alerted: 3, 5m, or {failures: 3, within: 10m}; default at once' });

/** Decision keys: on a route, or on an alert definition as the default of its routes. */
export const decisionShape = {
  after: afterSchema.optional(),
  every: durationSchema().optional().meta({ description: 'Alert again every so often while DOWN (mon: alertevery); default never' }),
  repeat_on_change: z
    .union([z.boolean(), z.literal('detail')], { error: 'expected true, false or detail' })
    .optional()
    .meta({
      description:
        "Also alert again at once when a DOWN target's failure message changes (mon: alertevery without strict, where the summary changed); `detail`: the message or its detail lines (mon: observe_detail); default false",
    }),
  numalerts: z.int().min(1).optional().meta({ description: 'At most this many alerts per outage (mon: numalerts)' }),
  period: periodReferenceSchema.optional().meta({ description: 'Only alert inside this time period (mon: period)' }),
  up: z.boolean().optional().meta({ description: 'Send an up alert when a target whose down alert went out recovers (default true)' }),
  startup: z.boolean().optional().meta({ description: 'Send a startup alert per target when the daemon starts (mon: startupalert; default false)' }),
  down: z
    .boolean()
    .optional()
    .meta({ description: "Send down, repeat and flapping alerts (default true); false: only up (and startup) alerts, each paired with the down alert this route would have sent (mon: an upalert line without its alert line)" }),
};

/** Delivery keys: only on an alert definition. */
export const deliveryShape = {
  timeout: durationSchema({ minMs: TIMER_MIN_MS, maxMs: 3_600_000 }).optional().meta({ description: 'An attempt still running after this is cut and failed (default 30s)' }),
  retries: z.int().min(0).max(1000).optional().meta({ description: 'Attempts after the first one fails (default 8)' }),
  backoff: durationSchema({ minMs: TIMER_MIN_MS, maxMs: 86_400_000 }).optional().meta({ description: 'Wait before the first retry; doubled each time (default 10s)' }),
  max_backoff: durationSchema({ minMs: TIMER_MIN_MS, maxMs: 86_400_000 }).optional().meta({ description: 'Longest wait between retries (default 10m)' }),
  digest: durationSchema()
    .optional()
    .meta({ description: 'Collect the events of this window and send them as one (alert types that support it, e.g. mail)' }),
  in_maintenance: z
    .enum(['hold', 'deliver'])
    .optional()
    .meta({ description: "During maintenance: 'hold' (default) sends nothing and catches up at the end; 'deliver' fires as usual" }),
};

/** Keys of an alert definition that belong to the policy, not to the alert type's options. */
export const POLICY_KEYS: readonly string[] = [...Object.keys(decisionShape), ...Object.keys(deliveryShape)];

export const alertRouteSchema = z.union([
  z.string().meta({ description: 'An alert name: its own policy applies' }),
  z.strictObject({ alert: z.string().meta({ description: 'The alert name' }), ...decisionShape }),
]);

export const flappingSchema = z
  .union([
    z
      .strictObject({
        changes: z.int().min(2).optional().meta({ description: 'State changes within `within` that make a target flapping' }),
        within: durationSchema().optional().meta({ description: 'The window for `changes`; flapping ends after as long without a change' }),
        high: z.number().min(1).max(100).optional().meta({ description: "Nagios' percent state change above which a target is flapping" }),
        low: z.number().min(0).max(100).optional().meta({ description: 'Percent state change below which it stops flapping (default high / 2)' }),
        results: z.int().min(3).max(100).optional().meta({ description: 'Recent results the percent is computed over (default 21, as Nagios)' }),
      })
      .superRefine((rule, ctx) => {
        const byChanges = rule.changes !== undefined || rule.within !== undefined;
        const byPercent = rule.high !== undefined || rule.low !== undefined || rule.results !== undefined;
        if (byChanges && byPercent) ctx.addIssue({ code: 'custom', message: 'use either changes + within, or high (+ low, results), not both' });
        else if (byChanges && (rule.changes === undefined || rule.within === undefined)) ctx.addIssue({ code: 'custom', message: 'changes and within go together, e.g. {changes: 4, within: 10m}' });
        else if (byPercent && rule.high === undefined) ctx.addIssue({ code: 'custom', message: 'high is required, e.g. {high: 50, low: 25}' });
        else if (!byChanges && !byPercent) ctx.addIssue({ code: 'custom', message: 'expected {changes: 4, within: 10m} or {high: 50, low: 25}' });
        else if (rule.high !== undefined && rule.low !== undefined && rule.low >= rule.high) ctx.addIssue({ code: 'custom', message: 'low must be below high' });
      }),
    z.literal(false).meta({ description: 'No flapping detection (to turn off a default)' }),
  ])
  .meta({ description: 'Flapping detection: {changes: 4, within: 10m} or {high: 50, low: 25}' });

export const maintenanceWindowSchema = z
  .strictObject({
    cron: z
      .string()
      .superRefine((expression, ctx) => {
        if (!validateCron(expression)) ctx.addIssue({ code: 'custom', message: `'${expression}' is not a cron expression (minute hour day-of-month month day-of-week, e.g. "0 2 * * Sun")` });
      })
      .meta({ description: 'When the window starts: minute hour day-of-month month day-of-week (seconds first if six fields)' }),
    duration: durationSchema().meta({ description: 'How long it lasts' }),
    services: z.array(z.string()).optional(),
    groups: z.array(z.string()).optional(),
    hosts: z.array(z.string()).optional(),
    reason: z.string().optional(),
    time_zone: timeZoneSchema('the cron expression'),
  })
  .superRefine((window, ctx) => {
    if (!window.services && !window.groups && !window.hosts) ctx.addIssue({ code: 'custom', message: 'name the targets: services, groups and/or hosts' });
  });

export type AlertRouteConfig = z.output<typeof alertRouteSchema>;
export type FlappingConfig = z.output<typeof flappingSchema>;
export type MaintenanceWindowConfig = z.output<typeof maintenanceWindowSchema>;
export type PeriodReference = z.output<typeof periodReferenceSchema>;
