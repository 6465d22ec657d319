// One mon `watch GROUP` / `service NAME` block → one Vigil service: its timing, its check (a
// built-in check where one does the monitor's job, else the monitor itself as a script check
// under the mon convention, run once per group), its host group, its alert routes.
import { readFileSync } from 'node:fs';
import { splitCommandLine } from '../config/command-line.js';
import { findProgram } from './find-program.js';
import type { ConfigPath, ImportBuilder, ImportOptions } from './import-result.js';
import { literalArgument, parseMonTime, slug, uniqueName, type DurationWriter } from './import-text.js';
import { translatePeriods, type MonAlerts, type PeriodNames } from './mon-alert-routes.js';
import { builtinForMonitor, whyScript } from './mon-monitors.js';
import type { MonDirective, MonService, MonWatch } from './parse-mon-cf.js';
import { periodToWindows } from './period-windows.js';

export interface MonContext {
  out: ImportBuilder;
  options: ImportOptions;
  durations: DurationWriter;
  monitorDirs: string[];
  /** MON_STATEDIR, MON_LOGDIR, MON_CFBASEDIR as mon would set them. */
  monDirs: Record<string, string>;
  periods: PeriodNames;
  alerts: MonAlerts;
  serviceNames: Set<string>;
  /** How many watches have a service of each name. */
  serviceCounts: Map<string, number>;
  hostgroupNames: Set<string>;
  maintenanceNames: Set<string>;
  /** The global dep_behavior. */
  depBehavior: string;
}

/** Directives of a service (before its first period) that are handled here, with what they do. */
const SERVICE_KEYS = new Set(['description', 'interval', 'failure_interval', 'monitor', 'depend', 'alertdepend', 'dep_behavior', 'exclude_hosts', 'exclude_period']);

const NOT_TRANSLATED: Record<string, string> = {
  randskew: "Vigil spreads first checks over `spread` and keeps each target's phase; it does not jitter every interval",
  redistribute: 'Vigil has no alert redistribution to another mon server',
  traptimeout: 'Vigil has no trap receiver: a service is only as up as its checks say',
  trapduration: 'Vigil has no trap receiver',
  monitordepend: 'Vigil runs every check; depends_on holds alerts only',
  hostdepend: 'Vigil has no per-host dependencies (depends_on: [service/host] names a target whose DOWN holds alerts)',
  dep_memory: 'depends_on follows the current state of the parent; there is no memory of past failures',
  unack_summary: 'an acknowledgement lasts until the outage ends',
  allow_empty_group: 'a Vigil host group always has hosts, and the script check appends them',
};

/** The translated service name of each `group:service`, for depend lines. */
export type ServiceIndex = Map<string, string>;

export interface PendingDepend {
  serviceName: string;
  watch: MonWatch;
  directives: MonDirective[];
  behavior: string;
}

function last(directives: MonDirective[], key: string): MonDirective | undefined {
  return directives.filter((d) => d.key === key).pop();
}

/** The environment a monitor reads: the service's VARs, and mon's directories if the script uses them. */
function monitorEnv(program: { path: string; found: boolean }, vars: Record<string, string>, monDirs: Record<string, string>): Record<string, string> {
  const env = { ...vars };
  if (program.found && Object.keys(monDirs).length) {
    let text = '';
    try {
      text = readFileSync(program.path, 'utf8').slice(0, 200_000);
    } catch {
      // unreadable: nothing to add
    }
    for (const [name, value] of Object.entries(monDirs)) if (text.includes(name)) env[name] = value;
  }
  return env;
}

interface CheckChoice {
  check: Record<string, unknown>;
  timeoutMs: number;
  batch: boolean;
  comment: string;
}

