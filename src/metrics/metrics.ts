// Prometheus metrics (prom-client): what the checks do, how late they start, how the scheduler and
// the history writer keep up; per-target states, alerts and LVS changes in their own modules.
// The benchmarks read the same numbers an operator's Prometheus does.
import client from 'prom-client';
import type { HistoryStore } from '../history/history-store.js';
import type { ResultEvent, Supervisor, TransitionEvent } from '../supervisor.js';
import { VERSION } from '../version.js';
import { registerAlertMetrics } from './alert-metrics.js';
import { registerIpvsMetrics } from './ipvs-metrics.js';
import { TargetMetrics } from './target-metrics.js';

/** Start-lag buckets: 0.25 ms steps to 5 ms, then ~15 % steps to 60 s, so percentiles read off within a few %. */
export function lagBuckets(): number[] {
  const buckets: number[] = [];
  for (let ms = 0.25; ms <= 5; ms += 0.25) buckets.push(ms / 1000);
  for (let ms = 5 * 1.15; ms <= 60_000; ms *= 1.15) buckets.push(Math.round(ms * 100) / 100 / 1000);
  return buckets;
}

/** A counter that follows a running total kept elsewhere, read at scrape time. */
function runningTotal(name: string, help: string, total: () => number, registers: client.Registry[]): void {
  let seen = 0;
  new client.Counter({
    name,
    help,
    registers,
    collect() {
      const now = total();
      this.inc(now - seen);
      seen = now;
    },
  });
}

export class Metrics {
  readonly registry = new client.Registry();
  private readonly checks: client.Counter<'service' | 'status'>;
  private readonly duration: client.Histogram<'service'>;
  private readonly lag: client.Histogram;
  private readonly transitions: client.Counter<'service' | 'to'>;
  private readonly targets: TargetMetrics;

  constructor(supervisor: Supervisor, history: HistoryStore) {
    const registers = [this.registry];
    // Event-loop delay is sampled every 20 ms (prom-client's default, 10 ms, wakes an idle daemon 100 times a second).
    client.collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    new client.Gauge({ name: 'vigil_build_info', help: 'Vigil version', labelNames: ['version'], registers }).set({ version: VERSION }, 1);
    this.checks = new client.Counter({ name: 'vigil_checks_total', help: 'Checks completed, by result status', labelNames: ['service', 'status'], registers });
    this.duration = new client.Histogram({
      name: 'vigil_check_duration_seconds',
      help: 'Time a check took',
      labelNames: ['service'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.lag = new client.Histogram({ name: 'vigil_check_start_lag_seconds', help: 'How late each check started against its due time', buckets: lagBuckets(), registers });
    this.transitions = new client.Counter({ name: 'vigil_transitions_total', help: 'State changes, by new state', labelNames: ['service', 'to'], registers });

    runningTotal(
      'vigil_scheduler_overruns_total',
      'Scheduled check slots skipped because the previous run of that target was still going',
      () => supervisor.schedulerStats().overruns,
      registers,
    );
    new client.Gauge({
      name: 'vigil_scheduler_checks',
      help: 'Checks running now, and due checks waiting for a free slot (max_concurrent)',
      labelNames: ['phase'],
      registers,
      collect() {
        const stats = supervisor.schedulerStats();
        this.set({ phase: 'running' }, stats.running);
        this.set({ phase: 'waiting' }, stats.waiting);
      },
    });
    new client.Gauge({
      name: 'vigil_targets',
      help: 'Targets by state',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = { up: 0, down: 0, unknown: 0 };
        for (const { machine } of supervisor.states()) counts[machine.state]++;
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
    new client.Gauge({
      name: 'vigil_history_pending_writes',
      help: 'History writes waiting in memory (grows while the database is locked or the disk is full)',
      registers,
      collect() {
        this.set(history.writes.pending);
      },
    });
    new client.Gauge({
      name: 'vigil_history_recorded',
      help: 'History is written to its database (1), or held in memory (0): the disk was full, read-only or failing at start; 1 again once it is written to the database',
      registers,
      collect() {
        this.set(history.db.memory ? 0 : 1);
      },
    });
    runningTotal(
      'vigil_history_dropped_writes_total',
      'History writes lost: the oldest dropped from a full in-memory queue, or one the database refuses for good',
      () => history.writes.dropped,
      registers,
    );
    this.targets = new TargetMetrics(supervisor);
    registerAlertMetrics(supervisor, registers);
    registerIpvsMetrics(supervisor, registers);

    supervisor.on('check-start', (lagMs: number) => this.lag.observe(Math.max(0, lagMs) / 1000));
    // Label children are looked up once per service and status: at thousands of results a second,
    // hashing label objects on every result is measurable.
    const checkCounters = new Map<string, client.Counter.Internal>();
    const durations = new Map<string, client.Histogram.Internal<'service'>>();
    supervisor.on('result', (event: ResultEvent) => {
      const { service } = event.target;
      const key = `${service}\0${event.result.status}`;
      let counter = checkCounters.get(key);
      if (!counter) checkCounters.set(key, (counter = this.checks.labels(service, event.result.status)));
      counter.inc();
      if (event.result.latencyMs === undefined) return;
      let duration = durations.get(service);
      if (!duration) durations.set(service, (duration = this.duration.labels(service)));
      duration.observe(event.result.latencyMs / 1000);
    });
    supervisor.on('transition', (event: TransitionEvent) => this.transitions.inc({ service: event.target.service, to: event.transition.to }));
  }

  async text(): Promise<string> {
    return (await this.registry.metrics()) + this.targets.text();
  }
}
