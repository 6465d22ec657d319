// Schema versions of the history database. Each migration runs once, in order, inside a
// transaction; PRAGMA user_version records how far a file has come. Never edit a shipped step:
// add a new one, so an upgrade keeps every row.
import type { Database } from 'better-sqlite3';
import { migrateToVersion2 } from './migration-2.js';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'targets, transitions, outages',
    up(db) {
      db.exec(`
        CREATE TABLE targets (
          id          INTEGER PRIMARY KEY,
          key         TEXT NOT NULL UNIQUE,   -- service/host
          service     TEXT NOT NULL,
          grp         TEXT NOT NULL,
          host        TEXT NOT NULL,
          state       TEXT NOT NULL DEFAULT 'unknown',
          since       INTEGER NOT NULL,       -- ms since epoch
          last_message TEXT,
          updated_at  INTEGER NOT NULL
        );
        CREATE TABLE transitions (
          id          INTEGER PRIMARY KEY,
          target_id   INTEGER NOT NULL REFERENCES targets(id),
          at          INTEGER NOT NULL,
          from_state  TEXT NOT NULL,
          to_state    TEXT NOT NULL,
          message     TEXT
        );
        CREATE INDEX transitions_target_at ON transitions(target_id, at);
        CREATE TABLE outages (
          id          INTEGER PRIMARY KEY,
          target_id   INTEGER NOT NULL REFERENCES targets(id),
          started_at  INTEGER NOT NULL,
          ended_at    INTEGER,                -- NULL while the outage is open
          duration_ms INTEGER,
          cause       TEXT NOT NULL,          -- the failure that opened it
          end_message TEXT                    -- what closed it
        );
        CREATE INDEX outages_started ON outages(started_at);
        CREATE INDEX outages_target_started ON outages(target_id, started_at);
        CREATE UNIQUE INDEX outages_one_open ON outages(target_id) WHERE ended_at IS NULL;
      `);
    },
  },
  {
    version: 2,
    description: 'compact transitions, acknowledgements, maintenance periods, operator flags, check aggregates',
    up: migrateToVersion2,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function migrate(db: Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) {
    throw new Error(`history database schema version ${from} is newer than this Vigil understands (${SCHEMA_VERSION}); upgrade Vigil`);
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return { from, to: SCHEMA_VERSION };
}
