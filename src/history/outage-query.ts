// Reads outages back for `vigil history`: newest first, filtered by service, host, group, time window.
import type { Database } from 'better-sqlite3';

export interface OutageFilter {
  service?: string;
  host?: string;
  group?: string;
  /** Outages overlapping [since, until] (ms since epoch). */
  since?: number;
  until?: number;
  openOnly?: boolean;
  minDurationMs?: number;
  limit?: number;
}

export interface OutageRow {
  id: number;
  service: string;
  group: string;
  host: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  cause: string;
  endMessage: string | null;
}

export function queryOutages(db: Database, filter: OutageFilter, now: number = Date.now()): OutageRow[] {
  const where: string[] = [];
  const params: Record<string, unknown> = { now };
  if (filter.service !== undefined) (where.push('t.service = @service'), (params.service = filter.service));
  if (filter.host !== undefined) (where.push('t.host = @host'), (params.host = filter.host));
  if (filter.group !== undefined) (where.push('t.grp = @group'), (params.group = filter.group));
  if (filter.until !== undefined) (where.push('o.started_at <= @until'), (params.until = filter.until));
  if (filter.since !== undefined) (where.push('(o.ended_at IS NULL OR o.ended_at >= @since)'), (params.since = filter.since));
  if (filter.openOnly) where.push('o.ended_at IS NULL');
  if (filter.minDurationMs !== undefined) {
    where.push('coalesce(o.duration_ms, @now - o.started_at) >= @minDuration');
    params.minDuration = filter.minDurationMs;
  }
  params.limit = filter.limit ?? -1;
  const sql = `
    SELECT o.id, t.service, t.grp AS "group", t.host, o.started_at AS startedAt, o.ended_at AS endedAt,
           o.duration_ms AS durationMs, o.cause, o.end_message AS endMessage
      FROM outages o JOIN targets t ON t.id = o.target_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY o.started_at DESC, o.id DESC
     LIMIT @limit`;
  return db.prepare(sql).all(params) as OutageRow[];
}
