import { Command } from '../commander.js';
import { hostMatches, noTargetMatches } from '../../control/target-match.js';
import { parse as parseYamlValue } from 'yaml';
import { parseDuration } from '../../config/duration.js';
import { ConfigError, formatIssue } from '../../config/config-error.js';
import { joinHostPort, parseHostEntry } from '../../config/host-entry.js';
import { loadConfig } from '../../config/load-config.js';
import { describeZodIssues } from '../../config/zod-issues.js';
import { describeError } from '../../describe-error.js';
import { createLogger } from '../../log.js';
import { buildPlan } from '../../plan.js';
import { redactedUrl } from '../../check-kit/secrets-in-options.js';
import type { CheckPlugin, CheckResult, Target } from '../../plugin.js';
import { loadBuiltinPlugins, loadPluginDirs } from '../../plugins/load-plugins.js';
import { runCheck } from '../../runner.js';
import { examples } from '../config-option.js';
import { printable, table } from '../format.js';

interface ProbeOptions {
  config?: string;
  service?: string;
  host?: string;
  type?: string;
  port?: string;
  option: string[];
  timeout: string;
  pluginDir: string[];
  json?: boolean;
  verbose?: boolean;
}

interface ProbeJob {
  label: string;
  plugin: CheckPlugin;
  target: Target;
  options: Record<string, unknown>;
  timeoutMs: number;
}

/** Exit codes as Nagios plugins and monitoring scripts expect them. */
const EXIT = { up: 0, warning: 1, down: 2, unknown: 3 } as const;

function worstExit(results: CheckResult[]): number {
  const statuses = new Set(results.map((result) => result.status));
  if (statuses.has('down')) return EXIT.down;
  if (statuses.has('unknown')) return EXIT.unknown;
  if (statuses.has('warning')) return EXIT.warning;
  return EXIT.up;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function adHocJob(url: string | undefined, options: ProbeOptions): Promise<ProbeJob> {
  const { registry, issues } = await loadPluginDirs(options.pluginDir, await loadBuiltinPlugins());
  if (issues.length) throw new ConfigError(issues);
  let plugin: CheckPlugin | undefined;
  let address = options.host;
  let port = options.port ? Number(options.port) : undefined;
  let fromUrl: Record<string, unknown> = {};
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`not a URL: ${url} (try http://host:port/path, tcp://host:port, udp://host:port, icmp://host, dns://server/name?type=A, or --type with --host)`);
    }
    const scheme = parsed.protocol.slice(0, -1);
    plugin = options.type
      ? registry.checks.get(options.type)?.plugin
      : [...registry.checks.values()].map((entry) => entry.plugin).find((candidate) => candidate.schemes?.includes(scheme));
    if (!plugin?.fromUrl) {
      const known = [...registry.checks.values()].flatMap((entry) => entry.plugin.schemes ?? []);
      throw new Error(`no check understands ${scheme}:// URLs; known schemes: ${known.join(', ')}`);
    }
    const target = plugin.fromUrl(parsed);
    address = target.address;
    port ??= target.port;
    fromUrl = target.options;
  } else {
    if (!options.type || !options.host) throw new Error('give a URL (vigil probe http://127.0.0.1:8080/), or --type and --host, or -c FILE');
    plugin = registry.checks.get(options.type)?.plugin;
    if (!plugin) throw new Error(`unknown check type '${options.type}'; available: ${[...registry.checks.keys()].join(', ')}`);
    // --host as a host entry is written: 10.0.0.1, 10.0.0.1:8080, [2001:db8::1]:53.
    const host = parseHostEntry(options.host);
    if (typeof host === 'string') throw new Error(`--host: ${host}`);
    address = host.address;
    port ??= host.port;
  }
  const raw: Record<string, unknown> = { ...fromUrl };
  for (const assignment of options.option) {
    const eq = assignment.indexOf('=');
    if (eq < 1) throw new Error(`-o expects key=value, got ${JSON.stringify(assignment)}`);
    raw[assignment.slice(0, eq)] = parseYamlValue(assignment.slice(eq + 1));
  }
  const validated = plugin.options.safeParse(raw);
  if (!validated.success) {
    const problems = describeZodIssues(validated.error.issues, plugin.options, raw);
    throw new Error(problems.map((problem) => `option ${problem.path.join('.')}: ${problem.message}`).join('\n'));
  }
  const timeoutMs = parseDuration(options.timeout);
  if (timeoutMs === undefined) throw new Error(`--timeout: expected a duration such as 5s, got ${options.timeout}`);
  // The URL as given, less its password and tokens: the output and the terminal's scrollback keep it.
  const name = url ? redactedUrl(url) : joinHostPort(address!, port);
  const target: Target = { id: `probe/${name}`, service: 'probe', group: 'probe', name, address: address! };
  if (port !== undefined) target.port = port;
  return { label: name, plugin, target, options: validated.data as Record<string, unknown>, timeoutMs };
}

async function configuredJobs(options: ProbeOptions): Promise<ProbeJob[]> {
  const plan = buildPlan(await loadConfig(options.config!));
  const jobs: ProbeJob[] = [];
  for (const { target, service, check, timing } of plan.targets.values()) {
    if (options.service && service.name !== options.service) continue;
    if (options.host && !hostMatches(options.host, target)) continue;
    jobs.push({ label: target.id, plugin: check.plugin, target, options: check.options, timeoutMs: timing.timeoutMs });
  }
  if (!jobs.length) {
    const targets = [...plan.targets.values()];
    const known = { services: targets.map((t) => t.service.name), groups: [], hosts: targets.map((t) => t.target.name) };
    throw new Error(noTargetMatches({ service: options.service, host: options.host }, known));
  }
  return jobs;
}

