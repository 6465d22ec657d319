// Reads a history database the way an operator's sqlite3 shell would, for assertions.
import Database from 'better-sqlite3';

export interface OutageRecord {
  id: number;
  key: string;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  cause: string;
  end_message: string | null;
}

export function readOutages(file: string): OutageRecord[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT o.*, t.key FROM outages o JOIN targets t ON t.id = o.target_id ORDER BY o.id').all() as OutageRecord[];
  } finally {
    db.close();
  }
}

export function readTransitions(file: string): Array<{ key: string; at: number; from_state: string; to_state: string; message: string | null }> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT t.key, x.at, x.from_state, x.to_state, x.message FROM transitions x JOIN targets t ON t.id = x.target_id ORDER BY x.id').all() as never;
  } finally {
    db.close();
  }
}
