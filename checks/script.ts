// Script check: run an external program (an argument array, never a shell string) and read its
// verdict by one of the conventions operators already have programs for:
//   exit_code     0 up, anything else down (keepalived MISC_CHECK, ldirectord external)
//   nagios        0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; first line is the message, `|` perfdata
//   mon           hosts appended as arguments; non-zero exit = failure; the first line of output
//                 names the failing hosts, the rest is detail. With `batch: true` one run checks
//                 the whole group, as mon runs its monitors.
//   misc_dynamic  keepalived: 0 up, 1 down, 2..255 up with weight = exit status − 2
// runProcess (from the plugin API) puts the program in its own process group, kills the whole
// group at the timeout, and bounds the output it keeps.
import {
  type CheckContext,
  checkPort,
  type CheckResult,
  commandOption,
  defineCheck,
  describeError,
  formatDuration,
  pathOption,
  type ProcessResult,
  runProcess,
  type Target,
  z,
} from 'vigil/plugin';

const PER_HOST = ['address', 'port', 'name', 'host'] as const;
const PLACEHOLDERS = [...PER_HOST, 'service', 'group', 'timeout'] as const;
const PLACEHOLDER = /\{\{|\}\}|\{([a-z_]+)\}/g;

const argument = z
  .union([z.string(), z.number(), z.boolean()]) // YAML reads `-p 8080` and `true` as a number and a boolean
  .transform(String)
  .superRefine((text, ctx) => {
    for (const match of text.matchAll(PLACEHOLDER)) {
      if (match[1] && !(PLACEHOLDERS as readonly string[]).includes(match[1])) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {${match[1]}}; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')} ({{ for a literal brace)` });
      }
    }
  });

const options = z.strictObject({
  command: commandOption('Program to run: a name looked up in PATH, or a path (relative: from the config file)'),
  args: z
    .array(argument)
    .default([])
    .describe('Arguments, one per item, no shell; placeholders: {address} {port} {name} {service} {group} {timeout} (seconds)'),
  convention: z
    .enum(['exit_code', 'nagios', 'mon', 'misc_dynamic'])
    .default('exit_code')
    .describe('How the exit status and output are read: exit_code, nagios, mon, misc_dynamic (keepalived)'),
  append_hosts: z.boolean().optional().describe("mon: append the host addresses to the arguments (default true; false is mon's ';;')"),
  env: z.record(z.string(), z.string()).default({}).describe("Extra environment variables (mon's VAR=value)"),
  cwd: pathOption('Working directory (relative: from the config file)').optional(),
  max_output_bytes: z.int().min(1_024).default(65_536).describe('Output kept per run (stdout and stderr each); the rest is read and dropped'),
  port: z.int().min(1).max(65535).optional().describe("Port for {port}, over the host entry's (default: the host entry's)"),
});
type ScriptOptions = z.output<typeof options>;

// ---- arguments and environment ----

function fill(template: string, values: Partial<Record<(typeof PLACEHOLDERS)[number], string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string | undefined) => {
    if (!name) return whole[0]!; // {{ → {, }} → }
    const value = values[name as keyof typeof values];
    if (value === undefined) throw new Error(`no value for {${name}}${name === 'port' ? ': give the host a port or set the check option port' : ''}`);
    return value;
  });
}

function hostValues(target: Target, opts: ScriptOptions): Partial<Record<(typeof PLACEHOLDERS)[number], string>> {
  const port = checkPort(target, opts.port);
  return { address: target.address, name: target.name, host: target.name, port: port === undefined ? undefined : String(port) };
}

function environment(targets: Target[], opts: ScriptOptions, ctx: CheckContext): Record<string, string | undefined> {
  const first = targets[0]!;
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    VIGIL_SERVICE: first.service,
    VIGIL_GROUP: first.group,
    VIGIL_TIMEOUT_MS: String(ctx.timeoutMs),
    VIGIL_HOSTS: targets.map((target) => target.address).join(' '),
  };
  if (targets.length === 1) {
    const port = checkPort(first, opts.port);
    Object.assign(env, { VIGIL_TARGET: first.id, VIGIL_HOST: first.name, VIGIL_ADDRESS: first.address });
    if (port !== undefined) env.VIGIL_PORT = String(port);
    if (first.weight !== undefined) env.VIGIL_WEIGHT = String(first.weight);
  }
  if (opts.convention === 'mon') Object.assign(env, monEnvironment(first, ctx));
  return { ...env, ...opts.env };
}

