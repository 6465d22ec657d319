// The shape of a Vigil config file. Check and alert options are validated by their plugins
// (see validate-config.ts), so this schema only holds `type` for them.
import { z } from 'zod';
import {
  alertRouteSchema,
  decisionShape,
  deliveryShape,
  flappingSchema,
  maintenanceWindowSchema,
  periodDefinitionSchema,
} from './alert-policy-schema.js';
import { checkRef, pluginRef } from './check-ref.js';
import { durationSchema, TIMER_MIN_MS } from './duration.js';
import { addressProblem, parseHostEntry } from './host-entry.js';
import { lvsSectionSchema, virtualServerSchema } from './schema-lvs.js';
import { DEFAULT_HISTORY_PATH } from './paths.js';
import { retentionSchema } from './retention-schema.js';
import { checkTimingShape } from './timing-shape.js';

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const name = (what: string) =>
  z.string().regex(NAME_PATTERN, { error: `expected a ${what} name of letters, digits, '_', '.', '-'` });

const port = z.int().min(1).max(65535);

/** A host in a group: `10.0.0.1`, `10.0.0.1:8080`, `[::1]:8080`, or an object with a name. */
export const hostEntrySchema = z.union([
  z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const host = parseHostEntry(text);
      if (typeof host === 'string') ctx.addIssue({ code: 'custom', message: host });
    }),
  z.strictObject({
    name: name('host').optional().meta({ description: 'Name shown in logs and history (default: address[:port])' }),
    address: z
      .string()
      .min(1)
      .superRefine((address, ctx) => {
        const problem = addressProblem(address);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    port: port.optional(),
    weight: z.int().min(0).optional().meta({ description: 'LVS real-server weight' }),
  }),
]);

/** Timing and routing that `defaults` sets and each service may override. */
export const timingShape = {
  ...checkTimingShape,
  spread: durationSchema()
    .optional()
    .meta({ description: 'First checks are spread over this window at start (default: interval)' }),
  initial_state: z
    .enum(['up', 'down'])
    .optional()
    .meta({ description: "Before the first verdict: 'up' assumes up (needs fall failures), 'down' assumes down until proven up (keepalived alpha)" }),
  alerts: z
    .array(alertRouteSchema)
    .optional()
    .meta({ description: 'Where alerts go: alert names (from `alerts:`), or {alert: name, after, every, numalerts, period, up, startup}' }),
  flapping: flappingSchema.optional(),
};

export const serviceSchema = z.strictObject({
  description: z.string().optional(),
  group: z.string({ error: 'expected the name of a host group' }),
  check: checkRef('The check to run: `type` plus that check type’s options; or a list of checks, all of which must pass'),
  batch: z
    .boolean()
    .optional()
    .meta({ description: 'Check the whole group in one run (for checks that support it, e.g. mon monitors)' }),
  disabled: z.boolean().optional(),
  depends_on: z
    .array(z.string())
    .optional()
    .meta({ description: "Services (or service/host targets) this one depends on: while one of them is DOWN, this service's alerts are held (mon: depend)" }),
  ...timingShape,
});

/** An alert: its type and that type's options, plus the policy keys its routes default to. */
export const alertSchema = pluginRef.extend({ ...decisionShape, ...deliveryShape });

/** A virtual server is a service (check, timing, alerts) over its own real servers. */
export const virtualServerEntrySchema = virtualServerSchema({
  description: z.string().optional(),
  check: checkRef('The check to run on every real server: `type` plus that check type’s options; or a list of checks, all of which must pass (keepalived: several checkers)'),
  disabled: z.boolean().optional(),
  ...timingShape,
});

export const configSchema = z.strictObject({
  include: z
    .array(z.string())
    .optional()
    .meta({ description: 'More YAML files or directories (all *.yaml inside) whose hostgroups/services/alerts are merged in' }),
  plugin_dirs: z.array(z.string()).default([]).meta({ description: 'Directories of user check/alert plugins (.js, .ts)' }),
  auto_reload: durationSchema({ minMs: 100, maxMs: 86_400_000 })
    .optional()
    .meta({ description: "Reload when the config's files change, looking this often (ldirectord's autoreload); off when absent. A change is read once the files have stayed the same for one look" }),
  history: z
    .strictObject({
      path: z.string().default(DEFAULT_HISTORY_PATH),
      flush_interval: durationSchema({ minMs: TIMER_MIN_MS, maxMs: 60_000 }).prefault('200ms').meta({ description: 'How often queued history writes are committed' }),
      max_queue: z.int().min(100).default(100_000).meta({ description: 'Writes held in memory while the database is unavailable' }),
      retention: retentionSchema,
    })
    .prefault({}),
  control: z
    .strictObject({
      enabled: z.boolean().default(true).meta({ description: 'Serve the control API (vigil status, disable, ack, ...)' }),
      socket: z
        .string()
        .optional()
        .meta({ description: 'Unix socket of the control API, mode 0660 (default: vigil.sock beside the history database; e.g. /run/vigil/vigil.sock)' }),
    })
    .prefault({}),
  log: z
    .strictObject({
      format: z.enum(['text', 'json']).default('text'),
      level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    })
    .prefault({}),
  scheduler: z
    .strictObject({
      max_concurrent: z.int().min(1).default(1024).meta({ description: 'Checks running at once, across all services' }),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      listen: z
        .string()
        .regex(/^(\[[^\]]+\]|[^:]+):\d+$/, { error: 'expected host:port, e.g. 127.0.0.1:9273' })
        .optional()
        .meta({ description: 'Serve Prometheus metrics at http://host:port/metrics (off when absent)' }),
    })
    .prefault({}),
  defaults: z.strictObject(timingShape).prefault({}),
  hostgroups: z.record(name('host group'), z.array(hostEntrySchema).min(1, { error: 'a host group needs at least one host' })).default({}),
  services: z.record(name('service'), serviceSchema).default({}),
  alerts: z.record(name('alert'), alertSchema).default({}),
  periods: z
    .record(name('period'), periodDefinitionSchema)
    .default({})
    .meta({ description: 'Named time periods for alerts: {days: Mon-Fri, hours: 7am-10pm}, a list of those, or "wd {Mon-Fri} hr {7am-10pm}"' }),
  maintenance: z
    .record(name('maintenance window'), maintenanceWindowSchema)
    .default({})
    .meta({ description: 'Recurring maintenance windows: checks run and history is written, alerts are held' }),
  lvs: lvsSectionSchema,
  virtual_servers: z
    .record(name('virtual server'), virtualServerEntrySchema)
    .default({})
    .meta({ description: 'LVS virtual services: each is checked like a service and its real servers kept in the IPVS table' }),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type HostEntry = z.output<typeof hostEntrySchema>;
export type VirtualServerConfig = z.output<typeof virtualServerEntrySchema>;
