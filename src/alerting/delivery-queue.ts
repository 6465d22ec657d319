// Deliveries waiting to go out, retried with exponential backoff, persisted in the history so a
// restart picks up where the last run stopped. Per alert and target, events go out in order; a
// newer event for a state-mirroring alert replaces an older one still waiting. Each alert has
// its own small pool of concurrent attempts, so a slow or hung action holds up nobody else.
import { formatDuration } from '../config/duration.js';
import type { AlertEvent, AlertMode, AlertServices, Logger } from '../plugin.js';
import type { AlertPlan } from '../plan.js';
import type { AlertStore, Delivery } from './alert-store.js';
import { attemptDelivery } from './attempt-delivery.js';
import { toldOfOldMachine } from './moved-deliveries.js';
import { withRenumberedOutages, type OutageRenumbering } from './renumbered-outages.js';

/** Attempts running at once per alert. */
const MAX_CONCURRENT_PER_ALERT = 16;

export interface DeliveryQueueOptions {
  store: AlertStore;
  log: Logger;
  now: () => number;
  alert: (name: string) => AlertPlan | undefined;
  /** The daemon's services lent to the alert plugin (its routed targets, the action log). */
  services: (alert: AlertPlan) => AlertServices;
  /** Told how each attempt ended (for metrics); attempts cut by the daemon stopping are not a verdict, not told. */
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

/** How one attempt ended, and for the last attempt of a delivery, how the delivery did. */
export interface DeliveryOutcome {
  alert: string;
  attempt: 'ok' | 'failed' | 'timeout';
  delivery?: 'delivered' | 'gave_up';
}

/** A target that moved to another machine, as the queue drops what waits to tell of the old one. */
export interface TargetMove {
  target: string;
  /** Why, for the attempts log: `web-http/web1 moved to 10.0.0.21:80, another machine`. */
  reason: string;
  modeOf: (alert: string) => AlertMode | undefined;
}

/** A move as the queue works through it: the down alerts it dropped, the deliveries it left queued. */
interface MoveInProgress extends TargetMove {
  /** Alert + outage of each down alert dropped: the up alert of that outage goes too. */
  downsDropped: Set<string>;
  /** The target's deliveries it left queued: looked at again when one in flight is dropped. */
  left: Set<number>;
}

export class DeliveryQueue {
  private readonly pending: Delivery[] = [];
  /** Deliveries in flight when their target moved: looked at again if their attempt fails. */
  private readonly movedWhileRunning = new Map<number, MoveInProgress>();
  private readonly running = new Map<number, Promise<void>>();
  private readonly runningPerAlert = new Map<string, number>();
  private readonly stopController = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private started = false;
  private stopped = false;

  constructor(private readonly options: DeliveryQueueOptions) {}

  /** Deliveries still waiting (for status and tests). */
  get waiting(): readonly Delivery[] {
    return this.pending;
  }

  /** Takes over the deliveries left in the database by the last run. */
  load(): void {
    const { deliveries, unreadable } = this.options.store.loadQueue();
    if (unreadable.length) {
      const now = this.options.now();
      for (const delivery of unreadable) this.options.store.recordDropped(delivery, 'its queued record could not be read', now);
      this.options.log.error(`alert queue: dropped ${unreadable.length} unreadable queued deliveries`, {
        event: 'alert-dropped',
        deliveries: unreadable.map((d) => `${d.alert}:${d.kind}:${d.target}`),
      });
    }
    this.pending.push(...deliveries);
    if (deliveries.length) {
      this.options.log.info(`alert queue: ${deliveries.length} delivery(ies) left from the last run will be retried`, {
        deliveries: deliveries.map((d) => `${d.alert}:${d.kind}:${d.target}`),
      });
    }
  }

  start(): void {
    this.started = true;
    this.pump();
  }

  enqueue(alert: AlertPlan, event: AlertEvent): void {
    if (this.stopped) return;
    const now = this.options.now();
    if (alert.delivery.digestMs !== undefined) return this.addToDigest(alert, event, now);
    if (alert.mode === 'state') this.supersede(alert.name, event.target.id);
    const delivery: Delivery = {
      id: this.options.store.allocateDeliveryId(),
      alert: alert.name,
      target: event.target.id,
      kind: event.kind,
      events: [event],
      attempts: 0,
      nextAt: now,
      createdAt: now,
      collecting: false,
    };
    this.pending.push(delivery);
    this.options.store.insertDelivery(delivery);
    this.pump();
  }

  /** Outages recorded while the history was held in memory have the file's ids now (history-recovery.ts). */
  outagesRenumbered(ids: OutageRenumbering): void {
    // The queue's rows were renumbered with the rest of the history; an attempt under way tells the
    // old id, its retries the new one.
    for (const delivery of this.pending) delivery.events = withRenumberedOutages(delivery.events, ids);
  }

