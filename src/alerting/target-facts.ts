// What the alert policy knows about one target, gathered from the supervisor's result and
// transition events: its state, the current failing streak, the outage, the latest results.
import type { CheckResult, Target, TargetState } from '../plugin.js';
import { isSuccess } from '../state-machine.js';

export interface OutageFacts {
  id: number;
  startedAt: number;
  endedAt?: number;
  durationMs?: number;
  cause: string;
}

/** The failure counts that `after` rules read, kept over a daemon restart. */
export interface FactsMemory {
  consecutiveFailures: number;
  firstFailureAt?: number;
  recentFailures: number[];
}

/** Failure times kept for `after: {failures, within}`; beyond this many the oldest go. */
const MAX_RECENT_FAILURES = 1_000;

export class TargetFacts {
  state: TargetState;
  previousState: TargetState = 'unknown';
  outage: OutageFacts | undefined;
  consecutiveFailures = 0;
  firstFailureAt: number | undefined;
  lastFailureAt: number | undefined;
  lastSuccessAt: number | undefined;
  lastResult: CheckResult | undefined;
  lastResultAt: number | undefined;
  lastFailure: CheckResult | undefined;
  /** Times of recent failed checks, oldest first. */
  readonly recentFailures: number[] = [];

  constructor(
    public target: Target,
    state: TargetState,
    outage?: OutageFacts,
  ) {
    this.state = state;
    this.outage = outage;
  }

  observe(result: CheckResult, at: number): void {
    this.lastResult = result;
    this.lastResultAt = at;
    if (isSuccess(result)) {
      this.consecutiveFailures = 0;
      this.lastSuccessAt = at;
      return;
    }
    if (this.consecutiveFailures === 0) this.firstFailureAt = at;
    this.consecutiveFailures++;
    this.lastFailureAt = at;
    this.lastFailure = result;
    this.recentFailures.push(at);
    if (this.recentFailures.length > MAX_RECENT_FAILURES) this.recentFailures.shift();
  }

  transition(to: TargetState, outage: OutageFacts | undefined): void {
    this.previousState = this.state;
    this.state = to;
    if (outage) this.outage = outage;
  }

  /** What to keep over a restart (failure times after `keepFailuresAfter` only); undefined: nothing. */
  memory(keepFailuresAfter: number | undefined): FactsMemory | undefined {
    const recentFailures = keepFailuresAfter === undefined ? [] : this.recentFailures.filter((at) => at > keepFailuresAfter);
    if (this.consecutiveFailures === 0 && !recentFailures.length) return undefined;
    return { consecutiveFailures: this.consecutiveFailures, firstFailureAt: this.firstFailureAt, recentFailures };
  }

  /** Takes back the failure times, and the current streak too when `streak` (a short stop). */
  restore(memory: FactsMemory, streak: boolean): void {
    if (streak) {
      this.consecutiveFailures = memory.consecutiveFailures;
      this.firstFailureAt = memory.firstFailureAt;
    }
    this.recentFailures.push(...memory.recentFailures);
  }

  failuresSince(from: number): number {
    let count = 0;
    for (let i = this.recentFailures.length - 1; i >= 0 && this.recentFailures[i]! > from; i--) count++;
    return count;
  }

  /** When the current failing streak began: the first failure seen, else the outage's start (after a restart). */
  failingSince(): number | undefined {
    return this.consecutiveFailures > 0 ? this.firstFailureAt : this.state === 'down' ? this.outage?.startedAt : undefined;
  }
}
