// What `vigil timeline` draws: per target, its outages and maintenance periods inside a window.
import type { Database } from 'better-sqlite3';
import { earliestOverlappingStart, targetCondition, type TargetFilter } from './outage-query.js';

export type Interval = [number, number];

export interface TimelineRow {
  id: string;
  /** When the target was watched: [first seen, removed or the window's end). */
  watched: Interval;
  outages: Interval[];
  maintenance: Interval[];
}

export function queryTimeline(db: Database, filter: TargetFilter & { since: number; until: number }, now: number = Date.now()): TimelineRow[] {
  const until = Math.min(filter.until, now);
  const since = Math.min(filter.since, until);
  const params: Record<string, unknown> = {};
  const where = targetCondition(db, filter, params);
  // Rows as arrays: with ten thousand targets, row objects cost more than the query.
  const targets = db
    .prepare(`SELECT id, key, created_at, removed_at FROM targets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY key`)
    .raw()
    .all(params) as Array<[number, string, number | null, number | null]>;
  const rows = new Map<number, TimelineRow>();
  for (const [id, key, createdAt, removedAt] of targets) {
    // Targets that were not watched at any time in the window are left out.
    if ((createdAt ?? since) >= until || (removedAt !== null && removedAt <= since)) continue;
    rows.set(id, { id: key, watched: [Math.max(since, createdAt ?? since), Math.min(until, removedAt ?? until)], outages: [], maintenance: [] });
  }
  const outages = db
    .prepare(
      `SELECT target_id, started_at, coalesce(ended_at, @now) FROM outages
        WHERE started_at >= @earliest AND started_at < @until AND (ended_at IS NULL OR ended_at > @since)`,
    )
    .raw()
    .all({ since, until, now, earliest: earliestOverlappingStart(db, since) }) as Array<[number, number, number]>;
  for (const [targetId, startedAt, endedAt] of outages) rows.get(targetId)?.outages.push([Math.max(since, startedAt), Math.min(until, endedAt)]);
  const periods = db
    .prepare('SELECT target_id, started_at, coalesce(ended_at, @now) FROM maintenance_periods WHERE started_at < @until AND (ended_at IS NULL OR ended_at > @since)')
    .raw()
    .all({ since, until, now }) as Array<[number, number, number]>;
  for (const [targetId, startedAt, endedAt] of periods) rows.get(targetId)?.maintenance.push([Math.max(since, startedAt), Math.min(until, endedAt)]);
  return [...rows.values()];
}
