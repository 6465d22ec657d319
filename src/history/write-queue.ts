// Batches history writes into one transaction per flush, off the probe path. When the database
// cannot be written (locked, disk full, read-only), writes stay queued in memory — bounded — and
// are retried on the next flush; the operator is told loudly, once per episode.
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../plugin.js';

export interface QueuedWrite {
  sql: string;
  params: unknown[];
}

export interface WriteQueueOptions {
  flushIntervalMs: number;
  maxQueue: number;
  log: Logger;
}

export class WriteQueue {
  private queue: QueuedWrite[] = [];
  private readonly statements = new Map<string, Statement>();
  private timer: NodeJS.Timeout | undefined;
  private failingSince: number | undefined;
  private lastError = '';
  dropped = 0;
  written = 0;

  constructor(
    private readonly db: Database,
    private readonly options: WriteQueueOptions,
  ) {
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  get pending(): number {
    return this.queue.length;
  }

  /** True while writes are failing and being held in memory. */
  get degraded(): boolean {
    return this.failingSince !== undefined;
  }

  push(sql: string, params: unknown[]): void {
    this.queue.push({ sql, params });
    if (this.queue.length > this.options.maxQueue) {
      const excess = this.queue.length - this.options.maxQueue;
      this.queue.splice(0, excess);
      this.dropped += excess;
      this.options.log.error(`history write queue is full (${this.options.maxQueue}); dropped the ${excess} oldest write(s)`, {
        dropped: this.dropped,
      });
    }
  }

  /** Writes everything queued in one transaction. Returns false (and keeps the queue) on failure. */
  flush(): boolean {
    if (!this.queue.length) return true;
    const batch = this.queue;
    try {
      this.db.transaction(() => {
        for (const write of batch) this.statement(write.sql).run(...write.params);
      })();
    } catch (err) {
      this.reportFailure(err as Error);
      return false;
    }
    this.queue = []; // flush is synchronous: nothing was queued meanwhile
    this.written += batch.length;
    if (this.failingSince !== undefined) {
      this.options.log.warn(`history database writable again; wrote ${batch.length} queued write(s)`, {
        failedForMs: Date.now() - this.failingSince,
      });
      this.failingSince = undefined;
      this.lastError = '';
    }
    return true;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private reportFailure(err: Error): void {
    const reason = `${(err as { code?: string }).code ?? 'error'}: ${err.message}`;
    if (this.failingSince === undefined) this.failingSince = Date.now();
    if (reason === this.lastError) return;
    this.lastError = reason;
    this.options.log.error(
      `history database not writable (${reason}); keeping ${this.queue.length} write(s) in memory and retrying every ${this.options.flushIntervalMs}ms`,
      { pending: this.queue.length },
    );
  }
}
