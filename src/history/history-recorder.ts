// Connects the supervisor's events to history: every check result into the aggregates, every
// change of operator flags (whoever made it: CLI, maintenance windows) into the flags, maintenance
// periods and acknowledgements. Transitions and outages are recorded by the supervisor itself.
import type { Plan } from '../plan.js';
import type { ResultEvent, Supervisor, TargetFlags } from '../supervisor.js';
import type { HistoryStore } from './history-store.js';

/** Aggregates are written once a minute, just after the minute turns (a minute is written once). */
const AGGREGATE_FLUSH_MS = 60_000;
const AFTER_MINUTE_MS = 1_000;

export class HistoryRecorder {
  private timer: NodeJS.Timeout | undefined;
  private readonly onResult = (event: ResultEvent) => this.history.recordResult(event.target.id, event.result, event.at);
  private readonly onFlags = (event: { targetId: string; flags: TargetFlags }) => this.history.recordFlags(event.targetId, event.flags, this.now());

  constructor(
    private readonly supervisor: Supervisor,
    private readonly history: HistoryStore,
    private readonly now: () => number = Date.now,
  ) {
    supervisor.on('result', this.onResult);
    supervisor.on('flags', this.onFlags);
    this.scheduleFlush();
  }

  /** After a plan is applied (start, reload): which targets are watched, at which interval. */
  planApplied(plan: Plan): void {
    this.history.syncTargets(
      [...plan.targets.values()].map(({ target, timing }) => ({ target, intervalMs: timing.intervalMs })),
      this.now(),
    );
  }

  stop(): void {
    clearTimeout(this.timer);
    this.supervisor.off('result', this.onResult);
    this.supervisor.off('flags', this.onFlags);
  }

  private scheduleFlush(): void {
    const now = this.now();
    const delay = AGGREGATE_FLUSH_MS - (now % AGGREGATE_FLUSH_MS) + AFTER_MINUTE_MS;
    this.timer = setTimeout(() => {
      void this.history.flushAggregates();
      this.scheduleFlush();
    }, delay);
    this.timer.unref();
  }
}
