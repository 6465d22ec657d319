// Runs a program per alert, as mon does, so existing mon alert scripts work unchanged:
//   convention: mon    <command> -s service -g group -h "hosts of the group" -t unixtime [-u] <args…>
//                      the check's output on stdin (for an up alert, the last failing output),
//                      MON_ALERTTYPE, MON_RETVAL, MON_OPSTATUS, MON_GROUP, MON_SERVICE, … in the environment.
//   convention: plain  <command> <args…> (args may use {{field}} templates), every template field
//                      as VIGIL_<FIELD> in the environment, the event as JSON on stdin.
// Exit status 0 is a delivered alert; anything else, a timeout or a crash is a failed attempt (retried).
import { accessSync, constants } from 'node:fs';
import { defineAlert, describeError, formatDuration, commandOption, pathOption, renderTemplate, runProcess, templateFields, templateProblem, z, type AlertEvent, type CheckResult } from 'vigil/plugin';

const options = z.strictObject({
  command: commandOption('The program to run: a name looked up in PATH, or a path (relative: from the config file)'),
  args: z
    .array(z.string().superRefine((arg, ctx) => {
      const problem = templateProblem(arg);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }))
    .default([])
    .meta({ description: "Arguments after mon's flags (mon) or alone (plain, where {{field}} templates are filled in)" }),
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

/** mon's output of a failing check: line 1 the failing host(s), then the details. */
function monOutput(event: AlertEvent, result: CheckResult | undefined): string {
  if (!result) return '';
  const host = event.target.name;
  const lines = [host, '', `${host} ${result.message ?? result.status}`];
  if (result.detail) lines.push(result.detail.replace(/\n$/, ''));
  return `${lines.join('\n')}\n`;
}

function monAlertType(event: AlertEvent): string {
  if (event.kind === 'up') return 'up';
  if (event.kind === 'startup' || event.kind === 'test') return event.kind;
  return 'failure'; // down, repeat, flapping: the target is failing
}

/** What mon executes: flags, then the configured arguments. */
export function monArguments(event: AlertEvent, opts: Pick<ExecOptions, 'args' | 'host_arg'>): string[] {
  const hosts = opts.host_arg === 'group' ? event.groupHosts.join(' ') : event.target.name;
  const args = ['-s', event.target.service, '-g', event.target.group, '-h', hosts, '-t', seconds(event.at)];
  if (event.kind === 'up') args.push('-u');
  return [...args, ...opts.args];
}

function monEnvironment(event: AlertEvent): Record<string, string> {
  // For an up alert mon hands over the last *failing* output; otherwise the current one.
  const failing = event.kind === 'up' ? event.lastFailure : event.kind === 'startup' || event.kind === 'test' ? undefined : event.result;
  const output = monOutput(event, failing);
  const env: Record<string, string> = {
    MON_ALERTTYPE: monAlertType(event),
    MON_RETVAL: event.to === 'down' ? '1' : '0',
    MON_OPSTATUS: event.to === 'down' ? '0' : event.to === 'up' ? '1' : '7',
    MON_GROUP: event.target.group,
    MON_SERVICE: event.target.service,
    MON_DESCRIPTION: event.description ?? '',
    MON_LAST_SUMMARY: output.split('\n')[0] ?? '',
    MON_LAST_OUTPUT: output,
    MON_FIRST_FAILURE: seconds(event.firstFailureAt),
    MON_LAST_FAILURE: seconds(event.lastFailureAt),
    MON_LAST_SUCCESS: seconds(event.lastSuccessAt),
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
    const mon = opts.convention === 'mon';
    const fields = templateFields(event);
    const args = mon ? monArguments(event, opts) : opts.args.map((arg) => renderTemplate(arg, fields));
    const stdin = mon ? monEnvironment(event).MON_LAST_OUTPUT! : `${JSON.stringify({ alert: ctx.alert, ...event })}\n`;
    const env = { ...(mon ? monEnvironment(event) : plainEnvironment(event)), ...baseEnvironment(opts) };
    if (ctx.alert) env.VIGIL_ALERT = ctx.alert;
    if (ctx.deliveryId) env.VIGIL_DELIVERY_ID = ctx.deliveryId;
    env.VIGIL_ATTEMPT = String(ctx.attempt);
    const result = await runProcess({
      command: opts.command,
      args,
      env,
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
  },
});
