// Checks the alert policy's references, which the schema alone cannot: routes name existing alerts
// (once per service), periods exist, `depends_on` names existing services without cycles,
// maintenance windows name existing targets, and alerts that mirror state (mode 'state', e.g. an
// LVS pool) carry no rule that would delay or drop a transition.
import type { PluginRegistry } from '../plugins/registry.js';
import { didYouMean } from './did-you-mean.js';
import { parseHostEntry } from './host-entry.js';
import { hostEntrySchema } from './schema.js';
import type { RawIssue } from './zod-issues.js';
import { isObject } from '../is-object.js';

type Section = Record<string, unknown>;
type Path = (string | number)[];

const sectionOf = (raw: Section, name: string): Section => (isObject(raw[name]) ? (raw[name] as Section) : {});

/** Decision keys that would delay, repeat or drop what a state-mirroring action must get at once. */
const NOT_FOR_STATE = ['after', 'every', 'numalerts', 'period', 'startup', 'down', 'digest'] as const;

function notDefined(what: string, name: string, known: string[]): string {
  return `no ${what} named '${name}'${didYouMean(name, known)}; defined: ${known.join(', ') || '(none)'}`;
}

export function validateAlerting(raw: Section, registry: PluginRegistry, issues: RawIssue[]): void {
  const alerts = sectionOf(raw, 'alerts');
  const periods = Object.keys(sectionOf(raw, 'periods'));
  const services = sectionOf(raw, 'services');
  const hostgroups = sectionOf(raw, 'hostgroups');
  const alertNames = Object.keys(alerts);

  const pluginOf = (alertName: string) => {
    const alert = alerts[alertName];
    return isObject(alert) && typeof alert.type === 'string' ? registry.alerts.get(alert.type)?.plugin : undefined;
  };
  const checkPeriod = (value: unknown, where: Path) => {
    if (typeof value === 'string' && !periods.includes(value)) issues.push({ path: where, message: notDefined('period', value, periods) });
  };
  const checkStateRules = (entry: Section, alertName: string, where: Path) => {
    const plugin = pluginOf(alertName);
    if (plugin?.mode !== 'state') return;
    for (const key of NOT_FOR_STATE) {
      if (entry[key] !== undefined) {
        issues.push({
          path: [...where, key],
          message: `alert '${alertName}' (type ${plugin.type}) mirrors target state: it gets every transition at once, so '${key}' does not apply`,
          atKey: true,
        });
      }
    }
    if (entry.up === false) issues.push({ path: [...where, 'up'], message: `alert '${alertName}' (type ${plugin.type}) mirrors target state: it must get up events`, atKey: true });
  };

  const checkRoutes = (routes: unknown, where: Path) => {
    if (!Array.isArray(routes)) return;
    const seen = new Set<string>();
    routes.forEach((route, index) => {
      const name = typeof route === 'string' ? route : isObject(route) && typeof route.alert === 'string' ? route.alert : undefined;
      if (name === undefined) return; // the schema reports it
      const at = typeof route === 'string' ? [...where, index] : [...where, index, 'alert'];
      if (!(name in alerts)) {
        issues.push({ path: at, message: notDefined('alert', name, alertNames) });
        return;
      }
      if (seen.has(name)) issues.push({ path: at, message: `alert '${name}' is routed twice; give one route with the policy you want` });
      seen.add(name);
      if (isObject(route)) {
        checkPeriod(route.period, [...where, index, 'period']);
        checkStateRules(route, name, [...where, index]);
      }
    });
  };

  checkRoutes(sectionOf(raw, 'defaults').alerts, ['defaults', 'alerts']);

  for (const [name, alert] of Object.entries(alerts)) {
    if (!isObject(alert)) continue;
    checkPeriod(alert.period, ['alerts', name, 'period']);
    checkStateRules(alert, name, ['alerts', name]);
    const plugin = pluginOf(name);
    if (alert.digest !== undefined && plugin && plugin.mode !== 'state' && !plugin.fireDigest) {
      issues.push({ path: ['alerts', name, 'digest'], message: `alert type '${plugin.type}' cannot send digests`, atKey: true });
    }
  }

  const serviceNames = Object.keys(services);
  const targetsOf = (service: string): string[] => {
    const group = isObject(services[service]) ? (services[service] as Section).group : undefined;
    const hosts = typeof group === 'string' && Array.isArray(hostgroups[group]) ? (hostgroups[group] as unknown[]) : [];
    return hosts.flatMap((entry) => {
      const parsed = hostEntrySchema.safeParse(entry);
      const host = parsed.success ? parseHostEntry(parsed.data) : undefined;
      return host && typeof host !== 'string' ? [host.name] : [];
    });
  };
  for (const [name, entry] of Object.entries(sectionOf(raw, 'virtual_servers'))) {
    if (isObject(entry)) checkRoutes(entry.alerts, ['virtual_servers', name, 'alerts']);
  }
  const parentsOf = new Map<string, string[]>();
  for (const [name, service] of Object.entries(services)) {
    if (!isObject(service)) continue;
    checkRoutes(service.alerts, ['services', name, 'alerts']);
    if (!Array.isArray(service.depends_on)) continue;
    const parents: string[] = [];
    service.depends_on.forEach((entry, index) => {
      if (typeof entry !== 'string') return;
      const where = ['services', name, 'depends_on', index];
      const slash = entry.indexOf('/');
      const parent = slash < 0 ? entry : entry.slice(0, slash);
      if (!(parent in services)) return issues.push({ path: where, message: notDefined('service', parent, serviceNames) });
      if (parent === name) return issues.push({ path: where, message: 'a service cannot depend on itself' });
      if (slash >= 0 && !targetsOf(parent).includes(entry.slice(slash + 1))) {
        return issues.push({ path: where, message: `service '${parent}' has no host '${entry.slice(slash + 1)}'; its hosts: ${targetsOf(parent).join(', ')}` });
      }
      parents.push(parent);
    });
    parentsOf.set(name, parents);
  }
  for (const name of parentsOf.keys()) {
    const cycle = findCycle(name, parentsOf);
    if (cycle) issues.push({ path: ['services', name, 'depends_on'], message: `dependency cycle: ${cycle.join(' → ')}` });
  }

  const groupNames = Object.keys(hostgroups);
  const allHosts = new Set(serviceNames.flatMap(targetsOf));
  for (const [name, window] of Object.entries(sectionOf(raw, 'maintenance'))) {
    if (!isObject(window)) continue;
    const check = (key: string, known: string[], what: string) => {
      if (!Array.isArray(window[key])) return;
      (window[key] as unknown[]).forEach((entry, index) => {
        if (typeof entry === 'string' && !known.includes(entry)) issues.push({ path: ['maintenance', name, key, index], message: notDefined(what, entry, known) });
      });
    };
    check('services', serviceNames, 'service');
    check('groups', groupNames, 'host group');
    check('hosts', [...allHosts], 'host');
  }
}

/** A path from `start` back to itself through `depends_on`, if there is one. */
function findCycle(start: string, parentsOf: Map<string, string[]>): string[] | undefined {
  const walk = (node: string, path: string[]): string[] | undefined => {
    for (const parent of parentsOf.get(node) ?? []) {
      if (parent === start) return [...path, parent];
      if (path.includes(parent)) continue;
      const found = walk(parent, [...path, parent]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}