function chooseCheck(monitor: MonDirective, vars: Record<string, string>, intervalMs: number, ctx: MonContext): CheckChoice | string {
  let text = monitor.rest.trim();
  const suppressHosts = /;;\s*$/.test(text);
  if (suppressHosts) text = text.replace(/\s*;;\s*$/, '');
  const words = splitCommandLine(text);
  if (typeof words === 'string') return words;
  const [name, ...args] = words;
  const program = findProgram(name!, ctx.monitorDirs);
  const original = `${ctx.out.cite(monitor.line)} monitor ${monitor.rest.trim()}`;
  const builtin = ctx.options.keepMonitors || suppressHosts ? undefined : builtinForMonitor(name!, args);
  if (builtin) {
    const differences = builtin.differences.length ? ` Differences: ${builtin.differences.join('; ')}.` : '';
    for (const difference of builtin.differences) ctx.out.behaviour(`monitor ${monitor.rest.trim()}: ${difference}`, monitor.line);
    return {
      check: builtin.check,
      timeoutMs: builtin.timeoutMs,
      batch: false,
      comment: `${original}\nreplaced by the built-in ${String(builtin.check.type)} check, which does the monitor's job per host.${differences}\nTo run mon's monitor itself instead: check: { type: script, convention: mon, command: ${program.path}${args.length ? `, args: [${args.join(', ')}]` : ''} } with batch: true (or import with --keep-monitors).`,
    };
  }
  if (!program.found) ctx.out.problem(monitor.line, `monitor ${name} is not in mondir (${ctx.monitorDirs.join(':')}): the check will report "cannot run" until it is installed at ${program.path}`);
  const check: Record<string, unknown> = { type: 'script', convention: 'mon', command: program.path };
  if (args.length) check.args = args.map(literalArgument);
  if (suppressHosts) check.append_hosts = false;
  const env = monitorEnv(program, vars, ctx.monDirs);
  if (Object.keys(env).length) check.env = env;
  const why = ctx.options.keepMonitors ? 'kept as the monitor: --keep-monitors' : suppressHosts ? 'a monitor that checks what its own arguments name' : whyScript(name!, args);
  const how = suppressHosts ? "without the hosts appended (';;')" : 'with the hosts appended';
  return {
    check,
    timeoutMs: intervalMs,
    batch: true,
    comment: `${original}\nmon's monitor, run unchanged once per group (batch: true) ${how}, as mon runs it (${why}).\nmon has no monitor timeout; Vigil stops a run after timeout (here the interval).`,
  };
}

/** Translates one service; returns what its depend lines need once every service is known. */
export function translateService(watch: MonWatch, service: MonService, index: ServiceIndex, ctx: MonContext): PendingDepend | undefined {
  const { out, durations } = ctx;
  const directives = service.directives;
  const monitor = last(directives, 'monitor');
  if (!monitor) {
    out.untranslated(service.line, `watch ${watch.group} / service ${service.name}`, 'no monitor line: mon only learns its state from traps other systems send it; Vigil has no trap receiver, so neither the service nor its alerts are imported');
    return undefined;
  }
  // mon passes the service's own name to alerts (-s, MON_SERVICE): keep it when it is unique.
  const shared = (ctx.serviceCounts.get(service.name) ?? 0) > 1;
  const name = uniqueName(slug(shared ? `${watch.group}-${service.name}` : service.name, 'service'), ctx.serviceNames);
  if (name !== service.name) {
    out.behaviour(`A service name used in several watches (or not a valid Vigil name) gets its group in front (${name}): mon alert scripts get -s and MON_SERVICE with that name where mon passed the bare service name (${service.name})`, service.line);
  }
  index.set(`${watch.group}:${service.name}`, name);
  const where: ConfigPath = ['services', name];
  const entry: Record<string, unknown> = {};
  out.section('services')[name] = entry;
  out.comment(where, `${out.cite(service.line)} watch ${watch.group} / service ${service.name}`);

  const description = last(directives, 'description');
  if (description) entry.description = description.rest;
  entry.group = watch.group;

  const exclude = last(directives, 'exclude_hosts');
  if (exclude) {
    const excluded = new Set(exclude.args);
    const hosts = ((out.section('hostgroups')[watch.group] as string[]) ?? []).filter((host) => !excluded.has(host));
    if (hosts.length) {
      const group = uniqueName(`${name}-hosts`, ctx.hostgroupNames);
      out.section('hostgroups')[group] = hosts;
      out.comment(['hostgroups', group], `${out.cite(exclude.line)} exclude_hosts ${exclude.rest}: group ${watch.group} without them, for service ${name}`);
      entry.group = group;
    } else out.untranslated(exclude.line, `exclude_hosts ${exclude.rest}`, `it excludes every host of ${watch.group}: a Vigil host group needs hosts`);
  }

  const intervalDirective = last(directives, 'interval');
  const intervalMs = intervalDirective ? parseMonTime(intervalDirective.rest) : undefined;
  if (intervalDirective && intervalMs === undefined) out.problem(intervalDirective.line, `interval ${intervalDirective.rest}: expected a time such as 5m (mon rejects this config)`);
  if (intervalMs !== undefined) entry.interval = durations.write(intervalMs);
  else {
    entry.disabled = true;
    out.comment([...where, 'disabled'], `${out.cite(service.line)} has no interval: mon never runs its monitor, so it is imported disabled (give it an interval and remove this)`, true);
    out.behaviour(`service ${watch.group}/${service.name} has no interval: mon never runs its monitor; imported with disabled: true`, service.line);
  }
  const failureInterval = last(directives, 'failure_interval');
  if (failureInterval) {
    const ms = parseMonTime(failureInterval.rest);
    if (ms === undefined) out.problem(failureInterval.line, `failure_interval ${failureInterval.rest}: expected a time (mon rejects this config)`);
    else {
      entry.down_interval = durations.write(ms);
      out.comment([...where, 'down_interval'], `${out.cite(failureInterval.line)} failure_interval`, true);
    }
  }

  const choice = chooseCheck(monitor, service.vars, intervalMs ?? 300_000, ctx);
  if (typeof choice === 'string') {
    out.untranslated(monitor.line, `monitor ${monitor.rest}`, `${choice}; the service is imported disabled with a placeholder check`);
    entry.disabled = true;
    entry.check = { type: 'script', convention: 'mon', command: '/bin/false' };
  } else {
    entry.timeout = durations.write(choice.timeoutMs);
    if (choice.batch) entry.batch = true;
    entry.check = choice.check;
    out.comment([...where, 'check'], choice.comment);
  }
  if (Object.keys(service.vars).length && typeof choice !== 'string' && !choice.batch) {
    out.comment([...where, 'check'], `the service's VAR=value lines (${Object.keys(service.vars).join(', ')}) go to its alerts; the built-in check does not read them`);
  }

  const excludePeriod = last(directives, 'exclude_period');
  if (excludePeriod) addExcludeWindows(excludePeriod, { services: [name] }, `${name}-exclude`, ctx);

  for (const directive of directives) {
    if (SERVICE_KEYS.has(directive.key)) continue;
    // An unknown directive is a mistake in the source (mon refuses the file), not something left untranslated.
    if (NOT_TRANSLATED[directive.key]) out.untranslated(directive.line, `${directive.key} ${directive.rest}`, NOT_TRANSLATED[directive.key]);
    else out.problem(directive.line, `${directive.key} ${directive.rest}: not a mon service directive; mon rejects this config (unknown syntax); not imported`);
  }

  const routes = translatePeriods(service, service.vars, ctx);
  if (routes.length) {
    entry.alerts = routes.map((r) => r.route);
    routes.forEach((r, i) => out.comment([...where, 'alerts', i], r.comment, true));
  }

  const depends = directives.filter((d) => d.key === 'depend' || d.key === 'alertdepend');
  if (!depends.length) return undefined;
  const behavior = last(directives, 'dep_behavior')?.rest.trim() ?? ctx.depBehavior;
  return { serviceName: name, watch, directives: depends, behavior };
}

