// A daemon that started with its history held in memory (start-history.ts: the disk was full,
// read-only or failing, or the file damaged) tries the history file again, as often as queued
// writes are retried (history.flush_interval). It takes the lock and opens the file as a start
// does, migrations included; then everything recorded in memory is written into the file in one
// transaction (memory-history-merge.ts) and the store goes on writing there. Whatever fails leaves
// the file as it was and the history in memory, to be tried again.
//
// All of it runs in one turn of the event loop: no write can slip into the memory database
// between the copy and the move. Checks wait meanwhile (about a second per 200,000 rows), so a
// merge that failed (a disk with room to open the file but not for the history) is tried again
// less and less often, not at every retry: each failure doubles the wait, up to MAX_MERGE_BACKOFF.
import type { Database } from 'better-sqlite3';
import { formatDuration } from '../config/duration.js';
import type { OutageRenumbering } from '../alerting/renumbered-outages.js';
import type { Logger } from '../plugin.js';
import { HistoryLock } from './history-lock.js';
import type { HistoryStore } from './history-store.js';
import { mergeMemoryHistory, type MergedCounts, type MergedHistory } from './memory-history-merge.js';
import { openWritableDatabase } from './open-database.js';

/** The longest wait after failed merges, in retry intervals. */
const MAX_MERGE_BACKOFF = 64;

export interface RecoveredHistory {
  /** The file's lock, now this daemon's: released at stop. */
  lock: HistoryLock;
  /** Outage ids handed out in memory → the file's, for those who hold one (the alert policy, acknowledgements). */
  outageIds: OutageRenumbering;
}

export interface HistoryRecoveryOptions {
  path: string;
  /** Why the file could not be opened at start. */
  unavailable: string;
  retryMs: number;
  log: Logger;
  /** Told in the same turn as the store moved to the file, before anything else is recorded. */
  onRecovered(recovered: RecoveredHistory): void;
}

export class HistoryRecovery {
  private timer: NodeJS.Timeout | undefined;
  private reason: string | undefined;
  /** Retry intervals to wait before the next try: doubled by each failed merge. */
  private backoff = 1;
  /** The last failure told, so that a disk staying broken is not told again at every try. */
  private told: string;

  constructor(
    private readonly history: HistoryStore,
    private readonly options: HistoryRecoveryOptions,
  ) {
    this.reason = this.told = options.unavailable;
  }

  /** Why history is held in memory, until it is recorded again. */
  get unavailable(): string | undefined {
    return this.reason;
  }

  start(): void {
    this.timer = setTimeout(() => {
      this.tryOnce();
      if (this.reason !== undefined && this.timer) this.start();
    }, this.options.retryMs * this.backoff);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tryOnce(): void {
    if (this.reason === undefined) return;
    const { path, log } = this.options;
    let lock: HistoryLock | undefined;
    let file: Database;
    try {
      lock = HistoryLock.acquire(path, log);
      file = openWritableDatabase(path, (message) => log.info(message), { whileRunning: true });
    } catch (err) {
      lock?.release();
      this.failed(err instanceof Error ? err.message : String(err));
      return;
    }
    // What waits in the queue and the aggregates joins the memory database, to be copied with it.
    this.history.flush();
    this.history.aggregates.flushNow();
    let merged: MergedHistory;
    const started = performance.now();
    try {
      merged = mergeMemoryHistory(this.history.db, file, Date.now());
    } catch (err) {
      file.close();
      lock.release();
      this.backoff = Math.min(this.backoff * 2, MAX_MERGE_BACKOFF);
      const cause = `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`;
      this.failed(`could not write it into ${path} (${cause}; ${tookText(started)}); nothing of it was written (rolled back)`);
      return;
    }
    // Written: from here on the file is the history, whatever comes next.
    this.stop();
    this.reason = undefined;
    const memory = this.history.moveTo(file);
    this.options.onRecovered({ lock, outageIds: merged.outageIds });
    memory.close();
    log.warn(`history recorded again: ${describeCounts(merged.counts)} written from memory to ${path} (${tookText(started)}); from now on history is written there`, {
      event: 'history-recovered',
      ...merged.counts,
      durationMs: Math.round(performance.now() - started),
    });
  }

  private failed(reason: string): void {
    if (reason === this.told) return;
    this.told = reason;
    const every = this.backoff > 1 ? `in ${formatDuration(this.options.retryMs * this.backoff)}, then less often while it fails` : `every ${formatDuration(this.options.retryMs)}`;
    this.options.log.warn(`history still held in memory: ${reason}; trying again ${every}`, { event: 'history-unavailable' });
  }
}

/** `took 1.2s`: how long checks waited for the merge. */
function tookText(started: number): string {
  return `took ${formatDuration(Math.round(performance.now() - started))}`;
}

function describeCounts(counts: MergedCounts): string {
  const parts: Array<[number, string, string]> = [
    [counts.outages, 'outage', 'outages'],
    [counts.transitions, 'transition', 'transitions'],
    [counts.maintenance, 'maintenance period', 'maintenance periods'],
    [counts.attempts, 'alert attempt', 'alert attempts'],
    [counts.actions, 'action', 'actions'],
    [counts.aggregates, 'check aggregate', 'check aggregates'],
  ];
  return `${parts.map(([n, one, many]) => `${n} ${n === 1 ? one : many}`).join(', ')} and this run's time`;
}
