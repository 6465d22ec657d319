// Records this daemon's run in history (daemon_runs): when it started, that it is still running
// ("seen", refreshed every minute) and a clean stop. The reports read these to leave the time no
// daemon watched out of availability (unwatched-time.ts); a crash or SIGKILL leaves the last "seen"
// as the run's end.
//
// The writes go through the history write queue like every other: nothing here touches the
// database on the probe path, and a locked or full database only delays them. Each write carries
// the whole row (an upsert), so a row the bounded queue had to drop comes back with the next one.
import type { HistoryStore } from './history-store.js';

/** How often "seen" is refreshed. The reports call a run gone once "seen" is much older. */
export const RUN_REFRESH_MS = 60_000;

const UPSERT =
  'INSERT INTO daemon_runs (id, started_at, seen_at, stopped_at, pid) VALUES (?, ?, ?, ?, ?) ' +
  'ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, stopped_at = excluded.stopped_at';

export interface DaemonRunOptions {
  refreshMs?: number;
  now?: () => number;
}

export class DaemonRun {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly history: Pick<HistoryStore, 'db' | 'writes'>,
    private readonly id: number,
    private readonly startedAt: number,
    private readonly now: () => number,
  ) {}

  /** Records the start now and refreshes "seen" until `stop()`. */
  static start(history: Pick<HistoryStore, 'db' | 'writes'>, options: DaemonRunOptions = {}): DaemonRun {
    const now = options.now ?? Date.now;
    const startedAt = now();
    const run = new DaemonRun(history, nextRunId(history, startedAt), startedAt, now);
    run.write(startedAt, null);
    run.timer = setInterval(() => run.write(now(), null), options.refreshMs ?? RUN_REFRESH_MS);
    run.timer.unref();
    return run;
  }

  /** Records a clean stop (queued: the history's close writes it). Once only. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    const at = this.now();
    this.write(at, at);
  }

  private write(seenAt: number, stoppedAt: number | null): void {
    this.history.writes.push(UPSERT, [this.id, this.startedAt, seenAt, stoppedAt, process.pid]);
  }
}

/**
 * The next id in order. Should the database not answer even this read (it was opened a moment
 * ago), the start time in ms: larger than any id counted up, so it cannot take an earlier run's row.
 * So too for a history held in memory: it is written into its file later (history-recovery.ts),
 * with this id, and goes on there.
 */
function nextRunId(history: Pick<HistoryStore, 'db'>, startedAt: number): number {
  if (history.db.memory) return startedAt;
  try {
    return ((history.db.prepare('SELECT max(id) FROM daemon_runs').pluck().get() as number | null) ?? 0) + 1;
  } catch {
    return startedAt;
  }
}
