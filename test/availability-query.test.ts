// Availability adds most outages up in SQL and a few pieces in code (outages cut by the window's
// ends, open outages, targets in maintenance, outages across the daemon's stops). Here every
// figure, for every grouping, over many windows, is checked against the plainest possible
// reckoning: each target's outages one by one, clipped to its watched time, less its maintenance
// and less the time no daemon ran (the generator stops it now and then, and once for two days).
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAvailability, type AvailabilityRow } from '../src/history/availability-query.js';
import { generateHistory } from '../src/history/generate-history.js';
import type { Grouping } from '../src/history/grouping.js';
import { tempDir } from './helpers/temp-dir.js';

const DAY = 86_400_000;
const END = Date.parse('2025-06-01T00:00:00Z');
const tmp = tempDir();
let db: Database.Database;

interface Target { id: number; key: string; service: string; grp: string; host: string; createdAt: number | null; removedAt: number | null }
type Interval = [number, number];

beforeAll(() => {
  const { file } = generateHistory({ file: tmp.path('history.db'), targets: 60, hostsPerService: 6, outages: 3_000, transitions: 6_500, spanDays: 40, end: END, maintenancePeriods: 40, seed: 7 });
  const writer = new Database(file);
  // Targets first seen late and removed early (each still around for all its outages), so the
  // watched time is not always the whole window; an open outage that began long ago.
  writer.exec(`
    UPDATE targets SET created_at = (SELECT min(started_at) - 3600000 FROM outages WHERE target_id = targets.id) WHERE id % 5 = 0;
    UPDATE targets SET removed_at = (SELECT max(ended_at) + 3600000 FROM outages WHERE target_id = targets.id)
     WHERE id % 7 = 0 AND NOT EXISTS (SELECT 1 FROM outages WHERE target_id = targets.id AND ended_at IS NULL);
    DELETE FROM outages WHERE target_id = 3 AND started_at > ${END - 30 * DAY};
    UPDATE outages SET ended_at = NULL, duration_ms = NULL WHERE id = (SELECT max(id) FROM outages WHERE target_id = 3);
    INSERT INTO maintenance_periods (target_id, started_at, ended_at, planned_until, reason) VALUES (4, ${END - 2 * DAY}, NULL, NULL, 'still on');
    -- Targets first seen in another order than their names': rows come in name order all the same.
    UPDATE targets SET host = 'a-' || host, key = service || '/a-' || host WHERE id % 3 = 0;
  `);
  writer.close();
  db = new Database(file, { readonly: true });
});
afterAll(() => {
  db.close();
  tmp.cleanup();
});

/** When no daemon ran: from each run's end (its stop, else its last "seen") to the next one's start. */
function daemonStops(): Interval[] {
  const runs = db.prepare('SELECT started_at, coalesce(stopped_at, seen_at) FROM daemon_runs ORDER BY started_at').raw().all() as Interval[];
  return runs.slice(1).map(([startedAt], i): Interval => [runs[i]![1], startedAt]);
}

/** How much of [a, b] the intervals cover, time covered twice counted once. */
function coveredOnce(a: number, b: number, intervals: Interval[]): number {
  const cuts = intervals.map(([c, d]): Interval => [Math.max(a, c), Math.min(b, d)]).filter(([c, d]) => d > c).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let reached = a;
  for (const [c, d] of cuts) {
    if (d <= reached) continue;
    total += d - Math.max(c, reached);
    reached = d;
  }
  return total;
}

/** Every target's figures worked out one outage at a time, then added up per group. */
function reckon(since: number, until: number, by: Grouping, only?: { service?: string }): AvailabilityRow[] {
  until = Math.min(until, END);
  const stops = daemonStops();
  const targets = (db.prepare('SELECT id, key, service, grp, host, created_at AS createdAt, removed_at AS removedAt FROM targets ORDER BY key').all() as Target[]).filter(
    (target) => only?.service === undefined || target.service === only.service,
  );
  const rows = new Map<string, AvailabilityRow>();
  for (const target of targets) {
    const from = Math.max(since, target.createdAt ?? since);
    const to = Math.max(from, Math.min(until, target.removedAt ?? until));
    const maintenance = (db.prepare('SELECT started_at, coalesce(ended_at, ?) FROM maintenance_periods WHERE target_id = ?').raw().all(END, target.id) as Interval[])
      .map(([a, b]): Interval => [Math.max(a, from), Math.min(b, to)])
      .filter(([a, b]) => b > a);
    const leftOut = [...maintenance, ...stops];
    const name = by === 'target' ? target.key : by === 'service' ? target.service : by === 'host' ? target.host : target.grp;
    let row = rows.get(name);
    if (!row) {
      row = {
        name,
        service: by === 'target' || by === 'service' ? target.service : undefined,
        host: by === 'target' || by === 'host' ? target.host : undefined,
        group: by === 'host' ? undefined : target.grp,
        targets: 0, watchedMs: 0, unwatchedMs: 0, maintenanceMs: 0, countedMs: 0, downtimeMs: 0, outages: 0, availability: null, mttrMs: null, mtbfMs: null, longestMs: 0,
      };
      rows.set(name, row);
    }
    const notRunning = coveredOnce(from, to, stops);
    const maintained = coveredOnce(from, to, leftOut) - notRunning; // maintenance while watched
    row.targets++;
    row.watchedMs += to - from - notRunning;
    row.unwatchedMs += notRunning;
    row.maintenanceMs += maintained;
    row.countedMs += to - from - notRunning - maintained;
    for (const [startedAt, endedAt] of db.prepare('SELECT started_at, coalesce(ended_at, ?) FROM outages WHERE target_id = ?').raw().all(END, target.id) as Interval[]) {
      const a = Math.max(startedAt, from);
      const b = Math.min(endedAt, to);
      if (b <= a) continue;
      const counted = b - a - coveredOnce(a, b, leftOut);
      if (counted <= 0) continue;
      row.outages++;
      row.downtimeMs += counted;
      row.longestMs = Math.max(row.longestMs, counted);
    }
  }
  for (const row of rows.values()) {
    row.availability = row.countedMs > 0 ? (row.countedMs - row.downtimeMs) / row.countedMs : null;
    row.mttrMs = row.outages ? row.downtimeMs / row.outages : null;
    row.mtbfMs = row.outages ? (row.countedMs - row.downtimeMs) / row.outages : null;
  }
  return [...rows.values()];
}

