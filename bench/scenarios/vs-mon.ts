// vs-mon: the same HTTP targets checked by Debian's mon (its own http.monitor, one service per
// host) and by Vigil, one after the other in the same run: CPU per check (mon's forked monitors
// included), checks run against checks scheduled, and the time from a backend's death to the alert
// script running. Skipped, with how to install it, where mon is not installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { endpointList, startBackends, type Backends } from '../lib/backends.js';
import { cpuOf } from '../lib/proc-stats.js';
import { scrape, total } from '../lib/prometheus.js';
import { percentile } from '../lib/stats.js';
import { freePort, sleep, startVigil } from '../lib/vigil-daemon.js';

const MON = '/usr/sbin/mon';
const HTTP_MONITOR = '/usr/lib/mon/mon.d/http.monitor';

export interface VsMonOptions {
  services: number;
  intervalS: number;
  windowMs: number;
  alertTrials: number;
}

type Row = Record<string, string | number>;

interface Figures {
  checksRun: number;
  checksScheduled: number;
  cpuPer1000: number;
}

/** An alert script for both: appends the time in ms to a file (mon passes its flags; ignored). */
function alertScript(dir: string, file: string): string {
  const script = path.join(dir, 'bench.alert');
  writeFileSync(script, `#!/bin/sh\ndate +%s%3N >> ${file}\n`);
  chmodSync(script, 0o755);
  return script;
}

function monConfig(dir: string, endpoints: string[], intervalS: number, alerted: Set<number>, ports: { server: number; trap: number }): string {
  const records = [
    `alertdir = ${dir}\nmondir = /usr/lib/mon/mon.d\nstatedir = ${dir}/state\nlogdir = ${dir}/log\nmaxprocs = 0\nrandstart = ${intervalS}s\n` +
      `serverbind = 127.0.0.1\nserverport = ${ports.server}\ntrapbind = 127.0.0.1\ntrapport = ${ports.trap}\ndtlogging = no\nhistlength = 10`,
  ];
  endpoints.forEach((endpoint, i) => records.push(`hostgroup g${i} ${endpoint.split(':')[0]}`));
  endpoints.forEach((endpoint, i) => {
    const port = endpoint.split(':')[1];
    const alert = alerted.has(i) ? '\n\t\tperiod\n\t\t\talert bench.alert' : '';
    records.push(`watch g${i}\n\tservice http\n\t\tinterval ${intervalS}s\n\t\tmonitor http.monitor -p ${port} -t 5${alert}`);
  });
  return `${records.join('\n\n')}\n`;
}

async function startMon(dir: string, config: string): Promise<ChildProcess> {
  mkdirSync(path.join(dir, 'state'), { recursive: true });
  mkdirSync(path.join(dir, 'log'), { recursive: true });
  writeFileSync(path.join(dir, 'auth.cf'), '');
  const file = path.join(dir, 'mon.cf');
  writeFileSync(file, config);
  const mon = spawn(MON, ['-c', file, '-A', path.join(dir, 'auth.cf'), '-b', '/usr/lib/mon', '-D', path.join(dir, 'state'), '-L', path.join(dir, 'log'), '-P', ''], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  mon.stderr!.on('data', (chunk) => (errors += chunk));
  await sleep(1_000);
  if (mon.exitCode !== null) throw new Error(`mon exited (${mon.exitCode}): ${errors.trim()}`);
  return mon;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), sleep(5_000).then(() => child.kill('SIGKILL'))]);
}

