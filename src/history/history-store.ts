// The daemon's view of history: what each target's state was at the last stop, which outages are
// open, and the writes that record transitions and outages. Ids are allocated here, in memory,
// so an outage has its id at once even while writes wait in the queue.
import type { Database, Statement } from 'better-sqlite3';
import type { ActionRecord, CheckResult, Logger, PluginStatus, Target, TargetState } from '../plugin.js';
import type { TargetFlags } from '../supervisor.js';
import type { Transition } from '../state-machine.js';
import { CheckAggregator } from './check-aggregator.js';
import { openWritableDatabase } from './open-database.js';
import { historyOpenError } from './open-errors.js';
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
  intervalMs: number | null;
  removedAt: number | null;
  address: string | null;
  port: number | null;
}

interface OpenMaintenance {
  id: number;
  plannedUntil: number | null;
  reason: string | null;
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
  private readonly openMaintenance = new Map<string, OpenMaintenance>();
  private readonly savedFlags = new Map<string, TargetFlags>();
  private stateChangesQuery: Statement | undefined;
  private nextTargetId = 1;
  private nextOutageId = 1;
  private nextMaintenanceId = 1;
  readonly writes: WriteQueue;
  readonly aggregates: CheckAggregator;

  private constructor(
    private database: Database,
    private readonly options: HistoryOptions,
  ) {
    this.writes = new WriteQueue(database, options);
    this.aggregates = new CheckAggregator(database, { log: options.log, maxPendingRows: options.maxQueue });
    this.load();
  }

  /** The database written to: in memory while the disk is in trouble at start, then the file (history-recovery.ts). */
  get db(): Database {
    return this.database;
  }

  /** Reads what the store keeps in memory of the database: targets, open outages and maintenance, flags, next ids. */
  private load(): void {
    const db = this.database;
    this.targets.clear();
    this.openOutages.clear();
    this.openMaintenance.clear();
    this.savedFlags.clear();
    this.stateChangesQuery = undefined;
    const targets = db.prepare('SELECT id, key, state, since, interval_ms AS intervalMs, removed_at AS removedAt, address, port FROM targets').all() as TargetRow[];
    for (const row of targets) this.targets.set(row.key, row);
    const open = db
      .prepare('SELECT o.id, t.key, o.started_at AS startedAt, o.cause FROM outages o JOIN targets t ON t.id = o.target_id WHERE o.ended_at IS NULL')
      .all() as Array<OpenOutage & { key: string }>;
    for (const { key, ...outage } of open) this.openOutages.set(key, outage);
    this.nextTargetId = ((db.prepare('SELECT max(id) AS id FROM targets').get() as { id: number | null }).id ?? 0) + 1;
    this.nextOutageId = ((db.prepare('SELECT max(id) AS id FROM outages').get() as { id: number | null }).id ?? 0) + 1;
    const maintenance = db
      .prepare('SELECT m.id, t.key, m.planned_until AS plannedUntil, m.reason FROM maintenance_periods m JOIN targets t ON t.id = m.target_id WHERE m.ended_at IS NULL')
      .all() as Array<OpenMaintenance & { key: string }>;
    for (const { key, ...period } of maintenance) this.openMaintenance.set(key, period);
    this.nextMaintenanceId = ((db.prepare('SELECT max(id) AS id FROM maintenance_periods').get() as { id: number | null }).id ?? 0) + 1;
    for (const row of db.prepare('SELECT t.key, f.flags FROM target_flags f JOIN targets t ON t.id = f.target_id').all() as Array<{ key: string; flags: string }>) {
      try {
        this.savedFlags.set(row.key, JSON.parse(row.flags) as TargetFlags);
      } catch {
        this.options.log.warn(`history: ignoring unreadable saved flags of ${row.key}`);
      }
    }
  }

  static open(options: HistoryOptions): HistoryStore {
    const db = openWritableDatabase(options.path, (message) => options.log.info(message));
    try {
      return new HistoryStore(db, options);
    } catch (err) {
      db.close();
      throw historyOpenError(options.path, err);
    }
  }

  /** The state a target had when the daemon last stopped, to resume it. */
  restoredState(key: string): { state: TargetState; since: number } | undefined {
    const row = this.targets.get(key);
    return row && row.state !== 'unknown' ? { state: row.state, since: row.since } : undefined;
  }

