// The last known state of each configured target, from the database: what `vigil status` shows
// when the daemon is not running (state and message as of the last transition, saved flags,
// the open outage, the address the daemon last checked).
import type { Database } from 'better-sqlite3';
import type { TargetState } from '../plugin.js';
import type { TargetFlags } from '../supervisor.js';
import { hasAddresses, targetCondition, type TargetFilter } from './outage-query.js';

export interface StoredStatus {
  id: string;
  service: string;
  group: string;
  host: string;
  /** Null in a file written before addresses were recorded (schema version 7). */
  address: string | null;
  port: number | null;
  state: TargetState;
  since: number;
  lastMessage: string | null;
  flags: TargetFlags;
  outage?: { id: number; startedAt: number; cause: string };
}

export function queryStoredStatus(db: Database, filter: TargetFilter): StoredStatus[] {
  const params: Record<string, unknown> = {};
  const where = ['t.removed_at IS NULL', ...targetCondition(db, filter, params)];
  const address = hasAddresses(db) ? 't.address, t.port' : 'NULL AS address, NULL AS port';
  const rows = db
    .prepare(
      `SELECT t.key AS id, t.service, t.grp AS "group", t.host, ${address}, t.state, t.since, t.last_message AS lastMessage, f.flags,
              o.id AS outageId, o.started_at AS outageStartedAt, o.cause AS outageCause
         FROM targets t
         LEFT JOIN target_flags f ON f.target_id = t.id
         LEFT JOIN outages o ON o.target_id = t.id AND o.ended_at IS NULL
        WHERE ${where.join(' AND ')}
        ORDER BY t.key`,
    )
    .all(params) as Array<Omit<StoredStatus, 'flags' | 'outage'> & { flags: string | null; outageId: number | null; outageStartedAt: number; outageCause: string }>;
  return rows.map(({ flags, outageId, outageStartedAt, outageCause, ...row }) => ({
    ...row,
    flags: flags ? (JSON.parse(flags) as TargetFlags) : {},
    ...(outageId !== null ? { outage: { id: outageId, startedAt: outageStartedAt, cause: outageCause } } : {}),
  }));
}

/**
 * The start of the newest minute with a check result recorded (any target), or null: the daemon
 * was checking then, and stopped (or stopped writing) before the end of that minute plus a flush.
 */
export function lastRecordedCheckMinute(db: Database): number | null {
  return (db.prepare('SELECT max(bucket) FROM checks_minute').pluck().get() as number | null) ?? null;
}
