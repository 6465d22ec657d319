// Availability over a window, per target, service, host or group — from outages and maintenance
// periods, computed in SQL where it can be (one pass over a covering index) and in code only for
// the few targets that had maintenance in the window.
//
// Every figure counts only time inside the window and while the target was configured:
//   watched      window ∩ [first seen, removed from the config)
//   maintenance  watched time in maintenance (excluded from everything else)
//   counted      watched − maintenance
//   downtime     outage time inside counted time
//   outages      outages with downtime inside counted time
//   availability (counted − downtime) / counted
//   MTTR         downtime / outages            (mean time to repair)
//   MTBF         (counted − downtime) / outages (mean time between failures: uptime per outage)
//   longest      the longest single outage, inside counted time
import type { Database } from 'better-sqlite3';
import { rowFor, type GroupNames, type Grouping, type TargetNames } from './grouping.js';
import { earliestOverlappingStart, targetCondition, type TargetFilter } from './outage-query.js';

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

/** One target's figures while they are being worked out. */
interface TargetFigures extends TargetNames {
  /** The part of the window the target was watched in: from its first sighting to its removal. */
  watchedFrom: number;
  watchedTo: number;
  maintenanceMs: number;
  downtimeMs: number;
  outages: number;
  longestMs: number;
}

type TargetRow = [id: number, key: string, service: string, grp: string, host: string, createdAt: number | null, removedAt: number | null, outages: number | null, downtimeMs: number | null, longestMs: number | null];

export function queryAvailability(db: Database, filter: AvailabilityFilter, now: number = Date.now()): AvailabilityRow[] {
  const until = Math.min(filter.until, now);
  const since = Math.min(filter.since, until);
  const params: Record<string, unknown> = { since, until, now, earliest: earliestOverlappingStart(db, since) };
  const conditions = targetCondition(filter, params);
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';

  // One row per target in key order, with its closed outages in the window summed: SQLite sums
  // them target by target along the (target_id, started_at, ended_at) index (only index pages are
  // read, rows come grouped, no sort) and walks the targets along the key index. Outages lie
  // inside the watched time (a target's first outage follows its first sighting, and removal
  // closes its outage), so clipping to the window is clipping to the watched time. CASE rather
  // than min()/max(): a function call per outage costs a third of the query at a million rows.
  // With ten thousand targets the work per row here matters as much as the sums: arrays, not
  // objects, and nothing per row but what every row needs.
  const clippedLength = `CASE WHEN ended_at > @until THEN @until ELSE ended_at END - CASE WHEN started_at < @since THEN @since ELSE started_at END`;
  const rows = db
    .prepare(
      `SELECT t.id, t.key, t.service, t.grp, t.host, t.created_at, t.removed_at, s.outages, s.downtime, s.longest
         FROM targets t
         LEFT JOIN (SELECT target_id, count(*) AS outages, sum(${clippedLength}) AS downtime, max(${clippedLength}) AS longest
                      FROM outages INDEXED BY outages_target_window
                     WHERE target_id IN (SELECT id FROM targets t ${where})
                       AND started_at >= @earliest AND started_at < @until AND ended_at > @since
                     GROUP BY target_id) s ON s.target_id = t.id
        ${where}
        ORDER BY t.key`,
    )
    .raw()
    .all(params) as TargetRow[];
  if (!rows.length) return [];

  // The few targets whose figures need more than the sums: those in maintenance during the window
  // (their outages are counted one by one, minus the maintenance) and those with an open outage.
  const maintenance = maintenanceByTarget(db, since, until, now);
  const openSince = new Map(
    db
      .prepare('SELECT target_id, started_at FROM outages INDEXED BY outages_open WHERE ended_at IS NULL AND started_at < @until')
      .raw()
      .all({ until }) as Array<[number, number]>,
  );
  const ofTarget = db
    .prepare(
      `SELECT started_at, coalesce(ended_at, @now) FROM outages INDEXED BY outages_target_window
        WHERE target_id = @targetId AND started_at >= @earliest AND started_at < @until AND coalesce(ended_at, @now) > @since`,
    )
    .raw();

  const targets: TargetFigures[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [id, key, service, grp, host, createdAt, removedAt, outages, downtimeMs, longestMs] = rows[i]!;
    const watchedFrom = createdAt !== null && createdAt > since ? createdAt : since;
    const watchedTo = Math.max(watchedFrom, removedAt !== null && removedAt < until ? removedAt : until);
    const target: TargetFigures = { key, service, grp, host, watchedFrom, watchedTo, maintenanceMs: 0, outages: outages ?? 0, downtimeMs: downtimeMs ?? 0, longestMs: longestMs ?? 0 };
    targets[i] = target;
    const periods = maintenance.get(id);
    if (periods) {
      const merged = mergeClipped(periods, watchedFrom, watchedTo);
      target.maintenanceMs = merged.reduce((sum, [a, b]) => sum + (b - a), 0);
      target.outages = target.downtimeMs = target.longestMs = 0;
      for (const [startedAt, endedAt] of ofTarget.all({ targetId: id, since, until, now, earliest: params.earliest }) as Interval[]) {
        const inside: Interval = [Math.max(startedAt, watchedFrom), Math.min(endedAt, watchedTo)];
        if (inside[1] <= inside[0]) continue;
        const counted = inside[1] - inside[0] - overlap(inside, merged);
        if (counted > 0) addOutage(target, counted);
      }
    } else {
      const startedAt = openSince.get(id);
      if (startedAt !== undefined) addOutage(target, until - Math.max(startedAt, since));
    }
  }
  return group(targets, filter.by ?? 'target');
}

function addOutage(target: TargetFigures, lengthMs: number): void {
  target.outages++;
  target.downtimeMs += lengthMs;
  if (lengthMs > target.longestMs) target.longestMs = lengthMs;
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

function newRow({ name, service, host, group }: GroupNames): AvailabilityRow {
  return {
    name, service, host, group,
    targets: 0, watchedMs: 0, maintenanceMs: 0, countedMs: 0, downtimeMs: 0, outages: 0,
    availability: null, mttrMs: null, mtbfMs: null, longestMs: 0,
  };
}

function group(targets: TargetFigures[], by: Grouping): AvailabilityRow[] {
  const rows = new Map<string, AvailabilityRow>();
  for (const target of targets) {
    const row = rowFor(rows, by, target, newRow);
    const watchedMs = target.watchedTo - target.watchedFrom;
    row.targets++;
    row.watchedMs += watchedMs;
    row.maintenanceMs += target.maintenanceMs;
    row.countedMs += watchedMs - target.maintenanceMs;
    row.downtimeMs += target.downtimeMs;
    row.outages += target.outages;
    if (target.longestMs > row.longestMs) row.longestMs = target.longestMs;
  }
  for (const row of rows.values()) {
    row.availability = row.countedMs > 0 ? (row.countedMs - row.downtimeMs) / row.countedMs : null;
    row.mttrMs = row.outages ? row.downtimeMs / row.outages : null;
    row.mtbfMs = row.outages ? (row.countedMs - row.downtimeMs) / row.outages : null;
  }
  return [...rows.values()];
}
