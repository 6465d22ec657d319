// Checks what the schema alone cannot about `virtual_servers:`: names that clash with services,
// the check's options (by its plugin; a real server's own check too), real servers that are the
// same IPVS destination, two entries (or `ipvs` alerts) for one virtual service, and the options of
// the `ipvs`/`notify` alerts each entry expands into.
import { z } from 'zod';
import { timingShape, virtualServerEntrySchema } from '../config/schema.js';
import { validateCheck, type ReferenceCheck } from '../config/validate-references.js';
import { describeZodIssues, type RawIssue } from '../config/zod-issues.js';
import { DEFAULTS, targetId } from '../plan.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { effectiveDestinationPort, formatEndpoint, formatServiceKey, parseEndpoint, parseServiceKey } from './ipvs-table.js';
import { FORWARDING_ALIASES } from './ipvs-options.js';
import { ipvsAlertName, ipvsOptionsFor, notifyAlertName, notifyOptionsFor, realServerName, serviceKeyText } from './virtual-server-options.js';
import { isObject } from '../is-object.js';

type Raw = Record<string, unknown>;

/** Time from a server's first failed check to its DOWN: the default panic window. */
function detectionWindowMs(parsed: z.output<typeof virtualServerEntrySchema>, defaults: Raw): number {
  const timing = z.strictObject(timingShape).safeParse(defaults);
  const d = timing.success ? timing.data : {};
  const interval = parsed.interval ?? d.interval ?? DEFAULTS.interval;
  const fast = parsed.fast_interval ?? d.fast_interval ?? Math.min(interval, DEFAULTS.fastInterval);
  const fall = parsed.fall ?? d.fall ?? DEFAULTS.fall;
  const timeout = parsed.timeout ?? d.timeout ?? DEFAULTS.timeout;
  return interval + fall * fast + timeout;
}

export function validateVirtualServers(raw: Raw, registry: PluginRegistry, checked: ReferenceCheck, baseDir: string): RawIssue[] {
  const issues: RawIssue[] = [];
  const services = isObject(raw.services) ? raw.services : {};
  const lvsDefaults = isObject(raw.lvs) ? raw.lvs : {};
  const defaults = isObject(raw.defaults) ? raw.defaults : {};
  const virtualServers = isObject(raw.virtual_servers) ? raw.virtual_servers : {};
  issues.push(...sharedVirtualServices(virtualServers, isObject(raw.alerts) ? raw.alerts : {}));

  for (const [name, entry] of Object.entries(virtualServers)) {
    if (!isObject(entry)) continue;
    const where = ['virtual_servers', name];
    if (name in services) issues.push({ path: where, message: `a service named '${name}' exists too; a virtual server is checked as a service of its own name, so the names must differ`, atKey: true });
    const checkOptions = validateCheck(entry.check, registry.checks, [...where, 'check'], issues, baseDir, checked.warnings);
    if (checkOptions) checked.checkOptions.set(name, checkOptions);

    const parsed = virtualServerEntrySchema.safeParse(entry);
    if (!parsed.success) continue; // the config schema reports these

    // Two entries IPVS would store as one destination (dr/tunnel use the service's port).
    const key = parseServiceKey(serviceKeyText(entry));
    const forwarding = FORWARDING_ALIASES[String(entry.forwarding ?? 'dr')] ?? 'dr';
    const seen = new Map<string, number>();
    const names = new Set<string>();
    (entry.real_servers as unknown[]).forEach((server, index) => {
      const serverName = realServerName(server);
      const endpoint = typeof server === 'string' ? parseEndpoint(server)! : (server as { address: string; port?: number });
      if (typeof key === 'string') return;
      const id = formatEndpoint(endpoint.address, effectiveDestinationPort(key, forwarding, endpoint.port));
      const first = seen.get(id);
      if (first !== undefined) {
        const why = forwarding === 'nat' ? '' : ` (with ${forwarding} forwarding IPVS uses the virtual port for every real server)`;
        issues.push({ path: [...where, 'real_servers', index], message: `same IPVS destination ${id} as real_servers[${first}]${why}` });
      } else if (names.has(serverName)) {
        issues.push({ path: [...where, 'real_servers', index], message: `real server name '${serverName}' is used twice` });
      }
      seen.set(id, first ?? index);
      names.add(serverName);
      // A real server's own check: its options kept under its target id, as a service's under its name.
      if (isObject(server) && server.check !== undefined) {
        const own = validateCheck(server.check, registry.checks, [...where, 'real_servers', index, 'check'], issues, baseDir, checked.warnings);
        if (own) checked.checkOptions.set(targetId(name, serverName), own);
      }
    });

    const plugins: Array<[string, string, Raw | undefined]> = [
      ['ipvs', ipvsAlertName(name), ipvsOptionsFor(entry, lvsDefaults, detectionWindowMs(parsed.data, defaults))],
      ['notify', notifyAlertName(name), notifyOptionsFor(entry)],
    ];
    for (const [type, alertName, options] of plugins) {
      if (!options) continue;
      const plugin = registry.alerts.get(type)?.plugin;
      if (!plugin) {
        issues.push({ path: where, message: `the built-in '${type}' alert is missing from this installation` });
        continue;
      }
      const result = plugin.options.safeParse(options);
      if (result.success) checked.alertOptions.set(alertName, result.data as Raw);
      else issues.push(...describeZodIssues(result.error.issues, plugin.options, options, where));
    }
  }
  return issues;
}

/**
 * Entries that drive the same virtual service. IPVS keeps one entry per protocol + address:port
 * (or fwmark): two pools for it would each remove the other's real servers at every resync.
 */
function sharedVirtualServices(virtualServers: Raw, alerts: Raw): RawIssue[] {
  const issues: RawIssue[] = [];
  const owners = new Map<string, string>();
  const claim = (service: string, owner: string, where: Array<string | number>) => {
    const first = owners.get(service);
    if (first === undefined) owners.set(service, owner);
    else issues.push({ path: where, message: `drives the same virtual service (${service}) as ${first}: IPVS keeps one table entry for it, so the two would undo each other's changes; put all its real servers in one entry`, atKey: true });
  };
  for (const [name, entry] of Object.entries(virtualServers)) {
    if (!isObject(entry) || !virtualServerEntrySchema.safeParse(entry).success) continue;
    claim(serviceKeyText(entry), `virtual_servers.${name}`, ['virtual_servers', name]);
  }
  for (const [name, alert] of Object.entries(alerts)) {
    if (!isObject(alert) || alert.type !== 'ipvs' || typeof alert.service !== 'string') continue;
    const key = parseServiceKey(alert.service);
    if (typeof key !== 'string') claim(formatServiceKey(key), `alerts.${name}`, ['alerts', name]);
  }
  return issues;
}
