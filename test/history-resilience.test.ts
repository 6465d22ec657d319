// A locked database or a full disk must not stop the daemon or lose history: writes wait in a
// bounded in-memory queue, the operator is told loudly, and everything lands once it can.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { readOutages, readTransitions } from './helpers/history-db.js';
import { startHttpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { daemonFixture, runVigilAsync } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

let tmp: ReturnType<typeof tempDir>;
let web: TestServer;
const daemons = daemonFixture();

const config = (dbPath: string) => `history: { path: ${dbPath}, flush_interval: 50ms }
defaults: { interval: 100ms, timeout: 500ms, rise: 1, fall: 2, spread: 50ms }
hostgroups:
  web: [{ name: web1, address: 127.0.0.1, port: ${web.port} }]
services:
  web-http: { group: web, check: { type: http } }
`;

/** Writes the config, with the history database at `dbPath`, and starts the daemon on it. */
const startWithHistoryAt = (dbPath: string) => daemons.start(tmp.write('vigil.yaml', config(dbPath)));

beforeEach(async () => {
  tmp = tempDir();
  web = await startHttpServer();
});
afterEach(async () => {
  await daemons.stopAll();
  await web.stop();
  tmp.cleanup();
});

/** A small tmpfs of this test's own (root only), unmounted after `body`: a disk to fill or make read-only. */
async function onSmallDisk(context: TestContext, body: (mountPoint: string) => Promise<void>): Promise<void> {
  if (process.getuid?.() !== 0) return context.skip('needs root to mount a small tmpfs');
  const mountPoint = tmp.path('small-disk');
  mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'vigil-test-tmpfs', mountPoint]);
  } catch {
    return context.skip('cannot mount tmpfs here (no CAP_SYS_ADMIN)');
  }
  try {
    await body(mountPoint);
  } finally {
    await daemons.stopAll();
    execFileSync('umount', ['-l', mountPoint]);
  }
}

/** Fills the disk at `mountPoint` to the last byte; returns the file to remove to free it. */
function fillDisk(mountPoint: string): string {
  const filler = `${mountPoint}/filler`;
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // dd stops with ENOSPC: that is the point
  }
  return filler;
}

describe('history under duress', () => {
  it('a locked database: writes are queued, the daemon keeps checking, and they land after the lock goes', async () => {
    const dbFile = tmp.path('history.db');
    const daemon = startWithHistoryAt(dbFile);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await waitFor(() => readOutages(dbFile).length === 0 && true, 'the database to exist');

    const locker = new Database(dbFile);
    locker.prepare('BEGIN IMMEDIATE').run(); // holds the write lock
    try {
      await web.stop();
      await daemon.waitForLine(/web-http\/web1 UP → DOWN/);
      await daemon.waitForLine(/history database not writable \(SQLITE_BUSY: database is locked\); keeping \d+ write\(s\) in memory/);
      await web.start();
      await daemon.waitForLine(/web-http\/web1 DOWN → UP/); // still checking and deciding
    } finally {
      locker.prepare('COMMIT').run();
      locker.close();
    }
    await daemon.waitForLine(/history database writable again; wrote \d+ queued write\(s\)/);
    const outages = await waitFor(() => readOutages(dbFile).filter((o) => o.ended_at !== null), 'the outage to be written');
    expect(outages).toHaveLength(1);
    expect(outages[0]!.cause).toMatch(/connection refused/);
  });

  it('a full disk: writes are queued and land once space is freed', async (context) => {
    await onSmallDisk(context, async (mountPoint) => {
      const dbFile = `${mountPoint}/history.db`;
      const daemon = startWithHistoryAt(dbFile);
      await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
      await waitFor(() => readOutages(dbFile).length === 0 && true, 'the database to exist');
      const filler = fillDisk(mountPoint);
      await web.stop();
      await daemon.waitForLine(/web-http\/web1 UP → DOWN/);
      await daemon.waitForLine(/history database not writable \((SQLITE_FULL|SQLITE_IOERR\w*): .*\); keeping \d+ write\(s\) in memory/);
      rmSync(filler);
      await daemon.waitForLine(/history database writable again/);
      const outages = await waitFor(() => readOutages(dbFile), 'the outage to be written');
      expect(outages).toHaveLength(1);
      expect(outages[0]).toMatchObject({ key: 'web-http/web1', ended_at: null });
      await daemon.stop();
    });
  });
});


describe('history writes that can never succeed', () => {
  it('a write the database refuses for good (a constraint) is dropped on its own, named in an error; the rest still land', async () => {
    const dbFile = tmp.path('history.db');
    const daemon = startWithHistoryAt(dbFile);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await waitFor(() => readTransitions(dbFile).length === 1, 'the first transition written');
    // Someone else takes the outage id the daemon will use next (what a second writer did).
    const intruder = new Database(dbFile);
    intruder.prepare("INSERT INTO outages (id, target_id, started_at, cause) SELECT 1, id, 0, 'not the daemon''s' FROM targets").run();
    intruder.close();

    await web.stop();
    await daemon.waitForLine(/web-http\/web1 UP → DOWN/);
    await daemon.waitForLine(/ERROR history write dropped, it can never succeed \(SQLITE_CONSTRAINT_PRIMARYKEY: UNIQUE constraint failed: outages\.id\); lost: INSERT INTO outages/);
    await web.start();
    await daemon.waitForLine(/web-http\/web1 DOWN → UP/);
    const transitions = await waitFor(() => (readTransitions(dbFile).length === 3 ? readTransitions(dbFile) : undefined), 'every transition written');
    expect(transitions.map((t) => `${t.from_state}->${t.to_state}`)).toEqual(['unknown->up', 'up->down', 'down->up']);
    expect(daemon.output()).not.toMatch(/history database not writable/);
  });
});