/** depend / alertdepend → depends_on, once every service has its name. */
export function resolveDepends(pending: PendingDepend, index: ServiceIndex, out: ImportBuilder): void {
  const names: string[] = [];
  for (const directive of pending.directives) {
    const expression = directive.rest.replace(/SELF:/g, `${pending.watch.group}:`);
    const terms = expression.split(/\s+|&&/).filter((term) => term && term !== 'and');
    const complex = terms.some((term) => !/^[\w.-]+:[\w.-]+$/.test(term));
    if (complex) {
      out.untranslated(directive.line, `${directive.key} ${directive.rest}`, 'an expression with ||, ! or parentheses: depends_on holds alerts while any listed service is down (an AND of all of them being up)');
      continue;
    }
    for (const term of terms) {
      const target = index.get(term);
      if (!target) out.untranslated(directive.line, `${directive.key} ${term}`, `${term} is not an imported service`);
      else if (target !== pending.serviceName && !names.includes(target)) names.push(target);
    }
    if (directive.key === 'depend' && pending.behavior !== 'a') {
      out.behaviour(`dep_behavior ${pending.behavior}: mon does not run the monitor while ${directive.rest} fails; Vigil keeps checking and holds the alerts (depends_on)`, directive.line);
    }
  }
  if (!names.length) return;
  const services = out.section('services');
  // depends_on goes before alerts, where it reads naturally.
  const { alerts, ...rest } = services[pending.serviceName] as Record<string, unknown>;
  services[pending.serviceName] = alerts === undefined ? { ...rest, depends_on: names } : { ...rest, depends_on: names, alerts };
  out.comment(['services', pending.serviceName, 'depends_on'], pending.directives.map((d) => `${out.cite(d.line)} ${d.key} ${d.rest}`).join('; '), true);
}

/** exclude_period → maintenance windows over the given targets. */
export function addExcludeWindows(directive: MonDirective, targets: { services?: string[]; groups?: string[] }, base: string, ctx: MonContext): void {
  const { out } = ctx;
  const windows = periodToWindows(directive.rest);
  if (typeof windows === 'string') {
    out.untranslated(directive.line, `exclude_period ${directive.rest}`, windows);
    return;
  }
  windows.forEach((window) => {
    const name = uniqueName(base, ctx.maintenanceNames);
    out.section('maintenance')[name] = { cron: window.cron, duration: window.duration, ...targets, reason: `mon exclude_period ${directive.rest}` };
    out.comment(['maintenance', name], `${out.cite(directive.line)} exclude_period ${directive.rest}`);
  });
  out.behaviour(`exclude_period ${directive.rest}: mon does not run the monitor then; Vigil keeps checking and recording, and holds the alerts (a maintenance window)`, directive.line);
}
