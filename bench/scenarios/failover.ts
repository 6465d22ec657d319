// failover: a virtual service with three real servers; in each trial one is killed at a random
// point of its check cycle. Measured: from the kill to the ipvsadm call that takes it out, and from
// its restart to the call that puts it back — idle, and with a full scale load in the same daemon.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { endpointList, startBackends, type Backends } from '../lib/backends.js';
import { percentile } from '../lib/stats.js';
import { sleep, startVigil, waitUntilSettled } from '../lib/vigil-daemon.js';

const fastIpvsadm = fileURLToPath(new URL('../../../bench/fast-ipvsadm', import.meta.url));
const VIP = '192.0.2.10:80';

export interface FailoverOptions {
  trials: number;
  /** Extra HTTP targets checked by the same daemon during the trials. */
  loadTargets: number;
}

export interface FailoverResult {
  scenario: string;
  load: string;
  trials: number;
  removalP50Ms: number;
  removalP99Ms: number;
  removalMaxMs: number;
  readdP50Ms: number;
  readdP99Ms: number;
  readdMaxMs: number;
  /** Seconds from the daemon's start until no check waited for a slot (null: not within 30 s; the trials run anyway). */
  settledAfterS: number | null;
  /**
   * What Vigil adds beyond the check cycle: removal − (last request served before the kill + interval
   * + fast re-check), and re-add − (first request served after the restart + fast re-check). Free of
   * the random phase of the kill, so idle and loaded runs compare with few trials.
   */
  removalOverheadP50Ms: number;
  removalOverheadP99Ms: number;
  readdOverheadP50Ms: number;
  readdOverheadP99Ms: number;
}

const INTERVAL_MS = 1_000;
const FAST_INTERVAL_MS = 250;

/** ipvsadm calls logged by fast-ipvsadm: [epoch ms, argument line]. */
function calls(logFile: string): Array<[number, string]> {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const space = line.indexOf(' ');
      return [Number(line.slice(0, space)), line.slice(space + 1)] as [number, string];
    });
}

async function firstCallAfter(logFile: string, since: number, pattern: RegExp, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = calls(logFile).find(([at, args]) => at >= since && pattern.test(args));
    if (found) return found[0];
    await sleep(10);
  }
  throw new Error(`no ipvsadm call matching ${pattern} within ${timeoutMs} ms`);
}

export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-failover-'));
  const logFile = path.join(dir, 'ipvsadm.log');
  const reals = endpointList(3, 220, 8080);
  const pool = await startBackends('http', reals, 1);
  let load: Backends | undefined;
  const loadConfig: Record<string, unknown> = {};
  if (options.loadTargets) {
    const endpoints = endpointList(Math.ceil(options.loadTargets / 10), 221, 8080);
    load = await startBackends('http', endpoints);
    loadConfig.hostgroups = {
      load: Array.from({ length: options.loadTargets }, (_, i) => {
        const [address, port] = endpoints[i % endpoints.length]!.split(':');
        return { name: `l${i}`, address, port: Number(port) };
      }),
    };
    loadConfig.services = { load: { group: 'load', interval: '2s', spread: '2s', timeout: '1s', check: { type: 'http' } } };
  }
  const daemonStartedAt = Date.now();
  const daemon = await startVigil(
    {
      log: { level: 'warn' },
      lvs: { ipvsadm: fastIpvsadm, resync_interval: '1h' },
      virtual_servers: {
        web: {
          virtual: VIP,
          forwarding: 'nat',
          scheduler: 'wrr',
          real_servers: reals,
          check: { type: 'http', path: '/' },
          interval: `${INTERVAL_MS}ms`,
          fall: 2,
          rise: 2,
          fast_interval: `${FAST_INTERVAL_MS}ms`,
          timeout: '500ms',
        },
      },
      ...loadConfig,
    },
    { env: { IPVSADM_DOUBLE_STATE: path.join(dir, 'table'), IPVSADM_BENCH_LOG: logFile } },
  ).catch(async (err: unknown) => {
    await pool.close(); // else the servers keep the benchmark waiting forever
    await load?.close();
    throw err;
  });
  const removals: number[] = [];
  const readds: number[] = [];
  const removalOverheads: number[] = [];
  const readdOverheads: number[] = [];
  let settledAfterMs: number | null = null;
  try {
    await firstCallAfter(logFile, 0, new RegExp(`^-a -t ${VIP} -r ${reals[2]} `), 30_000); // the pool is in the table
    // Steady state: every check has run and none waits for a slot (at 10,000 targets the first
    // seconds after start run late; that is start-up, not failover).
    await sleep(1_500);
    settledAfterMs = await waitUntilSettled(daemon.metricsUrl, daemonStartedAt, { timeoutMs: 30_000 });
    // Each kill lands at a random point of the victim's check cycle, one in each of `trials` equal
    // slices of it (in random order), so 20 trials give a median free of sampling luck.
    const phases = Array.from({ length: options.trials }, (_, i) => ((i + Math.random()) / options.trials) * INTERVAL_MS).sort(() => Math.random() - 0.5);
    for (let trial = 0; trial < options.trials; trial++) {
      const victim = reals[trial % reals.length]!;
      const target = victim.replace(/\./g, '\\.');
      let killAt = (await pool.servedAt(victim)).last + phases[trial]!; // its last check + the phase
      while (killAt < Date.now() + 5) killAt += INTERVAL_MS;
      await sleep(killAt - Date.now());
      const killedAt = Date.now();
      await pool.stop(victim);
      const lastServed = (await pool.servedAt(victim)).last;
      const removedAt = await firstCallAfter(logFile, killedAt, new RegExp(`^-(e -t ${VIP} -r ${target} .*-w 0|d -t ${VIP} -r ${target})( |$)`));
      removals.push(removedAt - killedAt);
      removalOverheads.push(removedAt - (lastServed + INTERVAL_MS + FAST_INTERVAL_MS));
      await sleep(Math.random() * 1_000); // restarted at a random point of its cycle too
      const restartedAt = Date.now();
      await pool.start(victim);
      const readdedAt = await firstCallAfter(logFile, restartedAt, new RegExp(`^-(e -t ${VIP} -r ${target} .*-w [1-9]|a -t ${VIP} -r ${target})`));
      readds.push(readdedAt - restartedAt);
      readdOverheads.push(readdedAt - ((await pool.servedAt(victim)).first + FAST_INTERVAL_MS));
      await sleep(500);
    }
  } finally {
    await daemon.stop();
    await pool.close();
    await load?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    scenario: 'failover',
    load: options.loadTargets ? `${options.loadTargets} http targets at 2s` : 'idle',
    trials: options.trials,
    removalP50Ms: percentile(removals, 0.5),
    removalP99Ms: percentile(removals, 0.99),
    removalMaxMs: Math.max(...removals),
    readdP50Ms: percentile(readds, 0.5),
    readdP99Ms: percentile(readds, 0.99),
    readdMaxMs: Math.max(...readds),
    settledAfterS: settledAfterMs === null ? null : settledAfterMs / 1000,
    removalOverheadP50Ms: percentile(removalOverheads, 0.5),
    removalOverheadP99Ms: percentile(removalOverheads, 0.99),
    readdOverheadP50Ms: percentile(readdOverheads, 0.5),
    readdOverheadP99Ms: percentile(readdOverheads, 0.99),
  };
}
