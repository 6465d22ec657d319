// Reads alert attempts and the delivery queue back for `vigil alerts log` / `vigil alerts queue`:
// "did the pager get it?" — newest first, filtered by alert, service, host, kind, time, failures.
import type { Database } from 'better-sqlite3';

/**
 * The attempt number of a row that records an alert dropped before its first attempt (or events
 * taken out of a digest), not an attempt: its error says it was not sent and why.
 */
export const NO_ATTEMPT = 0;

export interface AttemptFilter {
  alert?: string;
  service?: string;
  host?: string;
  kind?: string;
  since?: number;
  until?: number;
  failedOnly?: boolean;
  limit?: number;
}

export interface AttemptRow {
  id: number;
  deliveryId: number;
  alert: string;
  target: string;
  kind: string;
  outageId: number | null;
  attempt: number;
  at: number;
  durationMs: number;
  ok: number;
  error: string | null;
  nextAt: number | null;
}

export interface QueuedRow {
  id: number;
  alert: string;
  target: string;
  kind: string;
  attempts: number;
  nextAt: number;
  createdAt: number;
  collecting: number;
  lastError: string | null;
  events: number;
}

/** True when the database has the alert tables (a file from before alert logging has not). */
export function hasAlertTables(db: Database): boolean {
  return !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alert_attempts'").get();
}

export function queryAttempts(db: Database, filter: AttemptFilter): AttemptRow[] {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  // A digest's target column lists several targets, space-separated: match any of them.
  const padded = "(' ' || target || ' ')";
  if (filter.alert !== undefined) (where.push('alert = @alert'), (params.alert = filter.alert));
  if (filter.service !== undefined) (where.push(`${padded} LIKE @service ESCAPE '\\'`), (params.service = `% ${escapeLike(filter.service)}/%`));
  if (filter.host !== undefined) (where.push(`${padded} LIKE @host ESCAPE '\\'`), (params.host = `%/${escapeLike(filter.host)} %`));
  if (filter.kind !== undefined) (where.push('kind = @kind'), (params.kind = filter.kind));
  if (filter.since !== undefined) (where.push('at >= @since'), (params.since = filter.since));
  if (filter.until !== undefined) (where.push('at <= @until'), (params.until = filter.until));
  if (filter.failedOnly) where.push('ok = 0');
  params.limit = filter.limit ?? -1;
  const sql = `
    SELECT id, delivery_id AS deliveryId, alert, target, kind, outage_id AS outageId, attempt, at,
           duration_ms AS durationMs, ok, error, next_at AS nextAt
      FROM alert_attempts
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY at DESC, id DESC
     LIMIT @limit`;
  return db.prepare(sql).all(params) as AttemptRow[];
}

export function queryQueue(db: Database): QueuedRow[] {
  return db
    .prepare(
      `SELECT id, alert, target, kind, attempts, next_at AS nextAt, created_at AS createdAt, collecting,
              last_error AS lastError, json_array_length(events) AS events
         FROM alert_queue ORDER BY id`,
    )
    .all() as QueuedRow[];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
