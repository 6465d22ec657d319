// An upgrade never loses history: a database written by schema version 1 (the first release's
// HistoryStore statements, verbatim) is migrated to version 2 with every row kept, read back
// through the same column names, and switched to incremental auto-vacuum.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../src/history/history-store.js';
import { historyIdOf, MIGRATIONS, SCHEMA_VERSION } from '../src/history/migrations.js';
import { openReadOnlyDatabase, openWritableDatabase } from '../src/history/open-database.js';
import { queryOutages } from '../src/history/outage-query.js';
import { readTransitions } from './helpers/history-db.js';
import { writeKnownHistory } from './helpers/known-history.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync } from './helpers/vigil-process.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

const lines: string[] = [];
const log = { debug: () => undefined, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };

/**
 * A version 1 database as the first release wrote it: its migration, then its exact statements.
 * Targets alternate UP and DOWN; an even number of transitions leaves the last outage open.
 */
function writeVersion1(file: string, targets: number, transitionsPerTarget: number) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    MIGRATIONS.find((m) => m.version === 1)!.up(db);
    db.pragma('user_version = 1');
  })();
  const insertTarget = db.prepare('INSERT INTO targets (id, key, service, grp, host, state, since, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertTransition = db.prepare('INSERT INTO transitions (target_id, at, from_state, to_state, message) VALUES (?, ?, ?, ?, ?)');
  const updateTarget = db.prepare('UPDATE targets SET state = ?, since = ?, last_message = ?, updated_at = ? WHERE id = ?');
  const insertOutage = db.prepare('INSERT INTO outages (id, target_id, started_at, cause) VALUES (?, ?, ?, ?)');
  const closeOutage = db.prepare('UPDATE outages SET ended_at = ?, duration_ms = ?, end_message = ? WHERE id = ?');
  let outageId = 0;
  const t0 = Date.UTC(2026, 0, 1);
  db.transaction(() => {
    for (let t = 1; t <= targets; t++) {
      insertTarget.run(t, `svc/h${t}`, 'svc', 'grp', `h${t}`, 'unknown', t0, t0);
      let state = 'unknown';
      for (let i = 0; i < transitionsPerTarget; i++) {
        const at = t0 + i * 60_000 + t;
        const to = state === 'up' ? 'down' : 'up';
        const message = to === 'down' ? `connection refused (10.0.0.${t}:80)` : i === 0 ? null : `HTTP 200 from http://10.0.0.${t}/`;
        insertTransition.run(t, at, state, to, message);
        updateTarget.run(to, at, message, at, t);
        if (to === 'down') insertOutage.run(++outageId, t, at, message!);
        else if (state === 'down') closeOutage.run(at, 60_000, message, outageId);
        state = to;
      }
    }
  })();
  db.close();
}

function dump(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      targets: db.prepare('SELECT id, key, service, grp, host, state, since, last_message, updated_at FROM targets ORDER BY id').all(),
      transitions: db.prepare('SELECT id, target_id, at, from_state, to_state, message FROM transitions ORDER BY id').all(),
      outages: db.prepare('SELECT id, target_id, started_at, ended_at, duration_ms, cause, end_message FROM outages ORDER BY id').all(),
    };
  } finally {
    db.close();
  }
}

/** Every row of every table (views left out), each table's rows in a stable order. */
function dumpEveryTable(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(tables.map((table) => [table, (db.prepare(`SELECT * FROM "${table}"`).all() as unknown[]).map((row) => JSON.stringify(row)).sort()]));
  } finally {
    db.close();
  }
}

