// `vigil history` on a database the test fills with known outages.
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHistory } from '../src/history/generate-history.js';
import { countOutages } from '../src/history/outage-query.js';
import { migrate } from '../src/history/migrations.js';
import { writeKnownHistory } from './helpers/known-history.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil, VIGIL_BIN } from './helpers/vigil-process.js';

const tmp = tempDir();
const dbFile = tmp.path('history.db');
const T = (iso: string) => Date.parse(iso);

const knownFile = tmp.path('known.db');

beforeAll(() => {
  writeKnownHistory(knownFile);
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
    expect(lines[0]).toMatch(/^ID\s+SERVICE\s+HOST\s+START\s+END\s+DURATION\s+ACK\s+CAUSE$/);
    expect(lines[1]).toMatch(/^4\s+web-http\s+web2\s+2026-11-07 12:00:00Z\s+open\s+\S+\+\s+-\s+connection refused$/);
    expect(lines[2]).toMatch(/^3\s+web-http\s+web1\s+2026-11-05 23:59:00Z\s+2026-11-06 00:01:00Z\s+2m\s+-\s+HTTP 503$/);
    expect(lines[4]).toMatch(/^1\s+web-http\s+web1\s+2026-11-01 10:00:00Z\s+2026-11-01 10:05:00Z\s+5m\s+-\s+connection refused$/);
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
      open: false, durationMs: 120_000, cause: 'HTTP 503', endMessage: null, ack: null,
    });
  });

  it('bad arguments and a missing database give clear errors', () => {
    expect(history('--since', 'yesterday').stderr).toMatch(/cannot read time "yesterday": use a duration ago/);
    // Dates are read strictly: no February 30th taken for March 2nd, no trailing words guessed at.
    expect(history('--since', '2026-02-30').stderr).toBe('vigil history: cannot read time "2026-02-30": there is no day 30 in month 2 of 2026\n');
    expect(history('--since', '2025-02-29').stderr).toMatch(/no day 29 in month 2 of 2025/);
    expect(history('--since', '2026-11-22 Mar').stderr).toMatch(/cannot read time "2026-11-22 Mar": use a duration ago/);
    expect(history('--since', '2026-11-01T24:00').stderr).toMatch(/cannot read time "2026-11-01T24:00": no such time of day/);
    // The forms the docs give, and what the tables print (--utc), are read.
    expect(ids('--since', '2026-11-05 23:59:00Z', '--until', '2026-11-06T01:30+01:00')).toEqual([3]);
    // An inverted window is refused, as by availability and timeline.
    const inverted = history('--since', '1h', '--until', '2h');
    expect([inverted.code, inverted.stdout, inverted.stderr]).toEqual([1, '', 'vigil history: --until (2h) must be after --since (1h)\n']);
    const missing = runVigil(['history', '--db', tmp.path('nope.db')]);
    expect(missing.stderr).toMatch(/cannot open history database .*nope\.db: no such database \(has the daemon run yet\?\)/);
    expect(missing.code).toBe(1);
  });
});

