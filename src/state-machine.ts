// Per-target UP/DOWN decision with rise/fall hysteresis (HAProxy and keepalived semantics).
// Pure: it turns check results into transitions and knows nothing of storage, alerts or time sources.
import type { CheckResult, TargetState } from './plugin.js';

export interface StateRules {
  /** Consecutive successes needed to become UP. */
  rise: number;
  /** Consecutive failures needed to become DOWN. */
  fall: number;
  /**
   * What UNKNOWN leans to before the first verdict: 'up' → one success confirms UP and `fall`
   * failures are needed for DOWN; 'down' (keepalived alpha) → one failure confirms DOWN and
   * `rise` successes are needed for UP.
   */
  initialState: 'up' | 'down';
}

export interface Transition {
  from: TargetState;
  to: TargetState;
  at: number;
  /** The result that completed the transition. */
  result: CheckResult;
  /** The consecutive successes or failures that led to it. */
  streak: number;
}

export function isSuccess(result: CheckResult): boolean {
  return result.status === 'up' || result.status === 'warning';
}

export class TargetStateMachine {
  state: TargetState;
  since: number;
  successes = 0;
  failures = 0;
  lastResult: CheckResult | undefined;
  lastCheckAt: number | undefined;

  constructor(
    public rules: StateRules,
    now: number,
    restored?: { state: TargetState; since: number },
  ) {
    this.state = restored?.state ?? 'unknown';
    this.since = restored?.since ?? now;
  }

  /** True while the latest results disagree with the current state: the scheduler re-checks fast. */
  get transitioning(): boolean {
    if (this.state === 'unknown') return true;
    return this.state === 'up' ? this.failures > 0 : this.successes > 0;
  }

  observe(result: CheckResult, now: number): Transition | undefined {
    this.lastResult = result;
    this.lastCheckAt = now;
    if (isSuccess(result)) {
      this.successes++;
      this.failures = 0;
    } else {
      this.failures++;
      this.successes = 0;
    }
    const next = this.verdict();
    if (!next || next === this.state) return undefined;
    const transition: Transition = {
      from: this.state,
      to: next,
      at: now,
      result,
      streak: next === 'up' ? this.successes : this.failures,
    };
    this.state = next;
    this.since = now;
    return transition;
  }

  private verdict(): TargetState | undefined {
    const { rise, fall, initialState } = this.rules;
    const riseNeeded = this.state === 'unknown' && initialState === 'up' ? 1 : rise;
    const fallNeeded = this.state === 'unknown' && initialState === 'down' ? 1 : fall;
    if (this.state !== 'up' && this.successes >= riseNeeded) return 'up';
    if (this.state !== 'down' && this.failures >= fallNeeded) return 'down';
    return undefined;
  }
}
