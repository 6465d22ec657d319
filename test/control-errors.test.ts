// The control socket when things are not right: no daemon, a stale socket file, a user without
// access, a second daemon — each with a clear message; and the socket is never world-accessible.
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, startHttpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { controlCommands, daemonFixture, runVigilAsync, VIGIL_BIN } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

let tmp: ReturnType<typeof tempDir>;
let web: TestServer;
let configFile: string;
let socket: string;
const daemons = daemonFixture(() => ({ cwd: tmp.dir }));

beforeEach(async () => {
  tmp = tempDir();
  web = await startHttpServer();
  configFile = tmp.write(
    'vigil.yaml',
    `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 100ms, timeout: 500ms, rise: 1, fall: 2, spread: 50ms }
hostgroups: { web: [{ name: web1, address: 127.0.0.1, port: ${web.port} }] }
services: { web-http: { group: web, check: { type: http } } }
`,
  );
  socket = tmp.path('vigil.sock'); // the default: beside the history database
});

afterEach(async () => {
  await daemons.stopAll();
  await web.stop();
  tmp.cleanup();
});

const start = () => daemons.start(configFile);
const { vigil } = controlCommands(() => configFile);

/** A socket file nobody listens on: what a daemon killed with SIGKILL leaves. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((resolve) => child.once('exit', resolve));
  expect(statSync(path).isSocket()).toBe(true);
}

describe('control socket', () => {
  it('no daemon: every command says so and exits 3; status shows the last known state', async () => {
    const disable = await vigil('disable', 'web-http');
    expect(disable.code).toBe(3);
    expect(disable.stderr).toBe(`vigil disable: the vigil daemon is not running (no control socket at ${socket})\n`);

    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    expect((await vigil('disable', 'web-http', '--reason', 'test')).code).toBe(0);
    await daemon.stop();

    const status = await vigil('status');
    expect(status.code).toBe(3);
    expect(status.stderr).toBe(`vigil status: the vigil daemon is not running (no control socket at ${socket}); last known state from the history database:\n`);
    expect(status.stdout).toMatch(/^last known state from history \S+history\.db \(the daemon did not answer\); last check results recorded in the minute from \S+ \S+ \(\S+ ago\)\n/);
    // The live table's columns; what only the daemon knows (last check, latency) is `-`.
    expect(status.stdout).toMatch(/\n1 target: 1 up\nTARGET\s+STATE\s+SINCE\s+FOR\s+CHECKED\s+LATENCY\s+FLAGS\s+MESSAGE\nweb-http\/web1\s+UP\s+\S+ \S+\s+\S+\s+-\s+-\s+disabled \(test\)\s+HTTP 200 from /);
    // A name that matches nothing: the same answer as the daemon's, from the database.
    const unknown = await vigil('status', 'nosuch');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/\nvigil status: no target matches service nosuch \(services: web-http\)\n$/);
    const json = JSON.parse((await vigil('status', '--json')).stdout);
    expect(json).toMatchObject({ live: false, daemon: null, targets: [{ id: 'web-http/web1', state: 'up', flags: { disabled: { reason: 'test' } } }] });

    // Only the database, no config (a copy on another machine): the last known state all the same.
    const missing = tmp.path('none.yaml');
    const fromFile = await runVigilAsync(['status', '--db', tmp.path('history.db'), '-c', missing]);
    expect(fromFile.code).toBe(3);
    expect(fromFile.stderr).toBe(`vigil status: no config at ${missing} to find the daemon (give -c FILE or --socket PATH); last known state from the history database:\n`);
    expect(fromFile.stdout).toMatch(/^last known state from history .*\n1 target: 1 up\nTARGET\s+STATE.*\nweb-http\/web1\s+UP\s/);
  });

  it('status --json: the same keys live and from the database, and the same values for what both know', async () => {
    const closed = await closedPort();
    writeFileSync(
      configFile,
      `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 100ms, timeout: 500ms, rise: 1, fall: 2, spread: 50ms }
hostgroups:
  web: [{ name: web1, address: 127.0.0.1, port: ${web.port} }, { name: gone, address: 127.0.0.1, port: ${closed} }]
  bare: [{ name: plain, address: 127.0.0.1 }]
services:
  web-http: { group: web, check: { type: http } }
  bare-http: { group: bare, check: { type: http, port: ${web.port} } }
`,
    );
    const daemon = start();
    await daemon.waitForLine(/web-http\/gone UNKNOWN → DOWN/);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await daemon.waitForLine(/bare-http\/plain UNKNOWN → UP/);
    expect((await vigil('ack', 'web-http/gone', '--comment', 'decommissioned')).code).toBe(0);
    const live = await vigil('status', '--json');
    await daemon.stop();
    const stored = await vigil('status', '--json');
    expect([live.code, stored.code]).toEqual([0, 3]);
    type Target = Record<string, any>;
    const [a, b] = [live, stored].map((result) => JSON.parse(result.stdout) as { live: boolean; daemon: unknown; targets: Target[] });
    expect(Object.keys(b!)).toEqual(Object.keys(a!));
    expect([a!.live, b!.live, b!.daemon]).toEqual([true, false, null]);
    expect(b!.targets.map((t) => t.id)).toEqual(['bare-http/plain', 'web-http/gone', 'web-http/web1']);
    expect(a!.targets.map((t) => t.id)).toEqual(b!.targets.map((t) => t.id));
    const known = ['id', 'service', 'group', 'host', 'address', 'port', 'state', 'since', 'flapping', 'flags', 'outage'];
    for (const [i, target] of b!.targets.entries()) {
      const liveTarget = a!.targets[i]!;
      expect(Object.keys(target).sort()).toEqual(Object.keys(liveTarget).sort());
      expect(Object.fromEntries(known.map((key) => [key, target[key]]))).toEqual(Object.fromEntries(known.map((key) => [key, liveTarget[key]])));
      // Only the daemon knows when it last checked and how fast: null from the database.
      expect(typeof liveTarget.lastCheckAt).toBe('number');
      expect(target.lastCheckAt).toBeNull();
      expect(Object.keys(target.lastResult).sort()).toEqual(Object.keys(liveTarget.lastResult).sort());
      expect(target.lastResult).toMatchObject({ status: null, latencyMs: null, message: expect.any(String) });
    }
    const [plain, gone, web1] = b!.targets;
    expect(plain).toMatchObject({ service: 'bare-http', host: 'plain', address: '127.0.0.1', port: null, state: 'up', outage: null });
    expect(gone).toMatchObject({ state: 'down', port: closed, outage: { id: 1 }, flags: { acknowledged: { comment: 'decommissioned' } } });
    expect(web1).toMatchObject({ state: 'up', port: web.port, outage: null, flags: {} });
  });

  it('the socket is mode 0660, and removed at a clean stop', async () => {
    const daemon = start();
    await daemon.waitForLine(/running: .*, control .*vigil\.sock/);
    expect(statSync(socket).mode & 0o777).toBe(0o660);
    await daemon.stop();
    expect(() => statSync(socket)).toThrow(/ENOENT/);
  });

  it('a stale socket: the CLI says the daemon is not running; a starting daemon removes it', async () => {
    await leaveStaleSocket(socket);
    const status = await vigil('reload');
    expect(status.code).toBe(3);
    expect(status.stderr).toMatch(/the vigil daemon is not running \(nothing listens on .*vigil\.sock; the socket file is left from an earlier run\)/);
    const daemon = start();
    await daemon.waitForLine(/removed stale control socket .*vigil\.sock/);
    await daemon.waitForLine(/running/);
    expect((await vigil('status')).code).toBe(0);
  });

  it('a daemon that does not answer in time (stopped): the request may still be applied, exit 4', async () => {
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    daemon.signal('SIGSTOP');
    try {
      const disable = await vigil('disable', 'web-http', '--timeout', '300ms');
      expect(disable.code).toBe(4);
      expect(disable.stderr).toBe(`vigil disable: the daemon did not answer within 0.3s on ${socket}: the request was sent and may still be applied; check vigil status\n`);
      const status = await vigil('status', '--timeout', '300ms');
      expect(status.code).toBe(4);
      expect(status.stderr).toMatch(/^vigil status: the daemon did not answer within 0\.3s on .* \(stopped or overloaded\?\); last known state from the history database:\n$/);
    } finally {
      daemon.signal('SIGCONT');
    }
    // Once it runs again it applies what it was sent.
    await waitFor(async () => JSON.parse((await vigil('status', '--json')).stdout).targets[0].flags.disabled, 'the disable sent meanwhile to be applied');
    expect((await vigil('disable', 'web-http', '--timeout', 'soon')).stderr).toBe('vigil disable: --timeout: expected a duration such as 10s, got soon\n');
  });

  it('--socket naming a file that is not a socket says so', async () => {
    const result = await vigil('status', '--socket', configFile);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`^vigil status: ${configFile.replace(/[.]/g, '\\.')} is not a socket: is control\\.socket \\(or --socket\\) right\\?; last known state`));
  });

  it('a second daemon on the same socket refuses to start', async () => {
    const first = start();
    await first.waitForLine(/running/);
    const second = start();
    await second.waitForLine(/not started: another vigil daemon is running: it answers on .*vigil\.sock/);
    expect(await second.exited).toBe(1);
    expect((await vigil('status')).code).toBe(0); // the first one is untouched
  });

  it('a path that is not a socket is left alone', async () => {
    writeFileSync(socket, 'precious');
    const daemon = start();
    await daemon.waitForLine(/not started: control socket path .*vigil\.sock exists and is not a socket; refusing to replace it/);
    expect(await daemon.exited).toBe(1);
  });

  it('a user without access to the socket is told so', async (context) => {
    if (process.getuid?.() !== 0) return context.skip('needs root to run the CLI as another user');
    chmodSync(tmp.dir, 0o755); // nobody may reach the socket: only its own mode keeps them out
    const daemon = start();
    await daemon.waitForLine(/running/);
    // Run as nobody, naming the socket directly.
    const child = spawn(process.execPath, [VIGIL_BIN, 'status', '--socket', socket], { uid: 65534, gid: 65534 });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(3);
    expect(stderr).toMatch(/permission denied on the control socket .*vigil\.sock: it is mode 0660, so run this as the daemon's user or a member of its group \(or with sudo\)/);
  });

  it('control.enabled: false serves no socket, and the CLI says it is turned off', async () => {
    writeFileSync(configFile, `${readFileSync(configFile, 'utf8')}control: { enabled: false }\n`);
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await waitFor(() => daemon.output().includes('running'), 'the start line');
    expect(() => statSync(socket)).toThrow(/ENOENT/);
    const status = await vigil('disable', 'web-http');
    expect(status.code).toBe(3);
    expect(status.stderr).toMatch(/the control API is turned off in .*vigil\.yaml \(control\.enabled: false\)/);
  });
});
