// What the alert policy keeps in the history database: the delivery queue (so retries survive a
// restart), every attempt and its result, and each route's state per target (so a restart does
// not alert an outage twice). Reads happen once at start; writes go through the history's
// batched write queue, like every other history write, and survive a locked or full disk alike.
import type { Database } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { HistoryStore } from '../history/history-store.js';
import { NO_ATTEMPT } from '../history/attempt-query.js';
import { historyIdOf } from '../history/migrations.js';
import type { AlertEvent } from '../plugin.js';
import { eventsFromJson, eventsToJson } from './event-json.js';
import type { RouteState } from './route-decision.js';
import type { FactsMemory } from './target-facts.js';

export interface Delivery {
  id: number;
  alert: string;
  /** The target id, or `*` for a digest (its events name their targets). */
  target: string;
  /** The event kind, or `digest`. */
  kind: string;
  events: AlertEvent[];
  /** Attempts made so far. */
  attempts: number;
  nextAt: number;
  createdAt: number;
  /** A digest still gathering events until nextAt. */
  collecting: boolean;
  lastError?: string;
}

export interface AttemptRecord {
  deliveryId: number;
  alert: string;
  target: string;
  kind: string;
  outageId?: number;
  attempt: number;
  at: number;
  durationMs: number;
  ok: boolean;
  error?: string;
  /** When it is tried again; undefined when delivered or given up. */
  nextAt?: number;
}

interface QueueRow {
  id: number;
  alert: string;
  target: string;
  kind: string;
  events: string;
  attempts: number;
  next_at: number;
  created_at: number;
  collecting: number;
  last_error: string | null;
}

interface StateRow {
  alert: string;
  target: string;
  outage_id: number | null;
  down_sent: number;
  sent: number;
  last_sent_at: number | null;
  last_summary: string | null;
  told: RouteState['told'] | null;
}

/** What the policy remembers of a target over a restart, saved at a clean stop. */
export interface TargetMemory {
  facts?: FactsMemory;
  /** The `percent` flapping method's latest results. */
  flapResults?: boolean[];
  /** When it last moved to another machine, while that is within its flapping window (`changes`). */
  movedAt?: number;
  /** When it was saved (set when read back). */
  savedAt?: number;
}

export const routeKey = (alert: string, target: string) => `${alert}\u0000${target}`;

/** Describes the targets of a delivery for the attempts log: one id, or the ids of a digest (`*` when they cannot be read). */
function targetsOf(delivery: Delivery): string {
  if (delivery.target !== '*') return delivery.target;
  return [...new Set(delivery.events.map((event) => event.target.id))].join(' ') || '*';
}

/** The outage a delivery is about, when all its events are about one. */
function outageOf(events: AlertEvent[]): number | null {
  const outageIds = [...new Set(events.map((event) => event.outage?.id).filter((value) => value !== undefined))];
  return outageIds.length === 1 ? outageIds[0]! : null;
}

/** The delivery id of attempts made outside the queue (vigil alerts test): no delivery has it. */
export const TEST_DELIVERY_ID = 0;

const INSERT_ATTEMPT =
  'INSERT INTO alert_attempts (delivery_id, alert, target, kind, outage_id, attempt, at, duration_ms, ok, error, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Records the attempt of `vigil alerts test` (kind `test`, no delivery) from the CLI. Attempt ids
 * are SQLite's, not the daemon's, so this may run while the daemon writes: it waits for the
 * daemon's write in progress (WAL lets only one writer at a time), and the daemon's writes, which
 * retry on a busy database, wait for it in turn.
 */
export function recordTestAttempt(db: Database, record: { alert: string; target: string; at: number; durationMs: number; ok: boolean; error?: string }): void {
  db.prepare(INSERT_ATTEMPT).run(TEST_DELIVERY_ID, record.alert, record.target, 'test', null, 1, record.at, Math.round(record.durationMs), record.ok ? 1 : 0, record.error ?? null, null);
}

