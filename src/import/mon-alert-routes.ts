// mon's `period` blocks of a service → Vigil alert routes. Each distinct alert program + arguments
// in a period becomes one route to an exec alert (convention: mon, so the *.alert script runs
// unchanged), with the period's squelch rules as the route's policy:
//   alert / upalert / startupalert   → the route sends down / up / startup alerts
//   alertevery T [strict]            → every: T, and without strict repeat_on_change: true
//   alertevery T observe_detail      → the same with repeat_on_change: detail
//                                      (no alertevery: every: 0s, mon's alert per failed check)
//   alertafter N | T | N T           → after: N | T | {failures: N, within: T}
//   numalerts N                      → numalerts: N
//   period wd {…} hr {…}             → period: NAME (defined once under periods:)
import { parsePeriod } from '../alerting/time-period.js';
import { splitCommandLine } from '../config/command-line.js';
import { findProgram } from './find-program.js';
import type { ImportBuilder } from './import-result.js';
import { parseMonTime, slug, uniqueName, type DurationWriter } from './import-text.js';
import type { MonDirective, MonPeriod, MonService } from './parse-mon-cf.js';

const ALERT_KINDS = ['alert', 'upalert', 'startupalert'] as const;
type AlertKind = (typeof ALERT_KINDS)[number];

interface AlertLine {
  kind: AlertKind;
  program: string;
  args: string[];
  line: number;
  text: string;
}

const IGNORED_IN_PERIOD: Record<string, string> = {
  ackalert: 'Vigil sends no alert when an outage is acknowledged (vigil ack); the up alert still carries MON_ACK',
  disablealert: 'Vigil sends no alert when a service is disabled (vigil disable)',
  upalertafter: 'Vigil has no minimum outage length for up alerts: every outage whose down alert went out gets its up alert',
  no_comp_alerts: 'Vigil sends an up alert only when its route sent (or, with down: false, would have sent) the down alert; up alerts without one are not sent',
  alerts_dont_count: 'every alert of a Vigil route counts towards its numalerts',
  alertexitrange: "Vigil's mon alerts do not see the monitor's exit status; every failure is alerted",
};

/** Period specs → names under `periods:`, each defined once. */
export class PeriodNames {
  private readonly bySpec = new Map<string, string>();
  private readonly taken = new Set<string>();

  constructor(private readonly out: ImportBuilder) {}

  /** The name of a valid period (defined on first use), or a string saying why it is not valid. */
  nameFor(period: MonPeriod): string | { error: string } {
    const known = this.bySpec.get(period.spec);
    if (known) return known;
    const parsed = parsePeriod(period.spec);
    if (typeof parsed === 'string') return { error: parsed };
    const readable = period.spec.replace(/\b(?:wd|weekday|hr|hour)\s*\{([^}]*)\}/gi, '$1 ').replace(/,/g, ' or ');
    const name = uniqueName(slug(period.label ?? readable.toLowerCase(), 'period'), this.taken);
    this.bySpec.set(period.spec, name);
    this.out.section('periods')[name] = period.spec;
    this.out.comment(['periods', name], `${this.out.cite(period.line)} period ${period.label ? `${period.label}: ` : ''}${period.spec}`, true);
    return name;
  }
}

/** Alert names are cut to about this many characters, between words. */
const NAME_LENGTH = 48;

/**
 * `lvs-P-tcp-V-172.26.132.114-443-R-172.26.132.101`: the program and its arguments, cut between
 * whole arguments (never inside an address or a number) once past NAME_LENGTH; in full where the
 * cut one is taken by an alert with other arguments.
 */
function alertName(program: string, args: string[], taken: Set<string>): string {
  const words = [program.replace(/\.alert$/, ''), ...args].map((word) => slug(word, '')).filter(Boolean);
  const upTo = (count: number) => slug(words.slice(0, count).join('-'), 'alert');
  let count = 1;
  while (count < words.length && upTo(count + 1).length <= NAME_LENGTH) count++;
  return taken.has(upTo(count)) ? upTo(words.length) : upTo(count);
}

