// Check results are kept as aggregates per target per minute, hour and day — checks, failures,
// latency min/avg/max — accumulated in memory and written in batches, never a row per check.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckAggregator } from '../src/history/check-aggregator.js';
import { openWritableDatabase } from '../src/history/open-database.js';
import { startHttpServer, type HttpTestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { VigilDaemon } from './helpers/vigil-process.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

const messages: string[] = [];
const log = { debug: () => undefined, info: () => undefined, warn: (m: string) => messages.push(m), error: (m: string) => messages.push(m) };
const at = (time: string) => Date.parse(`2025-03-01T${time}Z`);
const rows = (db: Database.Database, table: string) =>
  db.prepare(`SELECT bucket, target_id AS target, checks, failures, latency_n AS n, latency_sum_us AS sum, latency_min_us AS min, latency_max_us AS max FROM ${table} ORDER BY bucket, target_id`).all();

describe('check aggregates', () => {
  it('counts per minute, hour and day; a minute is written once it is over, hours and days as they go', async () => {
    const db = openWritableDatabase(tmp.path('history.db'));
    const aggregator = new CheckAggregator(db, { log, maxPendingRows: 1_000, chunkRows: 2 });
    aggregator.add(1, false, 1.5, at('10:00:05'));
    aggregator.add(1, true, 0.25, at('10:00:35'));
    aggregator.add(2, false, undefined, at('10:00:40')); // no latency measured
    aggregator.add(1, false, 4, at('10:01:10')); // the next minute: 10:00 is complete
    await aggregator.flush(at('10:01:20'));
    expect(rows(db, 'checks_minute')).toEqual([
      { bucket: at('10:00:00'), target: 1, checks: 2, failures: 1, n: 2, sum: 1_750, min: 250, max: 1_500 },
      { bucket: at('10:00:00'), target: 2, checks: 1, failures: 0, n: 0, sum: 0, min: null, max: null },
    ]);
    expect(rows(db, 'checks_hour')).toEqual([
      { bucket: at('10:00:00'), target: 1, checks: 3, failures: 1, n: 3, sum: 5_750, min: 250, max: 4_000 },
      { bucket: at('10:00:00'), target: 2, checks: 1, failures: 0, n: 0, sum: 0, min: null, max: null },
    ]);

    // More results in the same hour merge into its row; the minute 10:01 is over by 11:00.
    aggregator.add(1, true, 10, at('10:01:50'));
    aggregator.add(1, false, 0.5, at('11:00:00'));
    await aggregator.flush(at('11:00:10'));
    expect(rows(db, 'checks_minute').slice(2)).toEqual([{ bucket: at('10:01:00'), target: 1, checks: 2, failures: 1, n: 2, sum: 14_000, min: 4_000, max: 10_000 }]);
    expect(rows(db, 'checks_hour')).toEqual([
      { bucket: at('10:00:00'), target: 1, checks: 4, failures: 2, n: 4, sum: 15_750, min: 250, max: 10_000 },
      { bucket: at('10:00:00'), target: 2, checks: 1, failures: 0, n: 0, sum: 0, min: null, max: null },
      { bucket: at('11:00:00'), target: 1, checks: 1, failures: 0, n: 1, sum: 500, min: 500, max: 500 },
    ]);
    expect(rows(db, 'checks_day')).toEqual([
      { bucket: at('00:00:00'), target: 1, checks: 5, failures: 2, n: 5, sum: 16_250, min: 250, max: 10_000 },
      { bucket: at('00:00:00'), target: 2, checks: 1, failures: 0, n: 0, sum: 0, min: null, max: null },
    ]);

    // At stop everything is written, the open minute too; a restart in the same minute adds to it.
    expect(aggregator.flushNow()).toBe(true);
    const again = new CheckAggregator(db, { log, maxPendingRows: 1_000 });
    again.add(1, false, 2, at('11:00:30'));
    again.flushNow();
    expect(rows(db, 'checks_minute').at(-1)).toEqual({ bucket: at('11:00:00'), target: 1, checks: 2, failures: 0, n: 2, sum: 2_500, min: 500, max: 2_000 });
    db.close();
  });

  it('a locked database keeps the rows in memory and writes them later, loudly', async () => {
    const file = tmp.path('history.db');
    const db = openWritableDatabase(file);
    db.pragma('busy_timeout = 0');
    const aggregator = new CheckAggregator(db, { log, maxPendingRows: 1_000 });
    for (let s = 0; s < 120; s++) aggregator.add(7, s % 10 === 0, 1, at('10:00:00') + s * 1_000);
    const locker = new Database(file);
    locker.prepare('BEGIN IMMEDIATE').run();
    await aggregator.flush(at('10:01:59'));
    expect(messages.at(-1)).toMatch(/check aggregates not written \(SQLITE_BUSY: database is locked\); keeping 3 row\(s\) in memory and retrying/);
    expect(aggregator.pending).toBe(3);
    locker.prepare('COMMIT').run();
    locker.close();
    await aggregator.flush(at('10:01:59'));
    expect(messages.at(-1)).toBe('check aggregates: history database writable again');
    expect(aggregator.pending).toBe(0);
    expect(rows(db, 'checks_minute')).toEqual([{ bucket: at('10:00:00'), target: 7, checks: 60, failures: 6, n: 60, sum: 60_000, min: 1_000, max: 1_000 }]);
    expect((rows(db, 'checks_hour')[0] as { checks: number }).checks).toBe(120);
    db.close();
  });

  it('the daemon aggregates every result of a real server and writes them at stop', async () => {
    let web: HttpTestServer | undefined;
    try {
      web = await startHttpServer();
      const config = tmp.write(
        'vigil.yaml',
        `history: { path: ./history.db }
defaults: { interval: 50ms, timeout: 300ms, rise: 1, fall: 1, spread: 10ms }
hostgroups: { web: [{ name: web1, address: 127.0.0.1, port: ${web.port} }] }
services: { web-http: { group: web, check: { type: http } } }
`,
      );
      const daemon = VigilDaemon.run(config, ['--log-level', 'debug'], { cwd: tmp.dir });
      await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
      web.behaviour.status = 503;
      await daemon.waitForLine(/web-http\/web1 UP → DOWN/);
      web.behaviour.status = 200;
      await daemon.waitForLine(/web-http\/web1 DOWN → UP/);
      await daemon.stop();
      const results = daemon.lines.filter((line) => /DEBUG web-http\/web1 (up|down)/.test(line));
      const failed = results.filter((line) => /web1 down/.test(line));
      const db = new Database(tmp.path('history.db'), { readonly: true });
      const total = db.prepare('SELECT sum(checks) AS checks, sum(failures) AS failures, sum(latency_n) AS n, min(latency_min_us) AS min FROM checks_day').get();
      const minutes = db.prepare('SELECT sum(checks) AS checks FROM checks_minute').get();
      db.close();
      expect(total).toMatchObject({ checks: results.length, failures: failed.length, n: results.length });
      expect(failed.length).toBeGreaterThan(0);
      expect(minutes).toEqual({ checks: results.length });
    } finally {
      await web?.stop();
    }
  });
});
