// Time Vigil was not running is left out of availability, as Nagios's "Time Undetermined: not
// running": `vigil availability` and `vigil timeline` on the known day (test/helpers/known-history.ts)
// with the daemon's runs of KNOWN_RUNS there. Every figure below was worked out by hand.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDaemonRuns, writeKnownHistory } from './helpers/known-history.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil } from './helpers/vigil-process.js';

const tmp = tempDir();
const dbFile = tmp.path('history.db');
beforeAll(() => {
  writeKnownHistory(dbFile);
  addDaemonRuns(dbFile);
});
afterAll(() => tmp.cleanup());

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = ['--since', '2025-03-01T00:00:00Z', '--until', '2025-03-02T00:00:00Z'];
const availability = (...args: string[]) => runVigil(['availability', '--db', dbFile, '--utc', ...args]);
type Answer = { unwatched: Array<{ start: string; end: string }>; rows: Array<Record<string, unknown>> };
const json = (...args: string[]) => JSON.parse(availability('--json', ...args).stdout) as Answer;
const row = (answer: Answer, name: string) => answer.rows.find((r) => r.name === name);

// Not running over the day: 00:00–00:05, 10:10–10:20, 13:30–14:30, 17:00–19:00, 23:30–24:00 = 3 h 45 min.
const NOT_RUNNING = 225 * MIN;

