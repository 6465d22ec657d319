// Writes a history held in memory into its file (history-recovery.ts), in one transaction: what
// this run recorded joins what the file already holds, or none of it does. Targets are matched by
// their key, as a start matches them (history-store.ts), and every row that refers to a target or
// an outage gets the file's id. The ids of deliveries and of this run were handed out from the
// start time in memory, larger than any the file counted up (alert-store.ts, daemon-run.ts): they
// are kept.
//
// The file's own rows stay as they were, but for what a start would have done to them; this run
// began without reading them:
// - an outage the file has open goes on if this run's first check found the target DOWN, and ends
//   at that check if it found it UP (while this run has not checked it, it stays open, resumable);
// - maintenance the file has open ends when this run began, and this run's flags replace the file's;
// - a target this run does not watch is removed as of its start, its outage closed then.
import type { Database } from 'better-sqlite3';
import { withRenumberedOutages, type OutageRenumbering } from '../alerting/renumbered-outages.js';
import { eventsFromJson, eventsToJson } from '../alerting/event-json.js';
import type { TargetFlags } from '../supervisor.js';
import { AGGREGATE_GRANULARITIES, aggregateUpsert } from './check-aggregator.js';

/** How many rows of each kind were written from memory. */
export interface MergedCounts {
  outages: number;
  transitions: number;
  maintenance: number;
  attempts: number;
  actions: number;
  aggregates: number;
}

export interface MergedHistory {
  outageIds: OutageRenumbering;
  counts: MergedCounts;
}

type Row = Record<string, unknown>;

