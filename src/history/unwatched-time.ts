// Time no daemon watched — Nagios's "Time Undetermined: Nagios Not Running". The daemon records
// its runs (daemon-run.ts); a gap is the time from one run's end (its clean stop, else the last
// time it was seen running) to the next run's start, and after the last run once it has ended.
// Before the first recorded run nothing is known, so nothing is left out there (a database
// upgraded from schema version 8 has no runs until its daemon starts again).
//
// Availability leaves gaps out of watched time and out of outages, as it leaves maintenance out.
// Gaps are global and few, so their cost is too: the sums SQL makes stay as they are, and only the
// outages that overlap a gap, and the targets configured for part of the gaps' span, are redone.
import type { Database } from 'better-sqlite3';
import { isOtherVigilRunning, pidIn } from '../pid-file.js';
import { RUN_REFRESH_MS } from './daemon-run.js';
import { groupName, type Grouping } from './grouping.js';
import { targetCondition, type TargetFilter } from './outage-query.js';

export type Interval = [number, number];

/**
 * A run not stopped cleanly whose "seen" is older than this has ended (a crash, SIGKILL, power
 * loss): a few refreshes, plus the longest history.flush_interval (60 s) before one is written.
 */
export const RUN_GONE_AFTER_MS = 4 * RUN_REFRESH_MS + 60_000;

export class UnwatchedTime {
  /** Sorted, apart, inside the window. */
  readonly gaps: Interval[];
  readonly totalMs: number;

  constructor(
    private readonly db: Database,
    readonly since: number,
    readonly until: number,
    now: number,
  ) {
    this.gaps = clip(gapsBetweenRuns(db, since, now), since, until);
    this.totalMs = this.gaps.reduce((sum, [a, b]) => sum + (b - a), 0);
  }

  /** How much of [a, b] was watched. Asked per outage: the gaps are searched, not walked. */
  watchedIn(a: number, b: number): number {
    const gaps = this.gaps;
    // The first gap ending after a (gaps are apart, so their ends are in order too).
    let low = 0;
    let high = gaps.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (gaps[middle]![1] <= a) low = middle + 1;
      else high = middle;
    }
    let length = b - a;
    for (let i = low; i < gaps.length && gaps[i]![0] < b; i++) length -= Math.min(b, gaps[i]![1]) - Math.max(a, gaps[i]![0]);
    return length;
  }

  /** How much of these (apart) intervals fell in gaps. */
  unwatchedIn(intervals: Interval[]): number {
    let total = 0;
    for (const [a, b] of intervals) total += b - a - this.watchedIn(a, b);
    return total;
  }

  /**
   * A row's unwatched time is every gap for each of its targets, less what its targets missed of
   * the gaps by being configured after the first one began or removed before the last one ended:
   * that, per row — only such targets are read.
   */
  missedByRow(by: Grouping, filter: TargetFilter): Map<string, number> {
    const params: Record<string, unknown> = { first: this.gaps[0]![0], last: this.gaps[this.gaps.length - 1]![1] };
    const conditions = ['(t.created_at > @first OR t.removed_at < @last)', ...targetCondition(this.db, filter, params)];
    const partly = this.db
      .prepare(`SELECT t.key, t.service, t.grp, t.host, t.created_at AS createdAt, t.removed_at AS removedAt FROM targets t WHERE ${conditions.join(' AND ')}`)
      .all(params) as Array<{ key: string; service: string; grp: string; host: string; createdAt: number | null; removedAt: number | null }>;
    const missed = new Map<string, number>();
    for (const target of partly) {
      // The watched stretch as availability's SQL reckons it: the window ∩ [first seen, removed).
      const from = Math.max(this.since, target.createdAt ?? this.since);
      const to = Math.max(from, Math.min(this.until, target.removedAt ?? this.until));
      const name = groupName(by, target);
      missed.set(name, (missed.get(name) ?? 0) + this.totalMs - (to - from - this.watchedIn(from, to)));
    }
    return missed;
  }

  /**
   * The closed outages wholly inside the window (so counted whole by availability's sums) that
   * overlap a gap, each once: [target id, started at, ended at].
   */
  summedOutagesInGaps(): Array<[targetId: number, startedAt: number, endedAt: number]> {
    const longest = (this.db.prepare('SELECT max(duration_ms) FROM outages').pluck().get() as number | null) ?? 0;
    const overlapping = this.db
      .prepare(
        `SELECT id, target_id, started_at, ended_at FROM outages INDEXED BY outages_window
          WHERE started_at >= max(@since, @from - @longest) AND started_at < @to AND ended_at > @from AND ended_at <= @until`,
      )
      .raw();
    const found = new Map<number, [number, number, number]>();
    for (const [from, to] of this.gaps) {
      for (const [id, targetId, startedAt, endedAt] of overlapping.all({ since: this.since, until: this.until, from, to, longest }) as Array<[number, number, number, number]>) {
        found.set(id, [targetId, startedAt, endedAt]);
      }
    }
    return [...found.values()];
  }

  /**
   * Per row named, its longest closed outage wholly inside the window that touches no gap, of its
   * targets not in `excluded`: what a row's longest is once the outages across gaps are taken out.
   * `rows` gives each row's number of such outages (at least one). A row of few is read along its
   * targets; for a row of many, the outages longest first until one of its own comes: a short way
   * down when it has many, where reading them all would cost as much as the report.
   */
  longestAwayFromGaps(by: Grouping, rows: Map<string, number>, filter: TargetFilter, excluded: number[]): Map<string, number> {
    // Reading a row costs its outages; the way down the longest costs about all outages / the row's.
    const many = Math.sqrt((this.db.prepare('SELECT max(id) FROM outages').pluck().get() as number | null) ?? 0);
    const few = [...rows].filter(([, outages]) => outages < many).map(([name]) => name);
    const found = few.length ? this.longestAlongTargets(by, few, filter, excluded) : new Map<string, number>();
    const rest = [...rows.keys()].filter((name) => !found.has(name));
    if (rest.length) for (const [name, longest] of this.longestFromTheTop(by, rest, filter, excluded)) found.set(name, longest);
    return found;
  }

  private longestAlongTargets(by: Grouping, names: string[], filter: TargetFilter, excluded: number[]): Map<string, number> {
    const column = COLUMN[by];
    const params: Record<string, unknown> = { since: this.since, until: this.until, names: JSON.stringify(names), excluded: JSON.stringify(excluded) };
    const apart = this.gaps.map(([from, to], i) => {
      Object.assign(params, { [`from${i}`]: from, [`to${i}`]: to });
      return `(o.ended_at <= @from${i} OR o.started_at >= @to${i})`;
    });
    const conditions = [`${column} IN (SELECT value FROM json_each(@names))`, 't.id NOT IN (SELECT value FROM json_each(@excluded))', ...targetCondition(this.db, filter, params)];
    const rows = this.db
      .prepare(
        // CROSS JOIN: the row's targets first, then each one's outages (not all outages, then their targets).
        `SELECT ${column}, max(o.ended_at - o.started_at) FROM targets t
           CROSS JOIN outages o INDEXED BY outages_target_window
             ON o.target_id = t.id AND o.started_at >= @since AND o.started_at < @until AND o.ended_at <= @until AND ${apart.join(' AND ')}
          WHERE ${conditions.join(' AND ')}
          GROUP BY ${column}`,
      )
      .raw()
      .all(params) as Array<[string, number]>;
    return new Map(rows);
  }

  private longestFromTheTop(by: Grouping, names: string[], filter: TargetFilter, excluded: number[]): Map<string, number> {
    const params: Record<string, unknown> = { names: JSON.stringify(names), excluded: JSON.stringify(excluded) };
    const conditions = [`${COLUMN[by]} IN (SELECT value FROM json_each(@names))`, 't.id NOT IN (SELECT value FROM json_each(@excluded))', ...targetCondition(this.db, filter, params)];
    const rowOf = new Map(this.db.prepare(`SELECT t.id, ${COLUMN[by]} FROM targets t WHERE ${conditions.join(' AND ')}`).raw().all(params) as Array<[number, string]>);
    const left = new Set(names);
    const found = new Map<string, number>();
    const longestFirst = this.db.prepare('SELECT target_id, started_at, ended_at FROM outages INDEXED BY outages_duration WHERE duration_ms IS NOT NULL ORDER BY duration_ms DESC').raw();
    for (const [targetId, startedAt, endedAt] of longestFirst.iterate() as IterableIterator<[number, number, number]>) {
      const name = rowOf.get(targetId);
      // As the sums take them: closed, wholly inside the window; and away from every gap.
      if (name === undefined || !left.has(name) || startedAt < this.since || startedAt >= this.until || endedAt > this.until) continue;
      if (this.watchedIn(startedAt, endedAt) < endedAt - startedAt) continue;
      found.set(name, endedAt - startedAt);
      left.delete(name);
      if (!left.size) break;
    }
    return found;
  }
}

