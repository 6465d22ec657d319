// Why the history database could not be opened, in words an operator can act on: the file, the
// cause, and what to do. SQLite's own message ("database is locked", "unable to open database
// file") names neither the file nor the remedy.

/** An error opening the history database; `code` is SQLite's (or the system's). */
export class HistoryOpenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'HistoryOpenError';
  }
}

interface Explanation {
  cause: string;
  remedy: string;
}

/** Another connection holds a lock (SQLITE_BUSY, SQLITE_LOCKED and their extended codes). */
const isLockCode = (code: string) => code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');

function explain(code: string): Explanation | undefined {
  if (isLockCode(code)) {
    return { cause: 'it is locked by another program', remedy: 'close what holds it (an sqlite3 shell, a backup, another vigil)' };
  }
  if (code === 'SQLITE_FULL') return { cause: 'the disk is full', remedy: 'free space on its file system' };
  if (code.startsWith('SQLITE_IOERR')) return { cause: `an I/O error (${code})`, remedy: 'check the disk and the kernel log' };
  if (code.startsWith('SQLITE_READONLY')) {
    return { cause: 'it is read-only', remedy: "make the file and its directory writable by the daemon's user (or remount the file system read-write)" };
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EROFS') {
    return { cause: 'the file cannot be opened or created', remedy: "make sure its directory exists and is writable by the daemon's user, or set history.path" };
  }
  if (code === 'SQLITE_NOTADB') return { cause: 'the file is not a SQLite database', remedy: 'move it away (vigil creates a new one), or set history.path to the right file' };
  if (code.startsWith('SQLITE_CORRUPT')) return { cause: 'the database is corrupt', remedy: 'restore it from a backup, or move it away to start a new history' };
  return undefined;
}

/** Turns whatever opening `file` threw into a HistoryOpenError that names the file, the cause and the remedy. */
export function historyOpenError(file: string, err: unknown): HistoryOpenError {
  if (err instanceof HistoryOpenError) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const known = code === undefined ? undefined : explain(code);
  if (!known) return new HistoryOpenError(`cannot open history database ${file}: ${message}`, code);
  return new HistoryOpenError(`cannot open history database ${file}: ${known.cause} (${message}); ${known.remedy}`, code);
}

/** Whether opening failed only because another connection holds a lock: waiting may cure it. */
export function isLockedError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && isLockCode(code);
}

/**
 * Trouble a director's disk can have on any morning — full, read-only, failing, or a file damaged
 * by a crash — as opposed to a wrong `history.path` (not a database, no such directory, another
 * vigil's). The daemon starts through it, history held in memory: the LVS table must not go
 * unwatched because the history cannot be written.
 */
export function isDiskTrouble(err: unknown): boolean {
  const code = errorCode(err) ?? errorCode((err as { cause?: unknown } | undefined)?.cause);
  if (code === undefined) return false;
  return /^SQLITE_(FULL|IOERR|READONLY|CORRUPT)/.test(code) || ['EROFS', 'ENOSPC', 'EIO', 'EDQUOT'].includes(code);
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
