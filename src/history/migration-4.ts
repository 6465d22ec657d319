// Schema version 4 (history & CLI): compact transitions, acknowledgements on outages, maintenance
// periods, persisted operator flags and per-minute/hour/day check aggregates.
//
// Sizes matter: years of history on a busy director reach millions of transitions. Version 1
// stored each transition's states and message as text (~70 bytes a row). Version 4 keeps them in
// `transition_log` with states as small integers and each distinct message once in `messages`
// (~25 bytes a row). `transitions` stays, as a view with the version 1 columns, so readers and the
// writer's INSERT keep working unchanged (an INSTEAD OF trigger interns the message).
import type { Database } from 'better-sqlite3';

/** State names ↔ the codes stored in transition_log; an unforeseen name is stored as text. */
const STATE_CODE = (column: string) => `CASE ${column} WHEN 'unknown' THEN 0 WHEN 'up' THEN 1 WHEN 'down' THEN 2 ELSE ${column} END`;
const STATE_NAME = (column: string) => `CASE ${column} WHEN 0 THEN 'unknown' WHEN 1 THEN 'up' WHEN 2 THEN 'down' ELSE ${column} END`;

/** Columns of every check-aggregate table; latencies in whole microseconds (compact integers). */
const AGGREGATE_COLUMNS = `
  bucket         INTEGER NOT NULL,   -- start of the minute/hour/day, ms since epoch (UTC)
  target_id      INTEGER NOT NULL,
  checks         INTEGER NOT NULL,
  failures       INTEGER NOT NULL,   -- results that were down or unknown
  latency_n      INTEGER NOT NULL,   -- results that carried a latency
  latency_sum_us INTEGER NOT NULL,
  latency_min_us INTEGER,
  latency_max_us INTEGER,
  PRIMARY KEY (bucket, target_id)    -- appended in time order; retention deletes a prefix
`;

export function migrateToVersion4(db: Database): void {
  db.exec(`
    CREATE TABLE messages (
      id            INTEGER PRIMARY KEY,
      text          TEXT NOT NULL UNIQUE,
      last_used_at  INTEGER NOT NULL      -- the newest transition using it: retention deletes it with them
    );
    CREATE TABLE transition_log (
      id          INTEGER PRIMARY KEY,
      target_id   INTEGER NOT NULL REFERENCES targets(id),
      at          INTEGER NOT NULL,
      from_state  INTEGER NOT NULL,     -- 0 unknown, 1 up, 2 down
      to_state    INTEGER NOT NULL,
      message_id  INTEGER REFERENCES messages(id)
    );
    INSERT INTO messages (text, last_used_at)
      SELECT message, max(at) FROM transitions WHERE message IS NOT NULL GROUP BY message ORDER BY min(id);
    INSERT INTO transition_log (id, target_id, at, from_state, to_state, message_id)
      SELECT t.id, t.target_id, t.at, ${STATE_CODE('t.from_state')}, ${STATE_CODE('t.to_state')}, m.id
        FROM transitions t LEFT JOIN messages m ON m.text = t.message;
    DROP TABLE transitions;
    CREATE INDEX transition_log_target_at ON transition_log(target_id, at);
    CREATE VIEW transitions AS
      SELECT l.id, l.target_id, l.at, ${STATE_NAME('l.from_state')} AS from_state, ${STATE_NAME('l.to_state')} AS to_state, m.text AS message
        FROM transition_log l LEFT JOIN messages m ON m.id = l.message_id;
    CREATE TRIGGER transitions_insert INSTEAD OF INSERT ON transitions BEGIN
      INSERT INTO messages (text, last_used_at) SELECT NEW.message, NEW.at WHERE NEW.message IS NOT NULL
        ON CONFLICT (text) DO UPDATE SET last_used_at = max(last_used_at, excluded.last_used_at);
      INSERT INTO transition_log (id, target_id, at, from_state, to_state, message_id)
        VALUES (NEW.id, NEW.target_id, NEW.at, ${STATE_CODE('NEW.from_state')}, ${STATE_CODE('NEW.to_state')},
                (SELECT id FROM messages WHERE text = NEW.message));
    END;

    -- Who acknowledged an outage, when, and why.
    ALTER TABLE outages ADD COLUMN ack_at INTEGER;
    ALTER TABLE outages ADD COLUMN ack_by TEXT;
    ALTER TABLE outages ADD COLUMN ack_comment TEXT;
    -- Covering indexes: time-window scans (history, availability, timeline, retention) read only
    -- the index; the duration index bounds how far back an outage overlapping a window can start.
    DROP INDEX outages_started;
    DROP INDEX outages_target_started;
    CREATE INDEX outages_window ON outages(started_at, ended_at, target_id);
    CREATE INDEX outages_target_window ON outages(target_id, started_at, ended_at);
    CREATE INDEX outages_duration ON outages(duration_ms);
    CREATE INDEX outages_open ON outages(started_at, target_id) WHERE ended_at IS NULL; -- queried INDEXED BY

    -- When a target was first seen and left the configuration, and its check interval (for mon's
    -- downtime log): availability counts only the time a target was watched.
    ALTER TABLE targets ADD COLUMN created_at INTEGER;
    ALTER TABLE targets ADD COLUMN removed_at INTEGER;
    ALTER TABLE targets ADD COLUMN interval_ms INTEGER;
    UPDATE targets SET created_at = min(
      since,
      coalesce((SELECT min(at) FROM transition_log WHERE target_id = targets.id), since),
      coalesce((SELECT min(started_at) FROM outages WHERE target_id = targets.id), since));

    -- Operator flags (disabled, maintenance, acknowledged) as JSON, so a restart keeps them.
    CREATE TABLE target_flags (
      target_id   INTEGER PRIMARY KEY REFERENCES targets(id),
      flags       TEXT NOT NULL,
      updated_at  INTEGER NOT NULL
    );

    -- Time spent in maintenance, whoever started it (CLI, maintenance windows).
    CREATE TABLE maintenance_periods (
      id            INTEGER PRIMARY KEY,
      target_id     INTEGER NOT NULL REFERENCES targets(id),
      started_at    INTEGER NOT NULL,
      ended_at      INTEGER,              -- NULL while in maintenance
      planned_until INTEGER,              -- the end asked for, if any
      reason        TEXT
    );
    CREATE INDEX maintenance_periods_target ON maintenance_periods(target_id, started_at);
    CREATE UNIQUE INDEX maintenance_periods_one_open ON maintenance_periods(target_id) WHERE ended_at IS NULL;

    CREATE TABLE checks_minute (${AGGREGATE_COLUMNS}) WITHOUT ROWID;
    CREATE TABLE checks_hour (${AGGREGATE_COLUMNS}) WITHOUT ROWID;
    CREATE TABLE checks_day (${AGGREGATE_COLUMNS}) WITHOUT ROWID;
  `);
}
