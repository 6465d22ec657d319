// Runs a program per alert, as mon does, so existing mon alert scripts work unchanged:
//   convention: mon    <command> -s service -g group -h "hosts of the group" -t unixtime [-u] <args…>
//                      the check's output on stdin (for an up alert, the last failing output),
//                      MON_ALERTTYPE, MON_RETVAL, MON_OPSTATUS, MON_GROUP, MON_SERVICE, … in the environment.
//   convention: plain  <command> <args…> (args may use {{field}} templates), every template field
//                      as VIGIL_<FIELD> in the environment, the event as JSON on stdin.
// Exit status 0 is a delivered alert; anything else, a timeout or a crash is a failed attempt (retried).
// With `digest:` on the alert, mon's convention runs once per service, group and kind of alert with
// every host of the window in the output, as mon runs an alert once per monitor run; plain runs once
// with the digest as JSON on stdin.
import { accessSync, constants } from 'node:fs';
import { defineAlert, describeError, formatDuration, commandOption, pathOption, renderTemplate, runProcess, TEMPLATE_FIELDS, templateFields, templateProblem, z, type AlertContext, type AlertEvent, type CheckResult } from 'vigil/plugin';

/** What a plain digest's arguments may use besides the event fields (which are empty in a digest). */
const DIGEST_FIELDS = ['events', 'targets', 'down', 'up'] as const;

const options = z.strictObject({
  command: commandOption('The program to run: a name looked up in PATH, or a path (relative: from the config file)'),
  args: z
    .array(z.string().superRefine((arg, ctx) => {
      const problem = templateProblem(arg, [...Object.keys(TEMPLATE_FIELDS), ...DIGEST_FIELDS]);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }))
    .default([])
    .meta({ description: "Arguments after mon's flags (mon) or alone (plain, where {{field}} templates are filled in; in a digest {{events}}, {{targets}}, {{down}}, {{up}})" }),
  convention: z
    .enum(['mon', 'plain'])
    .default('mon')
    .meta({ description: "mon: mon's alert flags, stdin and MON_* environment; plain: args as given, VIGIL_* environment, JSON event on stdin" }),
  host_arg: z
    .enum(['group', 'target'])
    .default('group')
    .meta({ description: "mon convention: -h gets every host of the group (as mon does) or only the host the alert is about" }),
  env: z.record(z.string(), z.string()).default({}).meta({ description: "Extra environment variables (mon's VAR=value lines)" }),
  pass_env: z.array(z.string()).default([]).meta({ description: "Names of the daemon's environment variables passed on (e.g. a token)" }),
  max_output: z.int().min(1024).default(65_536).meta({ description: 'Bytes of output kept (for the log); the rest is read and dropped' }),
  cwd: pathOption('Working directory (relative: from the config file)').optional(),
});

type ExecOptions = z.output<typeof options>;

const seconds = (date: Date | undefined) => (date ? String(Math.floor(date.getTime() / 1000)) : '0');

/** The failing result an alert hands over: for an up alert the last failing one (as mon), none for startup or test. */
function failingResult(event: AlertEvent): CheckResult | undefined {
  return event.kind === 'up' ? event.lastFailure : event.kind === 'startup' || event.kind === 'test' ? undefined : event.result;
}

/** mon's output of a failing check: line 1 the failing hosts, then each one's details. */
function monOutput(events: AlertEvent[]): string {
  const failed = events.flatMap((event) => {
    const result = failingResult(event);
    return result ? [{ host: event.target.name, result }] : [];
  });
  if (!failed.length) return '';
  // A mon monitor's result carries the monitor's whole output as its detail: hand it on as the
  // monitor wrote it (mon's stdin), once, when every host's is the same run's.
  const raw = failed.map(({ host, result }) => (isMonitorOutput(host, result) ? result.detail! : undefined));
  if (raw.every((detail) => detail !== undefined && detail === raw[0])) return `${raw[0]!.replace(/\n$/, '')}\n`;
  const lines = [failed.map(({ host }) => host).join(' '), ''];
  failed.forEach(({ host, result }, i) => {
    const message = result.message ?? result.status;
    lines.push(message.split(/[\s:]/)[0] === host ? message : `${host} ${message}`);
    if (result.detail && raw[i] === undefined) lines.push(result.detail.replace(/\n$/, ''));
  });
  return `${lines.join('\n')}\n`;
}

