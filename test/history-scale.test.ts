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

    // Availability over the whole span agrees with the raw rows summed independently here.
    const raw = db.prepare('SELECT sum(min(coalesce(ended_at, @end), @end) - max(started_at, @since)) AS down FROM outages WHERE coalesce(ended_at, @end) > @since').get({ since: end - 30 * 86_400_000, end }) as { down: number };
    const rows = queryAvailability(db, { since: end - 30 * 86_400_000, until: end }, end);
    expect(rows.reduce((sum, row) => sum + row.downtimeMs, 0)).toBe(raw.down - maintenanceOverlap(db));
    db.close();
  });

  it('the history benchmark measures the real commands and the file size', async () => {
    const result = await runHistoryBenchmark({ file: tmp.path('bench.db'), vigilBin: VIGIL_BIN, targets: 100, hostsPerService: 1, outages: 500, transitions: 1_500, spanDays: 30, runs: 1 });
    expect(result.generated?.outages).toBe(500);
    expect(result.fileBytes).toBeGreaterThan(0);
    expect(result.commands.map((c) => c.command)).toContain('vigil availability --by service');
    for (const command of result.commands) expect(command.medianMs).toBeGreaterThan(0);
  });
});

/** Outage time inside maintenance periods (which availability leaves out). */
function maintenanceOverlap(db: Database.Database): number {
  const row = db
    .prepare(
      `SELECT coalesce(sum(max(0, min(coalesce(o.ended_at, 9e15), m.ended_at) - max(o.started_at, m.started_at))), 0) AS ms
         FROM maintenance_periods m JOIN outages o ON o.target_id = m.target_id`,
    )
    .get() as { ms: number };
  return row.ms;
}
