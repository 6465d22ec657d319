// One timer over a min-heap of due times drives every check. Bounded global concurrency,
// never two runs of one job at once, phase kept stable so 10,000 targets stay spread out.
// When the concurrency limit holds checks back, fast re-checks and "check now" go first: a target
// that is changing state must not wait behind thousands of routine checks.
import { MinHeap } from './min-heap.js';
import { MAX_TIMER_MS } from './timer-limit.js';

export interface NextRun {
  /** Delay until the next run. */
  delayMs: number;
  /**
   * 'phase': keep the job's rhythm (previous due time + delay), skipping missed slots;
   * 'after': count the delay from the end of this run (fast re-checks).
   */
  from: 'phase' | 'after';
}

/**
 * Jobs due within this many milliseconds of a timer firing start together, up to this early.
 * One wake-up per few milliseconds instead of one per check: at thousands of checks a second,
 * each wake-up of the event loop costs as much as a small check.
 */
export const COALESCE_MS = 5;

export interface SchedulerHooks<T> {
  /** Runs one job; must not reject (the runner turns failures into results). */
  run(payload: T, job: ScheduledJob<T>): Promise<void>;
  /** When the job should run next, asked after each run. */
  next(payload: T): NextRun;
  /** Called as each run starts, with how late it started against its due time. */
  onStart?(lagMs: number, job: ScheduledJob<T>): void;
  now?: () => number;
}

export interface ScheduledJob<T> {
  readonly id: string;
  payload: T;
  dueAt: number;
  running: boolean;
  /** Scheduled slots missed because the previous run was still going. */
  overruns: number;
  runs: number;
}

interface JobState<T> extends ScheduledJob<T> {
  removed: boolean;
  /** Bumped on every reschedule so stale heap entries are ignored. */
  generation: number;
  /** "Check now" arrived while running: run again as soon as this run ends. */
  rerun: boolean;
}

interface HeapEntry<T> {
  job: JobState<T>;
  dueAt: number;
  generation: number;
  /** A fast re-check or "check now": starts before routine checks when slots are short. */
  urgent: boolean;
}

/** First in, first out, without the O(n) cost of Array.shift. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

export interface SchedulerStats {
  jobs: number;
  running: number;
  waiting: number;
  started: number;
  completed: number;
  overruns: number;
}

export class Scheduler<T> {
  private readonly jobs = new Map<string, JobState<T>>();
  private readonly heap = new MinHeap<HeapEntry<T>>((entry) => entry.dueAt);
  /** Due jobs waiting for a concurrency slot, oldest first; urgent ones are taken first. */
  private readonly ready = new Fifo<HeapEntry<T>>();
  private readonly urgent = new Fifo<HeapEntry<T>>();
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Infinity;
  private running = 0;
  private stopped = true;
  private idleWaiters: Array<() => void> = [];
  private readonly now: () => number;
  readonly totals = { started: 0, completed: 0, overruns: 0 };

  constructor(
    private maxConcurrent: number,
    private readonly hooks: SchedulerHooks<T>,
  ) {
    this.now = hooks.now ?? Date.now;
  }

  setMaxConcurrent(limit: number): void {
    this.maxConcurrent = limit;
    this.drain();
  }

  get(id: string): ScheduledJob<T> | undefined {
    return this.jobs.get(id);
  }

  ids(): IterableIterator<string> {
    return this.jobs.keys();
  }

  /** Adds a job (or replaces its payload) with its first run at `firstDueAt`. */
  add(id: string, payload: T, firstDueAt: number): void {
    const existing = this.jobs.get(id);
    if (existing) {
      existing.payload = payload;
      return;
    }
    const job: JobState<T> = { id, payload, dueAt: firstDueAt, running: false, overruns: 0, runs: 0, removed: false, generation: 0, rerun: false };
    this.jobs.set(id, job);
    this.enqueue(job, firstDueAt);
  }

  remove(id: string): void {
    const job = this.jobs.get(id);
    if (!job) return;
    job.removed = true;
    job.generation++;
    this.jobs.delete(id);
  }

  /** Moves a job's next run (e.g. "check now"); a running job runs again right after. */
  runAt(id: string, dueAt: number): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    if (job.running) job.rerun = true;
    else this.enqueue(job, dueAt, true);
    return true;
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  /** Stops starting runs; resolves when the runs in flight have finished. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Infinity;
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): SchedulerStats {
    return {
      jobs: this.jobs.size,
      running: this.running,
      waiting: this.ready.length + this.urgent.length,
      started: this.totals.started,
      completed: this.totals.completed,
      overruns: this.totals.overruns,
    };
  }

  private enqueue(job: JobState<T>, dueAt: number, urgent = false): void {
    job.generation++;
    job.dueAt = dueAt;
    this.heap.push({ job, dueAt, generation: job.generation, urgent });
    if (dueAt < this.timerDueAt) this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    // Drop entries superseded by a reschedule or removal so the timer aims at a live one.
    let top = this.heap.peek();
    while (top && (top.generation !== top.job.generation || top.job.removed)) {
      this.heap.pop();
      top = this.heap.peek();
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Infinity;
    if (!top) return;
    this.timerDueAt = top.dueAt;
    // A job due in more than ~24.8 days (interval: 30d) wakes the scheduler early; tick re-arms.
    this.timer = setTimeout(() => this.tick(), Math.min(MAX_TIMER_MS, Math.max(0, top.dueAt - this.now())));
  }

  private tick(): void {
    this.timer = undefined;
    this.timerDueAt = Infinity;
    if (this.stopped) return;
    const horizon = this.now() + COALESCE_MS;
    for (let top = this.heap.peek(); top && top.dueAt <= horizon; top = this.heap.peek()) {
      this.heap.pop();
      if (top.generation !== top.job.generation || top.job.removed) continue;
      (top.urgent ? this.urgent : this.ready).push(top);
    }
    this.drain();
    this.arm();
  }

  private drain(): void {
    while (!this.stopped && this.running < this.maxConcurrent) {
      const entry = this.urgent.shift() ?? this.ready.shift();
      if (!entry) break;
      // Skip a job moved since it queued (a "check now" queues it again) or removed.
      if (entry.generation === entry.job.generation && !entry.job.removed && !entry.job.running) this.launch(entry.job);
    }
  }

  private launch(job: JobState<T>): void {
    const startedAt = this.now();
    job.running = true;
    job.runs++;
    this.running++;
    this.totals.started++;
    this.hooks.onStart?.(startedAt - job.dueAt, job);
    // The runner owns error handling; a bug there must not stop scheduling either way.
    const finish = () => this.finish(job);
    this.hooks.run(job.payload, job).then(finish, finish);
  }

  private finish(job: JobState<T>): void {
    job.running = false;
    this.running--;
    this.totals.completed++;
    if (!job.removed) {
      const now = this.now();
      if (job.rerun) this.enqueue(job, now, true);
      else {
        const next = this.hooks.next(job.payload);
        this.enqueue(job, this.nextDue(job, next, now), next.from === 'after');
      }
      job.rerun = false;
    }
    if (this.running === 0 && this.stopped) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
    this.drain();
  }

  private nextDue(job: JobState<T>, next: NextRun, now: number): number {
    const delay = Math.max(1, next.delayMs);
    if (next.from === 'after') return now + delay;
    let due = job.dueAt + delay;
    if (due <= now) {
      // The run outlasted its interval: skip the missed slots, keep the phase, count them.
      const missed = Math.floor((now - due) / delay) + 1;
      job.overruns += missed;
      this.totals.overruns += missed;
      due += missed * delay;
    }
    return due;
  }
}
