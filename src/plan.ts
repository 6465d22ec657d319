// The Plan: a validated config turned into what the daemon runs — every (service, host) target
// with its check, timing and alert routes resolved. Immutable; a reload builds a new one and diffs.
import {
  alertDecisionDefaults,
  alertDelivery,
  flappingRule,
  maintenanceWindows,
  resolvePeriods,
  resolveRoute,
  type DecisionPolicy,
  type DeliveryPolicy,
  type FlappingRule,
  type MaintenanceWindowPlan,
  type RoutePlan,
} from './alerting/alert-policy.js';
import type { TimePeriod } from './alerting/time-period.js';
import type { AlertConfig } from './alerting/alert-policy.js';
import type { ConfigSources, LoadedConfig } from './config/load-config.js';
import { formatDuration } from './config/duration.js';
import { joinHostPort, parseHostEntry, type Host } from './config/host-entry.js';
import type { Config, ServiceConfig } from './config/schema.js';
import { allOfChecks } from './check-all.js';
import { expandVirtualServers } from './lvs/virtual-server-plan.js';
import type { AlertMode, AlertPlugin, CheckPlugin, Target } from './plugin.js';

export interface ServicePlan {
  name: string;
  description?: string;
  group: string;
  checkType: string;
  plugin: CheckPlugin;
  options: Record<string, unknown>;
  intervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
  fastIntervalMs: number;
  downIntervalMs: number;
  spreadMs: number;
  initialState: 'up' | 'down';
  /** Names of the alerts it routes to. */
  alerts: string[];
  /** Each route with its resolved policy. */
  routes: RoutePlan[];
  /** Services (or service/host targets) whose DOWN holds this service's alerts. */
  dependsOn: string[];
  flapping?: FlappingRule;
  batch: boolean;
  disabled: boolean;
  hosts: Host[];
}

/** The check a target runs: its service's, or a real server's own (`real_servers: [{check}]`). */
export type CheckPlan = Pick<ServicePlan, 'checkType' | 'plugin' | 'options'>;

/** How often and how patiently a target is checked, and how many results turn its state. */
export type CheckTiming = Pick<ServicePlan, 'intervalMs' | 'timeoutMs' | 'rise' | 'fall' | 'fastIntervalMs' | 'downIntervalMs'>;

export interface TargetPlan {
  target: Target;
  service: ServicePlan;
  /** Its service's check, or a real server's own. */
  check: CheckPlan;
  /** Its service's timing, or a real server's own. */
  timing: CheckTiming;
}

export function serviceTiming({ intervalMs, timeoutMs, rise, fall, fastIntervalMs, downIntervalMs }: ServicePlan): CheckTiming {
  return { intervalMs, timeoutMs, rise, fall, fastIntervalMs, downIntervalMs };
}

export interface AlertPlan {
  name: string;
  type: string;
  plugin: AlertPlugin;
  options: Record<string, unknown>;
  mode: AlertMode;
  /** The policy its routes start from. */
  defaults: DecisionPolicy;
  delivery: DeliveryPolicy;
  /** Ids of the targets whose services route to this alert, sorted. */
  routedTargets: string[];
}

export interface Plan {
  file: string;
  /** The files (and included directories) it was read from: what `auto_reload` watches. */
  sources: ConfigSources;
  config: Config;
  services: Map<string, ServicePlan>;
  targets: Map<string, TargetPlan>;
  alerts: Map<string, AlertPlan>;
  periods: Map<string, TimePeriod>;
  maintenance: MaintenanceWindowPlan[];
}

export const DEFAULTS = { interval: 5_000, timeout: 3_000, rise: 2, fall: 3, fastInterval: 1_000 } as const;

export function targetId(service: string, hostName: string): string {
  return `${service}/${hostName}`;
}

const endpointOf = (target: Target) => joinHostPort(target.address, target.port);

/** A target that kept its name but now points at another address or port: another machine. */
export function targetMoved(before: Pick<Target, 'address' | 'port'>, after: Pick<Target, 'address' | 'port'>): boolean {
  return before.address !== after.address || before.port !== after.port;
}

/** An alert's plan: its plugin and options, the policy its routes start from, how it is delivered. */
export function buildAlertPlan(loaded: LoadedConfig, name: string, alert: AlertConfig, periods: Map<string, TimePeriod>): AlertPlan {
  const plugin = loaded.registry.alerts.get(alert.type)!.plugin;
  return {
    name,
    type: alert.type,
    plugin,
    options: loaded.alertOptions.get(name)!,
    mode: plugin.mode ?? 'notify',
    defaults: alertDecisionDefaults(alert, periods),
    delivery: alertDelivery(alert, plugin),
    routedTargets: [],
  };
}

