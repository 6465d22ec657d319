// Runs the real daemon (bin/vigil run) on a generated config, for the benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { stringify } from 'yaml';
import { scrape, total } from './prometheus.js';

const vigilBin = fileURLToPath(new URL('../../../bin/vigil', import.meta.url));

export interface BenchDaemon {
  pid: number;
  metricsUrl: string;
  dir: string;
  /** Lines the daemon logged (kept only when asked). */
  lines: string[];
  stop(): Promise<void>;
}

/** A free TCP port on loopback (bound, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startVigil(config: Record<string, unknown>, options: { keepLines?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<BenchDaemon> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  const file = path.join(dir, 'vigil.yaml');
  const metricsUrl = `http://127.0.0.1:${await freePort()}/metrics`;
  writeFileSync(file, stringify({ history: { path: './history.db' }, metrics: { listen: new URL(metricsUrl).host }, ...config }));
  const child: ChildProcess = spawn(process.execPath, [vigilBin, 'run', '-c', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: process.env.VIGIL_BENCH_NODE_OPTIONS ?? '', ...options.env },
  });
  const lines: string[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    if (options.keepLines) lines.push(line);
    if (process.env.VIGIL_BENCH_ECHO) console.log(line);
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`vigil exited (${code}) during start`);
  });
  // Ready when the metrics endpoint answers.
  for (let answered = false; !answered; ) {
    answered = await Promise.race([
      request(metricsUrl).then(
        (response) => response.body.dump().then(() => true),
        () => sleep(100).then(() => false),
      ),
      exited,
    ]);
  }
  return {
    pid: child.pid!,
    metricsUrl,
    dir,
    lines,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until no check has waited for a concurrency slot for `quietMs` (a daemon just started with
 * thousands of targets runs late for a while), at most `timeoutMs`. Returns the milliseconds from
 * `since` until it settled, or null if it never did.
 */
export async function waitUntilSettled(metricsUrl: string, since: number, { quietMs = 2_000, timeoutMs = 60_000 } = {}): Promise<number | null> {
  let quietFrom: number | undefined;
  while (Date.now() - since < timeoutMs) {
    const waiting = total(await scrape(metricsUrl), 'vigil_scheduler_checks', 'phase="waiting"');
    if (waiting > 0) quietFrom = undefined;
    else if (quietFrom === undefined) quietFrom = Date.now();
    else if (Date.now() - quietFrom >= quietMs) return quietFrom - since;
    await sleep(250);
  }
  return null;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
