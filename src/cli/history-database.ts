// Finds the history database a read-only CLI command should open: --db, or the config's history.path.
import type { Database } from 'better-sqlite3';
import { loadConfig } from '../config/load-config.js';
import { openReadOnlyDatabase } from '../history/open-database.js';

export async function openHistoryForReading(options: { db?: string; config: string }): Promise<Database> {
  const file = options.db ?? (await loadConfig(options.config)).config.history.path;
  return openReadOnlyDatabase(file);
}
