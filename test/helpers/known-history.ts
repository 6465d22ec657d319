// A history database with outages and maintenance the tests know by heart, over one day:
// 2025-03-01T00:00Z → 2025-03-02T00:00Z. The figures each report must show are worked out by hand
// in the tests that use it.
//
//   web-http/web1 (group web)        watched all day
//     outage 1  2025-02-28 23:50 → 03-01 00:20   (20 min inside the window)
//     outage 2  10:00 → 10:30
//     outage 3  20:00 → 20:10
//   web-http/web2 (group web)        watched all day; maintenance 12:00 → 14:00
//     outage 4  12:10 → 12:40   (all inside maintenance: not counted)
//     outage 5  13:00 → 15:00   (13:00–14:00 in maintenance; 14:00–15:00 counted)
//   dns/ns1 (group resolvers)        first seen 12:00
//     outage 6  23:00 → still open
//   dns/ns2 (group resolvers)        removed from the config at 06:00, no outages
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS } from '../../src/history/migrations.js';

export const T = (time: string) => Date.parse(`2025-03-01T${time}:00Z`);
export const DAY_START = T('00:00');
export const DAY_END = Date.parse('2025-03-02T00:00:00Z');

/** `version`: the schema to write it in (default the current one), for upgrade tests. */
export function writeKnownHistory(file: string, { version }: { version?: number } = {}): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  if (version === undefined) migrate(db);
  else {
    db.transaction(() => {
      for (const migration of MIGRATIONS.filter((m) => m.version <= version)) migration.up(db);
      db.pragma(`user_version = ${version}`);
    })();
  }
  const longAgo = Date.parse('2025-02-01T00:00:00Z');
  const target = db.prepare(
    'INSERT INTO targets (id, key, service, grp, host, state, since, updated_at, created_at, removed_at, interval_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  target.run(1, 'web-http/web1', 'web-http', 'web', 'web1', 'up', T('20:10'), T('20:10'), longAgo, null, 5_000);
  target.run(2, 'web-http/web2', 'web-http', 'web', 'web2', 'up', T('15:00'), T('15:00'), longAgo, null, 5_000);
  target.run(3, 'dns/ns1', 'dns', 'resolvers', 'ns1', 'down', T('23:00'), T('23:00'), T('12:00'), null, 10_000);
  target.run(4, 'dns/ns2', 'dns', 'resolvers', 'ns2', 'up', longAgo, longAgo, longAgo, T('06:00'), 10_000);
  const outage = db.prepare('INSERT INTO outages (id, target_id, started_at, ended_at, duration_ms, cause, end_message) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const closed = (id: number, targetId: number, start: number, end: number, cause: string) => outage.run(id, targetId, start, end, end - start, cause, 'HTTP 200');
  closed(1, 1, Date.parse('2025-02-28T23:50:00Z'), T('00:20'), 'connection refused (10.0.0.11:80)');
  closed(2, 1, T('10:00'), T('10:30'), 'HTTP 503 from http://10.0.0.11:80/health');
  closed(3, 1, T('20:00'), T('20:10'), 'no answer from http://10.0.0.11:80/health');
  closed(4, 2, T('12:10'), T('12:40'), 'connection refused (10.0.0.12:80)');
  closed(5, 2, T('13:00'), T('15:00'), 'connection refused (10.0.0.12:80)');
  outage.run(6, 3, T('23:00'), null, null, 'timed out after 2s', null);
  db.prepare('INSERT INTO maintenance_periods (target_id, started_at, ended_at, planned_until, reason) VALUES (2, ?, ?, ?, ?)').run(T('12:00'), T('14:00'), T('14:00'), 'disk swap');
  db.prepare('UPDATE outages SET ack_at = ?, ack_by = ?, ack_comment = ? WHERE id = 5').run(T('13:05'), 'alice', 'replacing the disk, see ticket 42');
  db.close();
}

/**
 * The daemon's runs over that day (`addKnownDaemonRuns`), and so the time nobody watched:
 *
 *   run 1  2025-02-01 → 02-28 23:55 stopped     gap 02-28 23:55 → 00:05  (inside outage 1; the window's edge)
 *   run 2  00:05 → seen last 10:10 (a crash)    gap 10:10 → 10:20        (inside outage 2)
 *   run 3  10:20 → 13:30 stopped                gap 13:30 → 14:30        (half in web2's maintenance; inside outage 5)
 *   run 4  14:30 → 17:00 stopped                gap 17:00 → 19:00        (everything up)
 *   run 5  19:00 → 23:30 stopped                gap 23:30 → on           (inside ns1's open outage 6)
 */
export const KNOWN_RUNS: Array<[startedAt: number, seenAt: number, stoppedAt: number | null]> = [
  [Date.parse('2025-02-01T00:00:00Z'), Date.parse('2025-02-28T23:55:00Z'), Date.parse('2025-02-28T23:55:00Z')],
  [T('00:05'), T('10:10'), null],
  [T('10:20'), T('13:30'), T('13:30')],
  [T('14:30'), T('17:00'), T('17:00')],
  [T('19:00'), T('23:30'), T('23:30')],
];

export function addDaemonRuns(file: string, runs: Array<[startedAt: number, seenAt: number, stoppedAt: number | null]> = KNOWN_RUNS): void {
  const db = new Database(file);
  const insert = db.prepare('INSERT INTO daemon_runs (started_at, seen_at, stopped_at, pid) VALUES (?, ?, ?, ?)');
  db.transaction(() => runs.forEach(([startedAt, seenAt, stoppedAt], i) => insert.run(startedAt, seenAt, stoppedAt, 4000 + i)))();
  db.close();
}