/** A mon monitor's output: line 1 names the host among the failing ones, and the host's message is one of its lines. */
function isMonitorOutput(host: string, result: CheckResult): boolean {
  if (!result.detail || !result.message) return false;
  const [summary = '', ...rest] = result.detail.split('\n');
  const named = summary.trim().split(/\s+/).includes(host);
  return named && (summary.trim() === result.message || rest.some((line) => line.trim() === result.message));
}

function monAlertType(event: AlertEvent): string {
  if (event.kind === 'up') return 'up';
  if (event.kind === 'startup' || event.kind === 'test') return event.kind;
  return 'failure'; // down, repeat, flapping: the target is failing
}

/** What mon executes: flags, then the configured arguments; `events` share service, group and kind (a digest's). */
export function monArguments(event: AlertEvent, opts: Pick<ExecOptions, 'args' | 'host_arg'>, events: AlertEvent[] = [event]): string[] {
  const hosts = opts.host_arg === 'group' ? event.groupHosts.join(' ') : events.map((each) => each.target.name).join(' ');
  const args = ['-s', event.target.service, '-g', event.target.group, '-h', hosts, '-t', seconds(event.at)];
  if (event.kind === 'up') args.push('-u');
  return [...args, ...opts.args];
}

/** The earliest or latest of the events' times, as mon's epoch seconds. */
function epochOf(events: AlertEvent[], time: (event: AlertEvent) => Date | undefined, pick: (a: number, b: number) => number): string {
  const times = events.map((event) => time(event)?.getTime()).filter((ms): ms is number => ms !== undefined);
  // Not reduce(pick): reduce passes index and array too, and Math.min(a, b, i, array) is NaN.
  return times.length ? String(Math.floor(times.reduce((a, b) => pick(a, b)) / 1000)) : '0';
}

/** `event` speaks for `events` (one, or a digest's of one service, group and kind): the output names them all. */
function monEnvironment(event: AlertEvent, events: AlertEvent[] = [event]): Record<string, string> {
  const output = monOutput(events);
  const env: Record<string, string> = {
    MON_ALERTTYPE: monAlertType(event),
    MON_RETVAL: event.to === 'down' ? '1' : '0',
    MON_OPSTATUS: event.to === 'down' ? '0' : event.to === 'up' ? '1' : '7',
    MON_GROUP: event.target.group,
    MON_SERVICE: event.target.service,
    MON_DESCRIPTION: event.description ?? '',
    MON_LAST_SUMMARY: output.split('\n')[0] ?? '',
    MON_LAST_OUTPUT: output,
    MON_FIRST_FAILURE: epochOf(events, (each) => each.firstFailureAt, Math.min),
    MON_LAST_FAILURE: epochOf(events, (each) => each.lastFailureAt, Math.max),
    MON_LAST_SUCCESS: epochOf(events, (each) => each.lastSuccessAt, Math.max),
    VIGIL_KIND: event.kind,
  };
  if (event.acknowledged) env.MON_ACK = event.acknowledged.comment;
  return env;
}

function plainEnvironment(event: AlertEvent): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(templateFields(event))) if (name !== 'KIND') env[`VIGIL_${name.toUpperCase()}`] = value;
  return env;
}

function baseEnvironment(opts: ExecOptions): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
  for (const name of opts.pass_env) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  return { ...env, ...opts.env };
}

/** A digest's events as mon would have alerted them: one run per service, group and up-or-failure, in order. */
function monBatches(events: AlertEvent[]): AlertEvent[][] {
  const batches = new Map<string, AlertEvent[]>();
  for (const event of events) {
    const key = `${event.target.service}\0${event.target.group}\0${monAlertType(event)}`;
    const batch = batches.get(key);
    if (batch) batch.push(event);
    else batches.set(key, [event]);
  }
  return [...batches.values()];
}

