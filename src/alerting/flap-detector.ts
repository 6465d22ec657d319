// Flapping detection for one target, two ways:
// - `changes`: at least N state changes within a window; it ends after a whole window without one.
// - `percent`: Nagios' weighted percent state change over the last N results (newer changes weigh
//   more, 0.75 → 1.25); it starts at or above `high` and ends below `low`.
import type { FlappingRule } from './alert-policy.js';

export type FlapChange = 'start' | 'end' | undefined;

const LOW_WEIGHT = 0.75;
const HIGH_WEIGHT = 1.25;

export class FlapDetector {
  flapping = false;
  /** Since when it is flapping, and what the measure was. */
  since: number | undefined;
  measure = '';
  private readonly changes: number[] = [];
  private readonly results: boolean[] = [];

  constructor(public rule: FlappingRule) {}

  /** The latest results of the `percent` method, kept over a restart. */
  get recentResults(): readonly boolean[] {
    return this.results;
  }

  /**
   * Picks up where the daemon left off after a restart: the state changes recorded in the history
   * (`changes`), the latest results it saved at its stop (`percent`), and the flapping it had
   * declared, which then ends by this detector's rule as it would have.
   */
  restore(past: { changes: readonly number[]; results: readonly boolean[]; flapping: { since: number; measure: string } | undefined }): void {
    if (this.rule.method === 'changes') this.changes.push(...past.changes);
    else this.results.push(...past.results.slice(-this.rule.results));
    if (past.flapping) this.start(past.flapping.since, past.flapping.measure);
  }

  /** A state change between up and down. */
  onTransition(at: number): FlapChange {
    if (this.rule.method !== 'changes') return undefined;
    this.changes.push(at);
    return this.evaluateChanges(at);
  }

  /** Every check result (true = success). */
  onResult(success: boolean, at: number): FlapChange {
    if (this.rule.method === 'changes') return this.evaluateChanges(at);
    this.results.push(success);
    if (this.results.length > this.rule.results) this.results.shift();
    if (this.results.length < this.rule.results) return undefined;
    const percent = percentStateChange(this.results);
    if (!this.flapping && percent >= this.rule.high) return this.start(at, `${percent.toFixed(1)}% state change over the last ${this.rule.results} results`);
    if (this.flapping && percent < this.rule.low) return this.end();
    return undefined;
  }

  private evaluateChanges(at: number): FlapChange {
    if (this.rule.method !== 'changes') return undefined;
    const { changes, withinMs } = this.rule;
    while (this.changes.length && this.changes[0]! <= at - withinMs) this.changes.shift();
    if (!this.flapping && this.changes.length >= changes) return this.start(at, `${this.changes.length} state changes within ${Math.round(withinMs / 1000)}s`);
    if (this.flapping && this.changes.length === 0) return this.end();
    return undefined;
  }

  private start(at: number, measure: string): FlapChange {
    this.flapping = true;
    this.since = at;
    this.measure = measure;
    return 'start';
  }

  private end(): FlapChange {
    this.flapping = false;
    this.since = undefined;
    this.measure = '';
    this.changes.length = 0;
    return 'end';
  }
}

/** Nagios' curved percent state change of a series of results, oldest first. */
export function percentStateChange(results: readonly boolean[]): number {
  const n = results.length;
  if (n < 2) return 0;
  let weighted = 0;
  for (let i = 1; i < n; i++) {
    if (results[i] !== results[i - 1]) weighted += n === 2 ? 1 : LOW_WEIGHT + ((i - 1) * (HIGH_WEIGHT - LOW_WEIGHT)) / (n - 2);
  }
  return (weighted / (n - 1)) * 100;
}
