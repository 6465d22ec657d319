// A locked database or a full disk must not stop the daemon or lose history: writes wait in a
// bounded in-memory queue, the operator is told loudly, and everything lands once it can.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { readOutages, readTransitions } from './helpers/history-db.js';
import { startHttpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { daemonFixture, runVigilAsync, type VigilDaemon } from './helpers/vigil-process.js';
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

/** Fills the disk at `mountPoint` with files of one page each; returns them, to free a little room or all. */
function fillDiskInPages(mountPoint: string): string[] {
  const pages: string[] = [];
  for (let i = 0; ; i++) {
    const file = `${mountPoint}/page-${i}`;
    try {
      writeFileSync(file, Buffer.alloc(4096));
    } catch {
      rmSync(file, { force: true }); // made, but no room for its page
      return pages;
    }
    pages.push(file);
  }
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
    expect(line).toMatch(
      /Checks, LVS and alerts run; this run's history is held in memory, and written to the database once it opens again \(tried every 50ms\): fix the disk, no restart needed\. Stopped before, the history held in memory is lost$/,
    );
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await web.stop();
    await daemon.waitForLine(/web-http\/web1 UP → DOWN/); // checking goes on, with its outage in memory
    const status = await runVigilAsync(['status', '--socket', socket]);
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[1]).toMatch(/^history NOT recorded yet \(held in memory, written to the database by itself once the disk is fixed; lost if vigil stops first\): /);
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

describe('a history held in memory, recorded again once the disk is fixed', () => {
  interface OutageJson {
    id: number;
    host: string;
    start: string;
    end: string | null;
    open: boolean;
    cause: string;
    ack: { by: string; comment: string } | null;
  }
  interface AvailabilityJson {
    unwatched: Array<{ start: string; end: string }>;
    rows: Array<{ name: string; outages: number; unwatchedMs: number }>;
  }

  /** Starts the daemon on `hosts` (all on the test's web server), with a control socket and metrics. */
  async function startWithControl(dbFile: string, hosts = ['web1']) {
    const socket = tmp.path('vigil.sock');
    const group = hosts.map((name) => `{ name: ${name}, address: 127.0.0.1, port: ${web.port} }`).join(', ');
    const text = config(dbFile).replace(/web: \[.*\]/, `web: [${group}]`) + `control: { socket: ${socket} }\nmetrics: { listen: "127.0.0.1:0" }\n`;
    const daemon = daemons.start(tmp.write('vigil.yaml', text));
    const metrics = (await daemon.waitForLine(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/)).line.match(/http:\/\/\S+/)![0];
    const vigil = (...args: string[]) => runVigilAsync([...args, '--socket', socket]);
    const status = async () => (await vigil('status')).stdout;
    const recorded = async () => (await (await fetch(metrics)).text()).match(/^vigil_history_recorded (\d)$/m)![1];
    return { daemon, status, recorded, vigil };
  }

  /** When something happened: between the test's asking for it and the daemon's saying so. */
  interface Span {
    from: number;
    to: number;
  }

  /** Makes a change (a backend going down or up) and waits for the daemon to log `line` after it. */
  async function changeAndWait(daemon: VigilDaemon, change: () => Promise<void>, line: RegExp): Promise<Span> {
    const from = Date.now();
    const after = daemon.lines.length;
    await change();
    await daemon.waitForLine(line, { from: after });
    return { from, to: Date.now() };
  }

  function expectWithin(time: string | null, span: Span): void {
    expect(time).not.toBeNull();
    const at = Date.parse(time!);
    expect(at).toBeGreaterThanOrEqual(span.from);
    expect(at).toBeLessThanOrEqual(span.to);
  }

  /** `vigil history --json`, oldest first, read from the file as an operator reads it. */
  async function outagesIn(dbFile: string): Promise<OutageJson[]> {
    const result = await runVigilAsync(['history', '--db', dbFile, '--json', '-n', '0']);
    expect(result.stderr).toBe('');
    return (JSON.parse(result.stdout) as OutageJson[]).reverse();
  }

  async function availabilityIn(dbFile: string): Promise<AvailabilityJson> {
    const result = await runVigilAsync(['availability', '--db', dbFile, '--json']);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as AvailabilityJson;
  }

  it('a read-only file system made writable: what was recorded in memory lands in the file, an open outage closes there later, and a restart keeps it all', async (context) => {
    await onSmallDisk(context, async (mountPoint) => {
      const dbFile = `${mountPoint}/history.db`;
      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
      const { daemon, status, recorded } = await startWithControl(dbFile);
      await daemon.waitForLine(/ERROR history not recorded: /);
      await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
      const firstDown = await changeAndWait(daemon, () => web.stop(), /web-http\/web1 UP → DOWN/);
      const firstUp = await changeAndWait(daemon, () => web.start(), /web-http\/web1 DOWN → UP/);
      const secondDown = await changeAndWait(daemon, () => web.stop(), /web-http\/web1 UP → DOWN/);
      expect(existsSync(dbFile)).toBe(false);
      expect(await recorded()).toBe('0');

      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
      await daemon.waitForLine(
        new RegExp(`WARN  history recorded again: 2 outages, 4 transitions, .* written from memory to ${dbFile} \\(took [^)]+\\); from now on history is written there`),
      );
      const recovered = await outagesIn(dbFile);
      expect(recovered.map(({ id, host, open }) => ({ id, host, open }))).toEqual([
        { id: 1, host: 'web1', open: false },
        { id: 2, host: 'web1', open: true },
      ]);
      expectWithin(recovered[0]!.start, firstDown);
      expectWithin(recovered[0]!.end, firstUp);
      expectWithin(recovered[1]!.start, secondDown);
      expect(recovered[0]!.cause).toMatch(/connection refused/);
      expect(await status()).not.toMatch(/NOT recorded/);
      expect(await recorded()).toBe('1');
      // Watched all along: no time of this run counts as Vigil not running.
      expect((await availabilityIn(dbFile)).unwatched).toEqual([]);

      // Recorded in the file from now on: the open outage closes there.
      const secondUp = await changeAndWait(daemon, () => web.start(), /web-http\/web1 DOWN → UP/);
      const closed = await waitFor(async () => (await outagesIn(dbFile))[1]?.end ?? undefined, 'the open outage to close in the file');
      expectWithin(closed, secondUp);
      const before = await outagesIn(dbFile);
      expect(await daemon.stop()).toBe(0);

      const again = startWithHistoryAt(dbFile);
      await again.waitForLine(/running:/);
      expect(again.output()).not.toMatch(/history not recorded/);
      expect(await outagesIn(dbFile)).toEqual(before);
      const { unwatched } = await availabilityIn(dbFile);
      expect(unwatched).toHaveLength(1); // only the restart
      expect(Date.parse(unwatched[0]!.start)).toBeGreaterThanOrEqual(secondUp.to);
    });
  });

  it('a file that held history from an earlier run: its rows kept, targets matched by name, an outage it had open goes on, acknowledgements follow', async (context) => {
    await onSmallDisk(context, async (mountPoint) => {
      const dbFile = `${mountPoint}/history.db`;
      const earlier = startWithHistoryAt(dbFile);
      await earlier.waitForLine(/web-http\/web1 UNKNOWN → UP/);
      await changeAndWait(earlier, () => web.stop(), /web-http\/web1 UP → DOWN/);
      await changeAndWait(earlier, () => web.start(), /web-http\/web1 DOWN → UP/);
      await changeAndWait(earlier, () => web.stop(), /web-http\/web1 UP → DOWN/);
      expect(await earlier.stop()).toBe(0);
      const [kept, stillOpen] = await outagesIn(dbFile);
      expect(stillOpen).toMatchObject({ id: 2, open: true });
      const earlierTransitions = readTransitions(dbFile);

      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
      const { daemon, status, vigil } = await startWithControl(dbFile, ['web1', 'web2']);
      await daemon.waitForLine(/ERROR history not recorded: /);
      await daemon.waitForLine(/web-http\/web1 UNKNOWN → DOWN/);
      await daemon.waitForLine(/web-http\/web2 UNKNOWN → DOWN/);
      expect((await vigil('ack', 'web-http/web2', '-m', 'cable pulled', '--by', 'ops')).code).toBe(0); // outage #2 in memory

      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
      await daemon.waitForLine(/history recorded again: 2 outages, 2 transitions, /);
      expect(await status()).not.toMatch(/NOT recorded/);
      const recovered = await outagesIn(dbFile);
      expect(recovered).toHaveLength(3);
      expect(recovered[0]).toEqual(kept);
      // web1 is still down: the file's open outage goes on, and the new web2 has its own.
      expect(recovered[1]).toEqual({ ...stillOpen, durationMs: expect.any(Number) }); // open: its duration so far
      expect(recovered[2]).toMatchObject({ id: 3, host: 'web2', open: true, ack: { by: 'ops', comment: 'cable pulled' } });
      // By the file's numbers from now on, and a change of web2's flags does not touch web1's outage.
      expect((await vigil('ack', '--outage', '2', '-m', 'same cable', '--by', 'ops')).code).toBe(0);
      expect((await vigil('maintenance', 'start', 'web-http/web2', '--for', '1h')).code).toBe(0);

      const up = await changeAndWait(daemon, () => web.start(), /web-http\/web1 DOWN → UP/);
      await daemon.waitForLine(/web-http\/web2 DOWN → UP/);
      const outages = await waitFor(async () => {
        const now = await outagesIn(dbFile);
        return now.every((outage) => !outage.open) ? now : undefined;
      }, 'the open outages to close in the file');
      expect(outages[0]).toEqual(kept);
      expect(outages[1]).toMatchObject({ id: 2, host: 'web1', start: stillOpen!.start, ack: { by: 'ops', comment: 'same cable' } });
      expectWithin(outages[1]!.end, up);
      expect(outages[2]).toMatchObject({ id: 3, host: 'web2', ack: { by: 'ops', comment: 'cable pulled' } });
      const transitions = readTransitions(dbFile);
      expect(transitions.slice(0, earlierTransitions.length)).toEqual(earlierTransitions);
      expect(transitions.slice(earlierTransitions.length).map((t) => `${t.key} ${t.from_state}->${t.to_state}`).sort()).toEqual([
        'web-http/web1 down->up',
        'web-http/web1 unknown->down',
        'web-http/web2 down->up',
        'web-http/web2 unknown->down',
      ]);
      const { rows, unwatched } = await availabilityIn(dbFile);
      expect(rows.map(({ name, outages }) => ({ name, outages }))).toEqual([
        { name: 'web-http/web1', outages: 2 },
        { name: 'web-http/web2', outages: 1 },
      ]);
      expect(unwatched).toHaveLength(1); // between the earlier run and this one, not this run's time
    });
  });

  it('a disk with too little room for the history held in memory: nothing of it is written, and it is tried again until it fits', async (context) => {
    await onSmallDisk(context, async (mountPoint) => {
      const dbFile = `${mountPoint}/history.db`;
      const earlier = startWithHistoryAt(dbFile);
      await earlier.waitForLine(/web-http\/web1 UNKNOWN → UP/);
      expect(await earlier.stop()).toBe(0);
      const earlierTransitions = readTransitions(dbFile);
      // A writer's connection, closed last, takes its -wal and -shm files away: the disk holds the file alone.
      new Database(dbFile).close();
      const earlierBytes = readFileSync(dbFile);

      const pages = fillDiskInPages(mountPoint);
      const { daemon, status } = await startWithControl(dbFile);
      await daemon.waitForLine(/ERROR history not recorded: /);
      await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
      await changeAndWait(daemon, () => web.stop(), /web-http\/web1 UP → DOWN/);
      await changeAndWait(daemon, () => web.start(), /web-http\/web1 DOWN → UP/);

      // Room, a page at a time, until the file opens but what is to be written does not fit.
      const copyFailed = new RegExp(
        `WARN  history still held in memory: could not write it into ${dbFile} \\((SQLITE_FULL|SQLITE_IOERR\\w*): .*; took [^)]+\\); nothing of it was written \\(rolled back\\); trying again in 100ms, then less often while it fails$`,
      );
      for (let freed = 0; !daemon.lines.some((line) => copyFailed.test(line)); freed++) {
        expect(daemon.output()).not.toMatch(/history recorded again/);
        expect(freed).toBeLessThan(64); // the lock, the file's shared memory and a few pages of log need far less
        rmSync(pages.pop()!);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // Page for page as it was (but the change counter in its header, which closing a connection bumps).
      expect(readFileSync(dbFile).subarray(100).equals(earlierBytes.subarray(100))).toBe(true);
      expect(await status()).toMatch(/history NOT recorded yet/);
      expect(daemon.output()).not.toMatch(/history recorded again/);

      for (const page of pages) rmSync(page);
      await daemon.waitForLine(/history recorded again: 1 outage, 3 transitions, /);
      // Written once: the tries that failed left nothing behind.
      expect(readOutages(dbFile)).toHaveLength(1);
      expect(readTransitions(dbFile)).toHaveLength(earlierTransitions.length + 3);
    });
  });

  /** The lines the alert script of pagedConfig wrote, one per alert: "<kind> <target>". */
  const sent = () => (existsSync(tmp.path('alerts.log')) ? readFileSync(tmp.path('alerts.log'), 'utf8').trim().split('\n') : []);

  /** The config with web1 (on `port`) routed to `pager`: an alert script of the test's own, outside the small disk (see sent). */
  function pagedConfig(dbFile: string, port = web.port): string {
    const script = tmp.write('alert.sh', `#!/bin/sh\necho "$VIGIL_KIND $VIGIL_TARGET" >> ${tmp.path('alerts.log')}\n`);
    chmodSync(script, 0o755);
    const routed = config(dbFile).replace('check: { type: http } }', 'check: { type: http }, alerts: [pager] }').replace(`port: ${web.port}`, `port: ${port}`);
    return `${routed}alerts:\n  pager: { type: exec, convention: plain, command: ${script} }\n`;
  }

  /** A run on a healthy disk that sends web1's down alert and stops, web1 still down. */
  async function earlierRunSentDown(dbFile: string): Promise<void> {
    const earlier = daemons.start(tmp.write('vigil.yaml', pagedConfig(dbFile)));
    await earlier.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await changeAndWait(earlier, () => web.stop(), /web-http\/web1 UP → DOWN/);
    await waitFor(() => sent().length === 1, 'the down alert');
    expect(await earlier.stop()).toBe(0);
  }

  it('a down alert an earlier run sent, its target up again meanwhile: the up alert it owes goes out once the file is back, as after a restart', async (context) => {
    await onSmallDisk(context, async (mountPoint) => {
      const dbFile = `${mountPoint}/history.db`;
      await earlierRunSentDown(dbFile);

      // Back up while the daemon was stopped; it starts on a read-only disk and finds it UP at once.
      await web.start();
      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
      const daemon = daemons.start(tmp.path('vigil.yaml'));
      await daemon.waitForLine(/ERROR history not recorded: /);
      await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
      await new Promise((resolve) => setTimeout(resolve, 300)); // a few checks: still no up alert, nothing known of the down one
      expect(sent()).toEqual(['down web-http/web1']);

      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
      await daemon.waitForLine(/history recorded again: /);
      await waitFor(() => sent().length === 2, 'the up alert owed');
      expect(sent()).toEqual(['down web-http/web1', 'up web-http/web1']);
      const [outage] = await outagesIn(dbFile);
      expect(outage).toMatchObject({ id: 1, open: false });
      // Owed once: a restart on the file sends it again no more.
      expect(await daemon.stop()).toBe(0);
      const again = daemons.start(tmp.path('vigil.yaml'));
      await again.waitForLine(/running:/);
      await new Promise((resolve) => setTimeout(resolve, 500)); // checks of the target, resumed UP
      expect(again.output()).not.toMatch(/alert to pager/);
      expect(sent()).toEqual(['down web-http/web1', 'up web-http/web1']);
    });
  });

  it('a down alert an earlier run sent for a machine the name no longer points to: no up alert owed once the file is back, as after a restart', async (context) => {
    await onSmallDisk(context, async (mountPoint) => {
      const dbFile = `${mountPoint}/history.db`;
      await earlierRunSentDown(dbFile);

      // web1 is now another machine (another port), up, checked by a daemon on a read-only disk.
      const other = await startHttpServer();
      try {
        execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
        const daemon = daemons.start(tmp.write('vigil.yaml', pagedConfig(dbFile, other.port)));
        await daemon.waitForLine(/ERROR history not recorded: /);
        await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
        execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
        await daemon.waitForLine(/history recorded again: /);
        await new Promise((resolve) => setTimeout(resolve, 500)); // checks of the new machine, UP
        expect(sent()).toEqual(['down web-http/web1']);
      } finally {
        await daemons.stopAll();
        await other.stop();
      }
    });
  });
});
