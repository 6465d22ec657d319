// Finds the history database a read-only CLI command should open: --db, or the config's history.path.
import type { Database } from 'better-sqlite3';
import { openReadOnlyDatabase } from '../history/open-database.js';
import { readConfigPaths } from './config-paths.js';

export async function historyPathOf(options: { db?: string; config: string }): Promise<string> {
  return options.db ?? (await readConfigPaths(options.config)).historyPath;
}

export async function openHistoryForReading(options: { db?: string; config: string }): Promise<Database> {
  return openReadOnlyDatabase(await historyPathOf(options));
}
