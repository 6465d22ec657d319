// scale-http / scale-tcp / scale-dns / scale-icmp / scale-script / scale-mysql / scale-pgsql: N targets at an
// interval; over a fixed window after warm-up, how many scheduled checks ran, how late they
// started, and what they cost. The database targets all log in to one real server (MariaDB,
// PostgreSQL), started as the tests start theirs; icmp targets are 127/8 addresses the kernel answers.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { CONTROL_SOCKET_NAME } from '../../src/config/paths.js';
import { API_PREFIX } from '../../src/control/control-api.js';
import { MONITOR_PASSWORD, MONITOR_USER, startMariadb, startPostgres, type DatabaseServer } from '../../test/helpers/database-servers.js';
import { endpointList, startBackends, type BackendKind, type Backends } from '../lib/backends.js';
import { cpuOf, memoryOf } from '../lib/proc-stats.js';
import { histogramBetween, scrape, total, value, type Samples } from '../lib/prometheus.js';
import { sleep, startVigil, waitUntilSettled, type BenchDaemon } from '../lib/vigil-daemon.js';

export interface ScaleOptions {
  kind: 'http' | 'tcp' | 'dns' | 'icmp' | 'script' | 'mysql' | 'pgsql';
  targets: number;
  intervalMs: number;
  windowMs: number;
  /** Targets sharing one backend listener (spread over many 127/8 addresses). */
  targetsPerEndpoint: number;
}

export interface ScaleResult {
  scenario: string;
  targets: number;
  intervalS: number;
  windowS: number;
  checksRun: number;
  checksScheduled: number;
  ranPercent: number;
  failedChecks: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  eventLoopP99Ms: number;
  cpuSecondsPer1000: number;
  childCpuSecondsPer1000: number;
  peakRssMb: number;
  /** Seconds from the daemon's start until no check waited for a slot (null: not within 60 s). */
  settledAfterS: number | null;
  /** A reload of the same config under this load (as `vigil reload`): how long it took. */
  reloadMs: number;
  /** The longest the event loop was held while it reloaded: how late any answer could be read. */
  reloadEventLoopMaxMs: number;
  /** The same, over as long a time right after, without a reload: what the load alone holds it for. */
  quietEventLoopMaxMs: number;
  /** Checks that failed around the reload; every backend is healthy, so each is the reload's doing. */
  reloadFailedChecks: number;
}

/** Checks run so far that did not come back up (the daemon's vigil_checks_total). */
function failedChecks(samples: Samples): number {
  return total(samples, 'vigil_checks_total') - total(samples, 'vigil_checks_total', 'status="up"');
}