describe('vigil history --format', () => {
  const known = (...args: string[]) => runVigil(['history', '--db', knownFile, ...args]);

  it("dtlog: mon's downtime log lines, ended outages oldest recovery first, epoch seconds", () => {
    const result = known('--format', 'dtlog');
    expect(result.code).toBe(0);
    // time back up, group, service, first failure, downtime s, interval s, summary (the host)
    expect(result.stdout).toBe(
      [
        '# time back up, group, service, first failure, downtime, interval, summary',
        '1740788400 web web-http 1740786600 1800 5 web1', // 2025-02-28 23:50 → 03-01 00:20
        '1740825000 web web-http 1740823200 1800 5 web1', // 10:00 → 10:30
        '1740832800 web web-http 1740831000 1800 5 web2', // 12:10 → 12:40
        '1740841200 web web-http 1740834000 7200 5 web2', // 13:00 → 15:00
        '1740859800 web web-http 1740859200 600 5 web1', //  20:00 → 20:10
        '',
      ].join('\n'),
    );
    // The open outage of dns/ns1 is not there until it ends, as in mon.
    expect(known('--format', 'dtlog', '--service', 'dns').stdout).toBe('# time back up, group, service, first failure, downtime, interval, summary\n');
  });

  it('csv: RFC 4180, a header, UTC times, the acknowledgement', () => {
    expect(known('--format', 'csv', '--host', 'web2').stdout).toBe(
      [
        'id,service,group,host,start,end,duration_s,cause,end_message,ack_at,ack_by,ack_comment',
        '5,web-http,web,web2,2025-03-01T13:00:00.000Z,2025-03-01T15:00:00.000Z,7200,connection refused (10.0.0.12:80),HTTP 200,2025-03-01T13:05:00.000Z,alice,"replacing the disk, see ticket 42"',
        '4,web-http,web,web2,2025-03-01T12:10:00.000Z,2025-03-01T12:40:00.000Z,1800,connection refused (10.0.0.12:80),HTTP 200,,,',
        '',
      ].join('\n'),
    );
  });

  it('table and JSON show who acknowledged and why', () => {
    const table = known('--utc', '--host', 'web2').stdout.split('\n');
    expect(table[1]).toMatch(/^5\s+web-http\s+web2\s+2025-03-01 13:00:00Z\s+2025-03-01 15:00:00Z\s+2h\s+alice\s+connection refused \(10\.0\.0\.12:80\) \[ack: replacing the disk, see ticket 42\]$/);
    const [row] = JSON.parse(known('--json', '--host', 'web2', '--limit', '1').stdout);
    expect(row.ack).toEqual({ at: '2025-03-01T13:05:00.000Z', by: 'alice', comment: 'replacing the disk, see ticket 42' });
  });

  it('the table and JSON stop at 100 rows unless told; csv and dtlog give every row', () => {
    const many = tmp.path('many.db');
    const made = generateHistory({ file: many, targets: 20, outages: 150, transitions: 300, maintenancePeriods: 0, spanDays: 10, end: Date.parse('2025-03-01T00:00:00Z') });
    expect(made.outages).toBe(150);
    const history = (...args: string[]) => runVigil(['history', '--db', many, ...args]).stdout.trim().split('\n');
    expect(history()).toHaveLength(1 + 100);
    expect(history('--limit', '120')).toHaveLength(1 + 120);
    expect(history('--limit', '0')).toHaveLength(1 + 150);
    expect(history('--format', 'csv')).toHaveLength(1 + 150);
    expect(JSON.parse(runVigil(['history', '--db', many, '--json']).stdout)).toHaveLength(100);
    expect(JSON.parse(runVigil(['history', '--db', many, '--json', '--limit', '0']).stdout)).toHaveLength(150);
    expect(runVigil(['history', '--db', many, '--format', 'dtlog']).stdout.trim().split('\n')).toHaveLength(1 + made.outages - made.openOutages);
    // What was left out is said on stderr, stdout stays clean; nothing is said when nothing was.
    const cut = '(showing the newest 100 of 150; --limit 0 for all)\n';
    expect(runVigil(['history', '--db', many]).stderr).toBe(cut);
    expect(runVigil(['history', '--db', many, '--json']).stderr).toBe(cut);
    expect(runVigil(['history', '--db', many, '--format', 'csv', '--limit', '10']).stderr).toBe('(showing the newest 10 of 150; --limit 0 for all)\n');
    expect(runVigil(['history', '--db', many, '--format', 'dtlog', '--limit', '10']).stderr).toBe(`(showing the first recovered 10 of ${made.outages - made.openOutages}; --limit 0 for all)\n`);
    for (const args of [['--limit', '150'], ['--limit', '0'], ['--format', 'csv']]) expect(runVigil(['history', '--db', many, ...args]).stderr).toBe('');
    // The total is counted only so far (a year of history counted whole costs more than the page).
    const db = new Database(many, { readonly: true });
    expect([countOutages(db, {}, Date.now(), 100), countOutages(db, {}, Date.now(), 1_000)]).toEqual([101, 150]);
    db.close();
    expect(known('--format', 'bogus').stderr).toMatch(/argument 'bogus' is invalid. Allowed choices are table, json, csv, dtlog/);
  });

  /** Runs vigil, reads its first chunk of output and goes away (as `| head` does): what it printed first, its exit code, its stderr. */
  async function readInPart(args: string[]): Promise<{ firstChunk: string; code: unknown; stderr: string }> {
    const child = spawn(process.execPath, [VIGIL_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const firstChunk = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    child.stdout.destroy();
    const code = await new Promise((resolve) => child.once('exit', resolve));
    return { firstChunk, code, stderr };
  }

  it('an export read only in part (| head) ends quietly, exit 0', async () => {
    const big = tmp.path('big.db');
    generateHistory({ file: big, targets: 200, outages: 20_000, transitions: 40_000, maintenancePeriods: 0, spanDays: 30, end: Date.parse('2025-03-01T00:00:00Z') });
    // Far more than a pipe holds: the export is still writing when the reader goes away.
    const { firstChunk, code, stderr } = await readInPart(['history', '--db', big, '--format', 'csv']);
    expect(firstChunk).toMatch(/^id,service,group,host,start,end,duration_s,/);
    expect([code, stderr]).toEqual([0, '']);
  });

  it('a report of thousands of rows read only in part (| head) ends quietly, exit 0: table and JSON', async () => {
    const many = tmp.path('many-targets.db');
    generateHistory({ file: many, targets: 3_000, outages: 6_000, transitions: 12_000, maintenancePeriods: 0, spanDays: 30, end: Date.now() });
    // Hundreds of KB written at once, more than a pipe holds.
    const table = await readInPart(['availability', '--db', many]);
    expect(table.firstChunk).toMatch(/maintenance left out/);
    expect([table.code, table.stderr]).toEqual([0, '']);
    const json = await readInPart(['availability', '--db', many, '--json']);
    expect(json.firstChunk).toMatch(/^\{\n {2}"since": /);
    expect([json.code, json.stderr]).toEqual([0, '']);
  });
});

describe('time arguments and times printed in a zone with daylight saving (TZ of the vigil process)', () => {
  const inZone = (zone: string, ...args: string[]) => runVigil(args, { env: { TZ: zone } });
  const windowOf = (zone: string, since: string, until: string) => {
    const result = inZone(zone, 'availability', '--db', knownFile, '--json', '--since', since, '--until', until);
    expect(result.stderr).toBe('');
    const { since: from, until: to } = JSON.parse(result.stdout) as { since: string; until: string };
    return [from, to];
  };

  it('a bare date is local midnight, on the 23- and 25-hour days too, in a half-hour zone, and where midnight is skipped', () => {
    expect(windowOf('Europe/Berlin', '2026-03-29', '2026-03-30')).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(windowOf('Europe/Berlin', '2026-10-25', '2026-10-26')).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    expect(windowOf('Asia/Kolkata', '2026-11-01', '2026-11-01T08:00')).toEqual(['2026-10-31T18:30:00.000Z', '2026-11-01T02:30:00.000Z']);
    // Chile's clocks go from 00:00 to 01:00: the day starts at its first instant, 01:00.
    expect(windowOf('America/Santiago', '2026-09-06', '2026-09-07')).toEqual(['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
    // A zone written in the argument wins over TZ.
    expect(windowOf('Europe/Berlin', '2026-03-29T02:30Z', '2026-03-29 09:00:00+05:30')).toEqual(['2026-03-29T02:30:00.000Z', '2026-03-29T03:30:00.000Z']);
  });

  it('a local time the clocks skip is an error; one they pass twice is the first, and the second is printed with its offset', () => {
    const skipped = inZone('Europe/Berlin', 'history', '--db', dbFile, '--since', '2026-03-29T02:30');
    expect([skipped.code, skipped.stderr]).toEqual([1, 'vigil history: cannot read time "2026-03-29T02:30": there is no such local time (the clocks skip it when daylight saving starts); give the zone (…Z, …+01:00) or a time outside the skipped hour\n']);
    expect(inZone('Australia/Adelaide', 'history', '--db', dbFile, '--since', '2026-10-04 02:45').stderr).toMatch(/no such local time/);
    expect(windowOf('Europe/Berlin', '2026-10-25T02:30', '2026-10-25T02:30+01:00')).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);

    // Two outages at 02:30 on the night the clocks go back, an hour apart.
    const file = tmp.path('fall-back.db');
    const db = new Database(file);
    migrate(db);
    db.prepare("INSERT INTO targets (id, key, service, grp, host, state, since, updated_at) VALUES (1, 'web-http/web1', 'web-http', 'web', 'web1', 'up', 0, 0)").run();
    const outage = db.prepare('INSERT INTO outages (id, target_id, started_at, ended_at, duration_ms, cause) VALUES (?, 1, ?, ?, 600000, ?)');
    outage.run(1, T('2026-10-25T00:30:00Z'), T('2026-10-25T00:40:00Z'), 'at 02:30 summer time');
    outage.run(2, T('2026-10-25T01:30:00Z'), T('2026-10-25T01:40:00Z'), 'at 02:30 winter time');
    outage.run(3, T('2026-10-25T02:30:00Z'), T('2026-10-25T02:40:00Z'), 'at 03:30');
    db.close();
    const table = inZone('Europe/Berlin', 'history', '--db', file).stdout.trim().split('\n');
    expect(table[1]).toMatch(/^3 .* 2026-10-25 03:30:00 +2026-10-25 03:40:00 /);
    expect(table[2]).toMatch(/^2 .* 2026-10-25 02:30:00\+01:00 {2}2026-10-25 02:40:00\+01:00 /);
    expect(table[3]).toMatch(/^1 .* 2026-10-25 02:30:00\+02:00 {2}2026-10-25 02:40:00\+02:00 /);
    // The start as printed, pasted into --since, is that instant.
    const pasted = inZone('Europe/Berlin', 'history', '--db', file, '--json', '--since', '2026-10-25 02:30:00+01:00', '--until', '2026-10-25 02:35:00+01:00');
    expect((JSON.parse(pasted.stdout) as Array<{ id: number }>).map((row) => row.id)).toEqual([2]);
    // The timeline's axis drops the seconds, not the offset.
    const timeline = inZone('Europe/Berlin', 'timeline', '--db', file, '--since', '2026-10-25T02:10+02:00', '--until', '2026-10-25T02:50+01:00', '--width', '60');
    expect(timeline.stdout.split('\n')[0]).toMatch(/^ +10-25 02:10\+02:00 +10-25 02:50\+01:00$/);
  });
});
