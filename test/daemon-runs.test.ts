// The daemon records when it ran (daemon_runs): its start, a "seen" refreshed through the history
// write queue, and a clean stop; a SIGKILL leaves the last "seen" as the run's end. The reports
// leave the time between runs out (test/cli-unwatched.test.ts has the figures); here the real
// daemon writes the runs, and a locked or overflowing write queue does not lose them.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonRun } from '../src/history/daemon-run.js';
import { HistoryStore } from '../src/history/history-store.js';
import { startTcpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { runVigilAsync, VigilDaemon } from './helpers/vigil-process.js';

let tmp: ReturnType<typeof tempDir>;
let server: TestServer;
const daemons: VigilDaemon[] = [];

beforeEach(async () => {
  tmp = tempDir();
  server = await startTcpServer();
});

afterEach(async () => {
  await Promise.all(daemons.splice(0).map((daemon) => daemon.stop()));
  await server.stop();
  tmp.cleanup();
});

interface RunRow {
  id: number;
  started_at: number;
  seen_at: number;
  stopped_at: number | null;
  pid: number;
}

function readRuns(file: string): RunRow[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, started_at, seen_at, stopped_at, pid FROM daemon_runs ORDER BY id').all() as RunRow[];
  } finally {
    db.close();
  }
}

const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('daemon runs', () => {
  it('the daemon writes its run at start and its stop at SIGTERM; after a SIGKILL the next start leaves the time between out', async () => {
    const config = tmp.write(
      'vigil.yaml',
      `history:
  path: ./history.db
  flush_interval: 50ms
defaults:
  interval: 200ms
  timeout: 500ms
hostgroups:
  cache:
    - 127.0.0.1:${server.port}
services:
  cache-tcp:
    group: cache
    check: { type: tcp }
`,
    );
    const file = tmp.path('history.db');
    const start = async () => {
      const daemon = VigilDaemon.run(config, [], { cwd: tmp.dir });
      daemons.push(daemon);
      await daemon.waitForLine(/running: 1 service/);
      return daemon;
    };
    const since = new Date(Date.now() - 60_000).toISOString();
    const report = async () => {
      const result = await runVigilAsync(['availability', '--db', file, '--json', '--since', since]);
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout) as { unwatched: Array<{ start: string; end: string }>; rows: Array<{ unwatchedMs: number }> };
    };
    const iso = (ms: number) => new Date(ms).toISOString();

    const first = await start();
    const run1 = await waitFor(() => readRuns(file)[0], 'the first run');
    expect(run1).toMatchObject({ id: 1, pid: first.pid, stopped_at: null, seen_at: run1.started_at });
    // Running: nothing unwatched. Even when "seen" looks old (writes held up by a locked database),
    // a vigil holding the database's lock is running.
    expect((await report()).unwatched).toEqual([]);
    const writer = new Database(file);
    writer.prepare('UPDATE daemon_runs SET seen_at = ? WHERE id = 1').run(run1.started_at - 3_600_000);
    writer.close();
    expect((await report()).unwatched).toEqual([]);

    expect(await first.stop()).toBe(0);
    const [stopped1] = readRuns(file);
    expect(stopped1!.stopped_at).toBeGreaterThanOrEqual(run1.started_at);
    expect(stopped1!.seen_at).toBe(stopped1!.stopped_at);
    // Stopped cleanly: from then on nobody watches.
    const afterStop = await report();
    expect(afterStop.unwatched).toHaveLength(1);
    expect(afterStop.unwatched[0]!.start).toBe(iso(stopped1!.stopped_at!));

    const second = await start();
    const run2 = (await waitFor(() => readRuns(file)[1], 'the second run'))!;
    expect(run2).toMatchObject({ id: 2, pid: second.pid, stopped_at: null });
    const whileSecond = await report();
    expect(whileSecond.unwatched).toEqual([{ start: iso(stopped1!.stopped_at!), end: iso(run2.started_at) }]);
    expect(whileSecond.rows[0]!.unwatchedMs).toBe(run2.started_at - stopped1!.stopped_at!);

    // Killed: no stop written; its last "seen" (its start: the first refresh is a minute away) ends it.
    second.signal('SIGKILL');
    await second.exited;
    expect(readRuns(file)[1]).toEqual(run2);
    const third = await start();
    const run3 = (await waitFor(() => readRuns(file)[2], 'the third run'))!;
    expect(run3.pid).toBe(third.pid);
    expect((await report()).unwatched).toEqual([
      { start: iso(stopped1!.stopped_at!), end: iso(run2.started_at) },
      { start: iso(run2.seen_at), end: iso(run3.started_at) },
    ]);
    expect(await third.stop()).toBe(0);
    expect(readRuns(file)[2]!.stopped_at).not.toBeNull();
  });

  it('"seen" is refreshed through the write queue; a locked database only delays the writes', async () => {
    const file = tmp.path('history.db');
    const store = HistoryStore.open({ path: file, flushIntervalMs: 60_000, maxQueue: 1_000, log });
    let clock = 1_000_000;
    const locker = new Database(file);
    try {
      locker.exec('BEGIN IMMEDIATE'); // another writer holds the database
      const run = DaemonRun.start(store, { refreshMs: 20, now: () => clock });
      expect(store.flush()).toBe(false);
      clock = 1_060_000;
      await waitFor(() => store.writes.pending >= 2, 'a refresh queued');
      expect(readRuns(file)).toEqual([]);
      locker.exec('COMMIT');
      expect(store.flush()).toBe(true);
      expect(readRuns(file)).toEqual([{ id: 1, started_at: 1_000_000, seen_at: 1_060_000, stopped_at: null, pid: process.pid }]);
      clock = 1_090_000;
      run.stop();
      run.stop(); // once only
      expect(store.flush()).toBe(true);
      expect(readRuns(file)).toEqual([{ id: 1, started_at: 1_000_000, seen_at: 1_090_000, stopped_at: 1_090_000, pid: process.pid }]);
      // The next run counts on.
      DaemonRun.start(store, { now: () => 2_000_000 }).stop();
      store.flush();
      expect(readRuns(file).map((row) => row.id)).toEqual([1, 2]);
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
      store.close();
    }
  });

  it('a run whose start the full queue dropped is written whole by its next write', () => {
    const file = tmp.path('history.db');
    const store = HistoryStore.open({ path: file, flushIntervalMs: 60_000, maxQueue: 100, log });
    try {
      let clock = 5_000_000;
      const run = DaemonRun.start(store, { now: () => clock });
      for (let i = 0; i < 150; i++) store.writes.push('UPDATE targets SET updated_at = ? WHERE id = -1', [i]);
      expect(store.writes.dropped).toBe(51); // the oldest: the run's start among them
      clock = 5_060_000;
      run.stop();
      expect(store.flush()).toBe(true);
      expect(readRuns(file)).toEqual([{ id: 1, started_at: 5_000_000, seen_at: 5_060_000, stopped_at: 5_060_000, pid: process.pid }]);
    } finally {
      store.close();
    }
  });
});
