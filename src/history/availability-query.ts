// Availability over a window, per target, service, host or group — from outages and maintenance
// periods. SQL adds up what covers nearly everything (the watched time and the outages wholly inside
// the window, grouped as asked); code adds the few pieces that need care: outages cut by either end
// of the window, open outages, targets with maintenance in the window, and outages across a time
// Vigil was not running.
//
// Every figure counts only time inside the window while the target was configured and Vigil ran:
//   unwatched    window ∩ [first seen, removed from the config) while no daemon ran (unwatched-time.ts)
//   watched      window ∩ [first seen, removed from the config), less unwatched
//   maintenance  watched time in maintenance (excluded from everything else)
//   counted      watched − maintenance
//   downtime     outage time inside counted time
//   outages      outages with downtime inside counted time
//   availability (counted − downtime) / counted
//   MTTR         downtime / outages            (mean time to repair)
//   MTBF         (counted − downtime) / outages (mean time between failures: uptime per outage)
//   longest      the longest single outage, inside counted time
import type { Database } from 'better-sqlite3';
import { groupName, type Grouping, type TargetNames } from './grouping.js';
import { earliestOverlappingStart, targetCondition, type TargetFilter } from './outage-query.js';
import { UnwatchedTime } from './unwatched-time.js';

export interface AvailabilityFilter extends TargetFilter {
  since: number;
  until: number;
  by?: Grouping;
}

export interface AvailabilityRow {
  /** `service/host` per target, else the service, host or group name. */
  name: string;
  service?: string;
  host?: string;
  group?: string;
  targets: number;
  watchedMs: number;
  /** Configured time in the window while Vigil was not running: in no other figure. */
  unwatchedMs: number;
  maintenanceMs: number;
  countedMs: number;
  downtimeMs: number;
  outages: number;
  /** 0..1; null when nothing was counted (not watched, or all in maintenance). */
  availability: number | null;
  mttrMs: number | null;
  mtbfMs: number | null;
  longestMs: number;
}

type Interval = [number, number];