/** The exec alerts, one per program + arguments + environment (twins when one service needs it twice). */
export class MonAlerts {
  private readonly byKey = new Map<string, string[]>();
  private readonly taken = new Set<string>();

  constructor(
    private readonly out: ImportBuilder,
    private readonly alertDirs: string[],
  ) {}

  nameFor(line: AlertLine, env: Record<string, string>, used: Set<string>): string {
    const key = JSON.stringify([line.program, line.args, env]);
    const names = this.byKey.get(key) ?? [];
    this.byKey.set(key, names);
    const free = names.find((name) => !used.has(name));
    if (free) return free;
    const name = uniqueName(alertName(line.program, line.args, this.taken), this.taken);
    const program = findProgram(line.program, this.alertDirs);
    const alert: Record<string, unknown> = { type: 'exec', convention: 'mon', command: program.path };
    if (line.args.length) alert.args = line.args;
    // mon runs an alert once per monitor run, naming every failing host: the alerts of one second
    // go out together, one run per service and kind.
    alert.digest = '1s';
    // mon runs an alert once and ignores its exit status; retried, a script that exits non-zero
    // when nothing is wrong (an LVS script's ipvsadm -d of a server already out) would hold the up
    // alert behind it.
    alert.retries = 0;
    if (Object.keys(env).length) alert.env = env;
    this.out.section('alerts')[name] = alert;
    const twin = names.length ? `; the same alert as ${names[0]}, defined again because a service routes to an alert once` : '';
    this.out.comment(['alerts', name], `${this.out.cite(line.line)} ${line.kind} ${line.text}: mon's alert script, run unchanged with mon's arguments, stdin and MON_* environment${twin}`);
    if (!program.found) {
      this.out.problem(line.line, `alert ${line.program} is not in alertdir (${this.alertDirs.join(':')}): its alerts will fail until it is installed at ${program.path}`);
    }
    names.push(name);
    return name;
  }
}

function parseAlertLine(directive: MonDirective): AlertLine | string {
  const words = splitCommandLine(directive.rest);
  if (typeof words === 'string') return words;
  if (/^exit=/.test(words[0] ?? '')) return `${words[0]}: alerts chosen by the monitor's exit status are not supported`;
  const [program, ...args] = words;
  return { kind: directive.key as AlertKind, program: program!, args, line: directive.line, text: directive.rest };
}

type After = number | string | { failures: number; within: string };

interface PeriodPolicy {
  every?: string;
  repeat_on_change?: boolean | 'detail';
  after?: After;
  numalerts?: number;
}

function readPolicy(period: MonPeriod, out: ImportBuilder, durations: DurationWriter): PeriodPolicy {
  const policy: PeriodPolicy = {};
  for (const directive of period.directives) {
    if (directive.key === 'alertevery') {
      const [time, flag] = directive.args;
      const ms = time === undefined ? undefined : parseMonTime(time);
      if (ms === undefined) out.problem(directive.line, `alertevery ${directive.rest}: expected a time such as 1h (mon rejects this config)`);
      else {
        policy.every = durations.write(ms);
        // Without strict mon also alerts early when the summary changes (with observe_detail, or
        // the detail): repeat_on_change, per host.
        if (flag !== 'strict' && flag !== 'ignore_summary') policy.repeat_on_change = flag === 'observe_detail' ? 'detail' : true;
      }
    } else if (directive.key === 'alertafter') {
      const [first, second] = directive.args;
      if (second !== undefined && /^\d+$/.test(first!) && parseMonTime(second) !== undefined) {
        policy.after = { failures: Number(first), within: durations.write(parseMonTime(second)!) };
      } else if (/^\d+$/.test(first ?? '') && second === undefined) policy.after = Number(first);
      else if (first !== undefined && second === undefined && parseMonTime(first) !== undefined) policy.after = durations.write(parseMonTime(first)!);
      else out.problem(directive.line, `alertafter ${directive.rest}: expected N, a time, or N and a time (mon rejects this config)`);
    } else if (directive.key === 'numalerts') {
      if (/^\d+$/.test(directive.rest.trim())) {
        const count = Number(directive.rest.trim());
        if (count > 0) policy.numalerts = count;
      } else out.problem(directive.line, `numalerts ${directive.rest}: expected a number (mon rejects this config)`);
    }
  }
  return policy;
}

