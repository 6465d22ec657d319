// `vigil import mon`: a mon.cf → a Vigil config that does the same job. Globals become the
// scheduler, defaults and history sections; hostgroups stay host groups; each watch/service
// becomes a service (see mon-service.ts) with alert routes (mon-alert-routes.ts); mon's
// blank-line traps found by the parser are reported with their lines.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { searchPath } from './find-program.js';
import { ImportBuilder, type ImportOptions, type ImportResult } from './import-result.js';
import { DurationWriter, parseMonTime } from './import-text.js';
import { MonAlerts, PeriodNames } from './mon-alert-routes.js';
import { addExcludeWindows, resolveDepends, translateService, type MonContext, type PendingDepend, type ServiceIndex } from './mon-service.js';
import { parseHostEntry } from '../config/host-entry.js';
import { parseMonCf, type MonConfig } from './parse-mon-cf.js';

const DEFAULT_MONDIR = ['/usr/lib/mon/mon.d', '/usr/local/lib/mon/mon.d'];
const DEFAULT_ALERTDIR = ['/usr/lib/mon/alert.d', '/usr/local/lib/mon/alert.d'];

const CLIENT_SERVER = "mon's client/trap server: Vigil's CLI talks to the daemon over control.socket (a unix socket, mode 0660, so file permissions decide who may use it); there is no TCP client port and no trap port";

/** Globals with nothing to translate to, and why. */
const GLOBAL_REASONS: Record<string, string> = {
  authfile: CLIENT_SERVER,
  authtype: CLIENT_SERVER,
  userfile: CLIENT_SERVER,
  pamservice: CLIENT_SERVER,
  serverbind: CLIENT_SERVER,
  serverport: CLIENT_SERVER,
  trapbind: CLIENT_SERVER,
  trapport: CLIENT_SERVER,
  clientallow: CLIENT_SERVER,
  cltimeout: CLIENT_SERVER,
  historicfile: 'every alert attempt is recorded in the history database: vigil alerts log',
  histlength: 'alert attempts are kept for history.retention (vigil alerts log)',
  logdir: 'Vigil logs to stdout/stderr (the journal under systemd); mon monitors that read MON_LOGDIR get it in their env',
  statedir: 'Vigil keeps its state in the history database (history.path); monitors that read MON_STATEDIR get it in their env',
  cfbasedir: 'paths in the imported config are absolute',
  basedir: 'paths in the imported config are absolute',
  pidfile: 'use vigil run --pid-file FILE (or systemd)',
  syslog_facility: 'Vigil logs to stdout/stderr; log.format: json for a log collector',
  monerrfile: 'Vigil logs to stdout/stderr',
  startupalerts_on_reset: 'vigil reload keeps target states and sends no startup alerts',
  dep_recur_limit: 'depends_on is checked for cycles when the config loads',
  dep_memory: 'depends_on follows the current state of the parent',
  unack_summary: 'an acknowledgement lasts until the outage ends',
  monremote: 'Vigil has no mon remote-command hook',
};

/** Globals read here, each line cited where it lands. */
const HANDLED = new Set(['alertdir', 'mondir', 'maxprocs', 'randstart', 'dtlogfile', 'dtlogging', 'dep_behavior', 'exclude_period']);