async function runAll(jobs: ProbeJob[]): Promise<CheckResult[]> {
  const log = createLogger({ format: 'text', level: 'warn', write: (line) => process.stderr.write(line) });
  const results: CheckResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index]!;
      results[index] = await runCheck(job.plugin, job.target, job.options, { timeoutMs: job.timeoutMs, log });
    }
  };
  await Promise.all(Array.from({ length: Math.min(64, jobs.length) }, worker));
  return results;
}

/** Under the table: each result's detail and perfdata, indented, for the results that have them. */
function printDetails(jobs: ProbeJob[], results: CheckResult[]): void {
  jobs.forEach((job, i) => {
    const result = results[i]!;
    const lines: string[] = [];
    if (result.detail) lines.push(...result.detail.replace(/\n$/, '').split('\n'));
    if (result.weight !== undefined) lines.push(`weight: ${result.weight}`);
    if (result.perf) lines.push(`perfdata: ${Object.entries(result.perf).map(([key, value]) => `${key}=${value}`).join(' ')}`);
    if (!lines.length) return;
    console.log(`\n${job.label}:`);
    for (const line of lines) console.log(`  ${printable(line)}`);
  });
}

export function probeCommand(): Command {
  return new Command('probe')
    .description('run checks once and print the result, latency and reason (exit 0 up, 1 warning, 2 down, 3 unknown)')
    .argument(
      '[url]',
      'an ad-hoc target: http(s)://host:port/path, tcp://host:port, tls://host:port, udp://host:port, dns://server[:port]/name?type=A, mysql:// or pgsql://user:password@host/database, ldap(s)://host/base, radius://user:password@host?secret=…, sip://user@host (query parameters are check options)',
    )
    .option('-c, --config <file>', 'run the configured checks instead of an ad-hoc one')
    .option('-s, --service <name>', 'with -c: only this service')
    .option('--host <host>', 'with -c: only this host; ad hoc (with --type): the host to check, as a host entry is written (10.0.0.1, 10.0.0.1:8080, [::1]:53)')
    .option('-t, --type <type>', 'check type for an ad-hoc target (default: chosen by the URL scheme)')
    .option('-p, --port <port>', 'port for an ad-hoc target')
    .option('-o, --option <key=value>', 'a check option (repeatable), e.g. -o path=/health -o expect_status="200 301"', collect, [])
    .option('--timeout <duration>', 'ad-hoc timeout', '5s')
    .option('--plugin-dir <dir>', 'load user plugins from this directory (repeatable)', collect, [])
    .option('--json', 'print results as JSON')
    .option('-v, --verbose', 'also print each result\'s detail (answers, script output) and perfdata')
    // commander exits 1 on a usage error (unknown option, missing value): for a Nagios plugin that
    // is WARNING, so a typo in a monitoring command line would pass for a warning. UNKNOWN instead.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.unknown))
    .addHelpText(
      'after',
      examples([
        'vigil probe http://127.0.0.1:8080/health',
        "vigil probe 'tcp://127.0.0.1:22?banner=ssh'",
        "vigil probe 'udp://127.0.0.1:5000?payload=PING&expect_prefix=PONG'",
        "vigil probe -v 'dns://127.0.0.1/www.example.com?type=A&expect_answers=192.0.2.1'",
        "vigil probe 'mysql://monitor:secret@10.0.0.41/app?query=SELECT 1 FROM lb_status'",
        "vigil probe 'ldap://10.0.0.61/dc=example,dc=com?starttls=true'",
        "vigil probe --type script --host 10.0.0.5 -o command=/usr/lib/nagios/plugins/check_tcp -o convention=nagios -o 'args=[-H, \"{address}\", -p, 22]'",
        'vigil probe --type http --host 10.0.0.5 --port 8080 -o path=/status -o expect_status=200',
        'vigil probe -c /etc/vigil/vigil.yaml --service web-http',
        'vigil probe --plugin-dir /etc/vigil/plugins --type redis-ping --host 127.0.0.1 --port 6379 -o role=master',
      ]),
    )
    .action(async (url: string | undefined, options: ProbeOptions) => {
      let jobs: ProbeJob[];
      try {
        jobs = options.config && !url ? await configuredJobs(options) : [await adHocJob(url, options)];
      } catch (err) {
        if (err instanceof ConfigError) for (const issue of err.issues) console.error(formatIssue(issue));
        else console.error(`vigil probe: ${describeError(err)}`);
        process.exitCode = EXIT.unknown;
        return;
      }
      const results = await runAll(jobs);
      if (options.json) {
        const rows = jobs.map((job, i) => ({ target: job.label, type: job.plugin.type, ...results[i] }));
        console.log(JSON.stringify(url ? rows[0] : rows, null, 2));
      } else {
        const rows = jobs.map((job, i) => {
          const result = results[i]!;
          return [result.status.toUpperCase(), job.label, `${(result.latencyMs ?? 0).toFixed(1)}ms`, result.message ?? ''];
        });
        console.log(table(['STATUS', 'TARGET', 'LATENCY', 'MESSAGE'], rows));
        if (options.verbose) printDetails(jobs, results);
      }
      // Every result is printed: exit now, even if a check left a socket or timer behind.
      process.exit(worstExit(results));
    });
}
