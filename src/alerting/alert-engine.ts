// The alert policy engine: sits between the supervisor's events and the alert plugins. For every
// result, transition and flag change it asks each of the target's routes what to send
// (route-decision.ts), and hands what is decided to the delivery queue. It also runs flapping
// detection, maintenance windows and startup alerts. Nothing here blocks a check: decisions are
// synchronous and cheap, deliveries run on their own.
import type { EventEmitter } from 'node:events';
import type { HistoryStore, OpenOutage, ClosedOutage } from '../history/history-store.js';
import type { CheckResult, Logger, ResultNotice, Target, TargetState } from '../plugin.js';
import { joinHostPort } from '../config/host-entry.js';
import type { Plan, ServicePlan } from '../plan.js';
import { isSuccess } from '../state-machine.js';
import type { ResultEvent, TargetFlags, TransitionEvent } from '../supervisor.js';
import { buildAlertEvent } from './alert-event.js';
import { AlertLifecycle, type AlertHost } from './alert-lifecycle.js';
import { AlertStore, routeKey, type TargetMemory } from './alert-store.js';
import { DeliveryQueue, type DeliveryOutcome } from './delivery-queue.js';
import { FlapDetector, type FlapChange } from './flap-detector.js';
import { MaintenanceWindows } from './maintenance-windows.js';
import { ParentConfirmation } from './parent-confirmation.js';
import type { OutageRenumbering } from './renumbered-outages.js';
import { decide, EMPTY_ROUTE_STATE, isDecision, type RouteState, type Situation } from './route-decision.js';
import { TargetFacts, type OutageFacts } from './target-facts.js';
import { inPeriod } from './time-period.js';

/** What the engine needs from the supervisor. */
export interface AlertingHost extends EventEmitter {
  flagsOf(id: string): Readonly<TargetFlags> | undefined;
  setFlapping(id: string, flapping: { since: number; measure: string } | undefined): boolean;
  setMaintenance(ids: string[], maintenance: { until?: number; reason?: string } | undefined): string[];
  states(): Array<{ target: { id: string }; machine: { state: TargetState } }>;
  /** Runs a target's check as soon as possible (false: no such target being checked). */
  checkNow(id: string): boolean;
}

export interface AlertEngineOptions {
  host: AlertingHost;
  /** What alert plugins may ask of the daemon (routed targets, action log, status). */
  services: AlertHost;
  history: HistoryStore;
  log: Logger;
  now: () => number;
  /** How often changed failure counts are saved (default MEMORY_SAVE_MS). */
  memorySaveMs?: number;
  /** Told how each delivery attempt ended (metrics). */
  onDeliveryOutcome?: (outcome: DeliveryOutcome) => void;
}

/**
 * Failure counts that changed are saved this often, so a crash (no clean stop to save them) loses
 * at most this much of them; a clean stop saves them all.
 */
const MEMORY_SAVE_MS = 10_000;

/** A stop no longer than a minute, or ten of a target's check intervals, keeps its failure streak. */
const BRIEF_STOP_MS = 60_000;
const BRIEF_STOP_CHECKS = 10;

/** Most time a stop waits for deliveries in flight before cutting them (they stay queued). */
const STOP_GRACE_MS = 5_000;

function outageFacts(outage: OpenOutage | ClosedOutage | undefined): OutageFacts | undefined {
  if (!outage) return undefined;
  return 'endedAt' in outage ? { ...outage } : { id: outage.id, startedAt: outage.startedAt, cause: outage.cause };
}

export class AlertEngine {
  private plan: Plan | undefined;
  private readonly facts = new Map<string, TargetFacts>();
  private readonly flaps = new Map<string, FlapDetector>();
  /** Targets that moved to another machine since the last plan was applied (see forgetOldMachine). */
  private readonly moved = new Set<string>();
  /** When each target last moved: the state changes recorded before are the old machine's, not counted toward flapping. */
  private readonly movedAt = new Map<string, number>();
  private readonly routeStates: Map<string, RouteState>;
  /** What the last run saved, handed to each target's facts and detector once. */
  private readonly memories: Map<string, TargetMemory>;
  /** Targets whose failure counts changed since they were last saved. */
  private readonly changedMemories = new Set<string>();
  private memoryTimer: NodeJS.Timeout | undefined;
  private readonly store: AlertStore;
  private readonly queue: DeliveryQueue;
  private readonly lifecycle: AlertLifecycle;
  private readonly windows: MaintenanceWindows;
  private readonly parents: ParentConfirmation;
  private readonly log: Logger;
  private readonly now: () => number;
  private started = false;

