// The supervisor: applies a Plan (first start or reload), schedules the checks, feeds results to
// each target's state machine and sends transitions to history, the log and the alerts.
import { EventEmitter } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AlertEngine } from './alerting/alert-engine.js';
import type { OutageRenumbering } from './alerting/renumbered-outages.js';
import { hostMatches } from './control/target-match.js';
import { MaintenanceExpiry } from './maintenance-expiry.js';
import { formatDuration } from './config/duration.js';
import { joinHostPort } from './config/host-entry.js';
import type { ClosedOutage, HistoryStore, OpenOutage } from './history/history-store.js';
import { describeDiff, diffPlans, targetId, targetMoved, type AlertPlan, type CheckTiming, type Plan, type PlanDiff, type ServicePlan, type TargetPlan } from './plan.js';
import type { ActionRecord, CheckResult, Logger, PluginStatus, PreviousRuns, RoutedTarget, Target } from './plugin.js';
import { InFlightChecks, runCheck, runGroupCheck } from './runner.js';
import { Scheduler, type NextRun } from './scheduler.js';
import { isSuccess, TargetStateMachine, type Transition } from './state-machine.js';

/** Operator-set conditions on a target (control commands, maintenance windows). */
export interface TargetFlags {
  /** Not checked at all (mon's disable). */
  disabled?: { at: number; reason?: string };
  /** Checked and recorded, but no action fires. */
  maintenance?: { at: number; until?: number; reason?: string };
  /** The current outage is known: no more repeat alerts for it. Cleared when the target is UP again. */
  acknowledged?: { at: number; by?: string; comment: string; outageId?: number };
  /** Changing state too often (set by the alert policy's flapping detection): alerts held, out of the pool. */
  flapping?: { since: number; measure: string };
}

interface TargetRecord {
  planned: TargetPlan;
  machine: TargetStateMachine;
  flags: TargetFlags;
}

/** Which targets a control command means: any combination of service, group and host. */
export interface TargetSelector {
  service?: string;
  group?: string;
  host?: string;
}

/** What the scheduler holds per job: one target, or a whole group for batch checks. */
interface JobPayload {
  service: string;
  targetIds: string[];
  /** Kept across runs (and reloads) for checks that want it, e.g. mon's MON_LAST_* variables. */
  previous: PreviousRuns;
}

export interface TransitionEvent {
  target: Target;
  transition: Transition;
  outage?: OpenOutage | ClosedOutage;
}

/** Every check result, for aggregates and flapping detection. */
export interface ResultEvent {
  target: Target;
  result: CheckResult;
  at: number;
}

/** An action an alert plugin recorded (an ipvsadm command, a hook run); `type` is the alert's type. */
export interface ActionEvent {
  alert: string;
  type: string | undefined;
  action: ActionRecord;
}

/** A plugin's health as it reported it; `status` undefined when withdrawn (alert removed). */
export interface PluginStatusEvent {
  alert: string;
  status: PluginStatus | undefined;
}

export interface SupervisorOptions {
  history: HistoryStore;
  log: Logger;
  now?: () => number;
  /** How often changed alert failure counts are saved (tests shorten it). */
  memorySaveMs?: number;
}

/** Stable fraction in [0, 1) from a string (FNV-1a), so a target keeps its phase across restarts. */
function phaseOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) / 0x1_0000_0000;
}

/** Updates a job's record of earlier runs after a run (`passed`: up or warning). */
function rememberRun(previous: PreviousRuns, passed: boolean, summary: string | undefined, output: string | undefined, at: number): void {
  previous.lastSummary = summary;
  previous.lastOutput = output;
  if (passed) {
    previous.lastSuccessAt = at;
    previous.firstFailureAt = undefined;
  } else {
    previous.lastFailureAt = at;
    previous.firstFailureAt ??= at;
  }
}

function jobsFor(service: ServicePlan, targetIds: string[]): Map<string, JobPayload> {
  const jobs = new Map<string, JobPayload>();
  if (service.disabled) return jobs;
  if (service.batch) jobs.set(`${service.name}/*`, { service: service.name, targetIds, previous: {} });
  else for (const id of targetIds) jobs.set(id, { service: service.name, targetIds: [id], previous: {} });
  return jobs;
}