/** The values of DIGEST_FIELDS for a plain digest's arguments and VIGIL_* variables. */
function digestFields(events: AlertEvent[]): Record<(typeof DIGEST_FIELDS)[number], string> {
  return {
    events: String(events.length),
    targets: [...new Set(events.map((event) => event.target.id))].join(' '),
    down: String(events.filter((event) => event.to === 'down').length),
    up: String(events.filter((event) => event.to === 'up').length),
  };
}

/** Runs the alert program once; any outcome but exit status 0 throws (a failed attempt, retried). */
async function runAlert(opts: ExecOptions, ctx: AlertContext, args: string[], env: Record<string, string>, stdin: string): Promise<void> {
  const fullEnv = { ...env, ...baseEnvironment(opts) };
  if (ctx.alert) fullEnv.VIGIL_ALERT = ctx.alert;
  if (ctx.deliveryId) fullEnv.VIGIL_DELIVERY_ID = ctx.deliveryId;
  fullEnv.VIGIL_ATTEMPT = String(ctx.attempt);
  const result = await runProcess({
    command: opts.command,
    args,
    env: fullEnv,
    cwd: opts.cwd,
    input: stdin,
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    maxOutputBytes: opts.max_output,
    mergeStderr: true,
  });
  const output = lastLines(result.stdout);
  if (result.spawnError) throw new Error(`cannot run ${opts.command}: ${describeError(result.spawnError)}`);
  if (result.timedOut) throw new Error(`${opts.command} timed out after ${formatDuration(ctx.timeoutMs)} and was killed`);
  if (result.aborted) throw new Error(`${opts.command} was stopped: ${describeError(ctx.signal.reason)}`);
  if (result.signal) throw new Error(`${opts.command} was killed by ${result.signal}${output ? `: ${output}` : ''}`);
  if (result.exitCode !== 0) throw new Error(`${opts.command} exited with status ${result.exitCode}${output ? `: ${output}` : ''}`);
  if (output) ctx.log.debug(`exec alert ${ctx.alert ?? opts.command}: ${output}`);
}

function lastLines(text: string, max = 400): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

export default defineAlert({
  type: 'exec',
  description: "Run a program per alert: mon's alert convention, or plain with VIGIL_* variables and JSON on stdin",
  options,
  async start(opts, ctx) {
    if (!opts.command.includes('/')) return; // looked up in PATH when run
    try {
      accessSync(opts.command, constants.X_OK);
    } catch (err) {
      ctx.log.warn(`exec alert: ${opts.command} is not executable (${describeError(err)}); its alerts will fail until it is`);
    }
  },
  async fire(event, opts, ctx) {
    if (opts.convention === 'mon') return runAlert(opts, ctx, monArguments(event, opts), monEnvironment(event), monOutput([event]));
    const fields = templateFields(event);
    const args = opts.args.map((arg) => renderTemplate(arg, fields));
    return runAlert(opts, ctx, args, plainEnvironment(event), `${JSON.stringify({ alert: ctx.alert, ...event })}\n`);
  },
  async fireDigest(events, opts, ctx) {
    if (opts.convention === 'mon') {
      for (const batch of monBatches(events)) {
        const speaker = batch[batch.length - 1]!;
        await runAlert(opts, ctx, monArguments(speaker, opts, batch), monEnvironment(speaker, batch), monOutput(batch));
      }
      return;
    }
    const fields = digestFields(events);
    const env: Record<string, string> = { VIGIL_KIND: 'digest' };
    for (const [name, value] of Object.entries(fields)) env[`VIGIL_${name.toUpperCase()}`] = value;
    const args = opts.args.map((arg) => renderTemplate(arg, fields));
    return runAlert(opts, ctx, args, env, `${JSON.stringify({ alert: ctx.alert, kind: 'digest', events })}\n`);
  },
});