describe('a history database that cannot be opened at start', () => {
  it('a file that is not a database: refused, naming the file, the cause and what to do', async () => {
    const dbFile = tmp.write('history.db', 'precious notes, not a database\n'.repeat(200));
    const daemon = startWithHistoryAt(dbFile);
    expect(await daemon.exited).toBe(1);
    expect(daemon.output()).toContain(
      `ERROR not started: cannot open history database ${dbFile}: the file is not a SQLite database (file is not a database); move it away (vigil creates a new one), or set history.path to the right file`,
    );
    expect(readFileSync(dbFile, 'utf8')).toMatch(/^precious notes/); // untouched
    expect(existsSync(`${dbFile}.lock`)).toBe(false);
  });

  /** Starts the daemon with its history on `dbFile`, which it cannot use: it must run without it, and say so. */
  async function runsWithoutHistory(dbFile: string, cause: RegExp): Promise<void> {
    const socket = tmp.path('vigil.sock');
    const file = tmp.write('vigil.yaml', `${config(dbFile)}control: { socket: ${socket} }\nmetrics: { listen: "127.0.0.1:0" }\n`);
    const daemon = daemons.start(file);
    const { line } = await daemon.waitForLine(/ERROR history not recorded: /);
    const metrics = (await daemon.waitForLine(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/)).line.match(/http:\/\/\S+/)![0];
    expect(await (await fetch(metrics)).text()).toMatch(/^vigil_history_recorded 0$/m);
    expect(line).toMatch(cause);
    expect(line).toMatch(/Checks, LVS and alerts run; this run's history is held in memory and lost at stop\. Once the disk is fixed, restart vigil to record history again/);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await web.stop();
    await daemon.waitForLine(/web-http\/web1 UP → DOWN/); // checking goes on, with its outage in memory
    const status = await runVigilAsync(['status', '--socket', socket]);
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[1]).toMatch(/^history NOT recorded \(held in memory, lost at stop; restart once the disk is fixed\): /);
    expect(status.stdout).toMatch(/web-http\/web1\s+DOWN/);
    expect(await daemon.stop()).toBe(0);
    expect(existsSync(`${dbFile}.lock`)).toBe(false); // not even an empty one left on the full disk
  }

  it('a read-only file system: the daemon starts anyway, checks, and says history is not recorded', async (context) => {
    await onSmallDisk(context, async (mountPoint) => {
      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
      await runsWithoutHistory(`${mountPoint}/history.db`, /read-only file system|EROFS/i);
    });
  });

  it('a full disk: the daemon starts anyway, checks, and says history is not recorded', async (context) => {
    await onSmallDisk(context, async (mountPoint) => {
      fillDisk(mountPoint);
      await runsWithoutHistory(`${mountPoint}/history.db`, /ENOSPC|SQLITE_FULL|disk is full|no space/i);
    });
  });

  it('a file a crash damaged: the daemon starts anyway, checks, says history is not recorded, and leaves the file as it was', async () => {
    const dbFile = tmp.path('history.db');
    const db = new Database(dbFile);
    db.exec("CREATE TABLE kept (x); INSERT INTO kept VALUES ('evidence')");
    db.close();
    const damaged = readFileSync(dbFile);
    damaged.fill(0x41, 100, 4096); // the schema page after the header: "database disk image is malformed"
    writeFileSync(dbFile, damaged);
    await runsWithoutHistory(dbFile, /the database is corrupt \(database disk image is malformed\); restore it from a backup, or move it away to start a new history/);
    expect(readFileSync(dbFile).equals(damaged)).toBe(true);
  });

  it('a database locked by another program: waited for, and the daemon starts once it is free', async () => {
    const dbFile = tmp.path('history.db');
    const locker = new Database(dbFile);
    locker.prepare('BEGIN EXCLUSIVE').run(); // a fresh file, not yet in WAL mode: nobody may even read it
    let locked = true;
    try {
      const daemon = startWithHistoryAt(dbFile);
      await daemon.waitForLine(
        new RegExp(`WARN  cannot open history database ${dbFile}: it is locked by another program \\(database is locked\\); close what holds it .*; trying again \\(1 of \\d+\\)`),
        { timeoutMs: 30_000 },
      );
      locker.prepare('COMMIT').run();
      locked = false;
      await daemon.waitForLine(/running:/, { timeoutMs: 30_000 });
      await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    } finally {
      if (locked) locker.prepare('COMMIT').run();
      locker.close();
    }
  });
});
