// One daemon per history database. Ids of new rows are allocated in the daemon's memory (see
// history-store.ts), so a second daemon writing the same file collides with the first on every
// insert and loses its writes. A lock file beside the database holds the owner's pid; it is stale
// once that process is gone, so a daemon killed with -9 does not keep the next one from starting.
// (SQLite's own exclusive locking mode would also shut out the CLI, which reads while we write.)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../describe-error.js';
import { isOtherVigilRunning, pidIn } from '../pid-file.js';
import type { Logger } from '../plugin.js';

export class HistoryLock {
  private constructor(readonly file: string) {}

  /** Takes the lock of the database at `dbPath`, or throws saying who holds it. */
  static acquire(dbPath: string, log: Logger): HistoryLock {
    const file = `${dbPath}.lock`;
    try {
      mkdirSync(path.dirname(dbPath), { recursive: true });
    } catch (err) {
      throw new Error(`cannot create the history database's directory ${path.dirname(dbPath)}: ${describeError(err)}; create it, or set history.path`, { cause: err });
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
        return new HistoryLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          removeQuietly(file); // created but not written (a full disk): an empty lock would only puzzle
          throw new Error(`cannot create the history lock file ${file}: ${describeError(err)}; the daemon needs to write in ${path.dirname(dbPath)}`, { cause: err });
        }
      }
      const holder = pidIn(file);
      if (holder !== undefined && isOtherVigilRunning(holder)) {
        throw new Error(
          `history database ${dbPath} is in use by another vigil daemon (pid ${holder}, named in ${file}); ` +
            `two daemons cannot share one history: give this one another history.path, or stop pid ${holder}`,
        );
      }
      rmSync(file, { force: true });
      log.info(`removed stale history lock ${file}${holder ? ` (pid ${holder} is gone: its daemon did not stop cleanly)` : ''}`);
    }
    throw new Error(`history lock file ${file} keeps coming back: is another vigil starting on ${dbPath} right now?`);
  }

  /** Removes the lock, if it is still ours. */
  release(): void {
    if (pidIn(this.file) === process.pid) rmSync(this.file, { force: true });
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // a read-only file system: there is nothing to remove anyway
  }
}