/** What mon tells a monitor about its service and earlier runs; times in epoch seconds, 0 for never. */
function monEnvironment(target: Target, ctx: CheckContext): Record<string, string> {
  const { previous } = ctx;
  const seconds = (ms: number | undefined) => String(ms === undefined ? 0 : Math.floor(ms / 1000));
  return {
    MON_GROUP: target.group,
    MON_SERVICE: target.service,
    MON_DESCRIPTION: ctx.description ?? '',
    MON_LAST_SUMMARY: previous.lastSummary ?? '',
    MON_LAST_OUTPUT: previous.lastOutput ?? '',
    MON_LAST_SUCCESS: seconds(previous.lastSuccessAt),
    MON_LAST_FAILURE: seconds(previous.lastFailureAt),
    MON_FIRST_FAILURE: seconds(previous.firstFailureAt),
  };
}

/**
 * When the program is stopped: before the runner's timeout, leaving time for a background child
 * that holds its pipes, so the result is this check's own, with the partial output.
 */
function stopAfterMs(ctx: CheckContext): number {
  return Math.floor(Math.max(ctx.timeoutMs * 0.5, ctx.timeoutMs - Math.max(500, ctx.timeoutMs * 0.1)));
}

async function execute(targets: Target[], args: string[], opts: ScriptOptions, ctx: CheckContext): Promise<ProcessResult> {
  return runProcess({
    command: opts.command,
    args,
    env: environment(targets, opts, ctx),
    cwd: opts.cwd,
    signal: ctx.signal,
    timeoutMs: stopAfterMs(ctx),
    killGraceMs: Math.min(1_000, Math.max(50, Math.floor(ctx.timeoutMs * 0.05))),
    maxOutputBytes: opts.max_output_bytes,
    mergeStderr: opts.convention === 'mon', // mon reads the monitor's stderr with its stdout
  });
}

/** A result for a run that did not finish by itself, or undefined when it did. */
function abnormal(run: ProcessResult, opts: ScriptOptions, ctx: CheckContext): CheckResult | undefined {
  const detail = [run.stdout, run.stderr].filter(Boolean).join('\n') || undefined;
  if (run.spawnError) return { status: 'unknown', message: `cannot run ${opts.command}: ${describeError(run.spawnError)}` };
  if (run.timedOut) return { status: 'down', message: `timed out after ${formatDuration(stopAfterMs(ctx))}; its process group was killed`, detail };
  if (run.aborted) return { status: 'down', message: `stopped: ${opts.command} was killed`, detail };
  if (run.exitCode === null) return { status: 'down', message: `${opts.command} was killed by ${run.signal}`, detail };
  return undefined;
}

const cut = (run: ProcessResult, opts: ScriptOptions) => (run.truncated ? ` (output cut at ${opts.max_output_bytes} bytes)` : '');
const firstLine = (text: string) => text.split('\n', 1)[0]!.trim();

// ---- conventions ----