export interface RouteContext {
  out: ImportBuilder;
  durations: DurationWriter;
  periods: PeriodNames;
  alerts: MonAlerts;
}

/** The routes of one mon service (its alert env is the service's VAR=value lines). */
export function translatePeriods(service: MonService, env: Record<string, string>, ctx: RouteContext): Array<{ route: Record<string, unknown>; comment: string }> {
  const { out } = ctx;
  const routes: Array<{ route: Record<string, unknown>; comment: string }> = [];
  const used = new Set<string>();
  for (const period of service.periods) {
    let periodName: string | undefined;
    if (period.spec.trim()) {
      const named = ctx.periods.nameFor(period);
      if (typeof named === 'string') periodName = named;
      else out.untranslated(period.line, `period ${period.spec}`, `${named.error}: its alerts below are sent at any time`);
    }
    const policy = readPolicy(period, out, ctx.durations);
    const lines: AlertLine[] = [];
    for (const directive of period.directives) {
      if ((ALERT_KINDS as readonly string[]).includes(directive.key)) {
        const parsed = parseAlertLine(directive);
        if (typeof parsed === 'string') out.untranslated(directive.line, `${directive.key} ${directive.rest}`, parsed);
        else lines.push(parsed);
      } else if (directive.key in IGNORED_IN_PERIOD) {
        out.untranslated(directive.line, `${directive.key} ${directive.rest}`, IGNORED_IN_PERIOD[directive.key]!);
      } else if (!['alertevery', 'alertafter', 'numalerts'].includes(directive.key)) {
        // A typo (alertevry) is a mistake in the source (mon refuses the file), not something left untranslated.
        out.problem(directive.line, `${directive.key} ${directive.rest}: not a mon period directive; mon rejects this config (unknown syntax); not imported`);
      }
    }
    const groups = new Map<string, AlertLine[]>();
    for (const line of lines) {
      const key = JSON.stringify([line.program, line.args]);
      groups.set(key, [...(groups.get(key) ?? []), line]);
    }
    const periodHasDownAlerts = lines.some((line) => line.kind === 'alert');
    for (const group of groups.values()) {
      const kinds = new Set(group.map((line) => line.kind));
      const name = ctx.alerts.nameFor(group[0]!, env, used);
      used.add(name);
      const route: Record<string, unknown> = { alert: name };
      if (periodName) route.period = periodName;
      if (policy.after !== undefined) route.after = policy.after;
      if (kinds.has('alert')) {
        route.every = policy.every ?? '0s';
        if (policy.repeat_on_change) route.repeat_on_change = policy.repeat_on_change;
        if (policy.numalerts !== undefined) route.numalerts = policy.numalerts;
      }
      if (!kinds.has('upalert')) route.up = false;
      if (kinds.has('startupalert')) route.startup = true;
      if (!kinds.has('alert')) route.down = false;
      if (kinds.has('upalert') && !kinds.has('alert')) {
        if (periodHasDownAlerts) out.behaviour(`upalert ${group[0]!.text}: mon sends it when a down alert of this period went out; Vigil pairs it with this route's own (unsent, down: false) down alert, which follows the same period and alertafter`, group[0]!.line);
        else out.behaviour(`upalert ${group[0]!.text}: this period sends no down alerts, so mon never sends this up alert; Vigil sends it after each outage`, group[0]!.line);
      }
      const cited = group.map((line) => `${line.kind} (${out.cite(line.line)})`).join(' + ');
      routes.push({ route, comment: `${out.cite(period.line)} period${period.spec ? ` ${period.spec}` : ''}: ${cited}` });
    }
  }
  return routes;
}