  constructor(private readonly options: AlertEngineOptions) {
    this.log = options.log;
    this.now = options.now;
    this.store = new AlertStore(options.history);
    this.routeStates = this.store.loadRouteStates();
    this.memories = this.store.takeMemories();
    this.lifecycle = new AlertLifecycle(options.log, options.services);
    this.queue = new DeliveryQueue({
      store: this.store,
      log: options.log,
      now: options.now,
      alert: (name) => this.lifecycle.get(name),
      services: (alert) => this.lifecycle.services(alert),
      onOutcome: options.onDeliveryOutcome,
    });
    this.queue.load();
    this.windows = new MaintenanceWindows(options.host, options.log, options.now);
    this.parents = new ParentConfirmation({
      checkNow: (id) => options.host.checkNow(id),
      lastResultAt: (id) => this.facts.get(id)?.lastResultAt,
      timeoutMs: (id) => this.plan?.targets.get(id)?.timing.timeoutMs ?? 0,
      reevaluate: (id) => this.evaluate(id),
      now: options.now,
    });
    options.host.on('result', (event: ResultEvent) => this.onResult(event));
    options.host.on('transition', (event: TransitionEvent) => this.onTransition(event));
    options.host.on('flags', ({ targetId }: { targetId: string }) => this.evaluate(targetId));
    options.host.on('moved', ({ targetId }: { targetId: string }) => this.forgetOldMachine(targetId));
  }

  /** Deliveries waiting or being retried. */
  get pendingDeliveries() {
    return this.queue.waiting;
  }

  /** Takes a new plan: alert plugins started/stopped, targets tracked, maintenance windows scheduled. */
  async apply(plan: Plan): Promise<void> {
    this.plan = plan;
    // First, before a retry can start: the queued alerts of the machines that moved away.
    for (const id of this.moved) {
      const target = plan.targets.get(id)?.target;
      if (!target) continue;
      const reason = `${id} moved to ${joinHostPort(target.address, target.port)}, another machine`;
      this.queue.forgetOldMachine({ target: id, reason, modeOf: (alert) => plan.alerts.get(alert)?.mode });
    }
    const states = new Map(this.options.host.states().map(({ target, machine }) => [target.id, machine.state]));
    for (const id of [...this.facts.keys()]) if (!plan.targets.has(id)) (this.facts.delete(id), this.flaps.delete(id), this.movedAt.delete(id));
    this.forgetRemovedRoutes(plan);
    for (const [id, { target, service, timing }] of plan.targets) {
      const facts = this.facts.get(id);
      const memory = this.memories.get(id);
      this.memories.delete(id);
      if (memory?.movedAt !== undefined) this.movedAt.set(id, memory.movedAt);
      // Streaks and latest results carry over a short stop (a restart, an upgrade); after a longer
      // one the target may have changed meanwhile: they start over. Failure times always come
      // back: `within` windows judge them by their age.
      const brief = memory?.savedAt !== undefined && this.options.now() - memory.savedAt <= Math.max(BRIEF_STOP_MS, BRIEF_STOP_CHECKS * timing.intervalMs);
      if (facts) facts.target = target;
      else {
        const fresh = new TargetFacts(target, states.get(id) ?? 'unknown', outageFacts(this.options.history.openOutage(id)));
        if (memory?.facts) fresh.restore(memory.facts, brief);
        this.facts.set(id, fresh);
      }
      const detector = this.flaps.get(id);
      if (this.moved.has(id) && this.options.host.flagsOf(id)?.flapping) {
        this.log.info(`${id} moved: the old machine's flapping is forgotten`, { event: 'flapping', target: id, flapping: false });
        this.options.host.setFlapping(id, undefined);
      }
      const flagged = this.options.host.flagsOf(id)?.flapping; // also as restored after a restart
      if (!service.flapping) {
        if (flagged) this.options.host.setFlapping(id, undefined);
        this.flaps.delete(id);
      } else if (!detector || JSON.stringify(detector.rule) !== JSON.stringify(service.flapping)) {
        const rule = service.flapping;
        const fresh = new FlapDetector(rule);
        fresh.restore({
          // Recorded changes within the window, but not those of the machine it had before a move.
          changes: rule.method === 'changes' ? this.options.history.stateChangesSince(id, Math.max(this.options.now() - rule.withinMs, this.movedAt.get(id) ?? -Infinity)) : [],
          results: brief ? (memory?.flapResults ?? []) : [],
          flapping: flagged,
        });
        this.flaps.set(id, fresh);
      }
    }
    this.moved.clear();
    await this.lifecycle.setAlerts(plan.alerts, plan.targets);
    this.queue.forgetRemovedAlerts();
    this.windows.apply(plan);
  }