export class Supervisor extends EventEmitter {
  private plan: Plan | undefined;
  private readonly targets = new Map<string, TargetRecord>();
  private readonly scheduler: Scheduler<JobPayload>;
  private readonly alerts: AlertEngine;
  private readonly inFlight = new InFlightChecks();
  private readonly maintenanceExpiry: MaintenanceExpiry;
  private readonly now: () => number;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.alerts = new AlertEngine({
      host: this,
      services: {
        targets: (alert) => this.routedTargets(alert),
        record: (alert, action) => {
          options.history.recordAction(alert, action, this.now());
          this.emit('action', { alert, type: this.plan?.alerts.get(alert)?.type, action } satisfies ActionEvent);
        },
        reportStatus: (alert, status) => {
          options.history.reportStatus(alert, status, this.now());
          this.emit('plugin-status', { alert, status } satisfies PluginStatusEvent);
        },
      },
      history: options.history,
      log: options.log,
      now: this.now,
      memorySaveMs: options.memorySaveMs,
      onDeliveryOutcome: (outcome) => this.emit('delivery', outcome),
    });
    this.maintenanceExpiry = new MaintenanceExpiry(this, options.log, this.now);
    this.scheduler = new Scheduler<JobPayload>(1024, {
      run: (payload) => this.runJob(payload),
      next: (payload) => this.nextRun(payload),
      onStart: (lagMs) => this.emit('check-start', lagMs),
      now: this.now,
    });
  }

  get currentPlan(): Plan | undefined {
    return this.plan;
  }

  schedulerStats() {
    return this.scheduler.stats();
  }

  /** Current state of every target. */
  states(): Array<{ target: Target; machine: TargetStateMachine; service: ServicePlan; timing: CheckTiming; flags: TargetFlags }> {
    return [...this.targets.values()].map(({ planned, machine, flags }) => ({ target: planned.target, machine, service: planned.service, timing: planned.timing, flags }));
  }

  /** The targets an alert's routes reach, with their states (for alert plugins). */
  private routedTargets(alert: AlertPlan): RoutedTarget[] {
    return alert.routedTargets.flatMap((id) => {
      const record = this.targets.get(id);
      if (!record) return [];
      const { planned, machine, flags } = record;
      const routed: RoutedTarget = { target: planned.target, state: machine.state, initialState: planned.service.initialState, since: machine.since, maintenance: !!flags.maintenance };
      if (machine.lastResult?.weight !== undefined) routed.reportedWeight = machine.lastResult.weight;
      return [routed];
    });
  }

  /** Ids of the targets a selector matches (an empty selector matches none); a host by name, address or address:port. */
  select(selector: TargetSelector): string[] {
    if (!selector.service && !selector.group && !selector.host) return [];
    return [...this.targets.values()]
      .filter(({ planned: { target } }) =>
        (!selector.service || target.service === selector.service) &&
        (!selector.group || target.group === selector.group) &&
        (!selector.host || hostMatches(selector.host, target)))
      .map(({ planned }) => planned.target.id);
  }

  flagsOf(id: string): Readonly<TargetFlags> | undefined {
    return this.targets.get(id)?.flags;
  }

  /** Stops (or resumes) checking targets, like mon's disable/enable. Returns the ids changed. */
  setDisabled(ids: string[], disabled: boolean, reason?: string): string[] {
    const changed = this.updateFlags(ids, (flags) => {
      if (disabled === !!flags.disabled) return false;
      if (disabled) flags.disabled = { at: this.now(), reason };
      else delete flags.disabled;
      return true;
    });
    if (changed.length) this.syncJobs(this.plan, this.now());
    return changed;
  }

  /** Puts targets in (or takes them out of) maintenance: checked and recorded, no actions. */
  setMaintenance(ids: string[], maintenance: { until?: number; reason?: string } | undefined): string[] {
    return this.updateFlags(ids, (flags) => {
      if (!maintenance && !flags.maintenance) return false;
      if (maintenance) flags.maintenance = { at: this.now(), ...maintenance };
      else delete flags.maintenance;
      return true;
    });
  }

  /** Marks a target as flapping (or no longer); set by the alert policy's flapping detection. */
  setFlapping(id: string, flapping: { since: number; measure: string } | undefined): boolean {
    return this.updateFlags([id], (flags) => {
      if (!flapping && !flags.flapping) return false;
      if (flapping) flags.flapping = flapping;
      else delete flags.flapping;
      return true;
    }).length > 0;
  }

  /** Acknowledges a DOWN target's outage; false when the target is not down. */
  acknowledge(id: string, ack: { by?: string; comment: string }): boolean {
    const record = this.targets.get(id);
    if (!record || record.machine.state !== 'down') return false;
    record.flags.acknowledged = { at: this.now(), ...ack, outageId: this.options.history.openOutage(id)?.id };
    this.emit('flags', { targetId: id, flags: record.flags });
    return true;
  }

  /**
   * The history held in memory was written into its file (history-recovery.ts), where the outages
   * it recorded have other ids: acknowledgements name them by those now, and the alert policy also
   * takes up what an earlier run's alerts told (AlertEngine.historyMovedToFile).
   */
  historyMovedToFile(ids: OutageRenumbering): void {
    for (const { flags } of this.targets.values()) {
      const id = flags.acknowledged?.outageId === undefined ? undefined : ids.get(flags.acknowledged.outageId);
      if (id !== undefined) flags.acknowledged!.outageId = id;
    }
    this.alerts.historyMovedToFile(ids);
  }

  private updateFlags(ids: string[], change: (flags: TargetFlags) => boolean): string[] {
    const changed: string[] = [];
    for (const id of ids) {
      const record = this.targets.get(id);
      if (!record || !change(record.flags)) continue;
      changed.push(id);
      this.emit('flags', { targetId: id, flags: record.flags });
    }
    return changed;
  }

  /** Applies a plan: the first call starts everything, later calls reload and return the diff. */
  async apply(next: Plan): Promise<PlanDiff | undefined> {
    const previous = this.plan;
    const diff = previous ? diffPlans(previous, next) : undefined;
    if (previous) await nextTurn(); // comparing 10,000 targets takes a while; nothing has changed yet
    const now = this.now();
    this.plan = next;
    this.scheduler.setMaxConcurrent(next.config.scheduler.max_concurrent);

    for (const id of [...this.targets.keys()]) {
      if (next.targets.has(id)) continue;
      this.targets.delete(id);
      const closed = this.options.history.closeForRemovedTarget(id, now);
      if (closed) this.options.log.info(`${id} removed from the configuration; closed outage #${closed.id}`);
    }
    for (const [id, planned] of next.targets) {
      const record = this.targets.get(id);
      const rules = { rise: planned.timing.rise, fall: planned.timing.fall, initialState: planned.service.initialState };
      if (record && targetMoved(record.planned.target, planned.target)) {
        // Same name, another machine: what was known of the old one (state, outage, its
        // acknowledgement) says nothing of this one. It starts afresh, like a target just added.
        this.startMovedAfresh(planned.target, now, '');
        record.planned = planned;
        record.machine = new TargetStateMachine(rules, now);
        if (record.flags.acknowledged) {
          delete record.flags.acknowledged;
          this.emit('flags', { targetId: id, flags: record.flags });
        }
        continue;
      }
      if (record) {
        record.planned = planned;
        record.machine.rules = rules; // state and counters carry over
        continue;
      }
      // The config was edited while the daemon was stopped to put another machine under this name:
      // as at a reload (its state and open outage, as restored, would be the old machine's).
      const recorded = this.options.history.recordedEndpoint(id);
      if (!previous && recorded && targetMoved(recorded, planned.target)) this.startMovedAfresh(planned.target, now, ' while the daemon was stopped');
      this.options.history.ensureTarget(planned.target, now);
      const machine = new TargetStateMachine(rules, now, this.options.history.restoredState(id));
      this.targets.set(id, { planned, machine, flags: this.options.history.restoredFlags(id) ?? {} });
    }
    if (!previous) this.forgetOrphans(now);
    this.syncJobs(previous, now);
    await this.alerts.apply(next);
    this.maintenanceExpiry.arm(); // restored maintenance may have ended while the daemon was down
    if (diff) for (const line of describeDiff(diff)) this.options.log.info(`reload: ${line}`);
    return diff;
  }

  /** Closes the old machine's outage and forgets its state; the alert engine hears of it ('moved'). */
  private startMovedAfresh(target: Target, now: number, when: string): void {
    const endpoint = joinHostPort(target.address, target.port);
    const closed = this.options.history.closeForMovedTarget(target.id, now, endpoint);
    this.options.log.info(`${target.id} moved to ${endpoint}${when}: checked afresh${closed ? `; closed outage #${closed.id}` : ''}`);
    this.emit('moved', { targetId: target.id });
  }

  start(): void {
    this.alerts.start();
    this.scheduler.start();
  }

  /** Runs a target's (or a service's) check as soon as possible. */
  checkNow(id: string): boolean {
    const record = this.targets.get(id);
    const jobId = record?.planned.service.batch ? `${record.planned.service.name}/*` : id;
    return this.scheduler.runAt(jobId, this.now());
  }

  /**
   * Stops starting checks, lets the ones in flight finish for up to `graceMs`, then aborts
   * the rest, waits for alerts in flight, and flushes history.
   */
  async stop(graceMs: number): Promise<void> {
    this.maintenanceExpiry.stop();
    const idle = this.scheduler.stop();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([idle, grace]);
    this.inFlight.cancelAll();
    await idle;
    await this.alerts.close();
    this.options.history.flush();
  }

  private forgetOrphans(now: number): void {
    for (const key of this.options.history.orphans(new Set(this.targets.keys()))) {
      const closed = this.options.history.closeForRemovedTarget(key, now);
      if (closed) this.options.log.info(`${key} is no longer configured; closed its open outage #${closed.id}`);
    }
  }

  /** Makes the scheduler's jobs match the plan; new jobs start spread over their service's window. */
  private syncJobs(previous: Plan | undefined, now: number): void {
    const wanted = new Map<string, JobPayload>();
    for (const service of this.plan!.services.values()) {
      const ids = service.hosts.map((host) => targetId(service.name, host.name)).filter((id) => !this.targets.get(id)?.flags.disabled);
      if (!ids.length) continue;
      for (const [jobId, payload] of jobsFor(service, ids)) wanted.set(jobId, payload);
    }
    for (const jobId of [...this.scheduler.ids()]) if (!wanted.has(jobId)) this.scheduler.remove(jobId);
    for (const [jobId, payload] of wanted) {
      const service = this.plan!.services.get(payload.service)!;
      const existing = this.scheduler.get(jobId);
      if (!existing) {
        this.scheduler.add(jobId, payload, now + phaseOf(jobId) * service.spreadMs);
        continue;
      }
      payload.previous = existing.payload.previous;
      existing.payload = payload;
      const before = previous && this.timingOf(previous, payload);
      const timing = this.timingOf(this.plan!, payload)!; // the job is wanted: its service is planned
      // A shorter interval should not wait out the old, longer one.
      if (before && timing.intervalMs < before.intervalMs && existing.dueAt > now + timing.intervalMs) {
        this.scheduler.runAt(jobId, now + phaseOf(jobId) * timing.intervalMs);
      }
    }
  }

  /** A job's timing: its service's for a batch, else its target's (a real server may have its own). */
  private timingOf(plan: Plan, payload: JobPayload): CheckTiming | undefined {
    const service = plan.services.get(payload.service);
    if (!service || service.batch) return service;
    return plan.targets.get(payload.targetIds[0]!)?.timing ?? service;
  }

  private nextRun(payload: JobPayload): NextRun {
    const timing = this.timingOf(this.plan!, payload);
    if (!timing) return { delayMs: 1_000, from: 'after' }; // removed meanwhile; the job is gone too
    let down = false;
    for (const id of payload.targetIds) {
      const machine = this.targets.get(id)?.machine;
      if (!machine) continue;
      if (machine.transitioning) return { delayMs: timing.fastIntervalMs, from: 'after' };
      down ||= machine.state === 'down';
    }
    return down ? { delayMs: timing.downIntervalMs, from: 'phase' } : { delayMs: timing.intervalMs, from: 'phase' };
  }

  private async runJob(payload: JobPayload): Promise<void> {
    const service = this.plan?.services.get(payload.service);
    if (!service) return;
    const runOptions = { timeoutMs: service.timeoutMs, log: this.options.log, inFlight: this.inFlight, previous: payload.previous, description: service.description };
    if (!service.batch) {
      // The common case, kept free of per-check arrays: one target, one check.
      const record = this.targets.get(payload.targetIds[0]!);
      if (!record) return;
      const { plugin, options } = record.planned.check;
      const target = record.planned.target;
      runOptions.timeoutMs = record.planned.timing.timeoutMs;
      const result = await runCheck(plugin, target, options, runOptions);
      if (this.inFlight.cancelled || !this.stillChecks(record, target)) return;
      rememberRun(payload.previous, isSuccess(result), result.message, result.detail, this.now());
      this.observe(record, result);
      return;
    }
    const checked = payload.targetIds.flatMap((id) => {
      const record = this.targets.get(id);
      return record ? [{ record, target: record.planned.target }] : [];
    });
    if (!checked.length) return;
    const results = await runGroupCheck(service.plugin, checked.map(({ target }) => target), service.options, runOptions);
    if (this.inFlight.cancelled) return;
    const current = checked.filter(({ record, target }) => this.stillChecks(record, target));
    if (!current.length) return;
    const failed = current.filter(({ target }) => !isSuccess(results.get(target.id)!)).map(({ target }) => target.name);
    const first = results.get(current[0]!.target.id)!;
    rememberRun(payload.previous, failed.length === 0, failed.join(' '), first.detail, this.now()); // mon's summary: the failed hosts
    for (const { record, target } of current) this.observe(record, results.get(target.id)!);
  }

  /**
   * Whether a result for `target` (as it was when its check began) still counts: not when a reload
   * meanwhile removed the target or moved it to another machine, as the result is the old one's.
   */
  private stillChecks(record: TargetRecord, target: Target): boolean {
    return this.targets.get(target.id) === record && !targetMoved(target, record.planned.target);
  }

  private observe(record: TargetRecord, result: CheckResult): void {
    if (this.inFlight.cancelled) return; // cut short by the stop, not a verdict
    const target = record.planned.target;
    const at = this.now();
    this.emit('result', { target, result, at } satisfies ResultEvent);
    this.options.log.debug(`${target.id} ${result.status}${result.message ? `: ${result.message}` : ''}`, {
      target: target.id,
      status: result.status,
      latencyMs: result.latencyMs,
    });
    const transition = record.machine.observe(result, at);
    if (!transition) return;
    const outage = this.options.history.recordTransition(target, transition);
    this.logTransition(target, transition, outage);
    const event: TransitionEvent = { target, transition, outage };
    this.emit('transition', event); // the alert engine listens (the up alert still sees the acknowledgement, as mon's MON_ACK)
    if (transition.to === 'up' && record.flags.acknowledged) {
      delete record.flags.acknowledged; // an acknowledgement covers one outage
      this.emit('flags', { targetId: target.id, flags: record.flags });
    }
  }

  private logTransition(target: Target, transition: Transition, outage?: OpenOutage | ClosedOutage): void {
    const { from, to, result, streak } = transition;
    const counted = to === 'up' ? `${streak} success${streak === 1 ? '' : 'es'}` : `${streak} failure${streak === 1 ? '' : 's'}`;
    let line = `${target.id} ${from.toUpperCase()} → ${to.toUpperCase()} after ${counted}`;
    if (to === 'down') line += `: ${result.message ?? 'check failed'}`;
    if (outage && 'durationMs' in outage) line += ` (outage #${outage.id} lasted ${formatDuration(outage.durationMs)})`;
    else if (outage) line += ` (outage #${outage.id})`;
    const level = to === 'down' ? 'warn' : 'info';
    this.options.log[level](line, {
      event: 'transition',
      target: target.id,
      service: target.service,
      host: target.name,
      from,
      to,
      message: result.message,
      latencyMs: result.latencyMs,
      outageId: outage?.id,
      outageDurationMs: outage && 'durationMs' in outage ? outage.durationMs : undefined,
    });
  }
}
