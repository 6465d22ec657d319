// The CLI reads the history file while the daemon writes it: WAL, a read-only connection. Readers
// never block the writer (not even one holding a read transaction open), and always get a
// consistent answer.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openReadOnlyDatabase } from '../src/history/open-database.js';
import { startHttpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync, VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

let tmp: ReturnType<typeof tempDir>;
let web: TestServer;
let daemon: VigilDaemon;
let dbFile: string;

beforeEach(async () => {
  tmp = tempDir();
  web = await startHttpServer();
  dbFile = tmp.path('history.db');
  const config = tmp.write(
    'vigil.yaml',
    `history: { path: ./history.db, flush_interval: 20ms }
defaults: { interval: 50ms, timeout: 300ms, rise: 1, fall: 1, spread: 10ms }
hostgroups: { web: [{ name: web1, address: 127.0.0.1, port: ${web.port} }] }
services: { web-http: { group: web, check: { type: http } } }
`,
  );
  daemon = VigilDaemon.run(config, [], { cwd: tmp.dir });
  await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
});

afterEach(async () => {
  await daemon.stop();
  await web.stop();
  tmp.cleanup();
});

const outageCount = (db: Database.Database) => (db.prepare('SELECT count(*) AS n FROM outages').get() as { n: number }).n;

/** Stops and starts the server until the daemon has recorded `count` outages. */
async function causeOutages(count: number, from: number) {
  for (let n = from + 1; n <= from + count; n++) {
    await web.stop();
    await daemon.waitForLine(new RegExp(`UP → DOWN .*\\(outage #${n}\\)`));
    await web.start();
    await daemon.waitForLine(new RegExp(`DOWN → UP .*\\(outage #${n} lasted`));
  }
}

describe('reading while the daemon writes', () => {
  it('CLI commands run again and again while outages are being written, and always answer', async () => {
    let stop = false;
    const seen: number[] = [];
    const failures: string[] = [];
    const reader = (async () => {
      while (!stop) {
        const [history, availability, status] = await Promise.all([
          runVigilAsync(['history', '--db', dbFile, '--json']),
          runVigilAsync(['availability', '--db', dbFile, '--since', '1h', '--json']),
          runVigilAsync(['timeline', '--db', dbFile, '--since', '10m', '--width', '80']),
        ]);
        for (const result of [history, availability, status]) if (result.code !== 0) failures.push(result.stderr);
        if (history.code === 0) seen.push((JSON.parse(history.stdout) as unknown[]).length);
      }
    })();
    await causeOutages(4, 0);
    await waitFor(() => seen.at(-1) === 4, 'a reader to see all four outages');
    stop = true;
    await reader;
    expect(failures).toEqual([]);
    // Each answer is a consistent snapshot: the count never goes back.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(daemon.output()).not.toMatch(/not writable/);
  });

  it('a reader holding a read transaction open does not hold up the writer', async () => {
    const reader = openReadOnlyDatabase(dbFile);
    expect(reader.readonly).toBe(true);
    reader.prepare('BEGIN').run();
    const before = outageCount(reader); // the snapshot is taken here
    await causeOutages(2, before);
    // Written meanwhile (another connection sees it), while the open transaction keeps its snapshot.
    const other = new Database(dbFile, { readonly: true });
    await waitFor(() => outageCount(other) === before + 2, 'both outages written');
    expect(outageCount(reader)).toBe(before);
    reader.prepare('COMMIT').run();
    expect(outageCount(reader)).toBe(before + 2);
    expect(() => reader.prepare('DELETE FROM outages').run()).toThrow(/readonly/);
    reader.close();
    other.close();
    expect(daemon.output()).not.toMatch(/not writable/);
  });
});