function translateGlobals(mon: MonConfig, out: ImportBuilder, durations: DurationWriter): void {
  const global = (key: string) => mon.globals.get(key);
  out.section('history').path = '/var/lib/vigil/history.db';
  const dtlog = global('dtlogfile') ?? global('dtlogging');
  out.comment(
    ['history'],
    `Outages, transitions and alert attempts are written here.${dtlog ? ` ${out.cite(dtlog.line)} ${dtlog === global('dtlogfile') ? 'dtlogfile' : 'dtlogging'}: mon's downtime log is \`vigil history --format dtlog\` (same fields), read from this database` : ''}`,
  );
  if (dtlog) out.behaviour(`${dtlog === global('dtlogfile') ? 'dtlogfile' : 'dtlogging'}: no downtime log file is appended; \`vigil history --format dtlog\` prints the same lines from the history database`, dtlog.line);

  const maxprocs = global('maxprocs');
  if (maxprocs) {
    const count = Number(maxprocs.value);
    if (Number.isInteger(count) && count > 0) {
      out.section('scheduler').max_concurrent = count;
      out.comment(['scheduler', 'max_concurrent'], `${out.cite(maxprocs.line)} maxprocs = ${maxprocs.value}: checks running at once (a batch script check is one)`, true);
    } else if (count === 0) out.comment(['scheduler'], `${out.cite(maxprocs.line)} maxprocs = 0 (unlimited): Vigil's default cap of 1024 checks at once applies`);
    else out.problem(maxprocs.line, `maxprocs = ${maxprocs.value}: expected a number`);
  }

  const defaults = out.section('defaults');
  defaults.rise = 1;
  defaults.fall = 1;
  out.comment(['defaults'], 'mon: one failed monitor run is a failure, one good run a recovery (no rise/fall hysteresis)');
  const randstart = global('randstart');
  if (randstart) {
    const ms = parseMonTime(randstart.value);
    if (ms === undefined) out.problem(randstart.line, `randstart = ${randstart.value}: expected a time such as 60s (mon rejects this config)`);
    else {
      defaults.spread = durations.write(ms);
      out.comment(['defaults', 'spread'], `${out.cite(randstart.line)} randstart = ${randstart.value}: first checks spread over this window`, true);
    }
  }

  for (const [key, { value, line }] of mon.globals) {
    if (HANDLED.has(key)) continue;
    // An unknown variable is a mistake in the source (mon refuses the file), not something left untranslated.
    if (GLOBAL_REASONS[key]) out.untranslated(line, `${key} = ${value}`, GLOBAL_REASONS[key]);
    else out.problem(line, `${key} = ${value}: not a mon global; mon rejects this config (unknown variable); not imported`);
  }
}

function translateHostgroups(mon: MonConfig, out: ImportBuilder, names: Set<string>): void {
  const hostgroups = out.section('hostgroups');
  for (const [name, group] of mon.hostgroups) {
    const hosts: string[] = [];
    for (const host of group.hosts) {
      if (hosts.includes(host)) {
        out.behaviour(`hostgroup ${name}: ${host} is listed twice; kept once`, group.line);
        continue;
      }
      const parsed = parseHostEntry(host);
      if (typeof parsed === 'string') out.untranslated(group.line, `hostgroup ${name} … ${host}`, parsed);
      else hosts.push(host);
    }
    if (!hosts.length) {
      out.untranslated(group.line, `hostgroup ${name}`, 'it has no hosts Vigil can use');
      continue;
    }
    hostgroups[name] = hosts;
    names.add(name);
    out.comment(['hostgroups', name], out.cite(group.line), true);
  }
}

/**
 * MON_STATEDIR, MON_LOGDIR and MON_CFBASEDIR as mon would hand them to its monitors: the globals
 * when mon.cf sets them, else mon's own defaults (init_cf_globals), looked up on this host as mon
 * looks them up at its start; a relative directory is taken from mon's basedir.
 */
function monDirectories(globals: Map<string, { value: string }>): Record<string, string> {
  const base = globals.get('basedir')?.value ?? '/usr/lib/mon';
  const inBase = (dir: string) => (path.isAbsolute(dir) ? dir : path.join(base, dir));
  const firstExisting = (dirs: string[], fallback: string) => dirs.find((dir) => existsSync(dir)) ?? fallback;
  return {
    MON_STATEDIR: inBase(globals.get('statedir')?.value ?? firstExisting(['/var/state/mon', '/var/lib/mon'], 'state.d')),
    MON_LOGDIR: inBase(globals.get('logdir')?.value ?? firstExisting(['/var/log/mon'], 'log.d')),
    MON_CFBASEDIR: globals.get('cfbasedir')?.value ?? '/etc/mon',
  };
}