/** Kills the alerted backend at a random point, `trials` times; ms from the kill to the alert script. */
async function killToAlert(backends: Backends, endpoint: string, alertFile: string, trials: number, intervalS: number): Promise<number[]> {
  const times: number[] = [];
  const lines = () => (existsSync(alertFile) ? readFileSync(alertFile, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);
  for (let trial = 0; trial < trials; trial++) {
    await sleep(Math.random() * intervalS * 1_000);
    const killedAt = Date.now();
    await backends.stop(endpoint);
    const deadline = Date.now() + 30_000;
    let alertedAt: number | undefined;
    while (!alertedAt && Date.now() < deadline) {
      alertedAt = lines().find((at) => at >= killedAt);
      if (!alertedAt) await sleep(10);
    }
    if (alertedAt) times.push(alertedAt - killedAt);
    await backends.start(endpoint);
    await sleep(intervalS * 1_000 * 2); // recovered, and its next failure is a new outage
  }
  return times;
}

export async function runVsMon(options: VsMonOptions): Promise<Row[]> {
  if (!existsSync(MON) || !existsSync(HTTP_MONITOR)) {
    return [{ skipped: 'mon is not installed here: `apt-get install mon` (Debian) to compare against it' }];
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-vs-mon-'));
  const endpoints = endpointList(options.services, 223, 8080);
  const backends = await startBackends('http', endpoints);
  const alertFile = path.join(dir, 'alerts');
  const script = alertScript(dir, alertFile);
  const alerted = endpoints.length - 1;
  try {
    // mon: its scheduler and its forked Perl monitors.
    const mon = await startMon(dir, monConfig(dir, endpoints, options.intervalS, new Set([alerted]), { server: await freePort(), trap: await freePort() }));
    let monFigures: Figures;
    let monAlerts: number[];
    try {
      await sleep(options.intervalS * 2_000);
      const [served0, cpu0] = [await backends.served(), cpuOf(mon.pid!)];
      const started = Date.now();
      await sleep(options.windowMs);
      const [served1, cpu1] = [await backends.served(), cpuOf(mon.pid!)];
      const checksRun = served1 - served0;
      monFigures = {
        checksRun,
        checksScheduled: Math.round((options.services * (Date.now() - started)) / (options.intervalS * 1_000)),
        cpuPer1000: ((cpu1.self + cpu1.children - cpu0.self - cpu0.children) / checksRun) * 1_000,
      };
      monAlerts = await killToAlert(backends, endpoints[alerted]!, alertFile, options.alertTrials, options.intervalS);
    } finally {
      await stopProcess(mon);
    }

    // Vigil: the same targets, interval, and an alert on the first failed check as mon gives.
    rmSync(alertFile, { force: true });
    const hosts = endpoints.map((endpoint, i) => ({ name: `g${i}`, address: endpoint.split(':')[0], port: Number(endpoint.split(':')[1]) }));
    const vigil = await startVigil({
      log: { level: 'warn' },
      defaults: { interval: `${options.intervalS}s`, spread: `${options.intervalS}s`, timeout: '5s', fall: 1, rise: 1 },
      hostgroups: { web: hosts.slice(0, alerted), watched: hosts.slice(alerted) },
      services: {
        http: { group: 'web', check: { type: 'http' } },
        'http-alerted': { group: 'watched', check: { type: 'http' }, alerts: ['bench'] },
      },
      alerts: { bench: { type: 'exec', convention: 'mon', command: script } },
    });
    let vigilFigures: Figures;
    let vigilAlerts: number[];
    try {
      await sleep(options.intervalS * 2_000);
      const [m0, cpu0, served0] = [await scrape(vigil.metricsUrl), cpuOf(vigil.pid), await backends.served()];
      const started = Date.now();
      await sleep(options.windowMs);
      const [m1, cpu1, served1] = [await scrape(vigil.metricsUrl), cpuOf(vigil.pid), await backends.served()];
      const checksRun = total(m1, 'vigil_checks_total') - total(m0, 'vigil_checks_total');
      vigilFigures = {
        checksRun: Math.min(checksRun, served1 - served0),
        checksScheduled: Math.round((options.services * (Date.now() - started)) / (options.intervalS * 1_000)),
        cpuPer1000: ((cpu1.self + cpu1.children - cpu0.self - cpu0.children) / checksRun) * 1_000,
      };
      vigilAlerts = await killToAlert(backends, endpoints[alerted]!, alertFile, options.alertTrials, options.intervalS);
    } finally {
      await vigil.stop();
    }

    const row = (who: string, figures: Figures, alerts: number[]): Row => ({
      checker: who,
      services: options.services,
      intervalS: options.intervalS,
      checksRun: figures.checksRun,
      checksScheduled: figures.checksScheduled,
      ranPercent: (figures.checksRun / figures.checksScheduled) * 100,
      cpuSecondsPer1000: figures.cpuPer1000,
      killToAlertP50Ms: percentile(alerts, 0.5),
      killToAlertMaxMs: alerts.length ? Math.max(...alerts) : NaN,
      alertTrials: `${alerts.length}/${options.alertTrials}`,
    });
    return [
      row('mon 1.3 (http.monitor)', monFigures, monAlerts),
      row('vigil (http check)', vigilFigures, vigilAlerts),
      {
        checker: 'ratio mon / vigil',
        cpuPerCheck: monFigures.cpuPer1000 / vigilFigures.cpuPer1000,
        ranPercent: (vigilFigures.checksRun / vigilFigures.checksScheduled) / (monFigures.checksRun / monFigures.checksScheduled),
        killToAlertP50: percentile(monAlerts, 0.5) / percentile(vigilAlerts, 0.5),
      },
    ];
  } finally {
    await backends.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
