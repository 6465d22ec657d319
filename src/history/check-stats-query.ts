// Reads the check aggregates back for `vigil checks`: per target, service, host or group over a
// window, how many checks ran, how many failed, and their latency (min / average / max).
//
// The daemon writes every result into a minute, an hour and a day bucket at once; each table has
// its own retention. A window is read from one table: the finest that keeps the report small
// (minutes up to 6 hours, hours up to 60 days, days beyond, and at most ROW_BUDGET bucket rows
// for all the targets), or a coarser one when retention has already removed the finer buckets at
// the window's start. The window is widened to whole buckets, and the report says which.
import type { Database } from 'better-sqlite3';
import { AGGREGATE_GRANULARITIES } from './check-aggregator.js';
import { rowFor, type Grouping } from './grouping.js';
import { targetCondition, type TargetFilter } from './outage-query.js';
export type Resolution = (typeof AGGREGATE_GRANULARITIES)[number]['name'];

export interface CheckStatsFilter extends TargetFilter {
  since: number;
  until: number;
  by?: Grouping;
  /** Read this table instead of choosing one. */
  resolution?: Resolution;
}

export interface CheckStatsRow {
  /** `service/host` per target, else the service, host or group name. */
  name: string;
  service?: string;
  host?: string;
  group?: string;
  targets: number;
  checks: number;
  /** Results that were down or unknown. */
  failures: number;
  /** 0..1; null without checks. */
  failureRatio: number | null;
  /** Over the results that carried a latency; null when none did. */
  latencyMinMs: number | null;
  latencyAvgMs: number | null;
  latencyMaxMs: number | null;
}

export interface CheckStats {
  resolution: Resolution;
  /** The window read: `since` rounded down to a whole bucket, and `until`. */
  from: number;
  until: number;
  /** The oldest bucket the table read still holds (null: none): after `from`, the counts start there. */
  dataFrom: number | null;
  rows: CheckStatsRow[];
}

/** The finest resolution to prefer for a window of this length. */
const PREFERRED_UP_TO: Record<Resolution, number> = { minute: 6 * 3_600_000, hour: 60 * 86_400_000, day: Infinity };

/**
 * At most about this many bucket rows for a finer resolution: SQLite sums ~1 million a second
 * here, so ten thousand targets read hours for a 2-hour window rather than 1.2 million minutes.
 */
const ROW_BUDGET = 250_000;

function chooseResolution(db: Database, since: number, until: number, targets: number): (typeof AGGREGATE_GRANULARITIES)[number] {
  const oldest = AGGREGATE_GRANULARITIES.map((g) => (db.prepare(`SELECT min(bucket) FROM ${g.table}`).pluck().get() as number | null) ?? Infinity);
  const floorTo = (at: number, sizeMs: number) => Math.floor(at / sizeMs) * sizeMs;
  const fits = (g: (typeof AGGREGATE_GRANULARITIES)[number]) => g.name === 'day' || (until - since <= PREFERRED_UP_TO[g.name] && targets * Math.ceil((until - since) / g.sizeMs) <= ROW_BUDGET);
  const preferred = AGGREGATE_GRANULARITIES.findIndex(fits);
  for (let i = preferred; i < AGGREGATE_GRANULARITIES.length - 1; i++) {
    const granularity = AGGREGATE_GRANULARITIES[i]!;
    if (oldest[i]! <= floorTo(since, granularity.sizeMs)) return granularity; // reaches back to the start
    // Rows older than this table's first in a coarser table mean retention took this one's: go
    // coarser. Otherwise nothing was checked earlier, and this table has all there is.
    const truncated = AGGREGATE_GRANULARITIES.slice(i + 1).some((coarser, j) => oldest[i + 1 + j]! < floorTo(oldest[i]!, coarser.sizeMs));
    if (!truncated) return granularity;
  }
  return AGGREGATE_GRANULARITIES[AGGREGATE_GRANULARITIES.length - 1]!;
}

type TargetRow = [key: string, service: string, grp: string, host: string, checks: number | null, failures: number | null, latencyN: number | null, latencySumUs: number | null, latencyMinUs: number | null, latencyMaxUs: number | null];

interface Totals {
  row: CheckStatsRow;
  latencyN: number;
  latencySumUs: number;
}

export function queryCheckStats(db: Database, filter: CheckStatsFilter, now: number = Date.now()): CheckStats {
  const until = Math.min(filter.until, now);
  const since = Math.min(filter.since, until);
  const params: Record<string, unknown> = { from: since, until };
  // Targets watched at some time in the window (a target removed long ago is not listed).
  const conditions = [...targetCondition(db, filter, params), '(t.created_at IS NULL OR t.created_at < @until)', '(t.removed_at IS NULL OR t.removed_at > @from)'];
  const targetCount = () => db.prepare(`SELECT count(*) FROM targets t WHERE ${conditions.join(' AND ')}`).pluck().get(params) as number;
  const granularity = filter.resolution ? AGGREGATE_GRANULARITIES.find((g) => g.name === filter.resolution)! : chooseResolution(db, since, until, targetCount());
  // The window read starts at the bucket holding `since`.
  const from = Math.floor(since / granularity.sizeMs) * granularity.sizeMs;
  params.from = from;
  const targets = db
    .prepare(
      `SELECT t.key, t.service, t.grp, t.host, a.checks, a.failures, a.latency_n, a.latency_sum_us, a.latency_min_us, a.latency_max_us
         FROM targets t
         LEFT JOIN (SELECT target_id, sum(checks) AS checks, sum(failures) AS failures, sum(latency_n) AS latency_n,
                           sum(latency_sum_us) AS latency_sum_us, min(latency_min_us) AS latency_min_us, max(latency_max_us) AS latency_max_us
                      FROM ${granularity.table} WHERE bucket >= @from AND bucket < @until GROUP BY target_id) a ON a.target_id = t.id
        WHERE ${conditions.join(' AND ')}
        ORDER BY t.key`,
    )
    .raw()
    .all(params) as TargetRow[];

  const by = filter.by ?? 'target';
  const groups = new Map<string, Totals>();
  for (const [key, service, grp, host, checks, failures, latencyN, latencySumUs, latencyMinUs, latencyMaxUs] of targets) {
    const totals = rowFor(groups, by, { key, service, grp, host }, ({ name, service, host, group }) => ({
      row: { name, service, host, group, targets: 0, checks: 0, failures: 0, failureRatio: null, latencyMinMs: null, latencyAvgMs: null, latencyMaxMs: null },
      latencyN: 0,
      latencySumUs: 0,
    }));
    const { row } = totals;
    row.targets++;
    row.checks += checks ?? 0;
    row.failures += failures ?? 0;
    totals.latencyN += latencyN ?? 0;
    totals.latencySumUs += latencySumUs ?? 0;
    if (latencyMinUs !== null) row.latencyMinMs = Math.min(row.latencyMinMs ?? Infinity, latencyMinUs / 1000);
    if (latencyMaxUs !== null) row.latencyMaxMs = Math.max(row.latencyMaxMs ?? -Infinity, latencyMaxUs / 1000);
  }
  const rows = [...groups.values()].map(({ row, latencyN, latencySumUs }) => {
    row.failureRatio = row.checks ? row.failures / row.checks : null;
    row.latencyAvgMs = latencyN ? latencySumUs / latencyN / 1000 : null;
    return row;
  });
  const dataFrom = db.prepare(`SELECT min(bucket) FROM ${granularity.table}`).pluck().get() as number | null;
  return { resolution: granularity.name, from, until, dataFrom, rows };
}