/** Sorted, merged intervals clipped to [from, to]. */
function mergeClipped(intervals: Interval[], from: number, to: number): Interval[] {
  const clipped = intervals
    .map(([a, b]): Interval => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const merged: Interval[] = [];
  for (const interval of clipped) {
    const last = merged[merged.length - 1];
    if (last && interval[0] <= last[1]) last[1] = Math.max(last[1], interval[1]);
    else merged.push([...interval]);
  }
  return merged;
}

function overlap([a, b]: Interval, intervals: Interval[]): number {
  let total = 0;
  for (const [c, d] of intervals) total += Math.max(0, Math.min(b, d) - Math.max(a, c));
  return total;
}

/** A target whose outages or maintenance are added in code. */
interface NamedTarget extends TargetNames {
  id: number;
  createdAt: number | null;
  removedAt: number | null;
}

type GroupRow = [name: string, service: string | null, host: string | null, grp: string | null, targets: number, watchedMs: number, outages: number, downtimeMs: number | null, longestMs: number | null];

// The columns a row of each grouping carries: the same four names, null where it carries none.
const GROUP_COLUMNS: Record<Exclude<Grouping, 'target'>, string> = {
  service: 'service AS name, service, NULL AS host, min(grp) AS grp',
  host: 'host AS name, NULL AS service, host, NULL AS grp',
  group: 'grp AS name, NULL AS service, NULL AS host, grp',
};

// Per target its watched time and the closed outages wholly inside the window, read along the
// (target_id, started_at, ended_at) index, which holds each outage's length. The window's ends make
// `ended_at - started_at` exact here; the outages they cut are added in code. count(*) is the
// tighter count, but only where no outage means no row: a LEFT JOIN gives such a target one row
// of NULLs.
const WATCHED = 'max(0, min(coalesce(t.removed_at, @until), @until) - max(coalesce(t.created_at, @since), @since))';
const sums = (outages: 'count(*)' | 'count(o.target_id)') => ({ outages, downtime: 'sum(o.ended_at - o.started_at)', longest: 'max(o.ended_at - o.started_at)' });

interface SqlParts {
  /** The targets asked for (`WHERE …`, or nothing). */
  where: string;
  /** An outage `o` of target `t` that the sums count. */
  inWindow: string;
}

/**
 * One row per target: its sums from a subquery along its own index range (an aggregate over no
 * outages is still one row), which SQLite runs tighter than a join and GROUP BY: about 10 ms less
 * over 10,000 targets. Targets are read in key order along the key's index, and group_concat
 * keeps the order of a FROM subquery's ORDER BY (SQLite keeps that ORDER BY for any aggregate but
 * count, min and max): a sort inside group_concat would cost a tenth of the query.
 */
function rowPerTargetSql({ where, inWindow }: SqlParts): string {
  return `SELECT '[' || coalesce(group_concat(row, ','), '') || ']'
            FROM (SELECT (SELECT json_array(t.key, t.service, t.host, t.grp, 1, ${WATCHED}, ${Object.values(sums('count(*)')).join(', ')})
                            FROM outages o INDEXED BY outages_target_window WHERE ${inWindow}) AS row
                    FROM targets t ${where} ORDER BY t.key)`;
}

/** Per target in rowid order (no sort), then grouped, in the order of each row's first target. */
function rowPerGroupSql(grouping: Exclude<Grouping, 'target'>, { where, inWindow }: SqlParts): string {
  const perTarget = `
    SELECT t.key, t.service, t.grp, t.host, ${WATCHED} AS watched, ${Object.entries(sums('count(o.target_id)')).map(([name, sum]) => `${sum} AS ${name}`).join(', ')}
      FROM targets t NOT INDEXED
      LEFT JOIN outages o INDEXED BY outages_target_window ON ${inWindow}
     ${where}
     GROUP BY t.id`;
  return `SELECT json_group_array(json_array(name, service, host, grp, targets, watched, outages, downtime, longest) ORDER BY first)
            FROM (SELECT ${GROUP_COLUMNS[grouping]}, count(*) AS targets, sum(watched) AS watched, sum(outages) AS outages,
                         sum(downtime) AS downtime, max(longest) AS longest, min(key) AS first
                    FROM (${perTarget}) GROUP BY ${grouping === 'group' ? 'grp' : grouping})`;
}

/**
 * `unwatchedTime`: the time Vigil was not running in this window, when the caller reads it too (for
 * its heading): read once.
 */
export function queryAvailability(db: Database, filter: AvailabilityFilter, now: number = Date.now(), unwatchedTime?: UnwatchedTime): AvailabilityRow[] {
  const by = filter.by ?? 'target';
  const until = Math.min(filter.until, now);
  const since = Math.min(filter.since, until);
  const params: Record<string, unknown> = { since, until };
  const conditions = targetCondition(db, filter, params);
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';

  // Targets in maintenance during the window get their figures worked out one by one below; their
  // outages stay out of the sums.
  const maintenance = maintenanceByTarget(db, since, until, now);
  // (Only when there are any: the test per target costs as much as a tenth of the query.)
  if (maintenance.size) params.maintained = JSON.stringify([...maintenance.keys()]);

  // A target in maintenance seeks no outages: the test is in the index key, made once per target,
  // not once per outage as a further condition would be (an eighth of the query's cost).
  const ofTarget = maintenance.size ? '(CASE WHEN t.id IN (SELECT value FROM json_each(@maintained)) THEN NULL ELSE t.id END)' : 't.id';
  const parts: SqlParts = {
    where,
    inWindow: `o.target_id = ${ofTarget} AND o.started_at >= @since AND o.started_at < @until AND o.ended_at <= @until`,
  };
  // The rows come back as one JSON text, in the order of each row's first target: better-sqlite3
  // builds a row value by value (90,000 calls for 10,000 targets), JSON.parse builds them all in one.
  const sql = by === 'target' ? rowPerTargetSql(parts) : rowPerGroupSql(by, parts);
  const groupRows = JSON.parse(db.prepare(sql).pluck().get(params) as string) as GroupRow[];
  if (!groupRows.length) return [];

  // The pieces the sums left out, for the few targets they concern, tallied on those targets' rows;
  // and the outages the sums counted whole though Vigil did not run for part of them.
  const unwatched = unwatchedTime ?? new UnwatchedTime(db, since, until, now);
  const cut = cutOutages(db, since, until).filter(([targetId]) => !maintenance.has(targetId));
  const acrossGaps = unwatched.totalMs ? unwatched.summedOutagesInGaps().filter(([targetId]) => !maintenance.has(targetId)) : [];
  const targets = targetsById(db, filter, [...cut.map(([targetId]) => targetId), ...acrossGaps.map(([targetId]) => targetId), ...maintenance.keys()]);
  const tallyOf = tallies(groupRows, new Set([...targets.values()].map((target) => groupName(by, target))));
  if (acrossGaps.length) countWatchedParts(unwatched, acrossGaps, tallyOf, by, targets, filter, [...maintenance.keys()]);
  for (const [targetId, startedAt, endedAt] of cut) {
    const target = targets.get(targetId);
    const watched = unwatched.watchedIn(Math.max(startedAt, since), Math.min(endedAt ?? until, until));
    if (target && watched > 0) addOutage(tallyOf.get(groupName(by, target))!, watched);
  }
  if (maintenance.size) addMaintainedTargets(db, tallyOf, by, targets, maintenance, since, until, now, unwatched);
  // Each row is built once, with its final figures: without TurboFan (see cli/main.ts), setting a
  // field of ten thousand objects from null to a number afterwards costs more than the query's JS.
  if (!unwatched.totalMs) return groupRows.map((row) => new Figures(row, tallyOf.get(row[0]), 0));
  // Every gap for each target of a row, less what targets configured for only part of them missed.
  const missed = unwatched.missedByRow(by, filter);
  const gapsMs = unwatched.totalMs;
  return groupRows.map((row) => new Figures(row, tallyOf.get(row[0]), row[4] * gapsMs - (missed.size ? (missed.get(row[0]) ?? 0) : 0)));
}

/**
 * The outages the sums counted whole that Vigil did not watch all of: taken out of their rows and
 * counted again by their watched parts (one outage still, if any part was watched). A row whose
 * longest outage may have been one of them has its longest asked again of the others.
 */
function countWatchedParts(unwatched: UnwatchedTime, outages: Array<[number, number, number]>, tallyOf: Map<string, Tally>, by: Grouping, targets: Map<number, NamedTarget>, filter: TargetFilter, maintained: number[]): void {
  const watchedParts: Array<[Tally, number]> = [];
  const longestGone = new Set<string>();
  for (const [targetId, startedAt, endedAt] of outages) {
    const target = targets.get(targetId);
    if (!target) continue;
    const name = groupName(by, target);
    const tally = tallyOf.get(name)!;
    tally.outages--;
    tally.downtimeMs -= endedAt - startedAt;
    if (endedAt - startedAt >= tally.longestMs) longestGone.add(name);
    watchedParts.push([tally, unwatched.watchedIn(startedAt, endedAt)]);
  }
  // Asked of the rows that have other outages left (the tally counts them now).
  const askFor = new Map<string, number>();
  for (const name of longestGone) if (tallyOf.get(name)!.outages > 0) askFor.set(name, tallyOf.get(name)!.outages);
  const longest = askFor.size ? unwatched.longestAwayFromGaps(by, askFor, filter, maintained) : undefined;
  for (const name of longestGone) tallyOf.get(name)!.longestMs = longest?.get(name) ?? 0;
  for (const [tally, watched] of watchedParts) if (watched > 0) addOutage(tally, watched);
}

/** A grouped row's figures that code adds to: outages cut by the window or by a stop, maintenance. */
interface Tally {
  outages: number;
  downtimeMs: number;
  longestMs: number;
  maintenanceMs: number;
}

/** Tallies for the rows with these names, started from the rows' sums (one pass over the rows). */
function tallies(rows: GroupRow[], names: Set<string>): Map<string, Tally> {
  const found = new Map<string, Tally>();
  if (!names.size) return found;
  for (const row of rows) {
    if (names.has(row[0])) found.set(row[0], { outages: row[6], downtimeMs: row[7] ?? 0, longestMs: row[8] ?? 0, maintenanceMs: 0 });
  }
  return found;
}

/**
 * A row's final figures. A class rather than an object literal: without TurboFan, V8 builds an
 * object literal of more than six properties in its runtime, which over 10,000 rows costs more
 * than all the code that adds the pieces the sums left out. The fields are set in the order JSON
 * prints them.
 */
class Figures implements AvailabilityRow {
  // Declared, not defined: a defined field is set to undefined before the constructor sets it.
  declare name: string;
  declare service?: string;
  declare host?: string;
  declare group?: string;
  declare targets: number;
  declare watchedMs: number;
  declare unwatchedMs: number;
  declare maintenanceMs: number;
  declare countedMs: number;
  declare downtimeMs: number;
  declare outages: number;
  declare availability: number | null;
  declare mttrMs: number | null;
  declare mtbfMs: number | null;
  declare longestMs: number;

  // Indexes, not a destructured parameter: without TurboFan destructuring walks an iterator per
  // row, which costs more than the rest of the constructor.
  constructor(row: GroupRow, tally: Tally | undefined, unwatchedMs: number) {
    const outages = tally ? tally.outages : row[6];
    const downtimeMs = tally ? tally.downtimeMs : (row[7] ?? 0);
    const maintenanceMs = tally ? tally.maintenanceMs : 0;
    const watchedMs = row[5] - unwatchedMs;
    const countedMs = watchedMs - maintenanceMs;
    this.name = row[0];
    this.service = row[1] ?? undefined;
    this.host = row[2] ?? undefined;
    this.group = row[3] ?? undefined;
    this.targets = row[4];
    this.watchedMs = watchedMs;
    this.unwatchedMs = unwatchedMs;
    this.maintenanceMs = maintenanceMs;
    this.countedMs = countedMs;
    this.downtimeMs = downtimeMs;
    this.outages = outages;
    this.availability = countedMs > 0 ? (countedMs - downtimeMs) / countedMs : null;
    this.mttrMs = outages ? downtimeMs / outages : null;
    this.mtbfMs = outages ? (countedMs - downtimeMs) / outages : null;
    this.longestMs = tally ? tally.longestMs : (row[8] ?? 0);
  }
}

/**
 * The outages the sums leave out because the window cuts them — open ones, and closed ones that
 * began before the window or end after it: a few per thousand targets. Each part is an index range
 * (outages_window starts with started_at; outages_open holds the open ones).
 */
function cutOutages(db: Database, since: number, until: number): Array<[targetId: number, startedAt: number, endedAt: number | null]> {
  const longest = (db.prepare('SELECT max(duration_ms) FROM outages').pluck().get() as number | null) ?? 0;
  return db
    .prepare(
      `SELECT target_id, started_at, ended_at FROM outages INDEXED BY outages_window
        WHERE started_at >= @since - @longest AND started_at < @since AND ended_at > @since
       UNION ALL
       SELECT target_id, started_at, ended_at FROM outages INDEXED BY outages_window
        WHERE started_at >= max(@since, @until - @longest) AND started_at < @until AND ended_at > @until
       UNION ALL
       SELECT target_id, started_at, NULL FROM outages INDEXED BY outages_open
        WHERE ended_at IS NULL AND started_at < @until`,
    )
    .raw()
    .all({ since, until, longest }) as Array<[number, number, number | null]>;
}

/**
 * Targets in maintenance during the window: maintenance time (while watched) out, each outage less
 * its maintenance and the time Vigil did not run.
 */
function addMaintainedTargets(db: Database, tallyOf: Map<string, Tally>, by: Grouping, targets: Map<number, NamedTarget>, maintenance: Map<number, Interval[]>, since: number, until: number, now: number, unwatched: UnwatchedTime): void {
  const earliest = earliestOverlappingStart(db, since);
  const ofTarget = db
    .prepare(
      `SELECT started_at, coalesce(ended_at, @now) FROM outages INDEXED BY outages_target_window
        WHERE target_id = @targetId AND started_at >= @earliest AND started_at < @until AND coalesce(ended_at, @now) > @since`,
    )
    .raw();
  for (const target of targets.values()) {
    const { id, createdAt, removedAt } = target;
    if (!maintenance.has(id)) continue;
    const tally = tallyOf.get(groupName(by, target))!;
    const watchedFrom = createdAt !== null && createdAt > since ? createdAt : since;
    const watchedTo = Math.max(watchedFrom, removedAt !== null && removedAt < until ? removedAt : until);
    const merged = mergeClipped(maintenance.get(id)!, watchedFrom, watchedTo);
    const maintenanceMs = merged.reduce((sum, [a, b]) => sum + (b - a), 0) - unwatched.unwatchedIn(merged);
    tally.maintenanceMs += maintenanceMs;
    let withGaps: Interval[] | undefined; // maintenance and gaps, for the few outages across a gap
    for (const [startedAt, endedAt] of ofTarget.all({ targetId: id, since, until, now, earliest }) as Interval[]) {
      const inside: Interval = [Math.max(startedAt, watchedFrom), Math.min(endedAt, watchedTo)];
      if (inside[1] <= inside[0]) continue;
      const acrossGap = unwatched.watchedIn(inside[0], inside[1]) < inside[1] - inside[0];
      if (acrossGap) withGaps ??= mergeClipped([...merged, ...unwatched.gaps], watchedFrom, watchedTo);
      const counted = inside[1] - inside[0] - overlap(inside, acrossGap ? withGaps! : merged);
      if (counted > 0) addOutage(tally, counted);
    }
  }
}

/** The given targets that match the filter, by id. */
function targetsById(db: Database, filter: TargetFilter, ids: number[]): Map<number, NamedTarget> {
  if (!ids.length) return new Map();
  const params: Record<string, unknown> = { ids: JSON.stringify(ids) };
  const conditions = ['t.id IN (SELECT value FROM json_each(@ids))', ...targetCondition(db, filter, params)];
  const rows = db
    .prepare(`SELECT t.id, t.key, t.service, t.grp, t.host, t.created_at AS createdAt, t.removed_at AS removedAt FROM targets t WHERE ${conditions.join(' AND ')}`)
    .all(params) as NamedTarget[];
  return new Map(rows.map((row) => [row.id, row]));
}

function addOutage(tally: Tally, lengthMs: number): void {
  tally.outages++;
  tally.downtimeMs += lengthMs;
  if (lengthMs > tally.longestMs) tally.longestMs = lengthMs;
}

/** Maintenance periods overlapping the window (a small table), per target. */
function maintenanceByTarget(db: Database, since: number, until: number, now: number): Map<number, Interval[]> {
  const periods = db
    .prepare('SELECT target_id, started_at, coalesce(ended_at, @now) FROM maintenance_periods WHERE started_at < @until AND (ended_at IS NULL OR ended_at > @since)')
    .raw()
    .all({ since, until, now }) as Array<[number, number, number]>;
  const byTarget = new Map<number, Interval[]>();
  for (const [targetId, startedAt, endedAt] of periods) {
    const list = byTarget.get(targetId);
    if (list) list.push([startedAt, endedAt]);
    else byTarget.set(targetId, [[startedAt, endedAt]]);
  }
  return byTarget;
}
