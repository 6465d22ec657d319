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
  const where = targetCondition(filter, params);
  const targets = db
    .prepare(`SELECT id, key, created_at AS createdAt, removed_at AS removedAt FROM targets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY key`)
    .all(params) as Array<{ id: number; key: string; createdAt: number | null; removedAt: number | null }>;
  const rows = new Map<number, TimelineRow>();
  for (const target of targets) {
    // Targets that were not watched at any time in the window are left out.
    if ((target.createdAt ?? since) >= until || (target.removedAt !== null && target.removedAt <= since)) continue;
    rows.set(target.id, { id: target.key, watched: [Math.max(since, target.createdAt ?? since), Math.min(until, target.removedAt ?? until)], outages: [], maintenance: [] });
  }
  const outages = db
    .prepare(
      `SELECT target_id AS targetId, started_at AS startedAt, coalesce(ended_at, @now) AS endedAt FROM outages
        WHERE started_at >= @earliest AND started_at < @until AND (ended_at IS NULL OR ended_at > @since)`,
    )
    .all({ since, until, now, earliest: earliestOverlappingStart(db, since) }) as Array<{ targetId: number; startedAt: number; endedAt: number }>;
  for (const outage of outages) rows.get(outage.targetId)?.outages.push([Math.max(since, outage.startedAt), Math.min(until, outage.endedAt)]);
  const periods = db
    .prepare('SELECT target_id AS targetId, started_at AS startedAt, coalesce(ended_at, @now) AS endedAt FROM maintenance_periods WHERE started_at < @until AND (ended_at IS NULL OR ended_at > @since)')
    .all({ since, until, now }) as Array<{ targetId: number; startedAt: number; endedAt: number }>;
  for (const period of periods) rows.get(period.targetId)?.maintenance.push([Math.max(since, period.startedAt), Math.min(until, period.endedAt)]);
  return [...rows.values()];
}
