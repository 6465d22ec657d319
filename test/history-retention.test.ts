// Retention deletes exactly the rows older than each kind's window — one millisecond older goes,
// the row at the cutoff stays — in small steps, never an open outage or maintenance period, and
// gives the space back to the file system. The daemon runs it on its cron schedule.
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openWritableDatabase } from '../src/history/open-database.js';
import { Retention } from '../src/history/retention.js';
import { RetentionSchedule } from '../src/history/retention-schedule.js';
import { retentionSchema } from '../src/config/retention-schema.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil, VigilDaemon } from './helpers/vigil-process.js';
import { startHttpServer } from './helpers/servers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

/** Rows of every kind at cutoff − 1 ms, exactly at the cutoff, and after, for each target. */
function fill(db: Database.Database, keepDays: Record<string, number>) {
  const cut = (kind: string) => NOW - keepDays[kind]! * DAY;
  const target = db.prepare("INSERT INTO targets (id, key, service, grp, host, state, since, updated_at, created_at) VALUES (?, ?, 's', 'g', ?, 'up', 0, 0, 0)");
  const transition = db.prepare("INSERT INTO transitions (target_id, at, from_state, to_state, message) VALUES (?, ?, 'up', 'down', 'x')");
  const outage = db.prepare("INSERT INTO outages (target_id, started_at, ended_at, duration_ms, cause) VALUES (?, ?, ?, ?, 'x')");
  const maintenance = db.prepare('INSERT INTO maintenance_periods (target_id, started_at, ended_at) VALUES (?, ?, ?)');
  const aggregate = (table: string) =>
    db.prepare(`INSERT INTO ${table} (bucket, target_id, checks, failures, latency_n, latency_sum_us, latency_min_us, latency_max_us) VALUES (?, ?, 1, 0, 1, 5, 5, 5)`);
  const aggregates = { checks_minute: aggregate('checks_minute'), checks_hour: aggregate('checks_hour'), checks_day: aggregate('checks_day') };
  db.transaction(() => {
    for (let t = 1; t <= 3; t++) {
      target.run(t, `s/h${t}`, `h${t}`);
      for (const at of [cut('transitions') - 1, cut('transitions'), cut('transitions') + 1, NOW]) transition.run(t, at);
      for (const end of [cut('outages') - 1, cut('outages'), NOW]) outage.run(t, end - 60_000, end, 60_000);
      // Started long ago, never ended: an open outage is kept whatever its age.
      if (t === 1) outage.run(t, cut('outages') - 30 * DAY, null, null);
      for (const end of [cut('maintenance') - 1, cut('maintenance')]) maintenance.run(t, end - 3_600_000, end);
      if (t === 2) maintenance.run(t, cut('maintenance') - 30 * DAY, null);
      for (const [table, insert] of Object.entries(aggregates)) for (const bucket of [cut(table) - 1, cut(table), NOW]) insert.run(bucket, t);
    }
  })();
}

const count = (db: Database.Database, sql: string) => (db.prepare(sql).get() as { n: number }).n;