describe('vigil availability leaves the time Vigil was not running out', () => {
  it('per target: said once in the first line, left out of every figure', () => {
    const result = availability(...DAY);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      [
        '2025-03-01 00:00:00Z → 2025-03-02 00:00:00Z (1d), maintenance left out; vigil not running 3h45m (left out)',
        'TARGET         AVAILABILITY  OUTAGES  DOWNTIME  MTTR  MTBF    LONGEST  MAINTENANCE',
        // configured 12:00–24:00; not running 13:30–14:30, 17:00–19:00, 23:30–24:00: watched 8 h 30 min.
        // The open outage from 23:00 counts until the stop at 23:30: 30 min of 510 → 480/510
        'dns/ns1        94.117%       1        30m       30m   8h      30m      -',
        // configured 00:00–06:00, not running 00:00–00:05: 5 h 55 min watched, never down
        'dns/ns2        100%          0        0ms       -     -       -        -',
        // 24 h − 3 h 45 min = 20 h 15 min watched. Outage 1 from 00:05 (15 min), outage 2 less
        // 10:10–10:20 (20 min, still one outage), outage 3 (10 min): 45 min of 1215 → 1170/1215
        'web-http/web1  96.296%       3        45m       15m   6h30m   20m      -',
        // maintenance 12:00–14:00 while watched: 1 h 30 min (13:30–14:00 is not running, not counted twice);
        // counted 1215 − 90 = 1125 min. Outage 5 (13:00–15:00) less maintenance and the stop counts from 14:30: 30 min
        'web-http/web2  97.333%       1        30m       30m   18h15m  30m      1h30m',
        '',
      ].join('\n'),
    );
  });

  it('JSON: unwatchedMs per row beside watched, maintenance and counted time; the stops themselves', () => {
    const answer = json(...DAY);
    expect(answer.unwatched).toEqual([
      { start: '2025-03-01T00:00:00.000Z', end: '2025-03-01T00:05:00.000Z' },
      { start: '2025-03-01T10:10:00.000Z', end: '2025-03-01T10:20:00.000Z' },
      { start: '2025-03-01T13:30:00.000Z', end: '2025-03-01T14:30:00.000Z' },
      { start: '2025-03-01T17:00:00.000Z', end: '2025-03-01T19:00:00.000Z' },
      { start: '2025-03-01T23:30:00.000Z', end: '2025-03-02T00:00:00.000Z' },
    ]);
    expect(row(answer, 'web-http/web1')).toEqual({
      name: 'web-http/web1', service: 'web-http', host: 'web1', group: 'web', targets: 1,
      watchedMs: 24 * HOUR - NOT_RUNNING, unwatchedMs: NOT_RUNNING, maintenanceMs: 0, countedMs: 1215 * MIN, downtimeMs: 45 * MIN, outages: 3,
      availability: 1170 / 1215, availabilityPercent: (1170 / 1215) * 100, mttrMs: 15 * MIN, mtbfMs: (1170 * MIN) / 3, longestMs: 20 * MIN,
    });
    expect(row(answer, 'web-http/web2')).toMatchObject({
      watchedMs: 1215 * MIN, unwatchedMs: NOT_RUNNING, maintenanceMs: 90 * MIN, countedMs: 1125 * MIN, downtimeMs: 30 * MIN, outages: 1, longestMs: 30 * MIN, availability: 1095 / 1125,
    });
    // Each target's own configured time: ns1 from noon misses the morning's stops, ns2 until 06:00 all but the first.
    expect(row(answer, 'dns/ns1')).toMatchObject({ watchedMs: 510 * MIN, unwatchedMs: 210 * MIN, downtimeMs: 30 * MIN, outages: 1, availability: 480 / 510 });
    expect(row(answer, 'dns/ns2')).toMatchObject({ watchedMs: 355 * MIN, unwatchedMs: 5 * MIN, downtimeMs: 0, outages: 0, availability: 1 });
  });

  it('per service and group: each target adds its own unwatched time', () => {
    const byService = availability(...DAY, '--by', 'service');
    expect(byService.stdout.split('\n').slice(1).join('\n')).toBe(
      [
        'SERVICE   AVAILABILITY  OUTAGES  DOWNTIME  MTTR    MTBF    LONGEST  MAINTENANCE',
        // 510 + 355 min watched, 30 min down: 835/865; MTBF 835 min
        'dns       96.531%       1        30m       30m     13h55m  30m      -',
        // 1215 + 1125 min counted, 75 min down in 4 outages: 2265/2340; MTTR 18 min 45 s; MTBF 566 min 15 s
        'web-http  96.794%       4        1h15m     18m45s  9h26m   30m      1h30m',
        '',
      ].join('\n'),
    );
    expect(json(...DAY, '--by', 'group').rows.map((r) => [r.name, r.unwatchedMs, r.watchedMs])).toEqual([
      ['resolvers', 215 * MIN, 865 * MIN],
      ['web', 2 * NOT_RUNNING, 2 * (24 * HOUR - NOT_RUNNING)],
    ]);
  });

  it('a window beginning inside a stop counts from its end; maintenance inside a stop is not counted twice', () => {
    const answer = json('--since', '2025-03-01T10:15:00Z', '--until', '2025-03-01T14:00:00Z', '--service', 'web-http');
    expect(answer.unwatched).toEqual([
      { start: '2025-03-01T10:15:00.000Z', end: '2025-03-01T10:20:00.000Z' },
      { start: '2025-03-01T13:30:00.000Z', end: '2025-03-01T14:00:00.000Z' },
    ]);
    // 3 h 45 min less 35 min not running; web1 down 10:20–10:30
    expect(row(answer, 'web-http/web1')).toMatchObject({ watchedMs: 190 * MIN, unwatchedMs: 35 * MIN, countedMs: 190 * MIN, downtimeMs: 10 * MIN, outages: 1, longestMs: 10 * MIN, availability: 180 / 190 });
    // maintenance 12:00–13:30 while watched; outage 5 up to 14:00 is all maintenance or not running
    expect(row(answer, 'web-http/web2')).toMatchObject({ watchedMs: 190 * MIN, maintenanceMs: 90 * MIN, countedMs: 100 * MIN, downtimeMs: 0, outages: 0, availability: 1 });
  });

  it('a window wholly inside a stop, and after the last clean stop: nothing counted', () => {
    const inside = json('--since', '2025-03-01T17:30:00Z', '--until', '2025-03-01T18:30:00Z', '--host', 'web1');
    expect(row(inside, 'web-http/web1')).toMatchObject({ watchedMs: 0, unwatchedMs: HOUR, countedMs: 0, outages: 0, availability: null });
    // The last run stopped at 23:30 and none came after: not running since, the open outage not counted.
    const after = json('--since', '2025-03-02T00:00:00Z', '--until', '2025-03-03T00:00:00Z');
    expect(after.unwatched).toEqual([{ start: '2025-03-02T00:00:00.000Z', end: '2025-03-03T00:00:00.000Z' }]);
    expect(row(after, 'dns/ns1')).toMatchObject({ watchedMs: 0, unwatchedMs: 24 * HOUR, downtimeMs: 0, outages: 0, availability: null });
    expect(availability('--since', '2025-03-02T00:00:00Z', '--until', '2025-03-03T00:00:00Z', '--host', 'ns1').stdout.split('\n').slice(0, 3)).toEqual([
      '2025-03-02 00:00:00Z → 2025-03-03 00:00:00Z (1d), maintenance left out; vigil not running 1d (left out)',
      'TARGET   AVAILABILITY  OUTAGES  DOWNTIME  MTTR  MTBF  LONGEST  MAINTENANCE',
      'dns/ns1  -             0        0ms       -     -     -        -',
    ]);
  });

  it('no trailing gap while the last run is seen running; one from its last "seen" once that is old', () => {
    const file = tmp.path('running.db');
    writeKnownHistory(file);
    const now = Date.now();
    // Stopped 2 h ago, started again 1 h ago, seen 3 min ago: running (seen is refreshed every minute).
    addDaemonRuns(file, [
      [now - 3 * HOUR, now - 2 * HOUR, now - 2 * HOUR],
      [now - HOUR, now - 3 * MIN, null],
    ]);
    const window = ['--since', new Date(now - 3 * HOUR).toISOString(), '--until', new Date(now - MIN).toISOString(), '--host', 'web1'];
    const report = () => JSON.parse(runVigil(['availability', '--db', file, '--json', ...window]).stdout) as Answer;
    expect(row(report(), 'web-http/web1')).toMatchObject({ unwatchedMs: HOUR, watchedMs: HOUR + 59 * MIN });
    // Seen last 10 minutes ago and no vigil holds the database's lock: it crashed then.
    const db = new Database(file);
    db.prepare('UPDATE daemon_runs SET seen_at = ? WHERE stopped_at IS NULL').run(now - 10 * MIN);
    db.close();
    expect(row(report(), 'web-http/web1')).toMatchObject({ unwatchedMs: HOUR + 9 * MIN, watchedMs: HOUR + 50 * MIN });
  });
});