  /**
   * What the routes of targets no longer configured had told (at a reload, or while the daemon was
   * stopped): their outage was closed when they left, so a target added back later owes no up alert.
   */
  private forgetRemovedRoutes(plan: Plan): void {
    for (const key of [...this.routeStates.keys()]) {
      const [alert, target] = key.split('\u0000') as [string, string];
      if (plan.targets.has(target)) continue;
      this.routeStates.delete(key);
      this.store.forgetRouteState(alert, target);
    }
  }

  /**
   * A target that moved (same name, another machine): what was known of the old machine says nothing
   * of the new one. Its facts and flapping history start empty, as after a removal (apply() makes them
   * anew, and drops what is queued to tell of the old machine); what the last run saved of it is the
   * old machine's too (a move made while the daemon was stopped).
   */
  private forgetOldMachine(id: string): void {
    this.forgetRoutesOfMoved(id);
    this.facts.delete(id);
    this.flaps.delete(id);
    this.memories.delete(id);
    this.movedAt.set(id, this.now());
    this.changedMemories.add(id); // the move time, saved with its memory
    this.moved.add(id);
  }

  /**
   * What the routes of a target that moved had told of the old machine: the move closed its outage,
   * as a removal does, so (as after a removal) no up alert is owed for it, and the actions hear of
   * the new machine as of a target just added.
   */
  private forgetRoutesOfMoved(id: string): void {
    for (const [key, state] of [...this.routeStates]) {
      const [alert, target] = key.split('\u0000') as [string, string];
      if (target !== id) continue;
      if (state.downSent) {
        const outage = state.outageId === undefined ? 'the old address' : `outage #${state.outageId} of the old address`;
        this.log.info(`${id} moved: no up alert to ${alert} for ${outage}, which the move closed`, { event: 'alert-dropped', alert, target: id });
      }
      this.routeStates.delete(key);
      this.store.forgetRouteState(alert, id);
    }
  }

  /**
   * The history held in memory was written into its file (history-recovery.ts): outages recorded in
   * memory have the file's ids now, and what an earlier run's routes told, kept in the file, is
   * taken up where this run's have told nothing, as a start takes it up: a down alert sent before
   * the disk broke owes its up alert once the target is up.
   */
  historyMovedToFile(ids: OutageRenumbering): void {
    const fileId = (id: number) => ids.get(id) ?? id;
    for (const facts of this.facts.values()) if (facts.outage) facts.outage = { ...facts.outage, id: fileId(facts.outage.id) };
    // The saved route states were renumbered with the rest of the history.
    for (const [key, state] of this.routeStates) if (state.outageId !== undefined) this.routeStates.set(key, { ...state, outageId: fileId(state.outageId) });
    this.queue.outagesRenumbered(ids);
    const takenUp = new Set<string>();
    for (const [key, state] of this.store.loadRouteStates()) {
      const target = key.split('\u0000')[1]!;
      if (this.routeStates.has(key) || !this.plan?.targets.has(target)) continue;
      this.routeStates.set(key, state);
      takenUp.add(target);
    }
    for (const id of takenUp) this.evaluate(id);
  }

