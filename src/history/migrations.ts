// Schema versions of the history database. Each migration runs once, in order, inside a
// transaction; PRAGMA user_version records how far a file has come. Never edit a shipped step:
// add a new one, so an upgrade keeps every row. A new table or column: say too how a history held
// in memory joins the file's (memory-history-merge.ts), or what is recorded in it is lost there.
import type { Database } from 'better-sqlite3';
import { migrateToVersion4 } from './migration-4.js';

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
    description: 'alert delivery queue, alert attempts, alert route state',
    up(db) {
      db.exec(`
        -- Deliveries not yet done: retried with backoff, reloaded at start.
        CREATE TABLE alert_queue (
          id          INTEGER PRIMARY KEY,
          alert       TEXT NOT NULL,          -- the alert's name in the config
          target      TEXT NOT NULL,          -- service/host, or the targets of a digest
          kind        TEXT NOT NULL,          -- down, up, repeat, startup, flapping, test, digest
          events      TEXT NOT NULL,          -- JSON array of the events to deliver
          attempts    INTEGER NOT NULL DEFAULT 0,
          next_at     INTEGER NOT NULL,       -- ms since epoch
          created_at  INTEGER NOT NULL,
          collecting  INTEGER NOT NULL DEFAULT 0, -- a digest still gathering events
          last_error  TEXT
        );
        -- Every attempt and its result: "did the pager get it?"
        CREATE TABLE alert_attempts (
          id          INTEGER PRIMARY KEY,
          delivery_id INTEGER NOT NULL,
          alert       TEXT NOT NULL,
          target      TEXT NOT NULL,
          kind        TEXT NOT NULL,
          outage_id   INTEGER,
          attempt     INTEGER NOT NULL,       -- 1 for the first try
          at          INTEGER NOT NULL,       -- when the attempt started, ms since epoch
          duration_ms INTEGER NOT NULL,
          ok          INTEGER NOT NULL,       -- 1 delivered, 0 failed
          error       TEXT,
          next_at     INTEGER                 -- when it is retried; NULL when delivered or given up
        );
        CREATE INDEX alert_attempts_at ON alert_attempts(at);
        CREATE INDEX alert_attempts_target_at ON alert_attempts(target, at);
        -- Per alert and target, what the policy has told it about the current outage, so a
        -- restart neither repeats a down alert nor forgets the up alert it owes.
        CREATE TABLE alert_state (
          alert       TEXT NOT NULL,
          target      TEXT NOT NULL,
          outage_id   INTEGER,
          down_sent   INTEGER NOT NULL DEFAULT 0,
          sent        INTEGER NOT NULL DEFAULT 0,
          last_sent_at INTEGER,
          told        TEXT,                   -- the state the action was last told (up, down, flapping)
          PRIMARY KEY (alert, target)
        );
      `);
    },
  },
  {
    version: 3,
    description: 'actions taken by plugins (ipvsadm commands, drift repaired), plugin status for vigil track, VRRP state changes',
    up(db) {
      db.exec(`
        CREATE TABLE action_log (
          id          INTEGER PRIMARY KEY,
          at          INTEGER NOT NULL,       -- ms since epoch
          alert       TEXT NOT NULL,          -- the alert (plugin instance) that acted
          subject     TEXT NOT NULL,          -- e.g. the virtual service
          kind        TEXT NOT NULL,          -- command, drift, dry-run, hook, ...
          command     TEXT,                   -- JSON argument array
          ok          INTEGER NOT NULL,
          exit_code   INTEGER,
          message     TEXT
        );
        CREATE INDEX action_log_at ON action_log(at);
        CREATE TABLE plugin_status (
          alert       TEXT PRIMARY KEY,
          healthy     INTEGER NOT NULL,
          summary     TEXT NOT NULL,
          detail      TEXT,                   -- JSON
          pid         INTEGER NOT NULL,
          updated_at  INTEGER NOT NULL,
          stale_after_ms INTEGER NOT NULL     -- older than this = the daemon is not reporting
        );
        CREATE TABLE vrrp_transitions (
          id          INTEGER PRIMARY KEY,
          at          INTEGER NOT NULL,
          node        TEXT NOT NULL,          -- which director reported it
          kind        TEXT NOT NULL,          -- INSTANCE or GROUP
          name        TEXT NOT NULL,
          state       TEXT NOT NULL,          -- MASTER, BACKUP, FAULT, STOP
          priority    INTEGER
        );
        CREATE INDEX vrrp_transitions_at ON vrrp_transitions(at);
      `);
    },
  },
  {
    version: 4,
    description: 'compact transitions, acknowledgements, maintenance periods, operator flags, check aggregates',
    up: migrateToVersion4,
  },
  {
    version: 5,
    description: 'the failure message each alert route last sent (repeat_on_change)',
    up(db) {
      db.exec('ALTER TABLE alert_state ADD COLUMN last_summary TEXT');
    },
  },
  {
    version: 6,
    description: "what the alert policy remembers of each target over a restart (failure counts, flapping results)",
    up(db) {
      db.exec('CREATE TABLE alert_memory (target TEXT PRIMARY KEY, memory TEXT NOT NULL, saved_at INTEGER NOT NULL)');
    },
  },
  {
    version: 7,
    description: "each target's address and port, so the reports find a host by its address as the control commands do",
    up(db) {
      // NULL for targets recorded before: the daemon fills them in at its next start; until then
      // such a target is found by its name only.
      db.exec('ALTER TABLE targets ADD COLUMN address TEXT; ALTER TABLE targets ADD COLUMN port INTEGER');
    },
  },
  {
    version: 8,
    description: 'a random id of this history database (unique mail Message-IDs and delivery ids), alert attempts found by their delivery',
    up(db) {
      db.exec(`
        -- Made once per database, never changed: delivery and outage ids restart at 1 in a new
        -- database, so what must be unique beyond it (a mail's Message-ID, a webhook's
        -- Idempotency-Key) carries this too. Two directors, or one whose database was reset,
        -- differ by it.
        CREATE TABLE history_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO history_info (key, value) VALUES ('id', lower(hex(randomblob(12))));
        -- Attempt ids are left to SQLite (so vigil alerts test can add its attempt while the
        -- daemon writes); the daemon finds a pending retry's row by its delivery.
        CREATE INDEX alert_attempts_delivery ON alert_attempts(delivery_id);
      `);
    },
  },
  {
    version: 9,
    description: 'when the daemon ran, so the reports leave the time it did not out of availability',
    up(db) {
      db.exec(`
        -- One row per daemon run. Between one run's end and the next one's start nobody watched:
        -- availability leaves that time out (Nagios's "Undetermined: not running").
        CREATE TABLE daemon_runs (
          id          INTEGER PRIMARY KEY,
          started_at  INTEGER NOT NULL,       -- ms since epoch: checks began
          seen_at     INTEGER NOT NULL,       -- last known running (refreshed every minute): a crash's end
          stopped_at  INTEGER,                -- a clean stop; NULL while running or after a crash
          pid         INTEGER NOT NULL
        );
        CREATE INDEX daemon_runs_started ON daemon_runs(started_at);
      `);
    },
  },
];

/** The random id of a history database (made by migration 8), or undefined before it. */
export function historyIdOf(db: Database): string | undefined {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'history_info'").get();
  if (!hasTable) return undefined;
  return (db.prepare("SELECT value FROM history_info WHERE key = 'id'").get() as { value: string } | undefined)?.value;
}

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * The oldest schema the read-only reports read as it is: later steps only added what they do not
 * read, so a CLI upgraded before its daemon restarts still answers. Raise it when a step changes
 * what the reports read.
 */
export const READABLE_FROM_VERSION = 4;

export function migrate(db: Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) {
    throw new Error(`history database schema version ${from} is newer than this Vigil understands (${SCHEMA_VERSION}); upgrade Vigil`);
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      // Another process (the daemon, a keepalived notify hook) may have migrated meanwhile.
      if ((db.pragma('user_version', { simple: true }) as number) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: SCHEMA_VERSION };
}