describe('retention', () => {
  const keepDays = { transitions: 30, outages: 365, maintenance: 365, checks_minute: 2, checks_hour: 90, checks_day: 730 };
  const policy = Object.fromEntries(Object.entries(keepDays).map(([kind, days]) => [kind, days * DAY]));

  it('deletes exactly what is older than each window, in steps, and keeps open rows', async () => {
    const db = openWritableDatabase(tmp.path('history.db'));
    fill(db, keepDays);
    const report = await new Retention(db, policy, log, { stepRows: 2 }).run(NOW);
    expect(report.deleted).toEqual({ transitions: 3, outages: 3, maintenance: 3, checks_minute: 3, checks_hour: 3, checks_day: 3 });

    const cut = (kind: keyof typeof keepDays) => NOW - keepDays[kind] * DAY;
    expect(count(db, `SELECT count(*) AS n FROM transitions WHERE at < ${cut('transitions')}`)).toBe(0);
    expect(count(db, `SELECT count(*) AS n FROM transitions WHERE at = ${cut('transitions')}`)).toBe(3);
    expect(count(db, 'SELECT count(*) AS n FROM transitions')).toBe(9);
    expect(db.prepare('SELECT target_id AS t, ended_at AS e FROM outages ORDER BY target_id, started_at').all()).toEqual([
      { t: 1, e: null },
      { t: 1, e: cut('outages') },
      { t: 1, e: NOW },
      { t: 2, e: cut('outages') },
      { t: 2, e: NOW },
      { t: 3, e: cut('outages') },
      { t: 3, e: NOW },
    ]);
    expect(db.prepare('SELECT target_id AS t, ended_at AS e FROM maintenance_periods ORDER BY target_id, started_at').all()).toEqual([
      { t: 1, e: cut('maintenance') },
      { t: 2, e: null },
      { t: 2, e: cut('maintenance') },
      { t: 3, e: cut('maintenance') },
    ]);
    for (const table of ['checks_minute', 'checks_hour', 'checks_day'] as const) {
      expect(db.prepare(`SELECT DISTINCT bucket FROM ${table} ORDER BY bucket`).pluck().all()).toEqual([cut(table), NOW]);
    }
    // A second run finds nothing more.
    expect((await new Retention(db, policy, log).run(NOW)).deleted).toEqual({});
    db.close();
  });

  it('forever keeps a kind whatever its age', async () => {
    const db = openWritableDatabase(tmp.path('history.db'));
    fill(db, keepDays);
    const report = await new Retention(db, { ...policy, transitions: null, outages: null }, log).run(NOW);
    expect(report.deleted.transitions).toBeUndefined();
    expect(report.deleted.outages).toBeUndefined();
    expect(count(db, 'SELECT count(*) AS n FROM transitions')).toBe(12);
    db.close();
  });

  it("daemon runs go with the outages' retention, by their end; the last one ended before the cutoff stays", async () => {
    const db = openWritableDatabase(tmp.path('history.db'));
    const cut = NOW - keepDays.outages * DAY;
    const run = db.prepare('INSERT INTO daemon_runs (id, started_at, seen_at, stopped_at, pid) VALUES (?, ?, ?, ?, 1)');
    run.run(1, cut - 30 * DAY, cut - 20 * DAY, cut - 20 * DAY);
    run.run(2, cut - 19 * DAY, cut - 10 * DAY, null); // crashed: ended when last seen
    run.run(3, cut - 9 * DAY, cut - 1, cut - 1); // the last before the cutoff: the stop after it reaches into kept time
    run.run(4, cut + DAY, NOW, null); // running
    const report = await new Retention(db, policy, log, { stepRows: 1 }).run(NOW);
    expect(report.deleted).toEqual({ daemon_runs: 2 });
    expect(db.prepare('SELECT id FROM daemon_runs ORDER BY id').pluck().all()).toEqual([3, 4]);
    expect((await new Retention(db, policy, log).run(NOW)).deleted).toEqual({});
    // Kept as long as outages are: forever, if they are.
    run.run(1, cut - 30 * DAY, cut - 20 * DAY, cut - 20 * DAY);
    expect((await new Retention(db, { ...policy, outages: null }, log).run(NOW)).deleted).toEqual({});
    expect(db.prepare('SELECT count(*) FROM daemon_runs').pluck().get()).toBe(3);
    db.close();
  });

  it('gives freed pages back to the file system a few at a time', async () => {
    const file = tmp.path('history.db');
    const db = openWritableDatabase(file);
    const t0 = NOW - 400 * DAY;
    db.prepare("INSERT INTO targets (id, key, service, grp, host, state, since, updated_at) VALUES (1, 's/h', 's', 'g', 'h', 'up', 0, 0)").run();
    const insert = db.prepare('INSERT INTO transitions (target_id, at, from_state, to_state, message) VALUES (1, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert.run(t0 + i * 1_000, 'up', 'down', `message number ${i} that takes some room`);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pagesBefore = db.pragma('page_count', { simple: true }) as number;
    const report = await new Retention(db, { transitions: 30 * DAY }, log, { stepRows: 1_000, stepPages: 16 }).run(NOW);
    expect(report.deleted).toEqual({ transitions: 20_000, messages: 20_000 }); // each text went with its last transition
    expect(report.pagesFreed).toBeGreaterThan(pagesBefore / 2);
    expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    expect(db.pragma('page_count', { simple: true })).toBe(pagesBefore - report.pagesFreed);
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(statSync(file).size).toBe((pagesBefore - report.pagesFreed) * (db.pragma('page_size', { simple: true }) as number));
    db.close();
  });

  it('a locked database: the run gives up quietly and the next one does the work', async () => {
    const file = tmp.path('history.db');
    const db = openWritableDatabase(file);
    fill(db, keepDays);
    const warnings: string[] = [];
    const retention = new Retention(db, policy, { ...log, warn: (m: string) => warnings.push(m) });
    const locker = new Database(file);
    locker.prepare('BEGIN IMMEDIATE').run();
    expect((await retention.run(NOW)).deleted).toEqual({});
    expect(warnings[0]).toMatch(/retention: deleting old transitions failed \(SQLITE_BUSY: database is locked\); trying again at the next run/);
    locker.prepare('COMMIT').run();
    locker.close();
    expect((await retention.run(NOW)).deleted.transitions).toBe(3);
    db.close();
  });

  it("runs on the wall clock of its time_zone, not the machine's", async () => {
    const db = openWritableDatabase(tmp.path('history.db'));
    db.prepare("INSERT INTO targets (id, key, service, grp, host, state, since, updated_at) VALUES (1, 'old/gone', 'old', 'g', 'gone', 'up', 0, 0)").run();
    db.prepare("INSERT INTO outages (target_id, started_at, ended_at, duration_ms, cause) VALUES (1, 1000, 2000, 1000, 'long ago')").run();
    const outages = () => count(db, 'SELECT count(*) AS n FROM outages');
    // 02:30 in Kathmandu (UTC+05:45, no daylight saving) is 20:45 UTC the day before: no
    // machine running this test keeps that offset, so a schedule read on local time runs elsewhen.
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: Date.UTC(2026, 10, 20, 20, 40) });
    const schedule = new RetentionSchedule({ db }, log);
    try {
      schedule.configure(retentionSchema.parse({ outages: '7d', schedule: '30 2 * * *', time_zone: 'Asia/Kathmandu' }));
      await vi.advanceTimersByTimeAsync(4 * 60_000 + 59_000); // 20:44:59 UTC
      expect(outages()).toBe(1);
      await vi.advanceTimersByTimeAsync(2_000); // 20:45:01 UTC: 02:30:01 in Kathmandu
      await vi.waitFor(() => expect(outages()).toBe(0));
    } finally {
      await schedule.stop();
      vi.useRealTimers();
      db.close();
    }
  });

  it('an unknown time_zone is a config error at its file, line and key', () => {
    const file = tmp.write('vigil.yaml', `history:
  retention: { schedule: '30 2 * * *', time_zone: Europe/Berln }
hostgroups: { web: [127.0.0.1] }
services: { web-http: { group: web, check: { type: tcp, port: 80 } } }
`);
    const result = runVigil(['check-config', '-c', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:2:51: history.retention.time_zone: unknown time zone "Europe/Berln" (expected an IANA name such as Europe/Berlin)`);
  });

  it('the daemon runs it on its schedule', async () => {
    const web = await startHttpServer();
    try {
      const file = tmp.path('history.db');
      const db = openWritableDatabase(file);
      db.prepare("INSERT INTO targets (id, key, service, grp, host, state, since, updated_at) VALUES (1, 'old/gone', 'old', 'g', 'gone', 'up', 0, 0)").run();
      db.prepare("INSERT INTO outages (target_id, started_at, ended_at, duration_ms, cause) VALUES (1, 1000, 2000, 1000, 'long ago')").run();
      db.prepare("INSERT INTO outages (target_id, started_at, ended_at, duration_ms, cause) VALUES (1, ?, ?, 1000, 'recent')").run(Date.now() - 2 * DAY, Date.now() - 2 * DAY + 1_000);
      db.close();
      const config = tmp.write(
        'vigil.yaml',
        `history:
  path: ./history.db
  retention: { outages: 7d, schedule: '* * * * * *' }   # every second, for the test
hostgroups: { web: ['127.0.0.1:${web.port}'] }
services: { web-http: { group: web, interval: 200ms, check: { type: http } } }
`,
      );
      const daemon = VigilDaemon.run(config);
      try {
        await daemon.waitForLine(/retention: deleted 1 outages; gave back \d+ page\(s\) to the file system/);
      } finally {
        await daemon.stop();
      }
      const check = new Database(file, { readonly: true });
      expect(check.prepare('SELECT cause FROM outages').pluck().all()).toEqual(['recent']);
      check.close();
    } finally {
      await web.stop();
    }
  });
});