describe('schema migration', () => {
  it('version 1 → current keeps every target, transition and outage, byte for byte', () => {
    const file = tmp.path('history.db');
    writeVersion1(file, 20, 31);
    const before = dump(file);
    expect(before.transitions).toHaveLength(20 * 31);
    expect(before.outages).toHaveLength(20 * 15);

    const store = HistoryStore.open({ path: file, flushIntervalMs: 1_000, maxQueue: 1_000, log });
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL, by one VACUUM
    store.close();
    expect(lines).toContain(`history database ${file} upgraded from schema version 1 to ${SCHEMA_VERSION}`);
    expect(lines).toContain(`history database ${file}: switching to incremental auto-vacuum (one VACUUM, once)`);

    expect(dump(file)).toEqual(before);
    // What the first release's readers (and test helpers) ask still works on the new layout.
    expect(readTransitions(file).filter((t) => t.key === 'svc/h3').map((t) => `${t.from_state}->${t.to_state}`).slice(0, 3)).toEqual([
      'unknown->up',
      'up->down',
      'down->up',
    ]);
  });

  it('the new columns are filled in from what version 1 knew', () => {
    const file = tmp.path('history.db');
    writeVersion1(file, 3, 4);
    HistoryStore.open({ path: file, flushIntervalMs: 1_000, maxQueue: 1_000, log }).close();
    const db = openReadOnlyDatabase(file);
    // First seen = the first transition.
    expect(db.prepare('SELECT key, created_at AS createdAt FROM targets ORDER BY id').all()).toEqual([
      { key: 'svc/h1', createdAt: Date.UTC(2026, 0, 1) + 1 },
      { key: 'svc/h2', createdAt: Date.UTC(2026, 0, 1) + 2 },
      { key: 'svc/h3', createdAt: Date.UTC(2026, 0, 1) + 3 },
    ]);
    const outages = queryOutages(db, { service: 'svc', host: 'h2' });
    expect(outages.map((o) => [o.id, o.endedAt === null, o.ackAt])).toEqual([
      [4, true, null],
      [3, false, null],
    ]);
    // Each distinct message is stored once.
    expect(db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 6 });
    db.close();
  });

  it('a daemon on the migrated file goes on where version 1 stopped: same ids, open outages resumed', () => {
    const file = tmp.path('history.db');
    writeVersion1(file, 2, 4); // each target ends DOWN with an open outage
    const store = HistoryStore.open({ path: file, flushIntervalMs: 1_000, maxQueue: 1_000, log });
    expect(store.restoredState('svc/h1')).toMatchObject({ state: 'down' });
    expect(store.openOutage('svc/h1')).toMatchObject({ id: 2 });
    const target = { id: 'svc/h1', service: 'svc', group: 'grp', name: 'h1', address: '10.0.0.1' };
    const closed = store.recordTransition(target, { from: 'down', to: 'up', at: Date.UTC(2026, 0, 2), result: { status: 'up', message: 'back' }, streak: 2 });
    expect(closed).toMatchObject({ id: 2, endedAt: Date.UTC(2026, 0, 2) });
    store.close();
    const transitions = readTransitions(file).filter((t) => t.key === 'svc/h1');
    expect(transitions).toHaveLength(5);
    expect(transitions.at(-1)).toMatchObject({ from_state: 'down', to_state: 'up', message: 'back', at: Date.UTC(2026, 0, 2) });
  });

  it('version 7 adds each target address: rows recorded before keep everything and get theirs when the daemon next starts', async () => {
    const file = tmp.path('history.db');
    const old = new Database(file);
    old.transaction(() => {
      for (const migration of MIGRATIONS.filter((m) => m.version <= 6)) migration.up(old);
      old.pragma('user_version = 6');
    })();
    old.prepare("INSERT INTO targets (id, key, service, grp, host, state, since, updated_at) VALUES (1, 'web-http/web2', 'web-http', 'web', 'web2', 'down', 5, 5)").run();
    old.prepare("INSERT INTO outages (id, target_id, started_at, cause) VALUES (1, 1, 5, 'connection refused')").run();
    old.close();
    const before = dump(file);
    const hosts = async (host: string) => (await runVigilAsync(['history', '--db', file, '--json', '--host', host])).stdout;

    // A version-6 file is read by the reports as it is: by name only.
    expect(JSON.parse(await hosts('web2'))).toHaveLength(1);
    const store = HistoryStore.open({ path: file, flushIntervalMs: 1_000, maxQueue: 1_000, log });
    expect(dump(file)).toEqual(before);
    expect(store.db.prepare('SELECT address, port FROM targets').all()).toEqual([{ address: null, port: null }]);
    expect(JSON.parse(await hosts('web2'))).toHaveLength(1); // unknown address: found by name

    // At start the daemon records which targets it watches: their addresses with them.
    store.syncTargets([{ target: { id: 'web-http/web2', service: 'web-http', group: 'web', name: 'web2', address: '10.0.0.12', port: 80 }, intervalMs: 5_000 }], 10);
    store.close();
    for (const host of ['web2', '10.0.0.12', '10.0.0.12:80']) expect(JSON.parse(await hosts(host)).map((o: { id: number }) => o.id)).toEqual([1]);
  });

  it('version 8 gives each database a random id of its own, keeps every alert attempt, and attempts get ids from SQLite', () => {
    const file = tmp.path('history.db');
    const old = new Database(file);
    old.transaction(() => {
      for (const migration of MIGRATIONS.filter((m) => m.version <= 7)) migration.up(old);
      old.pragma('user_version = 7');
    })();
    const insert = old.prepare('INSERT INTO alert_attempts (id, delivery_id, alert, target, kind, outage_id, attempt, at, duration_ms, ok, error, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    insert.run(1, 1, 'ops', 'web/web1', 'down', 1, 1, 10, 5, 0, 'SMTP refused', 20);
    insert.run(2, 1, 'ops', 'web/web1', 'down', 1, 2, 20, 5, 1, null, null);
    old.prepare("INSERT INTO alert_queue (id, alert, target, kind, events, next_at, created_at) VALUES (2, 'ops', 'web/web1', 'up', '[]', 30, 30)").run();
    const rows = (db: Database.Database) => ({
      attempts: db.prepare('SELECT * FROM alert_attempts ORDER BY id').all(),
      queue: db.prepare('SELECT * FROM alert_queue ORDER BY id').all(),
    });
    const before = rows(old);
    expect(historyIdOf(old)).toBeUndefined();
    old.close();

    const db = openWritableDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(rows(db)).toEqual(before);
    const id = historyIdOf(db);
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    // An attempt written without an id (the daemon's and vigil alerts test's) comes after the others.
    db.prepare("INSERT INTO alert_attempts (delivery_id, alert, target, kind, attempt, at, duration_ms, ok) VALUES (0, 'ops', 'web/web1', 'test', 1, 40, 5, 1)").run();
    expect(db.prepare("SELECT id FROM alert_attempts WHERE kind = 'test'").get()).toEqual({ id: 3 });
    db.close();
    // Made once: opening again keeps it; a fresh database has another.
    const again = openWritableDatabase(file);
    expect(historyIdOf(again)).toBe(id);
    again.close();
    const fresh = openWritableDatabase(tmp.path('fresh.db'));
    expect(historyIdOf(fresh)).toMatch(/^[0-9a-f]{24}$/);
    expect(historyIdOf(fresh)).not.toBe(id);
    fresh.close();
  });

  it('version 9 adds the daemon runs and keeps every row of every table; no runs, so nothing is left out as unwatched', async () => {
    const file = tmp.path('history.db');
    writeKnownHistory(file, { version: 8 });
    const old = new Database(file);
    expect(old.pragma('user_version', { simple: true })).toBe(8);
    // Rows in the tables the known history leaves empty too.
    old.prepare("INSERT INTO alert_attempts (delivery_id, alert, target, kind, attempt, at, duration_ms, ok) VALUES (1, 'ops', 'web-http/web1', 'down', 1, 5, 5, 1)").run();
    old.prepare("INSERT INTO target_flags (target_id, flags, updated_at) VALUES (2, '{\"disabled\":{\"at\":1}}', 1)").run();
    old.prepare("INSERT INTO alert_memory (target, memory, saved_at) VALUES ('web-http/web1', '{}', 1)").run();
    old.close();
    const before = dumpEveryTable(file);
    expect(before.outages).toHaveLength(6);
    const report = async () => JSON.parse((await runVigilAsync(['availability', '--db', file, '--json', '--since', '2025-03-01T00:00:00Z', '--until', '2025-03-02T00:00:00Z'])).stdout);
    const reportBefore = await report(); // a version-8 file is read as it is

    HistoryStore.open({ path: file, flushIntervalMs: 1_000, maxQueue: 1_000, log }).close();
    const after = dumpEveryTable(file);
    expect(after.daemon_runs).toEqual([]);
    delete after.daemon_runs;
    expect(after).toEqual(before);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(9);
    db.close();
    // Before the first run recorded nothing is known: the figures are those version 8 gave.
    const reportAfter = await report();
    expect(reportAfter).toEqual(reportBefore);
    expect(reportAfter.unwatched).toEqual([]);
    expect(reportAfter.rows.map((row: { unwatchedMs: number }) => row.unwatchedMs)).toEqual([0, 0, 0, 0]);
  });

  it('the CLI, which reads without upgrading, says an older file needs the daemon to upgrade it', async () => {
    const file = tmp.path('history.db');
    writeVersion1(file, 2, 3);
    const result = await runVigilAsync(['history', '--db', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`vigil history: history database ${file} has schema version 1, older than this Vigil reads (${SCHEMA_VERSION}): start the daemon (vigil run) once to upgrade it\n`);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1); // untouched
    db.close();
  });

  it('a database from a newer Vigil is refused, not damaged', () => {
    const file = tmp.path('history.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => HistoryStore.open({ path: file, flushIntervalMs: 1_000, maxQueue: 1_000, log })).toThrow(/newer than this Vigil understands/);
  });
});