  /**
   * Where the target was last checked, as recorded: what a start compares with the config to see
   * a move made while the daemon was stopped. Undefined when not known (recorded before version 7).
   */
  recordedEndpoint(key: string): { address: string; port: number | undefined } | undefined {
    const row = this.targets.get(key);
    return row?.address == null ? undefined : { address: row.address, port: row.port ?? undefined };
  }

  openOutage(key: string): OpenOutage | undefined {
    return this.openOutages.get(key);
  }

  /**
   * Targets no longer in `keys` (removed from the config while the daemon was stopped) that left
   * something behind: an open outage, or operator flags (with a maintenance period open).
   */
  orphans(keys: Set<string>): string[] {
    return [...new Set([...this.openOutages.keys(), ...this.savedFlags.keys()])].filter((key) => !keys.has(key));
  }

  /** The operator flags a target had when the daemon last stopped (disabled, maintenance, acknowledged). */
  restoredFlags(key: string): TargetFlags | undefined {
    const saved = this.savedFlags.get(key);
    if (!saved) return undefined;
    const { acknowledged, ...flags } = saved;
    // An acknowledgement covers one outage: kept only while that outage is still open.
    const outage = this.openOutages.get(key);
    return acknowledged && outage && (acknowledged.outageId === undefined || acknowledged.outageId === outage.id) ? { ...flags, acknowledged } : { ...flags };
  }

  /**
   * When the target changed between up and down after `since`, oldest first: what a flapping
   * detector remembers, read back after a restart. Written changes only: queued ones go first.
   */
  stateChangesSince(key: string, since: number): number[] {
    const row = this.targets.get(key);
    if (!row) return [];
    this.flush();
    this.stateChangesQuery ??= this.db.prepare('SELECT at FROM transition_log WHERE target_id = ? AND at > ? AND from_state <> 0 ORDER BY at').pluck();
    return this.stateChangesQuery.all(row.id, since) as number[];
  }