  /** Starts delivering (including what the last run left queued) and sends startup alerts. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.memoryTimer = setInterval(() => this.saveChangedMemories(), this.options.memorySaveMs ?? MEMORY_SAVE_MS).unref();
    this.queue.start();
    this.sendStartupAlerts();
  }

  async close(): Promise<void> {
    this.windows.stop();
    this.parents.close();
    clearInterval(this.memoryTimer);
    this.store.replaceMemories(this.memoriesOf(this.facts.keys()), this.now());
    await this.queue.stop(STOP_GRACE_MS);
    await this.lifecycle.stopAll();
  }

  private onResult({ target, result, at }: ResultEvent): void {
    const facts = this.facts.get(target.id);
    if (!facts) return;
    const wasFailing = facts.consecutiveFailures > 0;
    facts.observe(result, at);
    this.forwardResult(target, result, at);
    const detector = this.flaps.get(target.id);
    const flap = detector?.onResult(isSuccess(result), at);
    if (flap) this.flapChanged(target.id, flap);
    // Counts worth saving changed: a failure, the first success after some, a flapping window with a failure.
    if (wasFailing || facts.consecutiveFailures > 0 || detector?.recentResults.includes(false)) this.changedMemories.add(target.id);
    // A result that disagrees with the state is followed by a transition (or is not yet one):
    // deciding now would, say, send a repeat for a target that is coming back.
    const agrees = isSuccess(result) ? facts.state === 'up' : facts.state === 'down';
    if (agrees) this.evaluate(target.id, true);
    this.parents.answered(target.id);
  }

  private onTransition({ target, transition, outage }: TransitionEvent): void {
    const facts = this.facts.get(target.id);
    if (!facts) return;
    facts.transition(transition.to, transition.to === 'up' || transition.to === 'down' ? outageFacts(outage) : facts.outage);
    if (transition.from !== 'unknown') {
      const flap = this.flaps.get(target.id)?.onTransition(transition.at);
      if (flap) this.flapChanged(target.id, flap);
    }
    this.evaluate(target.id, true);
  }

  /** Every result goes to the routed alerts that observe results, unless maintenance holds them. */
  private forwardResult(target: Target, result: CheckResult, at: number): void {
    const service = this.plan?.targets.get(target.id)?.service;
    if (!service?.alerts.length) return; // the common case, kept free of allocations
    let notice: ResultNotice | undefined;
    let maintenance: boolean | undefined;
    for (const name of service.alerts) {
      const alert = this.plan!.alerts.get(name);
      if (!alert?.plugin.observe) continue;
      maintenance ??= this.inMaintenance(this.options.host.flagsOf(target.id), at);
      if (maintenance && alert.delivery.inMaintenance === 'hold') continue;
      this.lifecycle.observe(name, (notice ??= { target, result, at: new Date(at) }));
    }
  }

  private flapChanged(id: string, change: FlapChange): void {
    const detector = this.flaps.get(id)!;
    if (change === 'start') {
      this.log.warn(`${id} is flapping (${detector.measure}): its alerts are held; one flapping alert goes out`, { event: 'flapping', target: id, flapping: true });
      this.options.host.setFlapping(id, { since: detector.since!, measure: detector.measure });
    } else {
      this.log.info(`${id} stopped flapping: its current state goes out as a normal alert`, { event: 'flapping', target: id, flapping: false });
      this.options.host.setFlapping(id, undefined);
    }
  }

  private inMaintenance(flags: Readonly<TargetFlags> | undefined, now: number): boolean {
    const maintenance = flags?.maintenance;
    return !!maintenance && (maintenance.until === undefined || now < maintenance.until);
  }

  /**
   * A service this one depends on is DOWN or failing (mon: depend), or has not answered since
   * this target began failing and is being checked now (parent-confirmation.ts).
   */
  private parentDown(id: string, service: ServicePlan, facts: TargetFacts): boolean {
    const parents = this.parentTargets(service);
    const failing = (parent: string) => {
      const parentFacts = this.facts.get(parent);
      return !!parentFacts && (parentFacts.state === 'down' || parentFacts.consecutiveFailures > 0);
    };
    if (parents.some(failing)) return true;
    const failingSince = facts.failingSince();
    return failingSince !== undefined && this.parents.waits(id, parents, failingSince);
  }

  /** The targets a service depends on: `svc/host` names one, `svc` all of that service's. */
  private parentTargets(service: ServicePlan): string[] {
    return service.dependsOn.flatMap((dependency) => {
      if (dependency.includes('/')) return [dependency];
      return this.plan?.services.get(dependency)?.hosts.map((host) => `${dependency}/${host.name}`) ?? [];
    });
  }