const insertInto = (table: string, columns: string[], verb = 'INSERT') => `${verb} INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;

interface TransitionRow {
  at: number;
  from_state: string;
  to_state: string;
  message: string | null;
}

const TARGET_COLUMNS = ['key', 'service', 'grp', 'host', 'state', 'since', 'last_message', 'updated_at', 'created_at', 'removed_at', 'interval_ms', 'address', 'port'];
const OUTAGE_COLUMNS = ['target_id', 'started_at', 'ended_at', 'duration_ms', 'cause', 'end_message', 'ack_at', 'ack_by', 'ack_comment'];

/** Writes everything in `memory` into `file`; throws (having written nothing) if the file refuses. */
export function mergeMemoryHistory(memory: Database, file: Database, now: number): MergedHistory {
  return file.transaction(() => new MemoryHistoryMerge(memory, file, now).run()).immediate();
}

class MemoryHistoryMerge {
  private readonly targetIds = new Map<number, number>();
  private readonly outageIds = new Map<number, number>();
  /** Targets whose file row is of another machine: what the file's routes told of it is forgotten. */
  private readonly moved: string[] = [];
  /** When this run began checking (its row in daemon_runs, written at start). */
  private readonly runStart: number;

  constructor(
    private readonly memory: Database,
    private readonly file: Database,
    now: number,
  ) {
    this.runStart = (memory.prepare('SELECT min(started_at) FROM daemon_runs').pluck().get() as number | null) ?? now;
  }

  run(): MergedHistory {
    const continued = this.targets();
    this.endWhatThisRunDidNotHold();
    const counts: MergedCounts = {
      outages: this.outages(continued),
      transitions: this.copy('transitions', ['target_id', 'at', 'from_state', 'to_state', 'message'], { adjust: (row) => this.mapTarget(row), orderBy: 'id' }),
      maintenance: this.copy('maintenance_periods', ['target_id', 'started_at', 'ended_at', 'planned_until', 'reason'], { adjust: (row) => this.mapTarget(row) }),
      attempts: 0,
      actions: this.copy('action_log', ['at', 'alert', 'subject', 'kind', 'command', 'ok', 'exit_code', 'message']),
      aggregates: 0,
    };
    this.copy('target_flags', ['target_id', 'flags', 'updated_at'], {
      adjust: (row) => {
        this.mapTarget(row);
        row.flags = this.flagsRenumbered(row.flags as string);
      },
    });
    for (const { table } of AGGREGATE_GRANULARITIES) {
      const columns = ['bucket', 'target_id', 'checks', 'failures', 'latency_n', 'latency_sum_us', 'latency_min_us', 'latency_max_us'];
      counts.aggregates += this.copy(table, columns, { adjust: (row) => this.mapTarget(row), into: aggregateUpsert(table), orderBy: 'bucket' });
    }
    counts.attempts = this.alerts();
    this.copy('vrrp_transitions', ['at', 'node', 'kind', 'name', 'state', 'priority']);
    this.copy('daemon_runs', ['id', 'started_at', 'seen_at', 'stopped_at', 'pid']);
    return { outageIds: this.outageIds, counts };
  }

  /**
   * Matches this run's targets with the file's by key (adding those it lacks) and brings the
   * file's rows up to this run. Returns which outage of this run goes on with one the file has open.
   */
  private targets(): Map<number, number> {
    const continued = new Map<number, number>();
    const byKey = this.file.prepare('SELECT id, address, port FROM targets WHERE key = ?');
    const insert = this.file.prepare(`INSERT INTO targets (${TARGET_COLUMNS.join(', ')}) VALUES (${TARGET_COLUMNS.map((c) => `@${c}`).join(', ')})`);
    const updateConfigured = this.file.prepare(
      'UPDATE targets SET service = @service, grp = @grp, host = @host, removed_at = @removed_at, interval_ms = @interval_ms, address = @address, port = @port WHERE id = @fileId',
    );
    const updateState = this.file.prepare('UPDATE targets SET state = @state, since = @since, last_message = @last_message, updated_at = @updated_at WHERE id = @fileId');
    const firstTransition = this.memory.prepare('SELECT at, from_state, to_state, message FROM transitions WHERE target_id = ? ORDER BY id LIMIT 1');
    const firstOutage = this.memory.prepare('SELECT id, started_at FROM outages WHERE target_id = ? ORDER BY id LIMIT 1');
    const openInFile = this.file.prepare('SELECT id FROM outages WHERE target_id = ? AND ended_at IS NULL').pluck();
    const close = this.file.prepare('UPDATE outages SET ended_at = max(started_at, @at), duration_ms = max(started_at, @at) - started_at, end_message = @message WHERE id = @id');
    for (const row of this.memory.prepare(`SELECT id, ${TARGET_COLUMNS.join(', ')} FROM targets ORDER BY id`).all() as Array<{ id: number; key: string } & Row>) {
      const { id, ...columns } = row;
      const inFile = byKey.get(row.key) as { id: number; address: string | null; port: number | null } | undefined;
      if (inFile === undefined) {
        this.targetIds.set(id, Number(insert.run(columns).lastInsertRowid));
        continue;
      }
      const fileId = inFile.id;
      this.targetIds.set(id, fileId);
      // Another machine under the same name (as a start tells it, by address and port).
      if (inFile.address !== null && (inFile.address !== row.address || inFile.port !== row.port)) this.moved.push(row.key);
      updateConfigured.run({ ...columns, fileId });
      const first = firstTransition.get(id) as TransitionRow | undefined;
      if (!first) continue; // not checked yet: the file's state and open outage wait for its first check, as after a restart
      updateState.run({ ...columns, fileId });
      const open = openInFile.get(fileId) as number | undefined;
      if (open === undefined) continue;
      const outage = firstOutage.get(id) as { id: number; started_at: number } | undefined;
      if (first.from_state === 'unknown' && first.to_state === 'down' && outage?.started_at === first.at) continued.set(outage.id, open);
      else close.run({ id: open, at: first.at, message: first.message ?? 'check succeeded' });
    }
    return continued;
  }

  /**
   * What the file holds open that this run never held: it began with no flags and no maintenance,
   * and without the targets it does not watch (a start closes their outages: Supervisor.forgetOrphans).
   */
  private endWhatThisRunDidNotHold(): void {
    const params = { at: this.runStart, watched: JSON.stringify([...this.targetIds.values()]) };
    const notWatched = 'target_id NOT IN (SELECT value FROM json_each(@watched))';
    this.file
      .prepare(`UPDATE outages SET ended_at = max(started_at, @at), duration_ms = max(started_at, @at) - started_at, end_message = 'target removed from the configuration' WHERE ended_at IS NULL AND ${notWatched}`)
      .run(params);
    this.file.prepare('UPDATE targets SET removed_at = @at WHERE removed_at IS NULL AND id NOT IN (SELECT value FROM json_each(@watched))').run(params);
    // Ended by its timer meanwhile: it ended when planned (as HistoryStore.recordMaintenance ends one).
    this.file.prepare('UPDATE maintenance_periods SET ended_at = max(started_at, min(@at, coalesce(planned_until, @at))) WHERE ended_at IS NULL').run({ at: this.runStart });
    this.file.prepare('DELETE FROM target_flags').run();
  }

  /** This run's outages: new rows in the file, or the file's open one they go on with. */
  private outages(continued: Map<number, number>): number {
    const insert = this.file.prepare(`INSERT INTO outages (${OUTAGE_COLUMNS.join(', ')}) VALUES (${OUTAGE_COLUMNS.map((c) => `@${c}`).join(', ')})`);
    const goOn = this.file.prepare(
      `UPDATE outages SET ended_at = @ended_at, duration_ms = @ended_at - started_at, end_message = @end_message,
         ack_at = iif(@ack_at IS NULL, ack_at, @ack_at), ack_by = iif(@ack_at IS NULL, ack_by, @ack_by), ack_comment = iif(@ack_at IS NULL, ack_comment, @ack_comment)
       WHERE id = @id`,
    );
    const rows = this.memory.prepare(`SELECT id, ${OUTAGE_COLUMNS.join(', ')} FROM outages ORDER BY id`).all() as Array<{ id: number } & Row>;
    for (const { id, ...columns } of rows) {
      const open = continued.get(id);
      if (open !== undefined) {
        goOn.run({ id: open, ended_at: columns.ended_at, end_message: columns.end_message, ack_at: columns.ack_at, ack_by: columns.ack_by, ack_comment: columns.ack_comment });
        this.outageIds.set(id, open);
      } else {
        this.outageIds.set(id, Number(insert.run(this.mapTarget(columns)).lastInsertRowid));
      }
    }
    return rows.length;
  }

  /**
   * The alert policy's rows: deliveries still queued, every attempt, and what each route told (this
   * run's replaces the file's where it told anything). Returns the attempts written.
   */
  private alerts(): number {
    this.copy('alert_queue', ['id', 'alert', 'target', 'kind', 'events', 'attempts', 'next_at', 'created_at', 'collecting', 'last_error'], {
      adjust: (row) => {
        row.events = this.eventsRenumbered(row.events as string);
      },
    });
    const attempts = this.copy('alert_attempts', ['delivery_id', 'alert', 'target', 'kind', 'outage_id', 'attempt', 'at', 'duration_ms', 'ok', 'error', 'next_at'], {
      adjust: (row) => this.mapOutage(row),
    });
    // What a route told in this run replaces what the file says it told. What the file's routes told
    // and this run's have not stays, as a start would read it: a down alert an earlier run sent is
    // owed its up alert (AlertEngine.historyMovedToFile), unless the target is another machine now.
    this.file.prepare('DELETE FROM alert_state WHERE target IN (SELECT value FROM json_each(?))').run(JSON.stringify(this.moved));
    const routeColumns = ['alert', 'target', 'outage_id', 'down_sent', 'sent', 'last_sent_at', 'last_summary', 'told'];
    this.copy('alert_state', routeColumns, { adjust: (row) => this.mapOutage(row), into: insertInto('alert_state', routeColumns, 'INSERT OR REPLACE') });
    // As a start takes what the last run saved and clears it (AlertStore.takeMemories): this run's memories are the ones kept.
    this.file.prepare('DELETE FROM alert_memory').run();
    this.copy('alert_memory', ['target', 'memory', 'saved_at']);
    const statusColumns = ['alert', 'healthy', 'summary', 'detail', 'pid', 'updated_at', 'stale_after_ms'];
    this.copy('plugin_status', statusColumns, { into: insertInto('plugin_status', statusColumns, 'INSERT OR REPLACE') });
    return attempts;
  }

  /**
   * Copies every row of `table` (its `columns`, in the order they were written) from memory into
   * the file: `adjust` gives some columns the file's values, `into` is the statement writing a row
   * (the columns as `?`s, in order), a plain INSERT by default.
   */
  private copy(table: string, columns: string[], options: { adjust?: (row: Row) => void; into?: string; orderBy?: string } = {}): number {
    const write = this.file.prepare(options.into ?? insertInto(table, columns));
    const read = this.memory.prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${options.orderBy ?? 'rowid'}`);
    let count = 0;
    for (const row of read.iterate() as IterableIterator<Row>) {
      options.adjust?.(row);
      write.run(...columns.map((column) => row[column]));
      count++;
    }
    return count;
  }

  private mapTarget(row: Row): Row {
    const id = this.targetIds.get(row.target_id as number);
    if (id === undefined) throw new Error(`history in memory: no target #${String(row.target_id)} for a row of it`);
    row.target_id = id;
    return row;
  }

  private mapOutage(row: Row): void {
    if (row.outage_id !== null) row.outage_id = this.outageIds.get(row.outage_id as number) ?? row.outage_id;
  }

  /** Flags whose acknowledgement names an outage of this run: named by the file's id. */
  private flagsRenumbered(json: string): string {
    const flags = parsedOrUndefined(() => JSON.parse(json) as TargetFlags);
    const id = flags?.acknowledged?.outageId === undefined ? undefined : this.outageIds.get(flags.acknowledged.outageId);
    return id === undefined ? json : JSON.stringify({ ...flags, acknowledged: { ...flags!.acknowledged!, outageId: id } });
  }

  private eventsRenumbered(json: string): string {
    const events = parsedOrUndefined(() => eventsFromJson(json));
    return events ? eventsToJson(withRenumberedOutages(events, this.outageIds)) : json;
  }
}

/** What the daemon wrote it cannot read back: kept as it is (its reader skips it, as at a start). */
function parsedOrUndefined<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}
