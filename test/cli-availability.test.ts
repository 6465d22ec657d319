// `vigil availability` and `vigil timeline` on a database with known outages and maintenance
// (test/helpers/known-history.ts). Every figure below was worked out by hand from that timetable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate } from '../src/history/migrations.js';
import { T, writeKnownHistory } from './helpers/known-history.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil } from './helpers/vigil-process.js';

const tmp = tempDir();
const dbFile = tmp.path('history.db');
beforeAll(() => writeKnownHistory(dbFile));
afterAll(() => tmp.cleanup());

const DAY = ['--since', '2025-03-01T00:00:00Z', '--until', '2025-03-02T00:00:00Z'];
const availability = (...args: string[]) => runVigil(['availability', '--db', dbFile, '--utc', ...args]);
const json = (...args: string[]) => JSON.parse(availability('--json', ...args).stdout) as { since: string; until: string; by: string; rows: Array<Record<string, unknown>> };

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('vigil availability', () => {
  it('per target over a day: availability, outages, downtime, MTTR, MTBF, longest, maintenance', () => {
    const result = availability(...DAY);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '2025-03-01 00:00:00Z → 2025-03-02 00:00:00Z (1d), maintenance left out',
        'TARGET         AVAILABILITY  OUTAGES  DOWNTIME  MTTR  MTBF   LONGEST  MAINTENANCE',
        // watched 12 h (first seen at noon); down 23:00–24:00: 11/12
        'dns/ns1        91.666%       1        1h        1h    11h    1h       -',
        // watched 6 h (removed at 06:00), never down
        'dns/ns2        100%          0        0ms       -     -      -        -',
        // 20 + 30 + 10 min down of 24 h: 23/24; MTTR 60/3 = 20 min; MTBF (24 h − 1 h)/3 = 7 h 40 min
        'web-http/web1  95.833%       3        1h        20m   7h40m  30m      -',
        // 2 h of maintenance leave 22 h; 12:10–12:40 is all maintenance, 13:00–15:00 counts from 14:00: 1 h of 22 h
        'web-http/web2  95.454%       1        1h        1h    21h    1h       2h',
        '',
      ].join('\n'),
    );
  });

  it('JSON carries the exact figures in ms', () => {
    const answer = json(...DAY);
    // No daemon runs recorded (as in a database from before schema version 9): nothing known unwatched.
    expect(answer).toMatchObject({ since: '2025-03-01T00:00:00.000Z', until: '2025-03-02T00:00:00.000Z', by: 'target', unwatched: [] });
    expect(answer.rows.find((row) => row.name === 'web-http/web1')).toEqual({
      name: 'web-http/web1', service: 'web-http', host: 'web1', group: 'web', targets: 1,
      watchedMs: 24 * HOUR, unwatchedMs: 0, maintenanceMs: 0, countedMs: 24 * HOUR, downtimeMs: 60 * MIN, outages: 3,
      availability: (23 * HOUR) / (24 * HOUR), availabilityPercent: ((23 * HOUR) / (24 * HOUR)) * 100,
      mttrMs: 20 * MIN, mtbfMs: (23 * HOUR) / 3, longestMs: 30 * MIN,
    });
    expect(answer.rows.find((row) => row.name === 'web-http/web2')).toMatchObject({
      watchedMs: 24 * HOUR, maintenanceMs: 2 * HOUR, countedMs: 22 * HOUR, downtimeMs: HOUR, outages: 1,
      availability: (21 * HOUR) / (22 * HOUR), mttrMs: HOUR, mtbfMs: 21 * HOUR, longestMs: HOUR,
    });
    expect(answer.rows.find((row) => row.name === 'dns/ns2')).toMatchObject({ watchedMs: 6 * HOUR, outages: 0, availability: 1, mttrMs: null, mtbfMs: null });
  });

  it('per service and per group add their targets up', () => {
    const byService = availability(...DAY, '--by', 'service');
    expect(byService.stdout.split('\n').slice(1).join('\n')).toBe(
      [
        'SERVICE   AVAILABILITY  OUTAGES  DOWNTIME  MTTR  MTBF  LONGEST  MAINTENANCE',
        // 12 h + 6 h watched, 1 h down: 17/18
        'dns       94.444%       1        1h        1h    17h   1h       -',
        // 24 h + 22 h counted, 2 h down in 4 outages: 44/46; MTTR 2 h/4 = 30 min; MTBF 44 h/4 = 11 h
        'web-http  95.652%       4        2h        30m   11h   1h       2h',
        '',
      ].join('\n'),
    );
    const byGroup = json(...DAY, '--by', 'group').rows;
    expect(byGroup.map((row) => [row.name, row.targets, row.outages, row.downtimeMs])).toEqual([
      ['resolvers', 2, 1, HOUR],
      ['web', 2, 4, 2 * HOUR],
    ]);
  });

  it('a window inside the day: outages clipped to it, an outage wholly in maintenance not counted', () => {
    const rows = json('--since', '2025-03-01T10:15:00Z', '--until', '2025-03-01T13:30:00Z', '--service', 'web-http').rows;
    // web1: 10:15–10:30 down of 3 h 15 min
    expect(rows[0]).toMatchObject({ name: 'web-http/web1', countedMs: 195 * MIN, downtimeMs: 15 * MIN, outages: 1, availability: 180 / 195 });
    // web2: 12:00–13:30 maintenance; both its outages in the window fall inside it
    expect(rows[1]).toMatchObject({ name: 'web-http/web2', maintenanceMs: 90 * MIN, countedMs: 105 * MIN, downtimeMs: 0, outages: 0, availability: 1 });
  });

  it('--worst N: the least available rows, worst first; a bad count is refused', () => {
    // dns/ns1 91.666% < web-http/web2 95.454% < web-http/web1 95.833% < dns/ns2 100%
    expect(json(...DAY, '--worst', '2').rows.map((row) => row.name)).toEqual(['dns/ns1', 'web-http/web2']);
    const table = availability(...DAY, '--worst', '1', '--by', 'service').stdout.split('\n');
    expect(table.slice(1)).toEqual([
      'SERVICE  AVAILABILITY  OUTAGES  DOWNTIME  MTTR  MTBF  LONGEST  MAINTENANCE',
      'dns      94.444%       1        1h        1h    17h   1h       -',
      '',
    ]);
    const bad = availability(...DAY, '--worst', '0');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--worst <N>' argument '0' is invalid\. expected a number of rows, 1 or more/);
  });

  it('filters by host and group; bad windows are refused', () => {
    expect(json(...DAY, '--host', 'web2').rows.map((row) => row.name)).toEqual(['web-http/web2']);
    expect(json(...DAY, '--group', 'resolvers').rows.map((row) => row.name)).toEqual(['dns/ns1', 'dns/ns2']);
    expect(availability(...DAY, '--service', 'nope').stderr).toMatch(/no target matches service nope \(services: dns, web-http\)/);
    const backwards = availability('--since', '2025-03-02', '--until', '2025-03-01');
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toMatch(/--until \(2025-03-01\) must be after --since \(2025-03-02\)/);
  });
});