/** The column naming a target's row, per grouping. */
const COLUMN: Record<Grouping, string> = { target: 't.key', service: 't.service', host: 't.host', group: 't.grp' };

/** The gaps between the runs recorded from the last one begun by `since` on, and after the last if it has ended. */
function gapsBetweenRuns(db: Database, since: number, now: number): Interval[] {
  if (!hasRuns(db)) return [];
  const runs = db
    .prepare(
      `SELECT started_at, max(started_at, coalesce(stopped_at, seen_at)), stopped_at IS NOT NULL, seen_at FROM daemon_runs
        WHERE started_at >= coalesce((SELECT max(started_at) FROM daemon_runs WHERE started_at <= @since), -9e15)
        ORDER BY started_at`,
    )
    .raw()
    .all({ since }) as Array<[startedAt: number, endedAt: number, stopped: number, seenAt: number]>;
  if (!runs.length) return [];
  const gaps: Interval[] = [];
  let reached = runs[0]![1];
  for (const [startedAt, endedAt] of runs) {
    if (startedAt > reached) gaps.push([reached, startedAt]);
    if (endedAt > reached) reached = endedAt;
  }
  const [, , stopped, seenAt] = runs[runs.length - 1]!;
  const gone = stopped || now - seenAt > RUN_GONE_AFTER_MS;
  if (gone && !daemonHoldsLock(db)) gaps.push([reached, Infinity]);
  return gaps;
}

/**
 * Whether a running vigil holds this database's lock (history-lock.ts): then it is watching, even
 * if its run is not written yet or "seen" is stale (the database locked by a long backup).
 */
function daemonHoldsLock(db: Database): boolean {
  const pid = pidIn(`${db.name}.lock`);
  return pid !== undefined && isOtherVigilRunning(pid);
}

/** Whether the file records runs (schema version 9); the reports read older files too. */
function hasRuns(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'daemon_runs'").get() !== undefined;
}

function clip(gaps: Interval[], since: number, until: number): Interval[] {
  const inside: Interval[] = [];
  for (const [a, b] of gaps) {
    const from = Math.max(a, since);
    const to = Math.min(b, until);
    if (to > from) inside.push([from, to]);
  }
  return inside;
}
