// The synthetic history generator (for the history benchmark) writes plausible history through the
// real schema, and the benchmark's measuring code runs end to end — here at a tiny volume, asserting
// that it produced figures, never their values.
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { queryAvailability } from '../src/history/availability-query.js';
import { generateHistory } from '../src/history/generate-history.js';
import { runHistoryBenchmark } from '../src/history/history-benchmark.js';
import { tempDir } from './helpers/temp-dir.js';
import { VIGIL_BIN } from './helpers/vigil-process.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('synthetic history', () => {
  it('has the volume asked for, in time order, outages never overlapping per target', () => {
    const end = Date.parse('2025-03-01T00:00:00Z');
    const summary = generateHistory({ file: tmp.path('gen.db'), targets: 50, hostsPerService: 10, outages: 2_000, transitions: 6_000, spanDays: 30, end, maintenancePeriods: 20, aggregateDays: { hour: 1, day: 2 } });
    expect(summary).toMatchObject({ targets: 50, outages: 2_000, transitions: 6_000, maintenancePeriods: 20, aggregateRows: 50 * 24 + 50 * 2 });
    const db = new Database(summary.file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT count(*) AS n FROM transitions').get()).toEqual({ n: 6_000 });
    expect(db.prepare("SELECT count(*) AS n FROM transitions WHERE to_state = 'down'").get()).toEqual({ n: 2_000 });
    // Ids follow time, as a daemon appends them.
    const times = db.prepare('SELECT at FROM transitions ORDER BY id').pluck().all() as number[];
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const overlapping = db.prepare('SELECT count(*) AS n FROM outages a JOIN outages b ON a.target_id = b.target_id AND a.id < b.id AND b.started_at < coalesce(a.ended_at, 9e15)').get();
    expect(overlapping).toEqual({ n: 0 });

    // The daemon's runs: restarts, and one long stop; the last run still going at the end.
    expect(summary.daemonRuns).toBeGreaterThanOrEqual(2);
    const runs = db.prepare('SELECT started_at, coalesce(stopped_at, seen_at) AS endedAt, stopped_at FROM daemon_runs ORDER BY id').raw().all() as Array<[number, number, number | null]>;
    expect(runs).toHaveLength(summary.daemonRuns);
    expect(runs[0]![0]).toBe(summary.start);
    expect(runs.at(-1)).toEqual([expect.any(Number), end, null]);
    const stops = runs.slice(1).map(([startedAt], i): [number, number] => [runs[i]![1], startedAt]);
    expect(stops.some(([a, b]) => b - a >= 2 * 86_400_000)).toBe(true);
    // No outage begins or ends while the daemon is stopped.
    const outages = db.prepare('SELECT target_id, started_at, ended_at FROM outages').raw().all() as Array<[number, number, number | null]>;
    const inStop = (at: number) => stops.some(([a, b]) => at >= a && at < b);
    expect(outages.filter(([, a, b]) => inStop(a) || (b !== null && inStop(b)))).toEqual([]);

    // Availability over the whole span agrees with the raw rows summed independently here: each
    // outage's time, less what falls in its target's maintenance or in a stop.
    const since = end - 30 * 86_400_000;
    const maintenance = db.prepare('SELECT target_id, started_at, ended_at FROM maintenance_periods').raw().all() as Array<[number, number, number]>;
    let down = 0;
    for (const [targetId, startedAt, endedAt] of outages) {
      const [a, b] = [Math.max(startedAt, since), Math.min(endedAt ?? end, end)];
      if (b > a) down += b - a - coveredOnce(a, b, [...maintenance.filter(([id]) => id === targetId).map(([, c, d]): [number, number] => [c, d]), ...stops]);
    }
    const rows = queryAvailability(db, { since, until: end }, end);
    expect(rows.reduce((sum, row) => sum + row.downtimeMs, 0)).toBe(down);
    db.close();
  });

  it('the history benchmark measures the real commands and the file size', async () => {
    const result = runHistoryBenchmark({ file: tmp.path('bench.db'), vigilBin: VIGIL_BIN, targets: 100, hostsPerService: 1, outages: 500, transitions: 1_500, spanDays: 30, runs: 1 });
    expect(result.generated?.outages).toBe(500);
    expect(result.fileBytes).toBeGreaterThan(0);
    expect(result.commands.map((c) => c.command)).toContain('vigil availability --by service');
    for (const command of result.commands) expect(command.medianMs).toBeGreaterThan(0);
  });
});

/** How much of [a, b] the intervals cover, time covered twice counted once. */
function coveredOnce(a: number, b: number, intervals: Array<[number, number]>): number {
  let total = 0;
  let reached = a;
  for (const [c, d] of [...intervals].sort((x, y) => x[0] - y[0])) {
    const from = Math.max(c, reached);
    const to = Math.min(d, b);
    if (to > from) (total += to - from), (reached = to);
  }
  return total;
}