describe('vigil timeline', () => {
  const timeline = (...args: string[]) => runVigil(['timeline', '--db', dbFile, '--utc', ...DAY, ...args]);

  it('one row per target, 40 minutes a column at width 60', () => {
    const result = timeline('--width', '60');
    expect(result.stderr).toBe('');
    // The bar is 60 − 13 (label) − 2 − 9 (figure) = 36 columns over 24 h: 40 min each.
    expect(result.stdout).toBe(
      [
        // The full times do not fit over 36 columns: without seconds, the end's last character at the bar's.
        '               2025-03-01 00:00Z  2025-03-02 00:00Z',
        // first seen at 12:00 (column 18); down from 23:00: columns 34 (22:40–23:20) and 35
        'dns/ns1                          ················██  91.666%',
        // watched until 06:00: columns 0–8
        'dns/ns2        ·········                            100.000%',
        // down 00:00–00:20 (column 0), 10:00–10:30 (15), 20:00–20:10 (30)
        'web-http/web1  █··············█··············█·····  95.833%',
        // maintenance 12:00–14:00 (columns 18–20) hides the outages inside it; down 14:00–15:00 (21, 22)
        'web-http/web2  ··················░░░██·············  95.454%',
        '               █ down  ░ maintenance  · up',
        '               (blank: not watched)  one column = 40m',
        '',
      ].join('\n'),
    );
  });

  it('--worst N draws only the least available targets, worst first', () => {
    const lines = timeline('--width', '60', '--worst', '2').stdout.split('\n');
    expect(lines.slice(1, 3)).toEqual([
      'dns/ns1                          ················██  91.666%',
      'web-http/web2  ··················░░░██·············  95.454%',
    ]);
    expect(lines[3]).toMatch(/^ +█ down/);
  });

  it('--ascii, the terminal width when none is given, and a width too small', () => {
    expect(timeline('--width', '60', '--ascii', '--service', 'web-http').stdout.split('\n')[1]).toBe('web-http/web1  #..............#..............#.....  95.833%');
    const narrow = timeline('--width', '30');
    expect(narrow.code).toBe(1);
    expect(narrow.stderr).toMatch(/a width of 30 leaves no room for the timeline; use at least 33 \(--width\)/);
    // Not a terminal: 100 columns.
    expect(timeline().stdout.split('\n')[1]!.length).toBe(100);
  });

  it('narrow: every line within the width, names cut in the middle so rows stay distinct; COLUMNS when piped', () => {
    for (const width of [33, 40, 60]) {
      const lines = timeline('--width', String(width)).stdout.trimEnd().split('\n');
      for (const line of lines) expect(line.length, `${JSON.stringify(line)} at --width ${width}`).toBeLessThanOrEqual(width);
    }
    const labels = timeline('--width', '33').stdout.split('\n').slice(1, 5).map((line) => line.slice(0, 12));
    expect(labels).toEqual(['dns/ns1     ', 'dns/ns2     ', 'web-h…p/web1', 'web-h…p/web2']);
    // Not a terminal: COLUMNS when set, else 100.
    expect(runVigil(['timeline', '--db', dbFile, '--utc', ...DAY], { env: { COLUMNS: '50' } }).stdout.split('\n')[1]!.length).toBe(50);
  });

  it('a column is maintenance when maintenance covers its down time, though not the whole column', () => {
    // 10 columns of 6 minutes over 00:00–01:00; maintenance 00:20–00:40 holds the outage 00:21–00:23,
    // in the column 00:18–00:24: availability does not count it, and neither does the picture.
    const file = tmp.path('inside-maintenance.db');
    const db = new Database(file);
    migrate(db);
    db.prepare("INSERT INTO targets (id, key, service, grp, host, state, since, updated_at) VALUES (1, 'svc/h1', 'svc', 'grp', 'h1', 'up', 0, 0)").run();
    db.prepare('INSERT INTO outages (target_id, started_at, ended_at, duration_ms, cause) VALUES (1, ?, ?, ?, ?)').run(T('00:21'), T('00:23'), 2 * MIN, 'refused');
    db.prepare('INSERT INTO maintenance_periods (target_id, started_at, ended_at, planned_until) VALUES (1, ?, ?, ?)').run(T('00:20'), T('00:40'), T('00:40'));
    db.close();
    const result = runVigil(['timeline', '--db', file, '--since', '2025-03-01T00:00:00Z', '--until', '2025-03-01T01:00:00Z', '--width', '27', '--ascii']);
    expect(result.stdout.split('\n')[1]).toBe('svc/h1  ...mmmm... 100.000%');
  });

  it('JSON gives the intervals behind the picture', () => {
    const answer = JSON.parse(timeline('--json', '--host', 'web2').stdout);
    expect(answer.targets).toEqual([
      {
        target: 'web-http/web2',
        availability: 21 / 22,
        outages: [
          { start: '2025-03-01T12:10:00.000Z', end: '2025-03-01T12:40:00.000Z' },
          { start: '2025-03-01T13:00:00.000Z', end: '2025-03-01T15:00:00.000Z' },
        ],
        maintenance: [{ start: '2025-03-01T12:00:00.000Z', end: '2025-03-01T14:00:00.000Z' }],
      },
    ]);
  });
});