export class AlertStore {
  private nextDeliveryId: number;
  /**
   * Random, made once per history database: delivery and outage ids start again at 1 in a new
   * database (or another director's), so ids that must be unique beyond it carry this too.
   */
  readonly historyId: string;

  constructor(private readonly history: HistoryStore) {
    const db = history.db;
    const max = (sql: string) => ((db.prepare(sql).get() as { id: number | null }).id ?? 0);
    // A history held in memory is written into its file later (history-recovery.ts) and a delivery
    // keeps its id there, as its retries' idempotency key does: from the start time in ms, larger
    // than any id the file counted up.
    this.nextDeliveryId = db.memory ? Date.now() : Math.max(max('SELECT max(id) AS id FROM alert_queue'), max('SELECT max(delivery_id) AS id FROM alert_attempts')) + 1;
    // Migration 8 made it; a database opened without migrating (never the daemon's) gets one for this run.
    this.historyId = historyIdOf(db) ?? randomBytes(12).toString('hex');
  }

  allocateDeliveryId(): number {
    return this.nextDeliveryId++;
  }

  /**
   * Deliveries left from before the last stop, oldest first. Those whose events cannot be read are
   * deleted from the queue and returned apart, without their events, for the attempts log.
   */
  loadQueue(): { deliveries: Delivery[]; unreadable: Delivery[] } {
    const rows = this.history.db.prepare('SELECT * FROM alert_queue ORDER BY id').all() as QueueRow[];
    const deliveries: Delivery[] = [];
    const unreadable: Delivery[] = [];
    for (const row of rows) {
      const delivery: Delivery = {
        id: row.id,
        alert: row.alert,
        target: row.target,
        kind: row.kind,
        events: [],
        attempts: row.attempts,
        nextAt: row.next_at,
        createdAt: row.created_at,
        collecting: row.collecting === 1,
        lastError: row.last_error ?? undefined,
      };
      try {
        delivery.events = eventsFromJson(row.events);
        deliveries.push(delivery);
      } catch {
        unreadable.push(delivery);
        this.history.writes.push('DELETE FROM alert_queue WHERE id = ?', [row.id]);
      }
    }
    return { deliveries, unreadable };
  }

  loadRouteStates(): Map<string, RouteState> {
    const states = new Map<string, RouteState>();
    for (const row of this.history.db.prepare('SELECT * FROM alert_state').all() as StateRow[]) {
      states.set(routeKey(row.alert, row.target), {
        outageId: row.outage_id ?? undefined,
        downSent: row.down_sent === 1,
        sent: row.sent,
        lastSentAt: row.last_sent_at ?? undefined,
        lastSummary: row.last_summary ?? undefined,
        told: row.told ?? undefined,
      });
    }
    return states;
  }

  /**
   * What the last run saved of each target (at its stop, or before it crashed); read once, then
   * cleared, so only what this run saves comes back after it. Unreadable rows are skipped.
   */
  takeMemories(): Map<string, TargetMemory> {
    const memories = new Map<string, TargetMemory>();
    for (const row of this.history.db.prepare('SELECT target, memory, saved_at FROM alert_memory').all() as Array<{ target: string; memory: string; saved_at: number }>) {
      try {
        memories.set(row.target, { ...(JSON.parse(row.memory) as TargetMemory), savedAt: row.saved_at });
      } catch {
        // a row this version cannot read: the target starts counting afresh
      }
    }
    if (memories.size) this.history.writes.push('DELETE FROM alert_memory', []);
    return memories;
  }

  /** Saves these targets' memories and forgets those of `forget` (nothing left to keep). */
  saveMemories(memories: Map<string, TargetMemory>, at: number, forget: string[] = []): void {
    for (const target of forget) this.history.writes.push('DELETE FROM alert_memory WHERE target = ?', [target]);
    for (const [target, memory] of memories) {
      this.history.writes.push('INSERT OR REPLACE INTO alert_memory (target, memory, saved_at) VALUES (?, ?, ?)', [target, JSON.stringify(memory), at]);
    }
  }