  /** Makes sure the target has a row; returns its id. */
  ensureTarget(target: Target, now: number): number {
    const existing = this.targets.get(target.id);
    if (existing) return existing.id;
    const row: TargetRow = { id: this.nextTargetId++, key: target.id, state: 'unknown', since: now, intervalMs: null, removedAt: null, address: target.address, port: target.port ?? null };
    this.targets.set(target.id, row);
    this.writes.push('INSERT INTO targets (id, key, service, grp, host, state, since, updated_at, created_at, address, port) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      row.id, target.id, target.service, target.group, target.name, row.state, now, now, now, row.address, row.port,
    ]);
    return row.id;
  }

  /**
   * Records which targets the running configuration watches, and their check intervals: targets
   * no longer configured are marked removed (availability stops counting them), returning ones
   * are unmarked.
   */
  syncTargets(configured: Array<{ target: Target; intervalMs: number }>, now: number): void {
    const present = new Set<string>();
    for (const { target, intervalMs } of configured) {
      present.add(target.id);
      const row = this.targets.get(target.id);
      if (!row) continue;
      // The address too: recorded before schema version 7 it is unknown, and a reload may change it.
      const port = target.port ?? null;
      if (row.intervalMs === intervalMs && row.removedAt === null && row.address === target.address && row.port === port) continue;
      Object.assign(row, { intervalMs, removedAt: null, address: target.address, port });
      this.writes.push('UPDATE targets SET interval_ms = ?, removed_at = NULL, address = ?, port = ? WHERE id = ?', [intervalMs, target.address, port, row.id]);
    }
    for (const row of this.targets.values()) {
      if (present.has(row.key) || row.removedAt !== null) continue;
      row.removedAt = now;
      this.writes.push('UPDATE targets SET removed_at = ? WHERE id = ?', [now, row.id]);
    }
  }

  /** Counts a check result into the per-minute/hour/day aggregates (in memory; flushed in batches). */
  recordResult(key: string, result: CheckResult, at: number): void {
    const row = this.targets.get(key);
    if (!row) return;
    this.aggregates.add(row.id, result.status !== 'up' && result.status !== 'warning', result.latencyMs, at);
  }

  /**
   * Persists a target's operator flags and what they mean for history: maintenance periods opened,
   * extended or closed, and the acknowledgement written on its outage.
   */
  recordFlags(key: string, flags: Readonly<TargetFlags>, now: number): void {
    const row = this.targets.get(key);
    if (!row) return;
    const saved = this.savedFlags.get(key);
    const json = JSON.stringify(flags);
    if (json === JSON.stringify(saved ?? {})) return;
    if (Object.keys(flags).length) {
      this.savedFlags.set(key, JSON.parse(json) as TargetFlags);
      this.writes.push(
        'INSERT INTO target_flags (target_id, flags, updated_at) VALUES (?, ?, ?) ON CONFLICT (target_id) DO UPDATE SET flags = excluded.flags, updated_at = excluded.updated_at',
        [row.id, json, now],
      );
    } else {
      this.savedFlags.delete(key);
      this.writes.push('DELETE FROM target_flags WHERE target_id = ?', [row.id]);
    }
    this.recordMaintenance(key, row.id, flags.maintenance, now);
    const ack = flags.acknowledged;
    if (ack && ack.outageId !== undefined && JSON.stringify(ack) !== JSON.stringify(saved?.acknowledged)) {
      this.writes.push('UPDATE outages SET ack_at = ?, ack_by = ?, ack_comment = ? WHERE id = ?', [ack.at, ack.by ?? null, ack.comment, ack.outageId]);
    }
  }

  private recordMaintenance(key: string, targetId: number, maintenance: TargetFlags['maintenance'], now: number): void {
    const open = this.openMaintenance.get(key);
    if (maintenance && !open) {
      const period: OpenMaintenance = { id: this.nextMaintenanceId++, plannedUntil: maintenance.until ?? null, reason: maintenance.reason ?? null };
      this.openMaintenance.set(key, period);
      this.writes.push('INSERT INTO maintenance_periods (id, target_id, started_at, planned_until, reason) VALUES (?, ?, ?, ?, ?)', [
        period.id, targetId, maintenance.at, period.plannedUntil, period.reason,
      ]);
    } else if (maintenance && open) {
      const plannedUntil = maintenance.until ?? null;
      const reason = maintenance.reason ?? null;
      if (plannedUntil === open.plannedUntil && reason === open.reason) return;
      Object.assign(open, { plannedUntil, reason });
      this.writes.push('UPDATE maintenance_periods SET planned_until = ?, reason = ? WHERE id = ?', [plannedUntil, reason, open.id]);
    } else if (!maintenance && open) {
      this.openMaintenance.delete(key);
      // Ended by its timer after a stop: it ended when planned, not when the daemon came back.
      const endedAt = open.plannedUntil !== null ? Math.min(now, open.plannedUntil) : now;
      this.writes.push('UPDATE maintenance_periods SET ended_at = max(started_at, ?) WHERE id = ?', [endedAt, open.id]);
    }
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

  /**
   * Closes the open outage of a target that left the configuration, and forgets its state and its
   * operator flags: if it comes back it starts afresh — not DOWN without an outage to record its
   * downtime in, not silently disabled or in maintenance (the maintenance period ends now).
   */
  closeForRemovedTarget(key: string, at: number): ClosedOutage | undefined {
    const closed = this.startAfresh(key, at, 'target removed from the configuration');
    this.recordFlags(key, {}, at);
    return closed;
  }

  /**
   * A target that kept its name but moved to `endpoint`, another machine: the old one's outage is
   * closed and its state forgotten. Its flags stay, set by the operator on the name.
   */
  closeForMovedTarget(key: string, at: number, endpoint: string): ClosedOutage | undefined {
    return this.startAfresh(key, at, `address changed to ${endpoint}`);
  }

  private startAfresh(key: string, at: number, message: string): ClosedOutage | undefined {
    const closed = this.endOutage(key, at, message);
    const row = this.targets.get(key);
    if (row && row.state !== 'unknown') {
      row.state = 'unknown';
      row.since = at;
      this.writes.push("UPDATE targets SET state = 'unknown', since = ? WHERE id = ?", [at, row.id]);
    }
    return closed;
  }

  flush(): boolean {
    return this.writes.flush();
  }

  /**
   * Goes on in `file`, into which everything recorded in memory was just written
   * (history-recovery.ts): the queue and the aggregates write there from now on, and what the store
   * knows of targets, outages and flags is read from it as at a start. Returns the memory database,
   * for the caller to close once nothing else reads it.
   */
  moveTo(file: Database): Database {
    const memory = this.database;
    this.database = file;
    this.writes.useDatabase(file);
    this.aggregates.useDatabase(file);
    this.load();
    return memory;
  }

  /** Writes the aggregates accumulated so far (completed minutes, hour and day deltas). */
  flushAggregates(): Promise<void> {
    return this.aggregates.flush();
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
    while (!this.aggregates.flushNow() && Date.now() < deadline) {
      // likewise
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
