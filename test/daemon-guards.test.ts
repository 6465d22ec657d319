// `vigil run` against what an operator or a plugin gets wrong: a plugin's stray rejection or throw,
// a handle it leaks, a pid file in a missing directory, two daemons on one history database, a
// reload of settings that apply only at start.
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOutages } from './helpers/history-db.js';
import { startTcpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { daemonFixture, runVigilAsync } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

let tmp: ReturnType<typeof tempDir>;
let tcp: TestServer;
const { start, stopAll } = daemonFixture(() => ({ cwd: tmp.dir }));

/** A check plugin that misbehaves outside its result, as `mode` says, and is up. */
const MISCHIEF = `import { defineCheck, z } from 'vigil/plugin';
let leaked;
export default defineCheck({
  type: 'mischief',
  options: z.strictObject({ mode: z.enum(['reject', 'throw', 'leak']) }),
  async run(target, opts) {
    if (opts.mode === 'reject') Promise.reject(new Error('stray rejection'));
    if (opts.mode === 'throw') setTimeout(() => { throw new Error('thrown from a timer'); }, 1);
    if (opts.mode === 'leak') leaked ??= setInterval(() => undefined, 60_000); // never cleared: keeps the event loop alive
    return { status: 'up', message: 'fine' };
  },
});
`;

function config({ history = './history.db', socket = './vigil.sock', extra = '', top = '' } = {}) {
  return `${top}plugin_dirs: [plugins]
history: { path: ${history}, flush_interval: 50ms }
control: { socket: ${socket} }
defaults: { interval: 100ms, timeout: 500ms, rise: 1, fall: 2, spread: 50ms }
hostgroups:
  tcp: [{ name: tcp1, address: 127.0.0.1, port: ${tcp.port} }]
services:
  plain-tcp: { group: tcp, check: { type: tcp } }
${extra}`;
}

beforeEach(async () => {
  tmp = tempDir();
  mkdirSync(tmp.path('plugins'));
  tmp.write('plugins/mischief.mjs', MISCHIEF);
  tcp = await startTcpServer();
});

afterEach(async () => {
  await stopAll();
  await tcp.stop();
  tmp.cleanup();
});

describe('vigil run survives its plugins', () => {
  it('a stray promise rejection or a throw in a timer is logged as a bug, with its stack, and checking goes on', async () => {
    const file = tmp.write(
      'vigil.yaml',
      config({ extra: `  rejects: { group: tcp, check: { type: mischief, mode: reject } }\n  throws: { group: tcp, check: { type: mischief, mode: throw } }\n` }),
    );
    const daemon = start(file);
    await daemon.waitForLine(/ERROR unhandled promise rejection, a bug in a check or alert plugin \(or in Vigil\); the daemon keeps running: Error: stray rejection/);
    await daemon.waitForLine(/ERROR uncaught exception, a bug in a check or alert plugin \(or in Vigil\); the daemon keeps running: Error: thrown from a timer/);
    expect(daemon.output()).toMatch(/stray rejection\n\s+at .*mischief\.mjs/); // the stack points at the plugin
    const up = await daemon.waitForLine(/plain-tcp\/tcp1 UNKNOWN → UP/);
    await tcp.stop();
    await daemon.waitForLine(/plain-tcp\/tcp1 UP → DOWN/, { from: up.index });
    await waitFor(() => readOutages(tmp.path('history.db')).length === 1, 'the outage saved');
    expect(await daemon.stop()).toBe(0);
    expect(existsSync(tmp.path('vigil.sock'))).toBe(false);
  });

  it('SIGTERM ends the daemon even when a plugin leaked a handle that keeps the event loop alive', async () => {
    const file = tmp.write('vigil.yaml', config({ extra: `  leaks: { group: tcp, check: { type: mischief, mode: leak } }\n` }));
    const daemon = start(file);
    await daemon.waitForLine(/leaks\/tcp1 UNKNOWN → UP/);
    daemon.signal('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(daemon.output()).toMatch(/INFO  stopped/);
  });
});

describe('vigil run refuses what it cannot keep', () => {
  it('a --pid-file in a directory that does not exist: one line, nothing started', async () => {
    const file = tmp.write('vigil.yaml', config());
    const daemon = start(file, ['--pid-file', tmp.path('nodir', 'vigil.pid')]);
    expect(await daemon.exited).toBe(1);
    expect(daemon.lines.filter((line) => line.trim())).toEqual([expect.stringMatching(/ERROR not started: pid file .*nodir\/vigil\.pid: directory .*nodir does not exist/)]);
    expect(existsSync(tmp.path('vigil.sock'))).toBe(false);
    expect(existsSync(tmp.path('history.db'))).toBe(false);
  });

  it('a --pid-file that is a link to another file: the link is replaced by the pid file, the file it named is left alone', async () => {
    const victim = tmp.write('precious.conf', 'do not overwrite\n');
    symlinkSync(victim, tmp.path('vigil.pid'));
    const daemon = start(tmp.write('vigil.yaml', config()), ['--pid-file', tmp.path('vigil.pid')]);
    await daemon.waitForLine(/running:/);
    expect(readFileSync(victim, 'utf8')).toBe('do not overwrite\n');
    expect(lstatSync(tmp.path('vigil.pid')).isSymbolicLink()).toBe(false);
    expect(readFileSync(tmp.path('vigil.pid'), 'utf8')).toBe(`${daemon.pid}\n`);
    expect(await daemon.stop()).toBe(0);
    expect(existsSync(tmp.path('vigil.pid'))).toBe(false);
  });

  it('a second daemon on the same history database is refused, naming the first; it starts once the first is killed -9', async () => {
    const first = start(tmp.write('first.yaml', config()), ['--pid-file', tmp.path('first.pid')]);
    await first.waitForLine(/running:/);
    const second = start(tmp.write('second.yaml', config({ socket: './second.sock' })), ['--pid-file', tmp.path('second.pid')]);
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(
      new RegExp(`not started: history database .*history\\.db is in use by another vigil daemon \\(pid ${first.pid}, named in .*history\\.db\\.lock\\); two daemons cannot share one history`),
    );
    expect(existsSync(tmp.path('second.pid'))).toBe(false);

    // The same pid file as a running daemon: refused too.
    const third = start(tmp.write('third.yaml', config({ socket: './third.sock', history: './third.db' })), ['--pid-file', tmp.path('first.pid')]);
    expect(await third.exited).toBe(1);
    expect(third.output()).toMatch(new RegExp(`not started: pid file .*first\\.pid names pid ${first.pid}, a vigil that is still running`));

    first.signal('SIGKILL');
    await first.exited;
    const again = start(tmp.write('second.yaml', config({ socket: './second.sock' })));
    await again.waitForLine(new RegExp(`removed stale history lock .*history\\.db\\.lock \\(pid ${first.pid} is gone`));
    await again.waitForLine(/running:/);
  });
});

describe('vigil reload and settings read at start', () => {
  it('names each changed setting that needs a restart, and says a changed max_concurrent was applied', async () => {
    const file = tmp.write('vigil.yaml', config());
    const daemon = start(file);
    await daemon.waitForLine(/running:/);
    writeFileSync(file, config({ history: './other.db', top: 'log: { level: debug }\nscheduler: { max_concurrent: 7 }\nmetrics: { listen: "127.0.0.1:1" }\n' }));
    const reload = await runVigilAsync(['reload', '-c', file]);
    expect(reload.code).toBe(0);
    expect(reload.stdout).toContain('scheduler.max_concurrent changed (1024 → 7): applied now');
    expect(reload.stdout).toMatch(/needs a restart to take effect:\n {2}history\.path changed \(.*history\.db → .*other\.db\): takes effect at the next start/);
    expect(reload.stdout).toContain('log.level changed (info → debug): takes effect at the next start');
    expect(reload.stdout).toContain('metrics.listen changed (off → 127.0.0.1:1): takes effect at the next start');
    await daemon.waitForLine(/WARN  reload: history\.path changed .*: takes effect at the next start/);
  });
});

describe('alert deliveries', () => {
  it('more than ten deliveries in flight at once: no MaxListenersExceededWarning', async () => {
    tmp.write(
      'plugins/slow.mjs',
      `import { defineAlert, z } from 'vigil/plugin';
export default defineAlert({
  type: 'slow',
  options: z.strictObject({}),
  async fire(event, opts, ctx) {
    ctx.log.info('slow alert firing for ' + event.target.id);
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)); // until the attempt's timeout
    throw new Error('too slow');
  },
});
`,
    );
    const closed = await startTcpServer();
    const port = closed.port;
    await closed.stop();
    const hosts = Array.from({ length: 14 }, (_, i) => `{ name: h${i}, address: 127.0.0.1, port: ${port} }`).join(', ');
    const file = tmp.write(
      'vigil.yaml',
      config({ extra: `  gone: { group: gone, check: { type: tcp }, alerts: [slow] }\nalerts:\n  slow: { type: slow, timeout: 2s, retries: 0 }\n` }).replace(
        'hostgroups:\n',
        `hostgroups:\n  gone: [${hosts}]\n`,
      ),
    );
    const daemon = start(file);
    await waitFor(() => daemon.lines.filter((line) => /slow alert firing for gone\//.test(line)).length === 14, 'all 14 deliveries in flight', 15_000);
    await daemon.waitForLine(/alert slow \(slow\) \w+ for gone\/h\d+ failed: timed out after 2s/);
    expect(daemon.output()).not.toMatch(/Warning/);
  });
});
