// Names the database has recorded besides its targets': the alerts that were delivered or queued,
// and the directors and VRRP instances `vigil vrrp-notify` recorded. What a report offers when
// asked about a name it has never seen.
import type { Database } from 'better-sqlite3';
import { hasAlertTables } from './attempt-query.js';

export function recordedAlertNames(db: Database): string[] {
  if (!hasAlertTables(db)) return [];
  return db.prepare('SELECT alert FROM alert_attempts UNION SELECT alert FROM alert_queue ORDER BY 1').pluck().all() as string[];
}

/** `node`: the directors; `name`: the VRRP instances and sync groups. */
export function recordedVrrpNames(db: Database, column: 'node' | 'name'): string[] {
  return db.prepare(`SELECT DISTINCT ${column} FROM vrrp_transitions ORDER BY 1`).pluck().all() as string[];
}
