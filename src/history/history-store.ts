// The daemon's view of history: what each target's state was at the last stop, which outages are
// open, and the writes that record transitions and outages. Ids are allocated here, in memory,
// so an outage has its id at once even while writes wait in the queue.
import type { Database } from 'better-sqlite3';
import type { ActionRecord, Logger, PluginStatus, Target, TargetState } from '../plugin.js';
import type { Transition } from '../state-machine.js';
import { openWritableDatabase } from './open-database.js';
import { WriteQueue } from './write-queue.js';

export interface OpenOutage {
  id: number;
  startedAt: number;
  cause: string;
}

export interface ClosedOutage extends OpenOutage {
  endedAt: number;
  durationMs: number;
}

interface TargetRow {
  id: number;
  key: string;
  state: TargetState;
  since: number;
}

export interface HistoryOptions {
  path: string;
  flushIntervalMs: number;
  maxQueue: number;
  log: Logger;
}

export class HistoryStore {
  private readonly targets = new Map<string, TargetRow>();
  private readonly openOutages = new Map<string, OpenOutage>();
  private nextTargetId: number;
  private nextOutageId: number;
  readonly writes: WriteQueue;

  private constructor(
    readonly db: Database,
    options: HistoryOptions,
  ) {
    for (const row of db.prepare('SELECT id, key, state, since FROM targets').all() as TargetRow[]) this.targets.set(row.key, row);
    const open = db
      .prepare('SELECT o.id, t.key, o.started_at AS startedAt, o.cause FROM outages o JOIN targets t ON t.id = o.target_id WHERE o.ended_at IS NULL')
      .all() as Array<OpenOutage & { key: string }>;
    for (const { key, ...outage } of open) this.openOutages.set(key, outage);
    this.nextTargetId = ((db.prepare('SELECT max(id) AS id FROM targets').get() as { id: number | null }).id ?? 0) + 1;
    this.nextOutageId = ((db.prepare('SELECT max(id) AS id FROM outages').get() as { id: number | null }).id ?? 0) + 1;
    this.writes = new WriteQueue(db, options);
  }

  static open(options: HistoryOptions): HistoryStore {
    return new HistoryStore(openWritableDatabase(options.path), options);
  }

  /** The state a target had when the daemon last stopped, to resume it. */
  restoredState(key: string): { state: TargetState; since: number } | undefined {
    const row = this.targets.get(key);
    return row && row.state !== 'unknown' ? { state: row.state, since: row.since } : undefined;
  }

  openOutage(key: string): OpenOutage | undefined {
    return this.openOutages.get(key);
  }

  /** Open outages whose target is not in `keys` (removed from the config). */
  orphanedOutages(keys: Set<string>): string[] {
    return [...this.openOutages.keys()].filter((key) => !keys.has(key));
  }

  /** Makes sure the target has a row; returns its id. */
  ensureTarget(target: Target, now: number): number {
    const existing = this.targets.get(target.id);
    if (existing) return existing.id;
    const row: TargetRow = { id: this.nextTargetId++, key: target.id, state: 'unknown', since: now };
    this.targets.set(target.id, row);
    this.writes.push('INSERT INTO targets (id, key, service, grp, host, state, since, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      row.id, target.id, target.service, target.group, target.name, row.state, now, now,
    ]);
    return row.id;
  }

  /**
   * Records a transition; opens an outage on DOWN, closes the open one on UP.
   * Returns the outage the transition opened or closed.
   */
  recordTransition(target: Target, transition: Transition): OpenOutage | ClosedOutage | undefined {
    const targetId = this.ensureTarget(target, transition.at);
    const row = this.targets.get(target.id)!;
    row.state = transition.to;
    row.since = transition.at;
    const message = transition.result.message ?? null;
    this.writes.push('INSERT INTO transitions (target_id, at, from_state, to_state, message) VALUES (?, ?, ?, ?, ?)', [
      targetId, transition.at, transition.from, transition.to, message,
    ]);
    this.writes.push('UPDATE targets SET state = ?, since = ?, last_message = ?, updated_at = ? WHERE id = ?', [
      transition.to, transition.at, message, transition.at, targetId,
    ]);
    if (transition.to === 'down') return this.startOutage(target.id, targetId, transition.at, message ?? 'check failed');
    if (transition.to === 'up') return this.endOutage(target.id, transition.at, message ?? 'check succeeded');
    return undefined;
  }

  /** Records an action an alert plugin took (ipvsadm command, drift repaired, hook run). */
  recordAction(alert: string, action: ActionRecord, at: number): void {
    this.writes.push('INSERT INTO action_log (at, alert, subject, kind, command, ok, exit_code, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      at, alert, action.subject, action.kind, action.command ? JSON.stringify(action.command) : null, action.ok ? 1 : 0, action.exitCode ?? null, action.message ?? null,
    ]);
  }

  /** Publishes an alert plugin's health (read by `vigil track`). */
  reportStatus(alert: string, status: PluginStatus | undefined, at: number): void {
    if (!status) {
      this.writes.push('DELETE FROM plugin_status WHERE alert = ?', [alert]);
      return;
    }
    this.writes.push(
      'INSERT INTO plugin_status (alert, healthy, summary, detail, pid, updated_at, stale_after_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT(alert) DO UPDATE SET healthy = excluded.healthy, summary = excluded.summary, detail = excluded.detail, pid = excluded.pid, updated_at = excluded.updated_at, stale_after_ms = excluded.stale_after_ms',
      [alert, status.healthy ? 1 : 0, status.summary, status.detail ? JSON.stringify(status.detail) : null, process.pid, at, status.staleAfterMs],
    );
  }

  /** Closes the open outage of a target that left the configuration. */
  closeForRemovedTarget(key: string, at: number): ClosedOutage | undefined {
    return this.endOutage(key, at, 'target removed from the configuration');
  }

  flush(): boolean {
    return this.writes.flush();
  }

  /**
   * Flushes (retrying for up to `retryMs` while the database is locked) and closes.
   * Returns how many writes could not be saved.
   */
  close(retryMs = 2_000): number {
    this.writes.close();
    const deadline = Date.now() + retryMs;
    while (!this.writes.flush() && Date.now() < deadline) {
      // each failed flush already waited the busy timeout; try again until the deadline
    }
    const unsaved = this.writes.pending;
    this.db.close();
    return unsaved;
  }

  private startOutage(key: string, targetId: number, at: number, cause: string): OpenOutage {
    const existing = this.openOutages.get(key);
    if (existing) return existing; // resumed after a restart: the outage goes on
    const outage: OpenOutage = { id: this.nextOutageId++, startedAt: at, cause };
    this.openOutages.set(key, outage);
    this.writes.push('INSERT INTO outages (id, target_id, started_at, cause) VALUES (?, ?, ?, ?)', [outage.id, targetId, at, cause]);
    return outage;
  }

  private endOutage(key: string, at: number, message: string): ClosedOutage | undefined {
    const outage = this.openOutages.get(key);
    if (!outage) return undefined;
    this.openOutages.delete(key);
    const closed: ClosedOutage = { ...outage, endedAt: at, durationMs: at - outage.startedAt };
    this.writes.push('UPDATE outages SET ended_at = ?, duration_ms = ?, end_message = ? WHERE id = ?', [at, closed.durationMs, message, outage.id]);
    return closed;
  }
}
