// Reads outages back for `vigil history`: newest first, filtered by service, host, group, time window.
import type { Database, Statement } from 'better-sqlite3';
import { splitHostPort } from '../control/target-match.js';

export interface TargetFilter {
  service?: string;
  host?: string;
  group?: string;
}

export interface OutageFilter extends TargetFilter {
  /** Outages overlapping [since, until] (ms since epoch). */
  since?: number;
  until?: number;
  openOnly?: boolean;
  closedOnly?: boolean;
  minDurationMs?: number;
  limit?: number;
  /** newest (by start, the default), or recovered: by end, oldest first (mon's downtime log). */
  order?: 'newest' | 'recovered';
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
  ackAt: number | null;
  ackBy: string | null;
  ackComment: string | null;
  /** The service's check interval when the daemon last ran it (mon's downtime log has it). */
  intervalMs: number | null;
}

/** Whether the targets table records addresses (schema version 7); the reports read older files too. */
const recordsAddresses = new WeakMap<Database, boolean>();
export function hasAddresses(db: Database): boolean {
  let known = recordsAddresses.get(db);
  if (known === undefined) {
    known = (db.pragma('table_info(targets)') as Array<{ name: string }>).some((column) => column.name === 'address');
    recordsAddresses.set(db, known);
  }
  return known;
}

/**
 * SQL condition and parameters selecting targets (alias `t`) by service, host and group. A host is
 * its name, its address or its address:port, as for the control commands (target-match.ts); a
 * target recorded before addresses were is found by its name.
 */
export function targetCondition(db: Database, filter: TargetFilter, params: Record<string, unknown>): string[] {
  const where: string[] = [];
  if (filter.service !== undefined) (where.push('t.service = @service'), (params.service = filter.service));
  if (filter.host !== undefined) {
    params.host = filter.host;
    const split = splitHostPort(filter.host);
    if (!hasAddresses(db)) where.push('t.host = @host');
    else if (!split) where.push('(t.host = @host OR t.address = @host)');
    else {
      where.push('(t.host = @host OR t.address = @host OR (t.address = @hostAddress AND t.port = @hostPort))');
      Object.assign(params, { hostAddress: split.address, hostPort: split.port });
    }
  }
  if (filter.group !== undefined) (where.push('t.grp = @group'), (params.group = filter.group));
  return where;
}

/**
 * The earliest start an outage overlapping a window beginning at `since` can have: `since` minus
 * the longest closed outage, or the start of the oldest open one. It bounds every window scan to
 * an index range instead of reading back to the beginning of history.
 */
export function earliestOverlappingStart(db: Database, since: number): number {
  const longest = (db.prepare('SELECT max(duration_ms) AS ms FROM outages').get() as { ms: number | null }).ms ?? 0;
  // INDEXED BY: without statistics the planner would scan the covering window index instead.
  const oldestOpen = (db.prepare('SELECT min(started_at) AS at FROM outages INDEXED BY outages_open WHERE ended_at IS NULL').get() as { at: number | null }).at;
  return Math.min(since - longest, oldestOpen ?? Infinity);
}

const ORDER = {
  newest: 'o.started_at DESC, o.id DESC',
  recovered: 'o.ended_at ASC, o.id ASC',
};

/** The outages matching `filter`, all at once. */
export function queryOutages(db: Database, filter: OutageFilter, now: number = Date.now()): OutageRow[] {
  const { statement, params } = outageStatement(db, filter, now);
  return statement.all(params) as OutageRow[];
}

/** The same, one row at a time: an export of a million outages never holds them all in memory. */
export function iterateOutages(db: Database, filter: OutageFilter, now: number = Date.now()): IterableIterator<OutageRow> {
  const { statement, params } = outageStatement(db, filter, now);
  return statement.iterate(params) as IterableIterator<OutageRow>;
}

/**
 * How many outages match `filter` without its limit, counted up to `upTo` (more gives `upTo + 1`):
 * to say how many a limited listing left out. Counting a year of history whole would cost more than
 * the listing itself.
 */
export function countOutages(db: Database, filter: OutageFilter, now: number = Date.now(), upTo = 10_000): number {
  const { from, params } = outageSelection(db, filter, now);
  return db.prepare(`SELECT count(*) FROM (SELECT 1 ${from} LIMIT ${upTo + 1})`).pluck().get(params) as number;
}

function outageStatement(db: Database, filter: OutageFilter, now: number): { statement: Statement; params: Record<string, unknown> } {
  const { from, params } = outageSelection(db, filter, now);
  params.limit = filter.limit ?? -1;
  const sql = `
    SELECT o.id, t.service, t.grp AS "group", t.host, o.started_at AS startedAt, o.ended_at AS endedAt,
           o.duration_ms AS durationMs, o.cause, o.end_message AS endMessage,
           o.ack_at AS ackAt, o.ack_by AS ackBy, o.ack_comment AS ackComment, t.interval_ms AS intervalMs
      ${from}
     ORDER BY ${ORDER[filter.order ?? 'newest']}
     LIMIT @limit`;
  return { statement: db.prepare(sql), params };
}

/** The FROM and WHERE clauses of the outages matching `filter`, and their parameters. */
function outageSelection(db: Database, filter: OutageFilter, now: number): { from: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { now };
  const where = targetCondition(db, filter, params);
  if (filter.until !== undefined) (where.push('o.started_at <= @until'), (params.until = filter.until));
  if (filter.since !== undefined) {
    where.push('o.started_at >= @earliest', '(o.ended_at IS NULL OR o.ended_at >= @since)');
    params.since = filter.since;
    params.earliest = earliestOverlappingStart(db, filter.since);
  }
  if (filter.openOnly) where.push('o.ended_at IS NULL');
  if (filter.closedOnly) where.push('o.ended_at IS NOT NULL');
  if (filter.minDurationMs !== undefined) {
    where.push('coalesce(o.duration_ms, @now - o.started_at) >= @minDuration');
    params.minDuration = filter.minDurationMs;
  }
  const from = `FROM outages o ${filter.openOnly ? 'INDEXED BY outages_open' : ''} JOIN targets t ON t.id = o.target_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
  return { from, params };
}
