// Reads back what LVS and keepalived left in the history: actions taken (ipvsadm commands, drift
// repaired, hooks), plugin status for `vigil track`, and VRRP state changes.
import type { Database } from 'better-sqlite3';

export interface ActionRow {
  id: number;
  at: number;
  alert: string;
  subject: string;
  kind: string;
  command: string[] | null;
  ok: boolean;
  exitCode: number | null;
  message: string | null;
}

export interface StatusRow {
  alert: string;
  healthy: boolean;
  summary: string;
  detail: Record<string, unknown> | null;
  pid: number;
  updatedAt: number;
  staleAfterMs: number;
}

export interface VrrpRow {
  id: number;
  at: number;
  node: string;
  kind: string;
  name: string;
  state: string;
  priority: number | null;
}

export function queryActions(db: Database, filter: { since?: number; kind?: string; failedOnly?: boolean; limit: number }): ActionRow[] {
  const rows = db
    .prepare(
      `SELECT id, at, alert, subject, kind, command, ok, exit_code AS exitCode, message FROM action_log
       WHERE (@since IS NULL OR at >= @since) AND (@kind IS NULL OR kind = @kind) AND (@failed = 0 OR ok = 0)
       ORDER BY id DESC LIMIT @limit`,
    )
    .all({ since: filter.since ?? null, kind: filter.kind ?? null, failed: filter.failedOnly ? 1 : 0, limit: filter.limit }) as Array<Omit<ActionRow, 'ok' | 'command'> & { ok: number; command: string | null }>;
  return rows.map((row) => ({ ...row, ok: row.ok === 1, command: row.command ? (JSON.parse(row.command) as string[]) : null }));
}

export function queryStatuses(db: Database): StatusRow[] {
  const rows = db
    .prepare('SELECT alert, healthy, summary, detail, pid, updated_at AS updatedAt, stale_after_ms AS staleAfterMs FROM plugin_status ORDER BY alert')
    .all() as Array<Omit<StatusRow, 'healthy' | 'detail'> & { healthy: number; detail: string | null }>;
  return rows.map((row) => ({ ...row, healthy: row.healthy === 1, detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null }));
}

export function queryVrrp(db: Database, filter: { since?: number; node?: string; name?: string; limit: number }): VrrpRow[] {
  return db
    .prepare(
      `SELECT id, at, node, kind, name, state, priority FROM vrrp_transitions
       WHERE (@since IS NULL OR at >= @since) AND (@node IS NULL OR node = @node) AND (@name IS NULL OR name = @name)
       ORDER BY id DESC LIMIT @limit`,
    )
    .all({ since: filter.since ?? null, node: filter.node ?? null, name: filter.name ?? null, limit: filter.limit }) as VrrpRow[];
}

export function insertVrrp(db: Database, row: Omit<VrrpRow, 'id'>): number {
  const result = db
    .prepare('INSERT INTO vrrp_transitions (at, node, kind, name, state, priority) VALUES (@at, @node, @kind, @name, @state, @priority)')
    .run(row);
  return Number(result.lastInsertRowid);
}
