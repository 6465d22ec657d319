// history: how fast the daemon's own write path records transitions and outages, and how fast
// `vigil history` / `vigil availability` answer on years of history (1,000,000 outages and
// 10,000,000 transitions), timed as an operator runs them: a whole process each.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HistoryStore } from '../../src/history/history-store.js';
import { runHistoryBenchmark } from '../../src/history/history-benchmark.js';
import { createLogger } from '../../src/log.js';
import type { Target } from '../../src/plugin.js';

const vigilBin = fileURLToPath(new URL('../../../bin/vigil', import.meta.url));

export interface HistoryScenarioOptions {
  outages: number;
  transitions: number;
  targets: number;
  /** Transitions written through the daemon's write path for the throughput figure. */
  writeTransitions: number;
}

type Row = Record<string, string | number>;

/** Transitions per second through HistoryStore (the queue and its batched transactions). */
function writeThroughput(count: number): Row {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-history-write-'));
  const log = createLogger({ format: 'text', level: 'error', write: () => undefined });
  const store = HistoryStore.open({ path: path.join(dir, 'history.db'), flushIntervalMs: 200, maxQueue: 10_000_000, log });
  try {
    const targets: Target[] = Array.from({ length: 1_000 }, (_, i) => ({ id: `svc/t${i}`, service: 'svc', group: 'g', name: `t${i}`, address: '127.0.0.1' }));
    const started = performance.now();
    let at = Date.now() - count * 1_000;
    for (let i = 0; i < count; i++) {
      const target = targets[i % targets.length]!;
      const down = Math.floor(i / targets.length) % 2 === 0;
      const result = down ? { status: 'down' as const, message: 'connection refused (127.0.0.1:80)' } : { status: 'up' as const, message: 'HTTP 200' };
      store.recordTransition(target, { from: down ? 'up' : 'down', to: down ? 'down' : 'up', at: (at += 1_000), result, streak: 2 });
      if (i % 5_000 === 4_999) store.flush(); // as the daemon's flush timer would, in batches
    }
    store.flush();
    const seconds = (performance.now() - started) / 1000;
    return { measure: 'write throughput', transitions: count, outages: count / 2, seconds: Math.round(seconds * 100) / 100, transitionsPerSecond: Math.round(count / seconds) };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runHistoryScenario(options: HistoryScenarioOptions): Promise<Row[]> {
  const rows: Row[] = [writeThroughput(options.writeTransitions)];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-history-'));
  try {
    const file = path.join(dir, 'history.db');
    const result = runHistoryBenchmark({ file, vigilBin, outages: options.outages, transitions: options.transitions, targets: options.targets, runs: 5 });
    rows.push({
      measure: 'database',
      outages: options.outages,
      transitions: options.transitions,
      targets: options.targets,
      generatedSeconds: Math.round((result.generated?.seconds ?? 0) * 10) / 10,
      fileMb: Math.round(statSync(file).size / 2 ** 20),
    });
    for (const command of result.commands) rows.push({ measure: 'query', command: command.command, medianMs: Math.round(command.medianMs), maxMs: Math.round(command.maxMs) });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
