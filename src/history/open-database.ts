// Opens the history database: WAL so the CLI reads while the daemon writes, schema migrated.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { migrate } from './migrations.js';

/** While running, a locked database must not stall the event loop: fail fast and retry later. */
export const RUNTIME_BUSY_TIMEOUT_MS = 50;

export function openWritableDatabase(file: string): Database.Database {
  mkdirSync(path.dirname(file), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 5_000 });
  } catch (err) {
    throw new Error(`cannot open history database ${file}: ${(err as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  db.pragma(`busy_timeout = ${RUNTIME_BUSY_TIMEOUT_MS}`);
  return db;
}

/** A read-only connection for the CLI; works while the daemon writes. */
export function openReadOnlyDatabase(file: string): Database.Database {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 2_000 });
    return db;
  } catch (err) {
    const reason = (err as { code?: string }).code === 'SQLITE_CANTOPEN' ? 'no such database (has the daemon run yet?)' : (err as Error).message;
    throw new Error(`cannot open history database ${file}: ${reason}`);
  }
}
