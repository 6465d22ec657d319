// Fills a history database with synthetic but plausible history at benchmark scale (a million
// outages, ten million transitions), through the real schema, so query speed and file size can be
// measured on the same layout a daemon produces: rows appended in time order, ids in time order.
// The daemon is restarted every few weeks (a minute or two without it, now and then after a crash)
// and stopped once for two days, as daemon_runs records: no outage begins while it is stopped, and
// one whose end falls in a stop ends when the daemon, back, first sees the target up.
//
// Used by bench/ (the history benchmark) and by test/history-scale.test.ts at a small scale.
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { migrate } from './migrations.js';

export interface SyntheticHistoryOptions {
  file: string;
  /** Targets, spread over services of `hostsPerService` hosts. */
  targets?: number;
  hostsPerService?: number;
  outages?: number;
  /** At least 2 per outage (its DOWN and UP); the rest are UNKNOWN↔UP changes. */
  transitions?: number;
  /** Closed maintenance periods, spread over the span. */
  maintenancePeriods?: number;
  /** History covers [end - spanDays, end]. */
  spanDays?: number;
  end?: number;
  /** Days of per-minute / per-hour / per-day check aggregates for every target, ending at `end`. */
  aggregateDays?: { minute?: number; hour?: number; day?: number };
  seed?: number;
}

export interface SyntheticHistorySummary {
  file: string;
  targets: number;
  outages: number;
  openOutages: number;
  transitions: number;
  maintenancePeriods: number;
  /** Rows of daemon_runs: the stops between them are time nobody watched. */
  daemonRuns: number;
  aggregateRows: number;
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
const ROWS_PER_TRANSACTION = 50_000;

/** Small deterministic PRNG (mulberry32): the same seed gives the same database. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A min-heap of [time, payload] for the UP transitions waiting for their time to come. */
class EventHeap {
  private readonly times: number[] = [];
  private readonly payloads: number[] = [];
  get size(): number {
    return this.times.length;
  }
  peekTime(): number {
    return this.times[0] ?? Infinity;
  }
  push(time: number, payload: number): void {
    let i = this.times.length;
    this.times.push(time);
    this.payloads.push(payload);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.times[parent]! <= time) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): number {
    const payload = this.payloads[0]!;
    const lastTime = this.times.pop()!;
    const lastPayload = this.payloads.pop()!;
    if (this.times.length) {
      this.times[0] = lastTime;
      this.payloads[0] = lastPayload;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < this.times.length && this.times[left]! < this.times[smallest]!) smallest = left;
        if (right < this.times.length && this.times[right]! < this.times[smallest]!) smallest = right;
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return payload;
  }
  private swap(a: number, b: number): void {
    [this.times[a], this.times[b]] = [this.times[b]!, this.times[a]!];
    [this.payloads[a], this.payloads[b]] = [this.payloads[b]!, this.payloads[a]!];
  }
}

/**
 * When the daemon was stopped, sorted: a restart every two to five weeks (a minute or two), and one
 * stop of two days at 60 % of the span (when the span has room for it).
 */
function daemonStops(start: number, end: number, rand: () => number): Array<[number, number]> {
  const long: [number, number] = [Math.round(start + (end - start) * 0.6), Math.round(start + (end - start) * 0.6 + 2 * DAY_MS)];
  const stops: Array<[number, number]> = end - start >= 10 * DAY_MS ? [long] : [];
  for (let at = start + (14 + rand() * 21) * DAY_MS; at < end - DAY_MS; at += (14 + rand() * 21) * DAY_MS) {
    const stop: [number, number] = [Math.round(at), Math.round(at + 60_000 + rand() * 60_000)];
    if (stop[1] < long[0] - DAY_MS || stop[0] > long[1] + DAY_MS) stops.push(stop);
  }
  return stops.sort((a, b) => a[0] - b[0]);
}

/** The stop `at` falls in, if any. */
function stopAt(stops: Array<[number, number]>, at: number): [number, number] | undefined {
  let low = 0;
  let high = stops.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [from, to] = stops[middle]!;
    if (at < from) high = middle - 1;
    else if (at >= to) low = middle + 1;
    else return stops[middle];
  }
  return undefined;
}

/** Outage length: mostly seconds to minutes, now and then hours (log-uniform from 5 s to 4 h). */
function outageLength(rand: () => number): number {
  return Math.round(Math.exp(Math.log(5_000) + rand() * (Math.log(4 * 3_600_000) - Math.log(5_000))));
}