describe('vigil timeline marks the time Vigil was not running', () => {
  it('columns half or more not running, unless down in the watched part; the legend says so', () => {
    const result = runVigil(['timeline', '--db', dbFile, '--utc', ...DAY, '--width', '60', '--ascii']);
    expect(result.stderr).toBe('');
    // 36 columns of 40 min. Not running covers at least half of columns 20 (13:20–14:00), 21, 25
    // (16:40–17:20, exactly half) to 28, and 35 (23:20–24:00); 00:00–00:05 and 10:10–10:20 are too
    // short to show. ns1 is down 23:20–23:30 in column 35; web2 down 14:30–15:00 in columns 21, 22.
    expect(result.stdout).toBe(
      [
        '               2025-03-01 00:00Z  2025-03-02 00:00Z',
        'dns/ns1                          ..--...----.....##  94.117%',
        'dns/ns2        .........                            100.000%',
        'web-http/web1  #..............#....--...----.#....-  96.296%',
        'web-http/web2  ..................mm-##..----......-  97.333%',
        '               # down  m maintenance  . up',
        '               - vigil not running  (blank: not watched)',
        '               one column = 40m',
        '',
      ].join('\n'),
    );
    const answer = JSON.parse(runVigil(['timeline', '--db', dbFile, ...DAY, '--json', '--host', 'web1']).stdout);
    expect(answer.unwatched).toHaveLength(5);
    expect(answer.unwatched[2]).toEqual({ start: '2025-03-01T13:30:00.000Z', end: '2025-03-01T14:30:00.000Z' });
  });
});
