// The alert policy as the daemon runs it: each route's decision rules (an alert's own keys as
// defaults, the route's keys over them), each alert's delivery rules, flapping rules, and
// maintenance windows — resolved from the validated config once per plan.
import type { AfterRule, AlertRouteConfig, FlappingConfig, MaintenanceWindowConfig, PeriodReference } from '../config/alert-policy-schema.js';
import type { Config } from '../config/schema.js';
import type { AlertMode, AlertPlugin } from '../plugin.js';
import { parsePeriod, type TimePeriod } from './time-period.js';

export type { AfterRule };

/** What decides whether and when a route alerts. */
export interface DecisionPolicy {
  after?: AfterRule;
  everyMs?: number;
  /** Repeat at once when the failure message differs from the one last alerted. */
  /** true: a changed failure message alerts again; 'detail': a changed message or detail does. */
  repeatOnChange?: boolean | 'detail';
  numalerts?: number;
  period?: TimePeriod;
  /** The period's name (or its text when written in place), for logs. */
  periodName?: string;
  up: boolean;
  startup: boolean;
  /** false: the route decides as usual but sends no down, repeat or flapping alert (mon: upalert alone). */
  down?: boolean;
}

/** How an alert's deliveries are attempted. */
export interface DeliveryPolicy {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  digestMs?: number;
  inMaintenance: 'hold' | 'deliver';
}

export interface RoutePlan {
  alert: string;
  mode: AlertMode;
  policy: DecisionPolicy;
}

export type FlappingRule =
  | { method: 'changes'; changes: number; withinMs: number }
  | { method: 'percent'; high: number; low: number; results: number };

export interface MaintenanceWindowPlan {
  name: string;
  cron: string;
  durationMs: number;
  services?: string[];
  groups?: string[];
  hosts?: string[];
  reason?: string;
  timeZone?: string;
}

export const DELIVERY_DEFAULTS = { timeoutMs: 30_000, retries: 8, backoffMs: 10_000, maxBackoffMs: 600_000 } as const;

/** Nagios' defaults: 21 results (20 possible changes); below `low` it stops. */
const PERCENT_DEFAULTS = { results: 21 } as const;

export type AlertConfig = Config['alerts'][string];
type DecisionKeys = Pick<AlertConfig, 'after' | 'every' | 'repeat_on_change' | 'numalerts' | 'period' | 'up' | 'startup' | 'down'>;

export function resolvePeriod(reference: PeriodReference, periods: Map<string, TimePeriod>): { period: TimePeriod; name: string } {
  if (typeof reference === 'string') return { period: periods.get(reference)!, name: reference }; // names are validated at load
  const period = parsePeriod(reference);
  if (typeof period === 'string') throw new Error(`invalid period: ${period}`); // validated at load
  return { period, name: period.text };
}

export function resolvePeriods(config: Config): Map<string, TimePeriod> {
  const periods = new Map<string, TimePeriod>();
  for (const [name, definition] of Object.entries(config.periods)) {
    const period = parsePeriod(definition);
    if (typeof period !== 'string') periods.set(name, period);
  }
  return periods;
}

function decisionFrom(keys: DecisionKeys, base: DecisionPolicy, periods: Map<string, TimePeriod>): DecisionPolicy {
  const policy: DecisionPolicy = { ...base };
  if (keys.after !== undefined) policy.after = keys.after;
  if (keys.every !== undefined) policy.everyMs = keys.every;
  if (keys.repeat_on_change !== undefined) policy.repeatOnChange = keys.repeat_on_change;
  if (keys.numalerts !== undefined) policy.numalerts = keys.numalerts;
  if (keys.period !== undefined) {
    const { period, name } = resolvePeriod(keys.period, periods);
    policy.period = period;
    policy.periodName = name;
  }
  if (keys.up !== undefined) policy.up = keys.up;
  if (keys.startup !== undefined) policy.startup = keys.startup;
  if (keys.down !== undefined) policy.down = keys.down;
  return policy;
}

/** The defaults an alert definition gives its routes. */
export function alertDecisionDefaults(alert: AlertConfig, periods: Map<string, TimePeriod>): DecisionPolicy {
  return decisionFrom(alert, { up: true, startup: false }, periods);
}

export function alertDelivery(alert: AlertConfig, plugin: AlertPlugin): DeliveryPolicy {
  return {
    timeoutMs: alert.timeout ?? DELIVERY_DEFAULTS.timeoutMs,
    retries: alert.retries ?? DELIVERY_DEFAULTS.retries,
    backoffMs: alert.backoff ?? DELIVERY_DEFAULTS.backoffMs,
    maxBackoffMs: alert.max_backoff ?? DELIVERY_DEFAULTS.maxBackoffMs,
    digestMs: alert.digest,
    inMaintenance: alert.in_maintenance ?? plugin.inMaintenance ?? 'hold',
  };
}

/** A service's route: the alert's defaults with the route's own keys over them. */
export function resolveRoute(
  route: AlertRouteConfig,
  alerts: Map<string, { defaults: DecisionPolicy; mode: AlertMode }>,
  periods: Map<string, TimePeriod>,
): RoutePlan {
  const name = typeof route === 'string' ? route : route.alert;
  const alert = alerts.get(name)!; // validated at load
  const policy = typeof route === 'string' ? alert.defaults : decisionFrom(route, alert.defaults, periods);
  return { alert: name, mode: alert.mode, policy };
}

export function routeName(route: AlertRouteConfig): string {
  return typeof route === 'string' ? route : route.alert;
}

export function flappingRule(config: FlappingConfig | undefined): FlappingRule | undefined {
  if (!config) return undefined;
  if (config.changes !== undefined && config.within !== undefined) return { method: 'changes', changes: config.changes, withinMs: config.within };
  const high = config.high!;
  return { method: 'percent', high, low: config.low ?? high / 2, results: config.results ?? PERCENT_DEFAULTS.results };
}

export function maintenanceWindows(config: Config): MaintenanceWindowPlan[] {
  return Object.entries(config.maintenance).map(([name, window]: [string, MaintenanceWindowConfig]) => ({
    name,
    cron: window.cron,
    durationMs: window.duration,
    services: window.services,
    groups: window.groups,
    hosts: window.hosts,
    reason: window.reason,
    timeZone: window.time_zone,
  }));
}
