// The decision of one route for one target: given what the route has already told the action
// and how the target stands now, what (if anything) to send. Pure and level-triggered: it is
// asked again at every result, transition and flag change, so whatever a maintenance window,
// a dependency, a period or flapping held back goes out once it no longer applies.
import type { AlertKind, TargetState } from '../plugin.js';
import type { AfterRule, RoutePlan } from './alert-policy.js';
import { inPeriod } from './time-period.js';

/** What a route has told its action about a target (persisted, so a restart does not repeat it). */
export interface RouteState {
  /** The outage the counters below belong to. */
  outageId?: number;
  /** A down (or flapping) alert went out for this outage: an up alert is owed at recovery. */
  downSent: boolean;
  /** Alerts sent for this outage (for numalerts). */
  sent: number;
  lastSentAt?: number;
  /** The failure the last down or repeat alert carried, as repeat_on_change compares it (failureKey). */
  lastSummary?: string;
  /** What the action was last told: up, down or flapping. */
  told?: 'up' | 'down' | 'flapping';
}

export const EMPTY_ROUTE_STATE: RouteState = { downSent: false, sent: 0 };

/** How the target stands at the moment of the decision. */
export interface Situation {
  now: number;
  /**
   * Decided at a result of the target's own check. Repeats go out only then (`every`: at the first
   * check after so long): a flag change or a parent's answer sends none of its own.
   */
  atCheck: boolean;
  state: TargetState;
  /** The state before the current one. */
  previousState: TargetState;
  outageId?: number;
  flapping: boolean;
  /** In maintenance and this alert holds during maintenance. */
  held: boolean;
  /** A service it depends on is DOWN (or failing). */
  parentDown: boolean;
  acknowledged: boolean;
  consecutiveFailures: number;
  /** When the current failing streak began. */
  failingSince?: number;
  /** Failed checks after a moment (for `after: {failures, within}`). */
  failuresSince(from: number): number;
  /** The latest failure's message while failing (mon's summary line for mon monitors). */
  failureSummary?: string;
  /** The latest failure's detail lines while failing (mon's output after the summary). */
  failureDetail?: string;
}

export interface Decision {
  kind: AlertKind;
  /** The state the event reports as before. */
  from: TargetState;
  next: RouteState;
}

function afterSatisfied(after: AfterRule | undefined, s: Situation): boolean {
  if (!after) return true;
  if ('consecutive' in after) return s.consecutiveFailures >= after.consecutive;
  if ('failingForMs' in after) return s.failingSince !== undefined && s.now - s.failingSince >= after.failingForMs;
  return s.failuresSince(s.now - after.withinMs) >= after.failures;
}

/** What repeat_on_change compares: the failure message, with `detail` also its detail lines. */
function failureKey(repeatOnChange: RoutePlan['policy']['repeatOnChange'], s: Situation): string | undefined {
  if (s.failureSummary === undefined) return undefined;
  return repeatOnChange === 'detail' ? `${s.failureSummary}\n${s.failureDetail ?? ''}` : s.failureSummary;
}

function sent(state: RouteState, kind: AlertKind, from: TargetState, s: Situation, told: RouteState['told'], failure: string | undefined): Decision {
  const next: RouteState = { outageId: s.outageId, downSent: true, sent: state.sent + 1, lastSentAt: s.now, told };
  if (failure !== undefined) next.lastSummary = failure;
  return { kind, from, next };
}

/** A route that tells people: after, every, numalerts, period, up, acknowledgements and dependencies apply. */
export function decideNotify(route: RoutePlan, state: RouteState, s: Situation): Decision | RouteState | undefined {
  const policy = route.policy;
  // down: false (mon's upalert alone) decides as usual but keeps to itself what it would send, so
  // its up alert pairs with the down alert it would have sent.
  const quiet = policy.down === false;
  const send = (decision: Decision) => (quiet ? decision.next : decision);
  const failure = failureKey(policy.repeatOnChange, s);
  if (s.held) return undefined;
  const open = !policy.period || inPeriod(policy.period, new Date(s.now));

  if (s.flapping) {
    if (state.told === 'flapping' || !open || s.parentDown) return undefined;
    return send(sent(state, 'flapping', s.state, s, 'flapping', failure));
  }

  if (s.state === 'down') {
    let current = state;
    // A different outage (the last one ended while nothing could be sent): start counting again.
    if (state.outageId !== s.outageId && state.told !== 'flapping') current = { ...EMPTY_ROUTE_STATE, outageId: s.outageId, told: state.told };
    if (s.parentDown || !open || s.acknowledged) return current === state ? undefined : current;
    if (!current.downSent || current.told === 'flapping') {
      if (current.told !== 'flapping' && !afterSatisfied(policy.after, s)) return current === state ? undefined : current;
      return send(sent(current, 'down', current.told === 'flapping' ? 'unknown' : s.previousState, s, 'down', failure));
    }
    const capped = policy.numalerts !== undefined && current.sent >= policy.numalerts;
    const due = policy.everyMs !== undefined && s.now - (current.lastSentAt ?? 0) >= policy.everyMs - repeatSlackMs(policy.everyMs);
    const changed = !!policy.repeatOnChange && failure !== undefined && current.lastSummary !== undefined && failure !== current.lastSummary;
    if ((due || changed) && s.atCheck && !capped && !quiet) return sent(current, 'repeat', 'down', s, 'down', failure);
    return current === state ? undefined : current;
  }

  if (s.state === 'up' && state.downSent) {
    const cleared: RouteState = { ...EMPTY_ROUTE_STATE, told: 'up' };
    // mon: no up alert outside the period (and none when up alerts are off); the debt is dropped.
    if (!policy.up || !open) return cleared;
    return { kind: 'up', from: state.told === 'flapping' ? 'unknown' : 'down', next: cleared };
  }
  return undefined;
}

/** A route that mirrors state (an LVS pool): every change at once; flapping takes the target out. */
export function decideState(state: RouteState, s: Situation): Decision | undefined {
  if (s.held) return undefined;
  if (s.flapping) {
    if (state.told === 'flapping') return undefined;
    return { kind: 'flapping', from: s.state, next: { ...state, told: 'flapping' } };
  }
  if ((s.state === 'up' || s.state === 'down') && state.told !== s.state) {
    const from: TargetState = state.told === 'up' || state.told === 'down' ? state.told : 'unknown';
    return { kind: s.state, from, next: { ...EMPTY_ROUTE_STATE, outageId: s.outageId, told: s.state } };
  }
  return undefined;
}

/** Either kind of route. Returns a decision to send, a new state without sending, or nothing. */
/**
 * Checks run on a fixed phase, each a few milliseconds either side of it: `every: 1h` with a 5m
 * interval must repeat at the check 1h after the last alert, not at the next one (1h05m) because
 * that check came 3 ms early.
 */
function repeatSlackMs(everyMs: number): number {
  return Math.min(100, everyMs / 100);
}

export function decide(route: RoutePlan, state: RouteState, s: Situation): Decision | RouteState | undefined {
  return route.mode === 'state' ? decideState(state, s) : decideNotify(route, state, s);
}

export function isDecision(value: Decision | RouteState | undefined): value is Decision {
  return value !== undefined && 'kind' in value;
}