/**
 * The plugin that runs a check as configured: its own, or for a list one that runs them all.
 * `name` keys its validated options: the service's name, or a real server's target id.
 */
export function checkOf(loaded: LoadedConfig, name: string, check: ServiceConfig['check']): CheckPlan {
  const options = loaded.checkOptions.get(name)!;
  if (!Array.isArray(check)) return { checkType: check.type, plugin: loaded.registry.checks.get(check.type)!.plugin, options };
  const parts = (options.checks as Array<Record<string, unknown> & { type: string }>).map(({ type, ...partOptions }) => ({
    type,
    plugin: loaded.registry.checks.get(type)!.plugin,
    options: partOptions,
  }));
  const plugin = allOfChecks(parts);
  return { checkType: plugin.type, plugin, options };
}

/** A service's plan: its check, timing (its own, else `defaults`, else built-in) and routes. */
export function buildServicePlan(
  loaded: LoadedConfig,
  name: string,
  service: ServiceConfig,
  hosts: Host[],
  alerts: Map<string, AlertPlan>,
  periods: Map<string, TimePeriod>,
): ServicePlan {
  const defaults = loaded.config.defaults;
  const intervalMs = service.interval ?? defaults.interval ?? DEFAULTS.interval;
  const routes = (service.alerts ?? defaults.alerts ?? []).map((route) => resolveRoute(route, alerts, periods));
  return {
    name,
    description: service.description,
    group: service.group,
    ...checkOf(loaded, name, service.check),
    intervalMs,
    timeoutMs: service.timeout ?? defaults.timeout ?? DEFAULTS.timeout,
    rise: service.rise ?? defaults.rise ?? DEFAULTS.rise,
    fall: service.fall ?? defaults.fall ?? DEFAULTS.fall,
    fastIntervalMs: service.fast_interval ?? defaults.fast_interval ?? Math.min(intervalMs, DEFAULTS.fastInterval),
    downIntervalMs: service.down_interval ?? defaults.down_interval ?? intervalMs,
    spreadMs: service.spread ?? defaults.spread ?? intervalMs,
    initialState: service.initial_state ?? defaults.initial_state ?? 'up',
    alerts: routes.map((route) => route.alert),
    routes,
    dependsOn: service.depends_on ?? [],
    flapping: flappingRule((service.flapping ?? defaults.flapping) || undefined),
    batch: service.batch ?? false,
    disabled: service.disabled ?? false,
    hosts,
  };
}

/** Adds a target per host of the service. */
export function addTargets(targets: Map<string, TargetPlan>, plan: ServicePlan): void {
  // One check and one timing object for all the service's targets (a plan is never changed in
  // place): a reload's diff then compares each once, not ten thousand times.
  const check: CheckPlan = { checkType: plan.checkType, plugin: plan.plugin, options: plan.options };
  const timing = serviceTiming(plan);
  for (const host of plan.hosts) {
    const id = targetId(plan.name, host.name);
    const target: Target = { id, service: plan.name, group: plan.group, name: host.name, address: host.address };
    if (host.port !== undefined) target.port = host.port;
    if (host.weight !== undefined) target.weight = host.weight;
    targets.set(id, { target, service: plan, check, timing });
  }
}

export function buildPlan(loaded: LoadedConfig): Plan {
  const { config } = loaded;
  const services = new Map<string, ServicePlan>();
  const targets = new Map<string, TargetPlan>();
  const periods = resolvePeriods(config);
  const alerts = new Map<string, AlertPlan>();
  for (const [name, alert] of Object.entries(config.alerts)) alerts.set(name, buildAlertPlan(loaded, name, alert, periods));

  for (const [name, service] of Object.entries(config.services)) {
    const hosts = config.hostgroups[service.group]!.map((entry) => parseHostEntry(entry) as Host);
    const plan = buildServicePlan(loaded, name, service, hosts, alerts, periods);
    services.set(name, plan);
    addTargets(targets, plan);
  }

  expandVirtualServers(loaded, services, targets, alerts, periods);
  for (const { target, service } of targets.values()) {
    for (const name of service.alerts) alerts.get(name)?.routedTargets.push(target.id);
  }
  for (const alert of alerts.values()) alert.routedTargets.sort();
  return { file: loaded.file, sources: loaded.sources, config, services, targets, alerts, periods, maintenance: maintenanceWindows(config) };
}

// ---- diff, for reload ----

export interface PlanDiff {
  addedServices: string[];
  removedServices: string[];
  /** Per changed service, readable descriptions of what changed. */
  changedServices: Map<string, string[]>;
  addedTargets: string[];
  removedTargets: string[];
  /** Targets that moved (same name, another address or port), or whose own check or timing (a real server's) changed while their service did not, with what changed. */
  changedTargets: Map<string, string[]>;
  unchangedTargets: number;
}