  /** At a clean stop: exactly these memories, none of what earlier saves left. */
  replaceMemories(memories: Map<string, TargetMemory>, at: number): void {
    this.history.writes.push('DELETE FROM alert_memory', []);
    this.saveMemories(memories, at);
  }

  saveRouteState(alert: string, target: string, state: RouteState): void {
    this.history.writes.push(
      'INSERT OR REPLACE INTO alert_state (alert, target, outage_id, down_sent, sent, last_sent_at, last_summary, told) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [alert, target, state.outageId ?? null, state.downSent ? 1 : 0, state.sent, state.lastSentAt ?? null, state.lastSummary ?? null, state.told ?? null],
    );
  }

  forgetRouteState(alert: string, target: string): void {
    this.history.writes.push('DELETE FROM alert_state WHERE alert = ? AND target = ?', [alert, target]);
  }

  insertDelivery(delivery: Delivery): void {
    this.history.writes.push(
      'INSERT INTO alert_queue (id, alert, target, kind, events, attempts, next_at, created_at, collecting, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [delivery.id, delivery.alert, delivery.target, delivery.kind, eventsToJson(delivery.events), delivery.attempts, delivery.nextAt, delivery.createdAt, delivery.collecting ? 1 : 0, delivery.lastError ?? null],
    );
  }

  updateDelivery(delivery: Delivery): void {
    this.history.writes.push('UPDATE alert_queue SET events = ?, attempts = ?, next_at = ?, collecting = ?, last_error = ? WHERE id = ?', [
      eventsToJson(delivery.events), delivery.attempts, delivery.nextAt, delivery.collecting ? 1 : 0, delivery.lastError ?? null, delivery.id,
    ]);
  }

  deleteDelivery(id: number): void {
    this.history.writes.push('DELETE FROM alert_queue WHERE id = ?', [id]);
  }

  recordAttempt(delivery: Delivery, record: Omit<AttemptRecord, 'deliveryId' | 'alert' | 'target' | 'kind' | 'outageId'>): void {
    this.history.writes.push(INSERT_ATTEMPT, [
      delivery.id, delivery.alert, targetsOf(delivery), delivery.kind, outageOf(delivery.events), record.attempt,
      record.at, Math.round(record.durationMs), record.ok ? 1 : 0, record.error ?? null, record.nextAt ?? null,
    ]);
  }

  /**
   * A delivery dropped from the queue (`reason`: superseded by a newer event, say). Tried before:
   * its latest attempt says why the retry it announced will not happen. Never tried: a row of its
   * own says it was not sent and why, so the attempts log shows every alert that did not go out.
   */
  recordDropped(delivery: Delivery, reason: string, at: number): void {
    if (delivery.attempts > 0) return this.markNotRetried(delivery, reason);
    this.history.writes.push(INSERT_ATTEMPT, [
      delivery.id, delivery.alert, targetsOf(delivery), delivery.kind, outageOf(delivery.events), NO_ATTEMPT, at, 0, 0, `not sent: ${reason}`, null,
    ]);
  }

  /** Events taken out of a digest that still goes out (`reason`: their target moved): a row for each, saying it was not sent, or not retried, and why. */
  recordTakenOutOfDigest(digest: Delivery, events: AlertEvent[], reason: string, at: number): void {
    const outcome = digest.attempts > 0 ? 'not retried' : 'not sent';
    for (const event of events) {
      this.history.writes.push(INSERT_ATTEMPT, [
        digest.id, digest.alert, event.target.id, event.kind, event.outage?.id ?? null, NO_ATTEMPT, at, 0, 0, `taken out of the digest, ${outcome}: ${reason}`, null,
      ]);
    }
  }

  /** A delivery dropped before its retry: its latest attempt says why the retry it announced will not happen. */
  private markNotRetried(delivery: Delivery, reason: string): void {
    this.history.writes.push(
      "UPDATE alert_attempts SET next_at = NULL, error = coalesce(error, '') || ' (not retried: ' || ? || ')' WHERE delivery_id = ? AND attempt = ? AND next_at IS NOT NULL",
      [reason, delivery.id, delivery.attempts],
    );
  }
}