/** Nagios performance data: `time=0.012s;1;2;0;10 'free space'=42%` → { time: 0.012, 'free space': 42 }. */
export function parsePerfdata(text: string): Record<string, number> {
  const perf: Record<string, number> = {};
  const item = /('(?:[^']|'')+'|[^\s'=]+)=([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[a-zA-Z%]*(?:;\S*)?/g;
  for (const match of text.matchAll(item)) {
    const label = match[1]!.startsWith("'") ? match[1]!.slice(1, -1).replace(/''/g, "'") : match[1]!;
    perf[label] = Number(match[2]);
  }
  return perf;
}

const NAGIOS_STATES = ['up', 'warning', 'down', 'unknown'] as const;
const NAGIOS_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

function nagiosResult(run: ProcessResult, opts: ScriptOptions): CheckResult {
  // Plugin output: "TEXT | perfdata" on line one; long text on the next lines, where a `|` starts more perfdata.
  const [head = '', ...rest] = run.stdout.replace(/\n$/, '').split('\n');
  const bar = head.indexOf('|');
  const message = (bar >= 0 ? head.slice(0, bar) : head).trim();
  const tail = rest.join('\n');
  const longBar = tail.indexOf('|');
  const perf = parsePerfdata(`${bar >= 0 ? head.slice(bar + 1) : ''} ${longBar >= 0 ? tail.slice(longBar + 1) : ''}`);
  const longText = (longBar >= 0 ? tail.slice(0, longBar) : tail).trim();
  const detail = [longText, run.stderr.trim()].filter(Boolean).join('\n') || undefined;
  const code = run.exitCode!;
  const status = NAGIOS_STATES[code];
  const result: CheckResult = status
    ? { status, message: (message || `${NAGIOS_NAMES[code]} (exit ${code}, no output)`) + cut(run, opts) }
    : { status: 'unknown', message: `exit ${code} is not a Nagios state (0-3): ${message}`.trim() };
  if (detail) result.detail = detail;
  if (Object.keys(perf).length) result.perf = perf;
  return result;
}

function miscDynamicResult(run: ProcessResult, opts: ScriptOptions): CheckResult {
  const code = run.exitCode!;
  const said = firstLine(run.stdout) || firstLine(run.stderr);
  const detail = run.stdout || run.stderr || undefined;
  if (code === 1) return { status: 'down', message: `exit 1${said ? `: ${said}` : ''}${cut(run, opts)}`, detail };
  if (code === 0) return { status: 'up', message: said || 'exit 0', detail };
  return { status: 'up', weight: code - 2, message: `exit ${code}: weight ${code - 2}${said ? `; ${said}` : ''}`, detail };
}

function exitCodeResult(run: ProcessResult, opts: ScriptOptions): CheckResult {
  const said = firstLine(run.stdout) || firstLine(run.stderr);
  const detail = [run.stdout, run.stderr].filter(Boolean).join('\n') || undefined;
  if (run.exitCode === 0) return { status: 'up', message: said || 'exit 0', detail };
  return { status: 'down', message: `exit ${run.exitCode}${said ? `: ${said}` : ''}${cut(run, opts)}`, detail };
}

/**
 * mon: exit 0 = every host fine. Otherwise line 1 names the failing hosts; a failing host's
 * message is the first detail line that names it. When line 1 names none of the hosts, mon
 * counts the whole service as failing: so does this.
 */
function monResults(run: ProcessResult, targets: Target[], opts: ScriptOptions): Map<string, CheckResult> {
  const results = new Map<string, CheckResult>();
  const [summary = '', ...detailLines] = run.stdout.split('\n');
  const detail = run.stdout.trim() || undefined;
  const failing = new Set(summary.trim().split(/\s+/).filter(Boolean));
  const named = (target: Target) => failing.has(target.address) || failing.has(target.name);
  const noneNamed = !targets.some(named);
  for (const target of targets) {
    if (run.exitCode === 0) {
      results.set(target.id, { status: 'up', message: summary.trim() || 'exit 0', detail });
    } else if (named(target) || noneNamed) {
      const line = detailLines.find((text) => text.split(/[\s:]+/).some((word) => word === target.address || word === target.name));
      const message = (line?.trim() || summary.trim() || `exit ${run.exitCode}`) + cut(run, opts);
      results.set(target.id, { status: 'down', message: noneNamed && !line ? `exit ${run.exitCode}: ${message}` : message, detail });
    } else {
      results.set(target.id, { status: 'up', message: `not among the failing hosts: ${summary.trim()}`, detail });
    }
  }
  return results;
}

// ---- running ----

function argumentsFor(targets: Target[], opts: ScriptOptions, ctx: CheckContext, group: boolean): string[] {
  const shared = { service: targets[0]!.service, group: targets[0]!.group, timeout: String(Math.max(1, Math.floor(ctx.timeoutMs / 1000))) };
  const values = group ? shared : { ...shared, ...hostValues(targets[0]!, opts) };
  const args = opts.args.map((template) => {
    try {
      return fill(template, values);
    } catch (err) {
      const perHost = PER_HOST.some((name) => template.includes(`{${name}}`));
      throw new Error(group && perHost ? `${template}: {address} {port} {name} cannot be used with batch: true (the hosts are appended)` : (err as Error).message);
    }
  });
  if (opts.convention === 'mon' && opts.append_hosts !== false) args.push(...targets.map((target) => target.address));
  return args;
}

async function runFor(targets: Target[], opts: ScriptOptions, ctx: CheckContext, group: boolean): Promise<Map<string, CheckResult>> {
  let args: string[];
  try {
    args = argumentsFor(targets, opts, ctx, group);
  } catch (err) {
    const failure: CheckResult = { status: 'unknown', message: (err as Error).message };
    return new Map(targets.map((target) => [target.id, failure]));
  }
  const run = await execute(targets, args, opts, ctx);
  const failure = abnormal(run, opts, ctx);
  if (failure) return new Map(targets.map((target) => [target.id, failure]));
  if (opts.convention === 'mon') return monResults(run, targets, opts);
  const result = opts.convention === 'nagios' ? nagiosResult(run, opts) : opts.convention === 'misc_dynamic' ? miscDynamicResult(run, opts) : exitCodeResult(run, opts);
  return new Map(targets.map((target) => [target.id, result]));
}

export default defineCheck({
  type: 'script',
  description: 'Runs a program (Nagios plugin, mon monitor, keepalived MISC_CHECK script) and reads its verdict',
  options,
  async run(target, opts, ctx) {
    return (await runFor([target], opts, ctx, false)).get(target.id)!;
  },
  /** One run for the whole group (service `batch: true`). Only the mon convention reports per host. */
  async runGroup(targets, opts, ctx) {
    if (opts.convention !== 'mon') {
      const failure: CheckResult = { status: 'unknown', message: `batch: true needs convention: mon (the only one that reports per host); this check uses ${opts.convention}` };
      return new Map(targets.map((target) => [target.id, failure]));
    }
    return runFor(targets, opts, ctx, true);
  },
});