export function generateHistory(options: SyntheticHistoryOptions): SyntheticHistorySummary {
  const targets = options.targets ?? 10_000;
  const hostsPerService = options.hostsPerService ?? 100;
  const outageCount = options.outages ?? 1_000_000;
  const transitionCount = Math.max(options.transitions ?? 10_000_000, 2 * outageCount);
  const end = options.end ?? Date.now();
  const start = end - (options.spanDays ?? 365) * DAY_MS;
  const rand = random(options.seed ?? 1);
  const stops = daemonStops(start, end, rand);

  rmSync(options.file, { force: true });
  rmSync(`${options.file}-wal`, { force: true });
  rmSync(`${options.file}-shm`, { force: true });
  const db = new Database(options.file);
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = MEMORY'); // bulk load; switched to WAL at the end, as the daemon runs it
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144'); // 256 MB: the (target, time) indexes are filled in random order
  migrate(db);

  // Targets and their messages: the few texts a check really produces for one server.
  const insertTarget = db.prepare(
    'INSERT INTO targets (id, key, service, grp, host, state, since, updated_at, created_at, interval_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertMessage = db.prepare('INSERT INTO messages (id, text, last_used_at) VALUES (?, ?, ?)');
  const MESSAGES_PER_TARGET = 4; // up, refused, 503, no answer
  db.transaction(() => {
    for (let i = 0; i < targets; i++) {
      const service = `svc${String(Math.floor(i / hostsPerService)).padStart(3, '0')}`;
      const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const host = `${address}:80`;
      insertTarget.run(i + 1, `${service}/${host}`, service, `grp${service.slice(3)}`, host, 'up', start, end, start, 5_000);
      const url = `http://${host}/health`;
      const base = i * MESSAGES_PER_TARGET;
      insertMessage.run(base + 1, `HTTP 200 from ${url}`, end);
      insertMessage.run(base + 2, `connection refused (${host})`, end);
      insertMessage.run(base + 3, `HTTP 503 from ${url}: status 503 not in "200-399"`, end);
      insertMessage.run(base + 4, `no answer from ${url}`, end);
    }
  })();
  const messageText = (id: number) => {
    const target = Math.floor((id - 1) / MESSAGES_PER_TARGET);
    const address = `10.${(target >> 16) & 255}.${(target >> 8) & 255}.${target & 255}:80`;
    return [`HTTP 200 from http://${address}/health`, `connection refused (${address})`, `HTTP 503 from http://${address}/health: status 503 not in "200-399"`, `no answer from http://${address}/health`][(id - 1) % MESSAGES_PER_TARGET]!;
  };

  const insertTransition = db.prepare('INSERT INTO transition_log (target_id, at, from_state, to_state, message_id) VALUES (?, ?, ?, ?, ?)');
  const insertOutage = db.prepare(
    'INSERT INTO outages (id, target_id, started_at, ended_at, duration_ms, cause, end_message) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );

  // Three streams merged in time order, as a daemon appends them: outage starts (a Poisson process
  // over the span), their recoveries (a heap), and the extra UNKNOWN↔UP changes. An outage row is
  // written whole when it starts (the daemon inserts, then updates; the result is the same).
  const busyUntil = new Float64Array(targets + 1);
  const recoveries = new EventHeap();
  let extraCount = transitionCount - 2 * outageCount; // one more for each outage left open
  const extraGap = (end - start) / Math.max(extraCount, 1);
  // Outage starts are uniform over [start, end], drawn in order (sequential order statistics): the
  // next of k remaining points after t is t + (end - t)(1 - U^(1/k)). Exactly `outageCount` of them.
  const nextAfter = (t: number, remaining: number) => t + (end - t) * (1 - Math.pow(rand(), 1 / Math.max(remaining, 1)));
  let nextStart = nextAfter(start, outageCount);
  let nextExtra = start + rand() * extraGap * 2;
  let outagesMade = 0;
  let extrasMade = 0;
  let openOutages = 0;
  let written = 0;
  db.exec('BEGIN');
  for (;;) {
    const recoveryAt = recoveries.peekTime();
    const startAt = outagesMade < outageCount ? nextStart : Infinity;
    const extraAt = extrasMade < extraCount ? nextExtra : Infinity;
    const at = Math.min(recoveryAt, startAt, extraAt);
    if (at === Infinity) break;
    const when = Math.round(at);
    if (at === recoveryAt) {
      const target = recoveries.pop();
      insertTransition.run(target, when, 2, 1, (target - 1) * MESSAGES_PER_TARGET + 1);
    } else if (at === startAt) {
      let target = 1 + Math.floor(rand() * targets);
      for (let tries = 0; busyUntil[target]! > at && tries < 64; tries++) target = 1 + Math.floor(rand() * targets);
      if (busyUntil[target]! > at) {
        nextStart = nextAfter(at, outageCount - outagesMade); // every pick was busy: this start is lost (rare)
        continue;
      }
      if (stopAt(stops, at)) {
        nextStart = nextAfter(at, outageCount - outagesMade); // nobody watched: drawn again, later
        continue;
      }
      const id = ++outagesMade;
      nextStart = nextAfter(at, outageCount - outagesMade);
      let endedAt = Math.round(at + outageLength(rand));
      const stop = stopAt(stops, endedAt);
      if (stop) endedAt = stop[1] + Math.round(rand() * 5_000); // seen up by the first check after the restart
      busyUntil[target] = endedAt + 1_000;
      const causeId = (target - 1) * MESSAGES_PER_TARGET + 2 + Math.floor(rand() * 3);
      insertTransition.run(target, when, 1, 2, causeId);
      if (endedAt <= end) {
        insertOutage.run(id, target, when, endedAt, endedAt - when, messageText(causeId), messageText((target - 1) * MESSAGES_PER_TARGET + 1));
        recoveries.push(endedAt, target);
      } else {
        insertOutage.run(id, target, when, null, null, messageText(causeId), null); // still down at `end`
        openOutages++;
        extraCount++;
        nextExtra = Math.max(nextExtra, at); // never back in time
      }
    } else {
      nextExtra += rand() * extraGap * 2;
      const target = 1 + Math.floor(rand() * targets);
      const toUnknown = extrasMade % 2 === 0;
      insertTransition.run(target, when, toUnknown ? 1 : 0, toUnknown ? 0 : 1, toUnknown ? null : (target - 1) * MESSAGES_PER_TARGET + 1);
      extrasMade++;
    }
    if (++written % ROWS_PER_TRANSACTION === 0) (db.exec('COMMIT'), db.exec('BEGIN'));
  }
  db.exec('COMMIT');

  // Maintenance periods: an hour or two now and then, closed.
  const maintenanceCount = options.maintenancePeriods ?? 1_000;
  const insertMaintenance = db.prepare('INSERT INTO maintenance_periods (target_id, started_at, ended_at, planned_until, reason) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < maintenanceCount; i++) {
      const at = Math.round(start + ((end - start - 2 * 3_600_000) * (i + rand())) / maintenanceCount);
      const until = at + 3_600_000 * (1 + Math.floor(rand() * 2));
      insertMaintenance.run(1 + Math.floor(rand() * targets), at, until, until, 'planned upgrade');
    }
  })();

  // The runs between the stops: each stopped cleanly but every third (a crash: its last "seen" is
  // its end); the last one still running at `end`.
  const insertRun = db.prepare('INSERT INTO daemon_runs (id, started_at, seen_at, stopped_at, pid) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    let runStart = start;
    stops.forEach(([from, to], i) => {
      insertRun.run(i + 1, runStart, from, i % 3 === 2 ? null : from, 1000 + i);
      runStart = to;
    });
    insertRun.run(stops.length + 1, runStart, end, null, 1000 + stops.length);
  })();

  const aggregateRows = fillAggregates(db, targets, end, options.aggregateDays ?? {}, rand);
  db.prepare("UPDATE targets SET state = 'down' WHERE id IN (SELECT target_id FROM outages WHERE ended_at IS NULL)").run();
  db.pragma('journal_mode = WAL');
  db.close();
  return {
    file: options.file,
    targets,
    outages: outagesMade,
    openOutages,
    transitions: written, // each step of the loop above wrote one transition
    maintenancePeriods: maintenanceCount,
    daemonRuns: stops.length + 1,
    aggregateRows,
    start,
    end,
  };
}

