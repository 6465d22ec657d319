// The daemon's history at start: the lock beside the file (one daemon per database), then the
// database, waited for while another program holds it locked. A disk in trouble — full, read-only,
// failing, or a file a crash damaged — does not keep the daemon from starting: the director's
// checks and its LVS table matter more than the record of them. It runs on a history held in
// memory, says so at ERROR, in `vigil status` and in metrics, and tries the file again until it
// opens; then everything recorded in memory is written there (history-recovery.ts). A wrong
// history.path, or another vigil's database, is still a failed start.
import { formatDuration } from '../config/duration.js';
import { describeError } from '../describe-error.js';
import type { Logger } from '../plugin.js';
import { HistoryLock } from './history-lock.js';
import { HistoryStore, type HistoryOptions } from './history-store.js';
import { isDiskTrouble, isLockedError } from './open-errors.js';

/** Tries at opening a locked history database at start, each waiting SQLite's busy timeout (5 s). */
const LOCKED_AT_START_ATTEMPTS = 6;

export interface StartedHistory {
  history: HistoryStore;
  /** Absent when the history is held in memory. */
  lock?: HistoryLock;
  /** Why the history is held in memory only (until history-recovery.ts writes it to the file), if it is. */
  unavailable?: string;
}

/** Opens the history for the daemon, or throws why the daemon must not start. */
export function startHistory(options: HistoryOptions & { log: Logger }): StartedHistory {
  let lock: HistoryLock | undefined;
  try {
    lock = HistoryLock.acquire(options.path, options.log);
    return { history: openWaitingForLocks(options), lock };
  } catch (err) {
    lock?.release();
    if (!isDiskTrouble(err)) throw err;
    // The message, not describeError: that would give only the cause, not the file it concerns.
    const unavailable = err instanceof Error ? err.message : String(err);
    options.log.error(
      `history not recorded: ${unavailable}. Checks, LVS and alerts run; this run's history is held in memory, and written to the database ` +
        `once it opens again (tried every ${formatDuration(options.flushIntervalMs)}): fix the disk, no restart needed. Stopped before, the history held in memory is lost`,
      { event: 'history-unavailable' },
    );
    return { history: HistoryStore.open({ ...options, path: ':memory:' }), unavailable };
  }
}

/** A database locked by another program (a backup, an sqlite3 shell) is waited for, a while. */
function openWaitingForLocks(options: HistoryOptions & { log: Logger }): HistoryStore {
  for (let attempt = 1; ; attempt++) {
    try {
      return HistoryStore.open(options);
    } catch (err) {
      if (!isLockedError(err) || attempt === LOCKED_AT_START_ATTEMPTS) throw err;
      options.log.warn(`${describeError(err)}; trying again (${attempt} of ${LOCKED_AT_START_ATTEMPTS})`);
    }
  }
}
