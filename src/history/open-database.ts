// Opens the history database: WAL so the CLI reads while the daemon writes, schema migrated.
import type BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { historyOpenError } from './open-errors.js';
import { migrate, READABLE_FROM_VERSION, SCHEMA_VERSION } from './migrations.js';
import { fs, requireCommonJs } from '../require-commonjs.js';

const Database = requireCommonJs('better-sqlite3') as typeof BetterSqlite3;

// better-sqlite3 finds its compiled addon through the `bindings` package, which looks in other
// directories first, failing in each: it is named here where npm builds it, when it is there.
const addon = (() => {
  try {
    return requireCommonJs.resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined; // left to better-sqlite3 to find, or to explain
  }
})();

/** While running, a locked database must not stall the event loop: fail fast and retry later. */
export const RUNTIME_BUSY_TIMEOUT_MS = 50;

/** At open, nothing else runs yet: a lock held briefly (a backup, a reader's checkpoint) is waited for. */
const OPEN_BUSY_TIMEOUT_MS = 5_000;

export interface OpenOptions {
  /**
   * Opened by a daemon already checking (history-recovery.ts): a lock is not waited for (tried
   * again later instead), and the one-time VACUUM, seconds long on a big file, waits for a start.
   */
  whileRunning?: boolean;
}

/** SQLite's code for auto_vacuum = INCREMENTAL. */
const INCREMENTAL_AUTO_VACUUM = 2;

/**
 * Opens (creating if needed) and migrates the database. `notice` hears about slow one-time work.
 *
 * Space freed by retention is given back in small steps (PRAGMA incremental_vacuum), which needs
 * auto_vacuum = INCREMENTAL. A new file gets it before its first table; a file made by an older
 * Vigil is converted once, by one VACUUM at the upgrade (it rewrites the file: seconds per
 * hundred MB, and needs as much free disk again). If that VACUUM fails (disk full, locked), the
 * daemon starts anyway and tries again at the next start; until then freed pages are reused but
 * the file does not shrink.
 */
export function openWritableDatabase(file: string, notice: (message: string) => void = () => undefined, options: OpenOptions = {}): BetterSqlite3.Database {
  let db: BetterSqlite3.Database | undefined;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file, { timeout: options.whileRunning ? RUNTIME_BUSY_TIMEOUT_MS : OPEN_BUSY_TIMEOUT_MS, nativeBinding: addon });
    prepare(db, file, notice, options);
    return db;
  } catch (err) {
    db?.close();
    throw historyOpenError(file, err);
  }
}

function prepare(db: BetterSqlite3.Database, file: string, notice: (message: string) => void, options: OpenOptions): void {
  db.pragma('auto_vacuum = INCREMENTAL'); // takes effect only while the file has no table yet
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const { from, to } = migrate(db);
  if (from !== to && from > 0) notice(`history database ${file} upgraded from schema version ${from} to ${to}`);
  if (db.pragma('auto_vacuum', { simple: true }) !== INCREMENTAL_AUTO_VACUUM && !options.whileRunning) {
    notice(`history database ${file}: switching to incremental auto-vacuum (one VACUUM, once)`);
    try {
      db.exec('VACUUM');
    } catch (err) {
      notice(`history database ${file}: VACUUM failed (${(err as Error).message}); space freed by retention is reused but the file will not shrink until it succeeds at a later start`);
    }
  }
  db.pragma(`busy_timeout = ${RUNTIME_BUSY_TIMEOUT_MS}`);
}

/**
 * A read-only connection for the CLI; works while the daemon writes. It cannot upgrade the
 * schema, so a file of another version is refused with what to do, not misread.
 */
export function openReadOnlyDatabase(file: string): BetterSqlite3.Database {
  let db: BetterSqlite3.Database;
  let version: number;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 2_000, nativeBinding: addon });
    version = db.pragma('user_version', { simple: true }) as number;
    // A report reads most pages once (seeks along an index in key order): the default 16 MB page
    // cache would only fill fresh memory with them, a page fault per page (a tenth of
    // `vigil availability` over 10,000 targets). 1 MB holds the index pages it goes back to.
    db.pragma('cache_size = -1024');
  } catch (err) {
    const reason = (err as { code?: string }).code === 'SQLITE_CANTOPEN' ? 'no such database (has the daemon run yet?)' : (err as Error).message;
    throw new Error(`cannot open history database ${file}: ${reason}`);
  }
  if (version >= READABLE_FROM_VERSION && version <= SCHEMA_VERSION) return db;
  db.close();
  if (version === 0) throw new Error(`${file} is not a Vigil history database (no schema version)`);
  if (version > SCHEMA_VERSION) throw new Error(`history database ${file} has schema version ${version}, newer than this Vigil understands (${SCHEMA_VERSION}); upgrade Vigil`);
  throw new Error(`history database ${file} has schema version ${version}, older than this Vigil reads (${SCHEMA_VERSION}): start the daemon (vigil run) once to upgrade it`);
}