/** The longest the event loop was held since the previous scrape (each scrape starts a new window). */
function eventLoopMaxMs(samples: Samples): number {
  return (value(samples, 'nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000;
}

/** Reloads the daemon's unchanged config through its control socket, under the running load. */
async function measureReload(daemon: BenchDaemon, intervalMs: number): Promise<Pick<ScaleResult, 'reloadMs' | 'reloadEventLoopMaxMs' | 'quietEventLoopMaxMs' | 'reloadFailedChecks'>> {
  const before = await scrape(daemon.metricsUrl); // a scrape also starts a new event-loop window
  const client = new Client('http://localhost', { socketPath: path.join(daemon.dir, CONTROL_SOCKET_NAME) });
  try {
    const started = performance.now();
    const response = await client.request({ method: 'POST', path: `${API_PREFIX}/reload`, headers: { 'content-type': 'application/json' }, body: '{}' });
    const answer = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`reload failed: ${answer}`);
    const reloadMs = performance.now() - started;
    const reloaded = await scrape(daemon.metricsUrl); // the event-loop window of the reload alone
    await sleep(intervalMs); // the checks under way during the reload have ended
    const after = await scrape(daemon.metricsUrl);
    await sleep(reloadMs); // as long as the reload took, without one
    const quiet = await scrape(daemon.metricsUrl);
    return {
      reloadMs,
      reloadEventLoopMaxMs: eventLoopMaxMs(reloaded),
      quietEventLoopMaxMs: eventLoopMaxMs(quiet),
      reloadFailedChecks: failedChecks(after) - failedChecks(before),
    };
  } finally {
    await client.close();
  }
}

const PORTS: Record<Exclude<ScaleOptions['kind'], 'icmp' | 'script' | 'mysql' | 'pgsql'>, number> = { http: 8080, tcp: 9090, dns: 5353 };

function checkFor(kind: ScaleOptions['kind']): Record<string, unknown> {
  switch (kind) {
    case 'http':
      return { type: 'http', path: '/health' };
    case 'tcp':
      return { type: 'tcp' };
    case 'dns':
      return { type: 'dns', name: 'bench.example', query_type: 'A' };
    case 'icmp':
      return { type: 'icmp' };
    case 'script':
      return { type: 'script', command: '/bin/true' };
    case 'mysql':
    case 'pgsql':
      return { type: kind, user: MONITOR_USER, password: MONITOR_PASSWORD, database: 'app', query: 'SELECT 1' };
  }
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  let backends: Backends | undefined;
  let database: DatabaseServer | undefined;
  let hosts: Array<{ name: string; address: string; port?: number }>;
  if (options.kind === 'script') {
    hosts = Array.from({ length: options.targets }, (_, i) => ({ name: `t${i}`, address: '127.0.0.1' }));
  } else if (options.kind === 'icmp') {
    hosts = Array.from({ length: options.targets }, (_, i) => ({ name: `t${i}`, address: `127.205.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
  } else if (options.kind === 'mysql' || options.kind === 'pgsql') {
    database = await (options.kind === 'mysql' ? startMariadb() : startPostgres());
    const port = database.port;
    hosts = Array.from({ length: options.targets }, (_, i) => ({ name: `t${i}`, address: '127.0.0.1', port }));
  } else {
    const backendKind: BackendKind = options.kind;
    const endpoints = endpointList(Math.ceil(options.targets / options.targetsPerEndpoint), 200 + Object.keys(PORTS).indexOf(options.kind), PORTS[options.kind]);
    backends = await startBackends(backendKind, endpoints);
    hosts = Array.from({ length: options.targets }, (_, i) => {
      const endpoint = endpoints[i % endpoints.length]!;
      const colon = endpoint.lastIndexOf(':');
      return { name: `t${i}`, address: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)) };
    });
  }
  const interval = `${options.intervalMs}ms`;
  const daemonStartedAt = Date.now();
  const daemon = await startVigil({
    log: { level: 'warn' },
    defaults: { interval, timeout: '1s', spread: interval, rise: 2, fall: 3 },
    hostgroups: { pool: hosts },
    services: { [`scale-${options.kind}`]: { group: 'pool', check: checkFor(options.kind) } },
  }).catch(async (err: unknown) => {
    await backends?.close(); // else their processes keep the benchmark waiting forever
    await database?.stop();
    throw err;
  });
  try {
    await sleep(options.intervalMs * 2 + 1_000); // every target has run, caches are warm
    // Measure the steady state: start-up runs late for a while at thousands of targets. A load the
    // daemon cannot keep up with never settles; it is measured anyway after the timeout.
    const settledAfterMs = await waitUntilSettled(daemon.metricsUrl, daemonStartedAt, { timeoutMs: 30_000 });
    const before = await scrape(daemon.metricsUrl);
    const cpuBefore = cpuOf(daemon.pid);
    const startedAt = Date.now();
    await sleep(options.windowMs);
    const after = await scrape(daemon.metricsUrl);
    const cpuAfter = cpuOf(daemon.pid);
    const elapsed = Date.now() - startedAt;
    const checksRun = total(after, 'vigil_checks_total') - total(before, 'vigil_checks_total');
    const checksScheduled = (options.targets * elapsed) / options.intervalMs;
    const lag = histogramBetween(before, after, 'vigil_check_start_lag_seconds');
    const per1000 = (seconds: number) => (checksRun ? (seconds / checksRun) * 1000 : NaN);
    const reload = await measureReload(daemon, options.intervalMs);
    return {
      scenario: `scale-${options.kind}`,
      targets: options.targets,
      intervalS: options.intervalMs / 1000,
      windowS: Math.round(elapsed / 100) / 10,
      checksRun,
      checksScheduled: Math.round(checksScheduled),
      ranPercent: (checksRun / checksScheduled) * 100,
      failedChecks: failedChecks(after) - failedChecks(before),
      lagP50Ms: lag.p50 * 1000,
      lagP99Ms: lag.p99 * 1000,
      lagMaxMs: lag.max * 1000,
      eventLoopP99Ms: (value(after, 'nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
      cpuSecondsPer1000: per1000(cpuAfter.self - cpuBefore.self),
      childCpuSecondsPer1000: per1000(cpuAfter.children - cpuBefore.children),
      peakRssMb: memoryOf(daemon.pid).peakMb,
      settledAfterS: settledAfterMs === null ? null : settledAfterMs / 1000,
      ...reload,
    };
  } finally {
    await daemon.stop();
    await backends?.close();
    await database?.stop();
  }
}