  /** Asks every route of the target what to send now, and sends it; `atCheck`: at a result of its check. */
  private evaluate(id: string, atCheck = false): void {
    const plan = this.plan;
    const facts = this.facts.get(id);
    const service = plan?.targets.get(id)?.service;
    if (!plan || !facts || !service || !service.routes.length || !this.started) return;
    const now = this.now();
    const flags = this.options.host.flagsOf(id);
    const maintenance = this.inMaintenance(flags, now);
    const base: Omit<Situation, 'held'> = {
      now,
      atCheck,
      state: facts.state,
      previousState: facts.previousState,
      outageId: facts.state === 'down' ? facts.outage?.id : undefined,
      flapping: !!this.flaps.get(id)?.flapping,
      parentDown: service.dependsOn.length > 0 && this.parentDown(id, service, facts),
      acknowledged: !!flags?.acknowledged,
      consecutiveFailures: facts.consecutiveFailures,
      failingSince: facts.failingSince(),
      failuresSince: (from) => facts.failuresSince(from),
      failureSummary: facts.state === 'down' ? facts.lastFailure?.message : undefined,
      failureDetail: facts.state === 'down' ? facts.lastFailure?.detail : undefined,
    };
    for (const route of service.routes) {
      const alert = plan.alerts.get(route.alert);
      if (!alert) continue;
      const key = routeKey(route.alert, id);
      const state = this.routeStates.get(key) ?? EMPTY_ROUTE_STATE;
      const outcome = decide(route, state, { ...base, held: maintenance && alert.delivery.inMaintenance === 'hold' });
      if (!outcome) continue;
      const next = isDecision(outcome) ? outcome.next : outcome;
      if (isDecision(outcome)) {
        const event = buildAlertEvent(outcome.kind, outcome.from, facts, service, now, { flags, count: route.mode === 'notify' && outcome.kind !== 'up' ? outcome.next.sent : undefined });
        this.log.info(`${id}: ${outcome.kind} alert to ${alert.name}`, { event: 'alert-decided', alert: alert.name, kind: outcome.kind, target: id });
        this.queue.enqueue(alert, event);
      }
      this.routeStates.set(key, next);
      this.store.saveRouteState(route.alert, id, next);
    }
  }

  /** Saves the failure counts that changed since the last save (or forgets them, when they are back to none). */
  private saveChangedMemories(): void {
    if (!this.changedMemories.size) return;
    const memories = this.memoriesOf(this.changedMemories);
    this.store.saveMemories(memories, this.now(), [...this.changedMemories].filter((id) => !memories.has(id)));
    this.changedMemories.clear();
  }

  /**
   * The failure counts and flapping results of these targets worth keeping for the next start:
   * failure times only as far back as their routes' `after: {failures, within}` look.
   */
  private memoriesOf(ids: Iterable<string>): Map<string, TargetMemory> {
    const memories = new Map<string, TargetMemory>();
    const now = this.now();
    for (const id of ids) {
      const facts = this.facts.get(id);
      if (!facts) continue;
      const routes = this.plan?.targets.get(id)?.service.routes ?? [];
      const windows = routes.flatMap(({ policy }) => (policy.after && 'withinMs' in policy.after ? [policy.after.withinMs] : []));
      const memory: TargetMemory = {};
      const kept = facts.memory(windows.length ? now - Math.max(...windows) : undefined);
      if (kept) memory.facts = kept;
      const detector = this.flaps.get(id);
      if (detector?.recentResults.length) memory.flapResults = [...detector.recentResults];
      // A move within the flapping window: after a restart, the changes recorded before it still are not counted.
      const movedAt = this.movedAt.get(id);
      if (movedAt !== undefined && detector?.rule.method === 'changes' && movedAt > now - detector.rule.withinMs) memory.movedAt = movedAt;
      if (memory.facts || memory.flapResults || memory.movedAt !== undefined) memories.set(id, memory);
    }
    return memories;
  }

  private sendStartupAlerts(): void {
    const plan = this.plan;
    if (!plan) return;
    const now = this.now();
    for (const [id, { service }] of plan.targets) {
      const facts = this.facts.get(id);
      const flags = this.options.host.flagsOf(id);
      if (!facts || service.disabled || flags?.disabled) continue; // not checked: nothing to say
      for (const route of service.routes) {
        const alert = plan.alerts.get(route.alert);
        if (!alert || route.mode !== 'notify' || !route.policy.startup) continue;
        if (this.inMaintenance(flags, now) && alert.delivery.inMaintenance === 'hold') continue;
        if (route.policy.period && !inPeriod(route.policy.period, new Date(now))) continue;
        this.queue.enqueue(alert, buildAlertEvent('startup', facts.state, facts, service, now, { flags }));
      }
    }
  }
}
