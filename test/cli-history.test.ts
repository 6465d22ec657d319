// `vigil history` on a database the test fills with known outages.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/history/migrations.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil } from './helpers/vigil-process.js';

const tmp = tempDir();
const dbFile = tmp.path('history.db');
const T = (iso: string) => Date.parse(iso);

beforeAll(() => {
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  migrate(db);
  const target = db.prepare('INSERT INTO targets (id, key, service, grp, host, state, since, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0)');
  target.run(1, 'web-http/web1', 'web-http', 'web', 'web1', 'up');
  target.run(2, 'web-http/web2', 'web-http', 'web', 'web2', 'down');
  target.run(3, 'dns/ns1', 'dns', 'resolvers', 'ns1', 'up');
  const outage = db.prepare('INSERT INTO outages (id, target_id, started_at, ended_at, duration_ms, cause) VALUES (?, ?, ?, ?, ?, ?)');
  outage.run(1, 1, T('2026-11-01T10:00:00Z'), T('2026-11-01T10:05:00Z'), 300_000, 'connection refused');
  outage.run(2, 3, T('2026-11-03T08:00:00Z'), T('2026-11-03T08:00:20Z'), 20_000, 'timed out after 2s');
  outage.run(3, 1, T('2026-11-05T23:59:00Z'), T('2026-11-06T00:01:00Z'), 120_000, 'HTTP 503');
  outage.run(4, 2, T('2026-11-07T12:00:00Z'), null, null, 'connection refused');
  db.close();
});
afterAll(() => tmp.cleanup());

const history = (...args: string[]) => runVigil(['history', '--db', dbFile, ...args]);
const ids = (...args: string[]) => (JSON.parse(history('--json', ...args).stdout) as Array<{ id: number }>).map((row) => row.id);

describe('vigil history', () => {
  it('lists outages newest first, with open ones marked', () => {
    const result = history('--utc');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SERVICE\s+HOST\s+START\s+END\s+DURATION\s+CAUSE$/);
    expect(lines[1]).toMatch(/^4\s+web-http\s+web2\s+2026-11-07 12:00:00Z\s+open\s+\S+\+\s+connection refused$/);
    expect(lines[2]).toMatch(/^3\s+web-http\s+web1\s+2026-11-05 23:59:00Z\s+2026-11-06 00:01:00Z\s+2m\s+HTTP 503$/);
    expect(lines[4]).toMatch(/^1\s+web-http\s+web1\s+2026-11-01 10:00:00Z\s+2026-11-01 10:05:00Z\s+5m\s+connection refused$/);
  });

  it('filters by service, host and group', () => {
    expect(ids('--service', 'web-http')).toEqual([4, 3, 1]);
    expect(ids('--host', 'web1')).toEqual([3, 1]);
    expect(ids('--group', 'resolvers')).toEqual([2]);
  });

  it('filters by time window: outages overlapping [since, until]', () => {
    expect(ids('--since', '2026-11-06T00:00:00Z', '--until', '2026-11-06T23:00:00Z')).toEqual([3]);
    expect(ids('--until', '2026-11-03T09:00:00Z')).toEqual([2, 1]);
    expect(ids('--since', '2026-11-07T13:00:00Z')).toEqual([4]); // still open, so still going
  });

  it('--open, --min-duration and --limit', () => {
    expect(ids('--open')).toEqual([4]);
    expect(ids('--min-duration', '2m', '--until', '2026-11-06T00:00:00Z')).toEqual([3, 1]);
    expect(ids('--limit', '2')).toEqual([4, 3]);
  });

  it('JSON rows carry ISO times, duration and cause', () => {
    const [row] = JSON.parse(history('--json', '--host', 'web1', '--limit', '1').stdout);
    expect(row).toEqual({
      id: 3, service: 'web-http', group: 'web', host: 'web1', start: '2026-11-05T23:59:00.000Z', end: '2026-11-06T00:01:00.000Z',
      open: false, durationMs: 120_000, cause: 'HTTP 503', endMessage: null,
    });
  });

  it('bad arguments and a missing database give clear errors', () => {
    expect(history('--since', 'yesterday').stderr).toMatch(/cannot read time "yesterday": use a duration ago/);
    const missing = runVigil(['history', '--db', tmp.path('nope.db')]);
    expect(missing.stderr).toMatch(/cannot open history database .*nope\.db: no such database \(has the daemon run yet\?\)/);
    expect(missing.code).toBe(1);
  });
});
