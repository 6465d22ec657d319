// Check results as aggregates, never a row per check: per target and per minute, hour and day,
// the number of checks, failures and latency min/sum/max. Results are added in memory (O(1), no
// allocation except when a bucket rolls over); a flush writes what accumulated in small
// transactions that yield to the event loop between chunks, so the probes are never held up.
// While the database is unwritable the rows stay in memory (bounded) and are retried.
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../plugin.js';

interface Bucket {
  start: number;
  checks: number;
  failures: number;
  latencyN: number;
  latencySumUs: number;
  latencyMinUs: number;
  latencyMaxUs: number;
}

export const AGGREGATE_GRANULARITIES = [
  { name: 'minute', table: 'checks_minute', sizeMs: 60_000 },
  { name: 'hour', table: 'checks_hour', sizeMs: 3_600_000 },
  { name: 'day', table: 'checks_day', sizeMs: 86_400_000 },
] as const;

/** One row to upsert: [granularity index, bucket start, target id, checks, failures, n, sum, min, max]. */
type Row = [number, number, number, number, number, number, number, number | null, number | null];

const MINUTE = 0;

/** Adds a row's counts to the bucket's (or makes it): how rows are written, also when merged from memory. */
export function aggregateUpsert(table: string): string {
  return `
    INSERT INTO ${table} (bucket, target_id, checks, failures, latency_n, latency_sum_us, latency_min_us, latency_max_us)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (bucket, target_id) DO UPDATE SET
      checks = checks + excluded.checks,
      failures = failures + excluded.failures,
      latency_n = latency_n + excluded.latency_n,
      latency_sum_us = latency_sum_us + excluded.latency_sum_us,
      latency_min_us = min(coalesce(latency_min_us, excluded.latency_min_us), coalesce(excluded.latency_min_us, latency_min_us)),
      latency_max_us = max(coalesce(latency_max_us, excluded.latency_max_us), coalesce(excluded.latency_max_us, latency_max_us))`;
}

function newBucket(start: number): Bucket {
  return { start, checks: 0, failures: 0, latencyN: 0, latencySumUs: 0, latencyMinUs: Infinity, latencyMaxUs: -Infinity };
}

function toRow(granularity: number, targetId: number, bucket: Bucket): Row {
  const hasLatency = bucket.latencyN > 0;
  return [
    granularity, bucket.start, targetId, bucket.checks, bucket.failures, bucket.latencyN, bucket.latencySumUs,
    hasLatency ? bucket.latencyMinUs : null, hasLatency ? bucket.latencyMaxUs : null,
  ];
}

function clear(bucket: Bucket): void {
  bucket.checks = 0;
  bucket.failures = 0;
  bucket.latencyN = 0;
  bucket.latencySumUs = 0;
  bucket.latencyMinUs = Infinity;
  bucket.latencyMaxUs = -Infinity;
}

export interface CheckAggregatorOptions {
  log: Logger;
  /** Rows held while the database is unwritable; beyond it the oldest are dropped, loudly. */
  maxPendingRows: number;
  /** Rows per transaction; the event loop runs between transactions. */
  chunkRows?: number;
}

export class CheckAggregator {
  /** Per target id: the open bucket of each granularity (the delta since the last flush). */
  private readonly open = new Map<number, Bucket[]>();
  /** Buckets that rolled over since the last flush. */
  private rolled: Row[] = [];
  /** Rows a failed flush could not write, retried first. */
  private retry: Row[] = [];
  private upserts: Statement[];
  private flushing: Promise<void> | undefined;
  private writing: { rows: Row[]; next: number } | undefined;
  private failing = false;
  dropped = 0;
  written = 0;

  constructor(
    private db: Database,
    private readonly options: CheckAggregatorOptions,
  ) {
    this.upserts = AGGREGATE_GRANULARITIES.map(({ table }) => db.prepare(aggregateUpsert(table)));
  }

  /**
   * Writes to `db` from now on: the history moved from memory to its file (history-recovery.ts),
   * after `flushNow` wrote everything into the memory database. The open buckets are keyed by that
   * database's target ids: they start afresh (a minute written twice adds up).
   */
  useDatabase(db: Database): void {
    this.db = db;
    this.upserts = AGGREGATE_GRANULARITIES.map(({ table }) => db.prepare(aggregateUpsert(table)));
    this.open.clear();
  }

  /** Rows waiting to be written (rolled-over buckets and failed writes). */
  get pending(): number {
    return this.rolled.length + this.retry.length;
  }