  /** Drops what waits for alerts no longer configured. */
  forgetRemovedAlerts(): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const delivery = this.pending[i]!;
      if (this.options.alert(delivery.alert) || this.running.has(delivery.id)) continue;
      this.pending.splice(i, 1);
      this.options.store.deleteDelivery(delivery.id);
      this.options.store.recordDropped(delivery, 'the alert was removed from the configuration', this.options.now());
      this.options.log.warn(`alert ${delivery.alert} is no longer configured: dropped its queued ${delivery.kind} for ${delivery.target}`);
    }
  }

  /**
   * Drops what waits to tell of the machine a target had before it moved (moved-deliveries.ts):
   * whole deliveries, or its events out of a digest. One in flight is looked at again if it fails.
   */
  forgetOldMachine(target: TargetMove): void {
    const move: MoveInProgress = { ...target, downsDropped: new Set(), left: new Set() };
    for (const delivery of [...this.pending]) {
      if (!delivery.events.some((event) => event.target.id === move.target)) continue;
      if (this.running.has(delivery.id)) this.movedWhileRunning.set(delivery.id, move);
      else if (!this.dropOldMachineNews(delivery, move)) move.left.add(delivery.id);
    }
  }

  /**
   * Takes the moved target's stale events out of a delivery; true when nothing is left of it
   * (dropped, and said so unless `quiet`: the caller tells of an attempt that failed).
   */
  private dropOldMachineNews(delivery: Delivery, move: MoveInProgress, quiet = false): boolean {
    const mode = move.modeOf(delivery.alert);
    const stale = delivery.events.filter(
      (event) => event.target.id === move.target && toldOfOldMachine(event, mode, (outage) => move.downsDropped.has(`${delivery.alert}\u0000${outage}`)),
    );
    if (!stale.length) return false;
    for (const event of stale) if (event.kind === 'down' && event.outage) move.downsDropped.add(`${delivery.alert}\u0000${event.outage.id}`);
    const kinds = [...new Set(stale.map((event) => event.kind))].join(', ');
    const fields = { event: 'alert-dropped', alert: delivery.alert, kind: kinds, target: move.target };
    if (stale.length < delivery.events.length) {
      delivery.events = delivery.events.filter((event) => !stale.includes(event));
      this.options.store.updateDelivery(delivery);
      this.options.store.recordTakenOutOfDigest(delivery, stale, move.reason, this.options.now());
      this.options.log.info(`${move.target} moved: took its ${kinds} alert of the old address out of the digest queued for ${delivery.alert}`, fields);
      return false;
    }
    this.remove(delivery);
    this.options.store.recordDropped(delivery, move.reason, this.options.now());
    if (!quiet) this.options.log.info(`${move.target} moved: dropped the ${kinds} alert to ${delivery.alert} queued for the old address; it will not be sent`, fields);
    return true;
  }

  /** Stops starting attempts; waits up to `graceMs` for those running, then cuts them (they stay queued). */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const all = Promise.allSettled([...this.running.values()]);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([all, grace]);
    this.stopController.abort();
    await all;
  }

  private addToDigest(alert: AlertPlan, event: AlertEvent, now: number): void {
    const open = this.pending.find((d) => d.alert === alert.name && d.collecting && !this.running.has(d.id));
    if (open) {
      open.events.push(event);
      this.options.store.updateDelivery(open);
      return;
    }
    const delivery: Delivery = {
      id: this.options.store.allocateDeliveryId(),
      alert: alert.name,
      target: '*',
      kind: 'digest',
      events: [event],
      attempts: 0,
      nextAt: now + alert.delivery.digestMs!,
      createdAt: now,
      collecting: true,
    };
    this.pending.push(delivery);
    this.options.store.insertDelivery(delivery);
    this.pump();
  }

  private supersede(alert: string, target: string): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const old = this.pending[i]!;
      if (old.alert !== alert || old.target !== target || this.running.has(old.id)) continue;
      this.pending.splice(i, 1);
      this.options.store.deleteDelivery(old.id);
      this.options.store.recordDropped(old, 'superseded by a newer event', this.options.now());
      this.options.log.info(`alert ${alert}: ${old.kind} for ${target} replaced by a newer event before it went out`);
    }
  }

  /** Starts every delivery that may start now and sets the timer for the next one. */
  private pump(): void {
    if (!this.started || this.stopped) return;
    const now = this.options.now();
    const blocked = new Set<string>(); // alert+target keys with an older delivery still pending or running
    let nextDue = Infinity;
    for (const delivery of this.pending) {
      const key = `${delivery.alert}\u0000${delivery.target}`;
      if (this.running.has(delivery.id) || blocked.has(key)) {
        blocked.add(key);
        continue;
      }
      blocked.add(key);
      if (delivery.nextAt > now) {
        nextDue = Math.min(nextDue, delivery.nextAt);
        continue;
      }
      const alert = this.options.alert(delivery.alert);
      if (!alert || (this.runningPerAlert.get(delivery.alert) ?? 0) >= MAX_CONCURRENT_PER_ALERT) continue;
      this.run(alert, delivery);
    }
    this.arm(nextDue);
  }

  private arm(at: number): void {
    if (at === this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => {
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - this.options.now()));
  }

  private run(alert: AlertPlan, delivery: Delivery): void {
    if (delivery.collecting) {
      delivery.collecting = false;
      delivery.kind = 'digest';
    }
    this.runningPerAlert.set(alert.name, (this.runningPerAlert.get(alert.name) ?? 0) + 1);
    const done = this.attempt(alert, delivery).finally(() => {
      this.running.delete(delivery.id);
      this.runningPerAlert.set(alert.name, this.runningPerAlert.get(alert.name)! - 1);
      this.pump();
    });
    this.running.set(delivery.id, done);
  }

  private async attempt(alert: AlertPlan, delivery: Delivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    const at = this.options.now();
    const outcome = await attemptDelivery(alert, delivery.events, {
      attempt,
      deliveryId: `${alert.name}-${delivery.id}.${this.options.store.historyId}`,
      historyId: this.options.store.historyId,
      digest: delivery.kind === 'digest',
      log: this.options.log,
      stopSignal: this.stopController.signal,
      services: this.options.services(alert),
    });
    delivery.attempts = attempt;
    const move = this.movedWhileRunning.get(delivery.id);
    this.movedWhileRunning.delete(delivery.id);
    const what = `alert ${alert.name} (${alert.type}) ${delivery.kind} for ${delivery.target === '*' ? `${delivery.events.length} event(s)` : delivery.target}`;
    const fields = { event: 'alert', alert: alert.name, kind: delivery.kind, target: delivery.target, attempt, durationMs: Math.round(outcome.durationMs) };
    if (outcome.ok) {
      this.options.onOutcome?.({ alert: alert.name, attempt: 'ok', delivery: 'delivered' });
      this.options.store.recordAttempt(delivery, { attempt, at, durationMs: outcome.durationMs, ok: true });
      this.remove(delivery);
      this.options.log.info(`${what} delivered${attempt > 1 ? ` on attempt ${attempt}` : ''}`, fields);
      return;
    }
    const cancelled = this.stopController.signal.aborted;
    const giveUp = !cancelled && attempt > alert.delivery.retries;
    delivery.lastError = outcome.error;
    if (!cancelled) this.options.onOutcome?.({ alert: alert.name, attempt: outcome.timedOut ? 'timeout' : 'failed', ...(giveUp ? { delivery: 'gave_up' as const } : {}) });
    if (giveUp) {
      this.options.store.recordAttempt(delivery, { attempt, at, durationMs: outcome.durationMs, ok: false, error: `${outcome.error}; gave up after ${attempt} attempt(s)` });
      this.remove(delivery);
      this.options.log.error(`${what} failed: ${outcome.error}; gave up after ${attempt} attempt(s)`, { ...fields, error: outcome.error });
      return;
    }
    // Cut by the stop: try again as soon as the daemon is back.
    const delay = cancelled ? 0 : Math.min(alert.delivery.backoffMs * 2 ** (attempt - 1), alert.delivery.maxBackoffMs);
    delivery.nextAt = this.options.now() + delay;
    this.options.store.recordAttempt(delivery, { attempt, at, durationMs: outcome.durationMs, ok: false, error: outcome.error, nextAt: delivery.nextAt });
    // Its target moved while it ran: what it told of the old machine is not retried.
    if (move && this.dropOldMachineNews(delivery, move, true)) {
      this.options.log.warn(`${what} failed: ${outcome.error}; not retried: ${move.reason}`, { ...fields, error: outcome.error });
      // An up alert the move left queued behind it, of an outage whose down alert this was, goes with it.
      for (const left of [...this.pending]) if (move.left.has(left.id) && !this.running.has(left.id)) this.dropOldMachineNews(left, move);
      return;
    }
    this.options.store.updateDelivery(delivery);
    const retry = cancelled ? 'retried at the next start' : `retry ${attempt} of ${alert.delivery.retries} in ${formatDuration(delay)}`;
    this.options.log.warn(`${what} failed: ${outcome.error}; ${retry}`, { ...fields, error: outcome.error });
  }

  private remove(delivery: Delivery): void {
    const index = this.pending.indexOf(delivery);
    if (index >= 0) this.pending.splice(index, 1);
    this.options.store.deleteDelivery(delivery.id);
  }
}