/** Windows of every kind: whole span, single hours, ends inside outages, beyond the end. */
function windows(): Interval[] {
  const starts = db.prepare('SELECT started_at, ended_at FROM outages WHERE ended_at IS NOT NULL ORDER BY id LIMIT 12 OFFSET 500').raw().all() as Interval[];
  return [
    [END - 40 * DAY, END],
    [END - 30 * DAY, END + DAY],
    [END - 7 * DAY - 1234, END - 2 * DAY + 5678],
    [END - DAY, END],
    ...starts.map(([a, b]): Interval => [a + Math.floor((b - a) / 2), a + Math.floor((b - a) / 2) + 6 * 3_600_000]), // from inside an outage
    ...starts.map(([a, b]): Interval => [a - 3_600_000, b - 1]), // ending inside an outage
    ...starts.slice(0, 4).map(([a, b]): Interval => [a + 1, b - 1]), // inside one outage
    ...starts.slice(0, 4).map(([a, b]): Interval => [a, b]), // exactly one outage
    ...starts.slice(4, 8).map(([a, b]): Interval => [b, b + DAY]), // from the end of one
    ...daemonStops().flatMap(([a, b]): Interval[] => [
      [a - 6 * 3_600_000, b + 6 * 3_600_000], // around a stop
      [a + 1, b - 1], // inside one
      [a + Math.floor((b - a) / 2), b + DAY], // from inside one
      [a - DAY, a + Math.floor((b - a) / 2)], // ending inside one
    ]),
  ];
}

describe('availability query', () => {
  it('the database has what makes the code paths work: cut, open, maintained, late and removed targets, outages across stops, names out of id order', () => {
    expect(db.prepare('SELECT count(*) FROM outages WHERE ended_at IS NULL').pluck().get()).toBeGreaterThan(0);
    expect(db.prepare('SELECT count(*) FROM targets WHERE removed_at IS NOT NULL').pluck().get()).toBeGreaterThan(0);
    expect(db.prepare('SELECT count(*) FROM targets WHERE created_at IS NOT NULL').pluck().get()).toBeGreaterThan(0);
    expect(db.prepare('SELECT count(*) FROM maintenance_periods').pluck().get()).toBeGreaterThan(0);
    const stops = daemonStops();
    expect(stops.length).toBeGreaterThanOrEqual(2);
    const acrossStops = (db.prepare('SELECT started_at, coalesce(ended_at, ?) FROM outages').raw().all(END) as Interval[]).filter(([a, b]) => coveredOnce(a, b, stops) > 0);
    expect(acrossStops.length).toBeGreaterThan(0);
    const maintainedInStops = (db.prepare('SELECT started_at, coalesce(ended_at, ?) FROM maintenance_periods').raw().all(END) as Interval[]).filter(([a, b]) => coveredOnce(a, b, stops) > 0);
    expect(maintainedInStops.length).toBeGreaterThan(0);
    const idsByName = db.prepare('SELECT id FROM targets ORDER BY key').pluck().all() as number[];
    expect(idsByName).not.toEqual([...idsByName].sort((a, b) => a - b));
  });

  for (const by of ['target', 'service', 'host', 'group'] as const) {
    it(`per ${by}: every figure matches the outage-by-outage reckoning, over windows of every kind`, () => {
      for (const [since, until] of windows()) {
        const expected = reckon(since, until, by);
        const actual = queryAvailability(db, { since, until, by }, END);
        expect(actual.map((row) => row.name), `window ${since}..${until}`).toEqual(expected.map((row) => row.name));
        for (let i = 0; i < expected.length; i++) {
          const want = expected[i]!;
          const got = actual[i]!;
          for (const field of ['targets', 'watchedMs', 'unwatchedMs', 'maintenanceMs', 'countedMs', 'downtimeMs', 'outages', 'longestMs'] as const) {
            expect(got[field], `${by} ${want.name} ${field}, window ${since}..${until}`).toBe(want[field]);
          }
          expect([got.service, got.host, got.group]).toEqual([want.service, want.host, want.group]);
          if (want.availability === null) expect(got.availability).toBeNull();
          else expect(got.availability).toBeCloseTo(want.availability, 12);
        }
      }
    });
  }

  it('a filter keeps the cut and open outages of other targets out', () => {
    for (const [since, until] of windows()) {
      const service = 'svc000';
      const actual = queryAvailability(db, { since, until, service }, END);
      expect(actual.map((row) => [row.name, row.outages, row.downtimeMs, row.longestMs])).toEqual(
        reckon(since, until, 'target', { service }).map((row) => [row.name, row.outages, row.downtimeMs, row.longestMs]),
      );
    }
  });
});