const TIMING_FIELDS = [
  ['intervalMs', 'interval'],
  ['timeoutMs', 'timeout'],
  ['fastIntervalMs', 'fast_interval'],
  ['downIntervalMs', 'down_interval'],
  ['spreadMs', 'spread'],
] as const;

function describeServiceChanges(before: ServicePlan, after: ServicePlan): string[] {
  const changes: string[] = [];
  for (const [field, label] of TIMING_FIELDS) {
    if (before[field] !== after[field]) changes.push(`${label} ${formatDuration(before[field])} → ${formatDuration(after[field])}`);
  }
  for (const field of ['rise', 'fall', 'initialState', 'group', 'checkType', 'batch', 'disabled'] as const) {
    if (before[field] !== after[field]) changes.push(`${field} ${before[field]} → ${after[field]}`);
  }
  if (JSON.stringify(before.options) !== JSON.stringify(after.options)) changes.push('check options changed');
  if (before.alerts.join(',') !== after.alerts.join(',')) changes.push(`alerts [${before.alerts.join(', ')}] → [${after.alerts.join(', ')}]`);
  else if (JSON.stringify(before.routes) !== JSON.stringify(after.routes)) changes.push('alert policy changed');
  if (before.dependsOn.join(',') !== after.dependsOn.join(',')) changes.push(`depends_on [${before.dependsOn.join(', ')}] → [${after.dependsOn.join(', ')}]`);
  if (JSON.stringify(before.flapping) !== JSON.stringify(after.flapping)) changes.push('flapping rule changed');
  return changes;
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
  const changedServices = new Map<string, string[]>();
  for (const [name, service] of after.services) {
    const previous = before.services.get(name);
    if (!previous) continue;
    const changes = describeServiceChanges(previous, service);
    if (changes.length) changedServices.set(name, changes);
  }
  const addedTargets = [...after.targets.keys()].filter((id) => !before.targets.has(id));
  const removedTargets = [...before.targets.keys()].filter((id) => !after.targets.has(id));
  const changedTargets = new Map<string, string[]>();
  let unchangedTargets = 0;
  // Targets share their service's check and timing objects: each pair is compared once.
  const same = sameJsonOnce();
  for (const [id, planned] of after.targets) {
    const previous = before.targets.get(id);
    if (!previous) continue;
    const changes: string[] = [];
    // Another machine under the same name, whatever else changed: it is checked afresh.
    if (targetMoved(previous.target, planned.target)) changes.push(`moved ${endpointOf(previous.target)} → ${endpointOf(planned.target)}`);
    const serviceChanged = changedServices.has(planned.service.name);
    if (!serviceChanged) {
      if (previous.check.checkType !== planned.check.checkType || !same(previous.check.options, planned.check.options)) changes.push('its own check changed');
      if (!same(previous.timing, planned.timing)) changes.push('its own timing changed');
    }
    if (changes.length) changedTargets.set(id, changes);
    else if (!serviceChanged) unchangedTargets++;
  }
  return {
    addedServices: [...after.services.keys()].filter((name) => !before.services.has(name)),
    removedServices: [...before.services.keys()].filter((name) => !after.services.has(name)),
    changedServices,
    addedTargets,
    removedTargets,
    changedTargets,
    unchangedTargets,
  };
}

/** Compares two values by their JSON, remembering the answer for each pair of objects. */
function sameJsonOnce(): (a: object, b: object) => boolean {
  const answers = new Map<object, Map<object, boolean>>();
  return (a, b) => {
    let forA = answers.get(a);
    if (!forA) answers.set(a, (forA = new Map()));
    let answer = forA.get(b);
    if (answer === undefined) forA.set(b, (answer = JSON.stringify(a) === JSON.stringify(b)));
    return answer;
  };
}

export function describeDiff(diff: PlanDiff): string[] {
  const lines: string[] = [];
  for (const name of diff.addedServices) lines.push(`+ service ${name}`);
  for (const name of diff.removedServices) lines.push(`- service ${name}`);
  for (const [name, changes] of diff.changedServices) lines.push(`~ service ${name}: ${changes.join('; ')}`);
  for (const id of diff.addedTargets) lines.push(`+ target ${id}`);
  for (const id of diff.removedTargets) lines.push(`- target ${id}`);
  for (const [id, changes] of diff.changedTargets) lines.push(`~ target ${id}: ${changes.join('; ')}`);
  lines.push(`${diff.unchangedTargets} target(s) unchanged`);
  return lines;
}