export function translateMon(text: string, file: string, options: ImportOptions = {}): ImportResult {
  const mon = parseMonCf(text);
  const out = new ImportBuilder('mon', file);
  const durations = new DurationWriter(options.intervalScale ?? 1);
  for (const problem of mon.problems) out.problem(problem.line, problem.message);

  translateGlobals(mon, out, durations);
  const hostgroupNames = new Set<string>();
  translateHostgroups(mon, out, hostgroupNames);

  const basedir = mon.globals.get('basedir')?.value ?? path.dirname(path.resolve(file));
  const alertDirs = searchPath(mon.globals.get('alertdir')?.value, DEFAULT_ALERTDIR, basedir);
  const monDirs = monDirectories(mon.globals);
  const ctx: MonContext = {
    out,
    options,
    durations,
    monitorDirs: searchPath(mon.globals.get('mondir')?.value, DEFAULT_MONDIR, basedir),
    monDirs,
    periods: new PeriodNames(out),
    alerts: new MonAlerts(out, alertDirs),
    serviceNames: new Set(),
    serviceCounts: new Map(),
    hostgroupNames,
    maintenanceNames: new Set(),
    depBehavior: mon.globals.get('dep_behavior')?.value ?? 'a',
  };
  // Sections in reading order; filled below.
  out.section('periods');
  out.section('maintenance');
  out.section('services');
  out.section('alerts');

  for (const watch of mon.watches) for (const service of watch.services) ctx.serviceCounts.set(service.name, (ctx.serviceCounts.get(service.name) ?? 0) + 1);
  const index: ServiceIndex = new Map();
  const pending: PendingDepend[] = [];
  for (const watch of mon.watches) {
    const hostgroups = out.section('hostgroups');
    if (!hostgroups[watch.group] && !mon.hostgroups.has(watch.group)) {
      hostgroups[watch.group] = [watch.group];
      hostgroupNames.add(watch.group);
      out.comment(['hostgroups', watch.group], `${out.cite(watch.line)} watch ${watch.group} has no hostgroup: mon uses the group name as its one host (and warns), so does this`, true);
      out.behaviour(`watch ${watch.group} has no hostgroup line; as in mon, the group's one host is named ${watch.group}`, watch.line);
    }
    if (!hostgroups[watch.group]) {
      out.untranslated(watch.line, `watch ${watch.group}`, `host group ${watch.group} has no usable hosts, so none of its services is imported`);
      continue;
    }
    for (const service of watch.services) {
      const depend = translateService(watch, service, index, ctx);
      if (depend) pending.push(depend);
    }
  }
  for (const item of pending) resolveDepends(item, index, out);

  const globalExclude = mon.globals.get('exclude_period');
  const services = Object.keys(out.section('services'));
  if (globalExclude && services.length) {
    addExcludeWindows({ key: 'exclude_period', rest: globalExclude.value, args: [], line: globalExclude.line }, { services }, 'exclude-period', ctx);
  }

  const alertdir = mon.globals.get('alertdir');
  if (alertdir && Object.keys(out.section('alerts')).length) out.comment(['alerts'], `${out.cite(alertdir.line)} alertdir = ${alertdir.value}: alert programs found there`);
  const mondir = mon.globals.get('mondir');
  if (mondir && services.length) out.comment(['services'], `${out.cite(mondir.line)} mondir = ${mondir.value}: monitors found there`);

  out.behaviour("mon alerts once per service run, naming every failing host; Vigil decides per host (target service/host). The imported alerts collect what is decided within a second (digest: 1s) and run once per service and kind with every failing host in the summary (and every host of the group after -h), as mon does; the price is up to a second's delay. Remove digest: to run an alert per host at once.");
  out.behaviour("mon alerts at every failed monitor run unless alertevery squelches it: routes without alertevery have every: 0s (a repeat at each failed check while down); set every: to alert less often.");
  out.behaviour('After a restart mon has forgotten every outage: a server that recovers gets no up alert. Vigil resumes open outages from its history database and sends the up alert it owes.');
  return finish(out);
}

/** Drops sections that stayed empty. */
function finish(out: ImportBuilder): ImportResult {
  for (const [key, value] of Object.entries(out.config)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && !Object.keys(value).length) delete out.config[key];
  }
  return out.finish();
}
