// Retention: deletes history rows older than their kind's retention period, then gives the freed
// pages back to the file system (auto_vacuum = INCREMENTAL). Runs on the daemon's connection, in
// small steps — a few thousand rows or a few hundred pages per transaction — yielding to the event
// loop between steps, so checks and history writes go on while it works.
//
// "Older than the window" means: the row's time is before now − retention. The row's time is
// `at` for transitions, `ended_at` for outages and maintenance periods (open ones are never
// deleted), the end of a daemon run, and the bucket start for check aggregates.
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../plugin.js';

/** Retention per kind, in ms; null keeps that kind forever. Keys match `history.retention`. */
export type RetentionPolicy = Record<string, number | null>;

/** How one kind of row is deleted: a step deletes at most `limit` rows older than `cutoff`. */
export interface RetentionRule {
  kind: string;
  /** The retention setting it follows (default: `kind`). */
  policy?: string;
  /** Runs only once this kind was completely done in the same run. */
  after?: string;
  /**
   * Prepares one run; returns a function that deletes up to `limit` rows and says how many (fewer
   * than `limit` means this kind is done for this run).
   */
  prepare(db: Database): (cutoff: number, limit: number) => number;
}

/** Deletes by a time column through an index, a bounded number of rows per step. */
function byTime(kind: string, table: string, column: string, extra = ''): RetentionRule {
  return {
    kind,
    prepare(db) {
      const step = db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${column} < @cutoff ${extra} LIMIT @limit)`);
      return (cutoff, limit) => step.run({ cutoff, limit }).changes;
    },
  };
}

/** Transitions: target by target along the (target_id, at) index, so no step scans the table. */
const transitionsRule: RetentionRule = {
  kind: 'transitions',
  prepare(db) {
    const targets = db.prepare('SELECT id FROM targets ORDER BY id').pluck().all() as number[];
    const step = db.prepare('DELETE FROM transition_log WHERE rowid IN (SELECT rowid FROM transition_log WHERE target_id = @target AND at < @cutoff LIMIT @limit)');
    let next = 0; // the target this run has got to
    return (cutoff, limit) => {
      let deleted = 0;
      while (next < targets.length) {
        const room = limit - deleted;
        const done = step.run({ target: targets[next], cutoff, limit: room }).changes;
        deleted += done;
        if (done < room) next++; // this target has nothing older left
        if (deleted >= limit) break;
      }
      return deleted;
    };
  },
};

/** Aggregates (WITHOUT ROWID, keyed by bucket first): the oldest buckets are a prefix of the key. */
function aggregatesRule(kind: string, table: string): RetentionRule {
  return {
    kind,
    prepare(db) {
      const step = db.prepare(
        `DELETE FROM ${table} WHERE (bucket, target_id) IN (SELECT bucket, target_id FROM ${table} WHERE bucket < @cutoff ORDER BY bucket LIMIT @limit)`,
      );
      return (cutoff, limit) => step.run({ cutoff, limit }).changes;
    },
  };
}

/**
 * The daemon's runs (one row per start, tiny) go with the outages they bound: by their end, as long
 * as outages are kept. The last run that ended before the cutoff stays, so the time Vigil was not
 * running from its end into the kept history stays known.
 */
const daemonRunsRule: RetentionRule = {
  kind: 'daemon_runs',
  policy: 'outages',
  prepare(db) {
    const step = db.prepare(
      `DELETE FROM daemon_runs WHERE id IN (
         SELECT id FROM daemon_runs
          WHERE coalesce(stopped_at, seen_at) < @cutoff
            AND started_at < (SELECT max(started_at) FROM daemon_runs WHERE coalesce(stopped_at, seen_at) < @cutoff)
          LIMIT @limit)`,
    );
    return (cutoff, limit) => step.run({ cutoff, limit }).changes;
  },
};

/** Every kind of row with a retention period. Other modules add theirs with `addRetentionRule`. */
const RULES: RetentionRule[] = [
  transitionsRule,
  // A transition's message text is stored once; it goes when the last transition using it has.
  { ...byTime('messages', 'messages', 'last_used_at'), policy: 'transitions', after: 'transitions' },
  // Closed outages whose end is older than the cutoff; the start precedes the end, so the
  // (started_at, ended_at, target_id) index finds them.
  byTime('outages', 'outages', 'started_at', 'AND ended_at < @cutoff'),
  byTime('maintenance', 'maintenance_periods', 'ended_at'),
  daemonRunsRule,
  aggregatesRule('checks_minute', 'checks_minute'),
  aggregatesRule('checks_hour', 'checks_hour'),
  aggregatesRule('checks_day', 'checks_day'),
];

export function addRetentionRule(rule: RetentionRule): void {
  RULES.push(rule);
}

export interface RetentionOptions {
  /** Rows deleted per transaction. */
  stepRows?: number;
  /** Pages given back per PRAGMA incremental_vacuum. */
  stepPages?: number;
}

export interface RetentionReport {
  deleted: Record<string, number>;
  pagesFreed: number;
}

const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

export class Retention {
  private running: Promise<RetentionReport> | undefined;
  private freelist: Statement | undefined;
  private cancelled = false;

  constructor(
    private readonly db: Database,
    private readonly policy: RetentionPolicy,
    private readonly log: Logger,
    private readonly options: RetentionOptions = {},
  ) {}

  /** Runs once; a run asked for while one is going returns that one. */
  run(now: number = Date.now()): Promise<RetentionReport> {
    this.running ??= this.deleteAndReclaim(now).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops a run in progress at its next step (before the database closes); resolves when it has. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.running;
  }

  private async deleteAndReclaim(now: number): Promise<RetentionReport> {
    const report: RetentionReport = { deleted: {}, pagesFreed: 0 };
    const stepRows = this.options.stepRows ?? 2_000;
    const finished = new Set<string>();
    for (const rule of RULES) {
      const kind = rule.kind;
      const keepMs = this.policy[rule.policy ?? kind];
      if (keepMs === null || keepMs === undefined) continue;
      if (rule.after && !finished.has(rule.after)) continue;
      const cutoff = now - keepMs;
      const step = this.attempt(`preparing to delete old ${kind}`, () => rule.prepare(this.db));
      if (!step) return report;
      let total = 0;
      for (;;) {
        const deleted = this.attempt(`deleting old ${kind}`, () => step(cutoff, stepRows));
        if (deleted === undefined) return report; // locked or failing: try again at the next run
        total += deleted;
        if (deleted < stepRows) break;
        await yieldToEventLoop();
        if (this.cancelled) break;
      }
      if (total) report.deleted[kind] = total;
      if (this.cancelled) return report;
      finished.add(kind);
      await yieldToEventLoop();
      if (this.cancelled) return report;
    }
    report.pagesFreed = await this.reclaim();
    const summary = Object.entries(report.deleted).map(([kind, count]) => `${count} ${kind}`);
    if (summary.length || report.pagesFreed) {
      this.log.info(`retention: deleted ${summary.join(', ') || 'nothing'}; gave back ${report.pagesFreed} page(s) to the file system`, {
        event: 'retention',
        ...report,
      });
    }
    return report;
  }

  /** Shrinks the file by the free pages, a few at a time. */
  private async reclaim(): Promise<number> {
    if (this.db.pragma('auto_vacuum', { simple: true }) !== 2) return 0;
    this.freelist ??= this.db.prepare('PRAGMA freelist_count').pluck();
    const stepPages = this.options.stepPages ?? 256;
    let freed = 0;
    for (;;) {
      const free = this.freelist.get() as number;
      if (!free) return freed;
      const done = this.attempt('reclaiming free pages', () => {
        this.db.pragma(`incremental_vacuum(${Math.min(free, stepPages)})`);
        return free - (this.freelist!.get() as number);
      });
      if (!done) return freed;
      freed += done;
      await yieldToEventLoop();
      if (this.cancelled) return freed;
    }
  }

  private attempt<T>(what: string, work: () => T): T | undefined {
    try {
      return work();
    } catch (err) {
      this.log.warn(`retention: ${what} failed (${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}); trying again at the next run`);
      return undefined;
    }
  }
}
