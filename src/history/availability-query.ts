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
import { earliestOverlappingStart, targetCondition, type TargetFilter } from './outage-query.js';

export type AvailabilityGrouping = 'target' | 'service' | 'host' | 'group';

export interface AvailabilityFilter extends TargetFilter {
  since: number;
  until: number;
  by?: AvailabilityGrouping;
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

interface TargetInfo {
  id: number;
  key: string;
  service: string;
  grp: string;
  host: string;
  createdAt: number | null;
  removedAt: number | null;
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

/** One target's facts and figures while they are being worked out. */
interface TargetFigures extends TargetInfo {
  watched: Interval;
  maintenance: Interval[] | undefined;
  maintenanceMs: number;
  downtimeMs: number;
  outages: number;
  longestMs: number;
}

export function queryAvailability(db: Database, filter: AvailabilityFilter, now: number = Date.now()): AvailabilityRow[] {
  const until = Math.min(filter.until, now);
  const since = Math.min(filter.since, until);
  const params: Record<string, unknown> = { since, until, now };
  const where = targetCondition(filter, params);
  // Rows as arrays in table order, sorted here: with ten thousand targets, row objects and an
  // ORDER BY (a lookup per row through the key index) cost more than the outage sums.
  const rows = db
    .prepare(`SELECT id, key, service, grp, host, created_at, removed_at FROM targets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`)
    .raw()
    .all(params) as Array<[number, string, string, string, string, number | null, number | null]>;
  if (!rows.length) return [];
  const targets = new Map<number, TargetFigures>();
  for (const [id, key, service, grp, host, createdAt, removedAt] of rows) {
    // The window the target was watched in: from its first sighting to its removal.
    const from = Math.max(since, createdAt ?? since);
    const to = Math.max(from, Math.min(until, removedAt ?? until));
    targets.set(id, { id, key, service, grp, host, createdAt, removedAt, watched: [from, to], maintenance: undefined, maintenanceMs: 0, downtimeMs: 0, outages: 0, longestMs: 0 });
  }

  // Maintenance periods overlapping the window (a small table), merged per target.
  const periods = db
    .prepare('SELECT target_id, started_at, coalesce(ended_at, @now) FROM maintenance_periods WHERE started_at < @until AND (ended_at IS NULL OR ended_at > @since)')
    .raw()
    .all({ since, until, now }) as Array<[number, number, number]>;
  const inMaintenance = new Map<number, Interval[]>();
  for (const [targetId, startedAt, endedAt] of periods) {
    if (!targets.has(targetId)) continue;
    const list = inMaintenance.get(targetId) ?? [];
    list.push([startedAt, endedAt]);
    inMaintenance.set(targetId, list);
  }
  for (const [targetId, list] of inMaintenance) {
    const target = targets.get(targetId)!;
    target.maintenance = mergeClipped(list, target.watched[0], target.watched[1]);
    target.maintenanceMs = target.maintenance.reduce((sum, [a, b]) => sum + (b - a), 0);
  }

  // Outages overlapping the window. Closed ones are summed in SQL target by target, each along
  // its range of the (target_id, started_at, ended_at) index: only index pages are read, and rows
  // come grouped (no sort). Open ones (few) are added here. Outages lie inside the watched time
  // (a target's first outage follows its first sighting, and removal closes its outage), so
  // clipping to the window is clipping to the watched time.
  const earliest = earliestOverlappingStart(db, since);
  const clippedLength = 'min(ended_at, @until) - max(started_at, @since)';
  const sums = db
    .prepare(
      `SELECT target_id, count(*), sum(${clippedLength}), max(${clippedLength})
         FROM outages INDEXED BY outages_target_window
        WHERE target_id IN (SELECT id FROM targets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''})
          AND started_at >= @earliest AND started_at < @until AND ended_at > @since
        GROUP BY target_id`,
    )
    .raw()
    .all({ ...params, earliest }) as Array<[number, number, number, number]>;
  for (const [targetId, outages, downtimeMs, longestMs] of sums) {
    const target = targets.get(targetId);
    if (!target || target.maintenance) continue;
    target.outages = outages;
    target.downtimeMs = downtimeMs;
    target.longestMs = longestMs;
  }
  const open = db
    .prepare('SELECT target_id, started_at FROM outages INDEXED BY outages_open WHERE ended_at IS NULL AND started_at < @until')
    .raw()
    .all({ until }) as Array<[number, number]>;
  for (const [targetId, startedAt] of open) {
    const target = targets.get(targetId);
    if (!target || target.maintenance) continue;
    const length = until - Math.max(startedAt, since);
    target.outages++;
    target.downtimeMs += length;
    target.longestMs = Math.max(target.longestMs, length);
  }

  // Targets with maintenance in the window: their outages one by one, minus the maintenance.
  // (`earliest` is never later than the start of an open outage.)
  const ofTarget = db
    .prepare(
      `SELECT started_at, coalesce(ended_at, @now) FROM outages
        WHERE target_id = @targetId AND started_at >= @earliest AND started_at < @until AND coalesce(ended_at, @now) > @since`,
    )
    .raw();
  for (const targetId of inMaintenance.keys()) {
    const target = targets.get(targetId)!;
    const [from, to] = target.watched;
    for (const [startedAt, endedAt] of ofTarget.all({ targetId, since, until, now, earliest }) as Array<[number, number]>) {
      const inside: Interval = [Math.max(startedAt, from), Math.min(endedAt, to)];
      if (inside[1] <= inside[0]) continue;
      const counted = inside[1] - inside[0] - overlap(inside, target.maintenance!);
      if (counted <= 0) continue;
      target.outages++;
      target.downtimeMs += counted;
      target.longestMs = Math.max(target.longestMs, counted);
    }
  }

  const sorted = [...targets.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return group(sorted, filter.by ?? 'target');
}

function newRow(name: string, service: string | undefined, host: string | undefined, group: string | undefined): AvailabilityRow {
  return {
    name, service, host, group,
    targets: 0, watchedMs: 0, maintenanceMs: 0, countedMs: 0, downtimeMs: 0, outages: 0,
    availability: null, mttrMs: null, mtbfMs: null, longestMs: 0,
  };
}

function group(targets: TargetFigures[], by: AvailabilityGrouping): AvailabilityRow[] {
  const rows = new Map<string, AvailabilityRow>();
  for (const target of targets) {
    const name = by === 'target' ? target.key : by === 'service' ? target.service : by === 'host' ? target.host : target.grp;
    let row = rows.get(name);
    if (!row) {
      row =
        by === 'target' ? newRow(name, target.service, target.host, target.grp)
        : by === 'service' ? newRow(name, target.service, undefined, target.grp)
        : by === 'host' ? newRow(name, undefined, target.host, undefined)
        : newRow(name, undefined, undefined, target.grp);
      rows.set(name, row);
    }
    const watchedMs = target.watched[1] - target.watched[0];
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
