// Batches history writes into one transaction per flush, off the probe path. When the database
// cannot be written (locked, disk full, read-only), writes stay queued in memory — bounded — and
// are retried on the next flush; the operator is told loudly, once per episode. A write that can
// never succeed (a constraint it breaks, SQL the schema does not have) is dropped on its own, with
// an error naming it, so it does not hold up every write behind it forever.
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../plugin.js';

/** SQLite errors that waiting may cure: the batch stays queued. Any other error is the write's own. */
const TEMPORARY = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|NOMEM|PROTOCOL|INTERRUPT|CORRUPT|NOTADB)/;

function isTemporary(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && TEMPORARY.test(code);
}

function reasonOf(err: unknown): string {
  return `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`;
}

function describeWrite({ sql, params }: QueuedWrite): string {
  const text = `${sql} ${JSON.stringify(params)}`;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

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
    private db: Database,
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
    const refused: Array<{ write: QueuedWrite; err: unknown }> = [];
    try {
      this.db.transaction(() => {
        refused.length = 0;
        for (const write of batch) {
          try {
            this.statement(write.sql).run(...write.params);
          } catch (err) {
            // SQLite undoes the failed statement only; the transaction goes on without it.
            if (isTemporary(err)) throw err;
            refused.push({ write, err });
          }
        }
      })();
    } catch (err) {
      this.reportFailure(err as Error);
      return false;
    }
    this.queue = []; // flush is synchronous: nothing was queued meanwhile
    this.written += batch.length - refused.length;
    this.dropped += refused.length;
    for (const { write, err } of refused) {
      this.options.log.error(`history write dropped, it can never succeed (${reasonOf(err)}); lost: ${describeWrite(write)}`, { dropped: this.dropped });
    }
    if (this.failingSince !== undefined) {
      this.options.log.warn(`history database writable again; wrote ${batch.length} queued write(s)`, {
        failedForMs: Date.now() - this.failingSince,
      });
      this.failingSince = undefined;
      this.lastError = '';
    }
    return true;
  }

  /**
   * Writes to `db` from now on: the history moved from memory to its file (history-recovery.ts),
   * after this queue was flushed into the memory database.
   */
  useDatabase(db: Database): void {
    this.db = db;
    this.statements.clear();
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
    const reason = reasonOf(err);
    if (this.failingSince === undefined) this.failingSince = Date.now();
    if (reason === this.lastError) return;
    this.lastError = reason;
    this.options.log.error(
      `history database not writable (${reason}); keeping ${this.queue.length} write(s) in memory and retrying every ${this.options.flushIntervalMs}ms`,
      { pending: this.queue.length },
    );
  }
}
