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

interface Figures {
  watchedMs: number;
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
  const targets = (
    db
      .prepare(`SELECT id, key, service, grp, host, created_at, removed_at FROM targets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`)
      .raw()
      .all(params) as Array<[number, string, string, string, string, number | null, number | null]>
  )
    .map(([id, key, service, grp, host, createdAt, removedAt]): TargetInfo => ({ id, key, service, grp, host, createdAt, removedAt }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (!targets.length) return [];
  const selected = where.length ? new Set(targets.map((t) => t.id)) : undefined;
  const keep = (targetId: number) => !selected || selected.has(targetId);

  // The window each target was watched in.
  const watched = new Map<number, Interval>();
  for (const target of targets) {
    const from = Math.max(since, target.createdAt ?? since);
    const to = Math.min(until, target.removedAt ?? until);
    watched.set(target.id, [from, Math.max(from, to)]);
  }

  // Maintenance periods overlapping the window (a small table), merged per target.
  const maintenance = new Map<number, Interval[]>();
  const periods = db
    .prepare('SELECT target_id AS targetId, started_at AS startedAt, coalesce(ended_at, @now) AS endedAt FROM maintenance_periods WHERE started_at < @until AND (ended_at IS NULL OR ended_at > @since)')
    .all({ since, until, now }) as Array<{ targetId: number; startedAt: number; endedAt: number }>;
  for (const period of periods) {
    if (!keep(period.targetId)) continue;
    const list = maintenance.get(period.targetId) ?? [];
    list.push([period.startedAt, period.endedAt]);
    maintenance.set(period.targetId, list);
  }
  for (const [targetId, list] of maintenance) {
    const [from, to] = watched.get(targetId) ?? [0, 0];
    maintenance.set(targetId, mergeClipped(list, from, to));
  }

  const figures = new Map<number, Figures>();
  for (const target of targets) {
    const window = watched.get(target.id)!;
    const inMaintenance = maintenance.get(target.id) ?? [];
    figures.set(target.id, {
      watchedMs: window[1] - window[0],
      maintenanceMs: inMaintenance.reduce((sum, [a, b]) => sum + (b - a), 0),
      downtimeMs: 0,
      outages: 0,
      longestMs: 0,
    });
  }

  // Outages overlapping the window. Closed ones are summed in SQL, reading only index pages: for
  // all targets, the window's range of the (started_at, ended_at, target_id) index; for a few
  // (a filter), each one's range of the (target_id, started_at, ended_at) index. Open ones (few) here.
  const earliest = earliestOverlappingStart(db, since);
  const clippedLength = 'min(ended_at, @until) - max(started_at, @since)';
  const source = selected
    ? `outages INDEXED BY outages_target_window WHERE target_id IN (SELECT id FROM targets t WHERE ${where.join(' AND ')}) AND`
    : 'outages INDEXED BY outages_window WHERE';
  const sums = db
    .prepare(
      `SELECT target_id AS targetId, count(*) AS outages, sum(${clippedLength}) AS downtimeMs, max(${clippedLength}) AS longestMs
         FROM ${source} started_at >= @earliest AND started_at < @until AND ended_at > @since
        GROUP BY target_id`,
    )
    .all({ ...params, earliest }) as Array<{ targetId: number; outages: number; downtimeMs: number; longestMs: number }>;
  for (const sum of sums) {
    // Outages lie inside the watched time (a target's first outage follows its first sighting, and
    // removal closes its outage), so clipping to the window is clipping to the watched time.
    const entry = figures.get(sum.targetId);
    if (!entry || maintenance.has(sum.targetId)) continue;
    Object.assign(entry, { outages: sum.outages, downtimeMs: sum.downtimeMs, longestMs: sum.longestMs });
  }
  const open = db
    .prepare('SELECT target_id AS targetId, started_at AS startedAt FROM outages INDEXED BY outages_open WHERE ended_at IS NULL AND started_at < @until')
    .all({ until }) as Array<{ targetId: number; startedAt: number }>;
  for (const outage of open) {
    const entry = figures.get(outage.targetId);
    if (!entry || maintenance.has(outage.targetId)) continue;
    const length = until - Math.max(outage.startedAt, since);
    entry.outages++;
    entry.downtimeMs += length;
    entry.longestMs = Math.max(entry.longestMs, length);
  }

  // Targets with maintenance in the window: their outages one by one, minus the maintenance.
  // (`earliest` is never later than the start of an open outage.)
  const ofTarget = db.prepare(`
    SELECT started_at AS startedAt, coalesce(ended_at, @now) AS endedAt FROM outages
     WHERE target_id = @targetId AND started_at >= @earliest AND started_at < @until AND coalesce(ended_at, @now) > @since`);
  for (const [targetId, inMaintenance] of maintenance) {
    const entry = figures.get(targetId)!;
    const [from, to] = watched.get(targetId)!;
    const rows = ofTarget.all({ targetId, since, until, now, earliest }) as Array<{ startedAt: number; endedAt: number }>;
    for (const row of rows) {
      const inside: Interval = [Math.max(row.startedAt, from), Math.min(row.endedAt, to)];
      if (inside[1] <= inside[0]) continue;
      const counted = inside[1] - inside[0] - overlap(inside, inMaintenance);
      if (counted <= 0) continue;
      entry.outages++;
      entry.downtimeMs += counted;
      entry.longestMs = Math.max(entry.longestMs, counted);
    }
  }

  return group(targets, figures, filter.by ?? 'target');
}

function group(targets: TargetInfo[], figures: Map<number, Figures>, by: AvailabilityGrouping): AvailabilityRow[] {
  const rows = new Map<string, AvailabilityRow>();
  for (const target of targets) {
    const name = by === 'target' ? target.key : by === 'service' ? target.service : by === 'host' ? target.host : target.grp;
    let row = rows.get(name);
    if (!row) {
      row = {
        name,
        ...(by === 'target' ? { service: target.service, host: target.host, group: target.grp } : {}),
        ...(by === 'service' ? { service: target.service, group: target.grp } : {}),
        ...(by === 'host' ? { host: target.host } : {}),
        ...(by === 'group' ? { group: target.grp } : {}),
        targets: 0, watchedMs: 0, maintenanceMs: 0, countedMs: 0, downtimeMs: 0, outages: 0,
        availability: null, mttrMs: null, mtbfMs: null, longestMs: 0,
      };
      rows.set(name, row);
    }
    const f = figures.get(target.id)!;
    row.targets++;
    row.watchedMs += f.watchedMs;
    row.maintenanceMs += f.maintenanceMs;
    row.countedMs += f.watchedMs - f.maintenanceMs;
    row.downtimeMs += f.downtimeMs;
    row.outages += f.outages;
    row.longestMs = Math.max(row.longestMs, f.longestMs);
  }
  for (const row of rows.values()) {
    row.availability = row.countedMs > 0 ? (row.countedMs - row.downtimeMs) / row.countedMs : null;
    row.mttrMs = row.outages ? row.downtimeMs / row.outages : null;
    row.mtbfMs = row.outages ? (row.countedMs - row.downtimeMs) / row.outages : null;
  }
  return [...rows.values()];
}