const GRANULARITIES = [
  ['minute', 60_000],
  ['hour', 3_600_000],
  ['day', DAY_MS],
] as const;

/** Check aggregates for every target: a check every 5 s, now and then a failure. */
function fillAggregates(db: Database.Database, targets: number, end: number, days: NonNullable<SyntheticHistoryOptions['aggregateDays']>, rand: () => number): number {
  let rows = 0;
  for (const [granularity, size] of GRANULARITIES) {
    const span = (days[granularity] ?? 0) * DAY_MS;
    if (!span) continue;
    const insert = db.prepare(
      `INSERT INTO checks_${granularity} (bucket, target_id, checks, failures, latency_n, latency_sum_us, latency_min_us, latency_max_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const checks = size / 5_000;
    db.exec('BEGIN');
    for (let bucket = Math.floor((end - span) / size) * size; bucket < end; bucket += size) {
      for (let target = 1; target <= targets; target++) {
        const failures = rand() < 0.02 ? 1 + Math.floor(rand() * checks * 0.1) : 0;
        const mean = 300 + Math.floor(rand() * 700);
        insert.run(bucket, target, checks, failures, checks, mean * checks, Math.floor(mean / 2), mean * 4);
        if (++rows % ROWS_PER_TRANSACTION === 0) (db.exec('COMMIT'), db.exec('BEGIN'));
      }
    }
    db.exec('COMMIT');
  }
  return rows;
}
