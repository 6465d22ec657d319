// Expands each `virtual_servers:` entry into what the rest of the daemon already knows: a
// service (its real servers are the targets, checked and recorded like any other; a real server
// with a check or timing of its own runs with those) plus the `ipvs` alert routed from it (and a `notify`
// alert for keepalived-style hooks).
import type { z } from 'zod';
import type { LoadedConfig } from '../config/load-config.js';
import type { realServerObjectSchema } from '../config/schema-lvs.js';
import type { ServiceConfig } from '../config/schema.js';
import type { Host } from '../config/host-entry.js';
import type { AlertConfig } from '../alerting/alert-policy.js';
import type { TimePeriod } from '../alerting/time-period.js';
import { addTargets, buildAlertPlan, buildServicePlan, checkOf, targetId, type AlertPlan, type CheckTiming, type ServicePlan, type TargetPlan } from '../plan.js';
import { parseEndpoint } from './ipvs-table.js';
import { ipvsAlertName, notifyAlertName, realServerName } from './virtual-server-options.js';

/**
 * A real server's timing: its own keys over its virtual server's. Re-checks and the interval while
 * DOWN follow its own interval where the virtual server left them to their defaults.
 */
function ownTiming(inherited: CheckTiming, entry: z.output<typeof realServerObjectSchema>): CheckTiming {
  const intervalMs = entry.interval ?? inherited.intervalMs;
  return {
    intervalMs,
    timeoutMs: entry.timeout ?? inherited.timeoutMs,
    rise: entry.rise ?? inherited.rise,
    fall: entry.fall ?? inherited.fall,
    fastIntervalMs: entry.fast_interval ?? Math.min(inherited.fastIntervalMs, intervalMs),
    downIntervalMs: entry.down_interval ?? (inherited.downIntervalMs === inherited.intervalMs ? intervalMs : inherited.downIntervalMs),
  };
}

export function expandVirtualServers(
  loaded: LoadedConfig,
  services: Map<string, ServicePlan>,
  targets: Map<string, TargetPlan>,
  alerts: Map<string, AlertPlan>,
  periods: Map<string, TimePeriod>,
): void {
  const { config } = loaded;
  for (const [name, server] of Object.entries(config.virtual_servers)) {
    const hosts: Host[] = server.real_servers.map((entry) => {
      const endpoint = typeof entry === 'string' ? parseEndpoint(entry)! : entry;
      const host: Host = { name: realServerName(entry), address: endpoint.address };
      if (endpoint.port !== undefined) host.port = endpoint.port;
      if (typeof entry !== 'string' && entry.weight !== undefined) host.weight = entry.weight;
      return host;
    });
    const own = [ipvsAlertName(name)];
    if (loaded.alertOptions.has(notifyAlertName(name))) own.push(notifyAlertName(name));
    for (const alertName of own) {
      const type = alertName === ipvsAlertName(name) ? 'ipvs' : 'notify';
      alerts.set(alertName, buildAlertPlan(loaded, alertName, { type } as AlertConfig, periods));
    }
    const service: ServiceConfig = {
      description: server.description,
      group: name,
      check: server.check,
      disabled: server.disabled,
      interval: server.interval,
      timeout: server.timeout,
      rise: server.rise,
      fall: server.fall,
      fast_interval: server.fast_interval,
      down_interval: server.down_interval,
      spread: server.spread,
      initial_state: server.initial_state,
      flapping: server.flapping,
      alerts: [...own, ...(server.alerts ?? config.defaults.alerts ?? [])],
    };
    const plan = buildServicePlan(loaded, name, service, hosts, alerts, periods);
    services.set(name, plan);
    addTargets(targets, plan);
    for (const entry of server.real_servers) {
      if (typeof entry === 'string') continue;
      const planned = targets.get(targetId(name, realServerName(entry)))!;
      if (entry.check !== undefined) planned.check = checkOf(loaded, planned.target.id, entry.check);
      planned.timing = ownTiming(planned.timing, entry);
    }
  }
}
