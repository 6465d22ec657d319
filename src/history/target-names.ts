// A report asked about a service, host or group the database has never recorded is a mistake (a
// typo, the wrong database), not "nothing happened": it is refused with the names that exist,
// as the control commands do on the running daemon.
import type { Database } from 'better-sqlite3';
import { noTargetMatches } from '../control/target-match.js';
import { hasAddresses, targetCondition, type TargetFilter } from './outage-query.js';

/**
 * Throws `no target matches service nosuch (services: …)` when no recorded target matches
 * `filter`; `current`: only targets in the configuration the daemon last ran (vigil status).
 */
export function expectKnownTargets(db: Database, filter: TargetFilter, { current = false } = {}): void {
  if (filter.service === undefined && filter.host === undefined && filter.group === undefined) return;
  const params: Record<string, unknown> = {};
  const where = [...targetCondition(db, filter, params), ...(current ? ['t.removed_at IS NULL'] : [])];
  if (db.prepare(`SELECT 1 FROM targets t WHERE ${where.join(' AND ')} LIMIT 1`).get(params)) return;
  const names = (column: string) => db.prepare(`SELECT DISTINCT ${column} FROM targets ${current ? 'WHERE removed_at IS NULL' : ''}`).pluck().all() as string[];
  const message = noTargetMatches(filter, { services: names('service'), groups: names('grp'), hosts: names('host') });
  const addressesUnknown = filter.host !== undefined && (!hasAddresses(db) || db.prepare('SELECT 1 FROM targets WHERE address IS NULL LIMIT 1').get());
  throw new Error(addressesUnknown ? `${message}; some targets were recorded before Vigil kept addresses (the daemon adds them at its next start): those are found by name only` : message);
}