  /** Counts one check result. */
  add(targetId: number, failed: boolean, latencyMs: number | undefined, at: number): void {
    let buckets = this.open.get(targetId);
    if (!buckets) {
      buckets = AGGREGATE_GRANULARITIES.map(({ sizeMs }) => newBucket(at - (at % sizeMs)));
      this.open.set(targetId, buckets);
    }
    const latencyUs = latencyMs === undefined || !Number.isFinite(latencyMs) ? -1 : Math.round(latencyMs * 1000);
    for (let g = 0; g < buckets.length; g++) {
      const sizeMs = AGGREGATE_GRANULARITIES[g]!.sizeMs;
      const start = at - (at % sizeMs);
      let bucket = buckets[g]!;
      if (bucket.start !== start) {
        if (bucket.checks) this.rolled.push(toRow(g, targetId, bucket));
        bucket.start = start;
        clear(bucket);
      }
      bucket.checks++;
      if (failed) bucket.failures++;
      if (latencyUs >= 0) {
        bucket.latencyN++;
        bucket.latencySumUs += latencyUs;
        if (latencyUs < bucket.latencyMinUs) bucket.latencyMinUs = latencyUs;
        if (latencyUs > bucket.latencyMaxUs) bucket.latencyMaxUs = latencyUs;
      }
    }
  }

  /**
   * Writes the completed minutes and the hour and day deltas (a minute still going at `now` waits,
   * so a minute is written once), a chunk per transaction, yielding between chunks.
   */
  flush(now: number = Date.now()): Promise<void> {
    if (this.flushing) return this.flushing;
    this.writing = { rows: this.take(now), next: 0 };
    this.flushing = this.writeInChunks(this.writing).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Writes everything now, open minutes and a flush in progress included (at stop). False if the database refused. */
  flushNow(): boolean {
    const unwritten = this.writing ? this.writing.rows.slice(this.writing.next) : [];
    this.writing = undefined; // an asynchronous flush in progress stops at its next chunk
    const rows = unwritten.concat(this.take(Infinity));
    return this.writeChunk(rows, 0, rows.length);
  }

  /** Everything waiting, and the open buckets: hours and days always, minutes once over at `now`. */
  private take(now: number): Row[] {
    const rows = this.retry.concat(this.rolled);
    this.retry = [];
    this.rolled = [];
    const minuteSize = AGGREGATE_GRANULARITIES[MINUTE].sizeMs;
    for (const [targetId, buckets] of this.open) {
      for (let g = 0; g < buckets.length; g++) {
        const bucket = buckets[g]!;
        if (!bucket.checks || (g === MINUTE && bucket.start + minuteSize > now)) continue;
        rows.push(toRow(g, targetId, bucket));
        clear(bucket);
      }
    }
    return rows;
  }

  private async writeInChunks(batch: { rows: Row[]; next: number }): Promise<void> {
    const chunk = this.options.chunkRows ?? 500;
    while (batch.next < batch.rows.length && this.writing === batch) {
      const to = Math.min(batch.rows.length, batch.next + chunk);
      if (!this.writeChunk(batch.rows, batch.next, to)) break;
      batch.next = to;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.writing === batch) this.writing = undefined;
  }

  /** Writes rows[from, to) in one transaction; on failure keeps rows[from..] for the next flush. */
  private writeChunk(rows: Row[], from: number, to: number): boolean {
    try {
      this.db.transaction(() => {
        for (let i = from; i < to; i++) {
          const [g, ...values] = rows[i]!;
          this.upserts[g]!.run(...values);
        }
      })();
    } catch (err) {
      this.keepForRetry(rows.slice(from), err as Error);
      return false;
    }
    this.written += to - from;
    if (this.failing) {
      this.failing = false;
      this.options.log.warn('check aggregates: history database writable again');
    }
    return true;
  }

  private keepForRetry(rows: Row[], err: Error): void {
    this.retry = rows.concat(this.retry);
    const excess = this.retry.length + this.rolled.length - this.options.maxPendingRows;
    if (excess > 0) {
      this.retry.splice(0, excess);
      this.dropped += excess;
    }
    if (this.failing) return;
    this.failing = true;
    this.options.log.error(
      `check aggregates not written (${(err as { code?: string }).code ?? 'error'}: ${err.message}); keeping ${this.retry.length} row(s) in memory and retrying`,
      { pending: this.retry.length, dropped: this.dropped },
    );
  }
}
