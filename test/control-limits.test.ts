// The control socket against stuck and misbehaving clients, on the real daemon's socket: a client
// that sends nothing or dribbles bytes is disconnected, an oversized body is refused with 413,
// idle connections are closed, and past the connection limit a client is refused with a clear
// message — and through it all `vigil status` keeps working.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlLimits, DEFAULT_CONTROL_LIMITS } from '../src/control/control-limits.js';
import { throttledWarning } from '../src/control/throttled-warning.js';
import { startHttpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync, VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = tempDir();
let web: TestServer;
const daemons: VigilDaemon[] = [];
const clients: net.Socket[] = [];

/** A daemon in its own directory (its own history and socket), with the control limits given. */
async function startDaemon(name: string, limits: Record<string, number>) {
  const config = tmp.write(
    `${name}.yaml`,
    `history: { path: ./${name}.db, flush_interval: 50ms }
control: { socket: ./${name}.sock }
defaults: { interval: 200ms, timeout: 500ms, rise: 1, fall: 2, spread: 50ms }
hostgroups: { web: [{ name: web1, address: 127.0.0.1, port: ${web.port} }] }
services: { web-http: { group: web, check: { type: http } } }
`,
  );
  const daemon = VigilDaemon.run(config, [], { cwd: tmp.dir, env: { VIGIL_CONTROL_LIMITS: JSON.stringify(limits) } });
  daemons.push(daemon);
  await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
  return { daemon, config, socket: tmp.path(`${name}.sock`), vigil: (...args: string[]) => runVigilAsync([...args, '-c', config]) };
}

/** A raw connection to the socket: what it received, and whether the daemon closed it. */
function connect(socketPath: string) {
  const socket = net.connect({ path: socketPath });
  clients.push(socket);
  let received = '';
  let closedByDaemon = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  // The daemon's end of the connection closed: end of stream, or EPIPE/ECONNRESET on a write after it.
  socket.on('end', () => (closedByDaemon = true));
  socket.on('error', () => (closedByDaemon = true));
  return {
    socket,
    received: () => received,
    closedByDaemon: () => closedByDaemon,
    /** Writes `text` a byte every `everyMs` until the socket closes. */
    dribble(text: string, everyMs = 50) {
      let at = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || at >= text.length) return clearInterval(timer);
        socket.write(text[at++]!);
      }, everyMs);
      socket.once('close', () => clearInterval(timer));
    },
  };
}

/** The status code and JSON body of a raw HTTP answer. */
function answerOf(raw: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(raw)?.[1]);
  return { status, body: JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) };
}

beforeAll(async () => {
  web = await startHttpServer();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(daemons.map((daemon) => daemon.stop()));
  await web.stop();
  tmp.cleanup();
});

describe('control socket limits', () => {
  // Short timeouts so the test need not wait the default seconds; the limits are the mechanism under test.
  let a: Awaited<ReturnType<typeof startDaemon>>;
  beforeAll(async () => {
    a = await startDaemon('a', { headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 200, checkIntervalMs: 100, maxConnections: 8 });
  });

  it('a client that sends nothing, or dribbles its headers or its body, is disconnected by the daemon', async () => {
    const silent = connect(a.socket);
    const slowHeaders = connect(a.socket);
    slowHeaders.dribble(`GET /v1/status HTTP/1.1\r\nHost: vigil\r\nX-Padding: ${'a'.repeat(500)}\r\n\r\n`);
    const slowBody = connect(a.socket);
    slowBody.socket.write('POST /v1/disable HTTP/1.1\r\nHost: vigil\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n');
    slowBody.dribble(`{"service":"web-http","reason":"${'a'.repeat(460)}"}`);

    await waitFor(() => silent.closedByDaemon() && slowHeaders.closedByDaemon() && slowBody.closedByDaemon(), () => `the daemon to close all three (silent ${silent.closedByDaemon()}, headers ${slowHeaders.closedByDaemon()}, body ${slowBody.closedByDaemon()})`);
    expect(answerOf(silent.received())).toEqual({ status: 408, body: { error: 'no complete request: headers are due within 0.4s of connecting, the body within 0.8s' } });
    expect(a.daemon.output()).toMatch(/WARN\s+control socket: closed a connection that sent no complete request in time \(a stuck or misbehaving client\)/);

    const status = await a.vigil('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/web-http\/web1\s+UP\s.*\s-\s+HTTP 200/); // nothing was disabled by the dribbled body
  });

  it('an oversized body is answered 413 at once from its declared length; the CLI prints why; the daemon goes on', async () => {
    const huge = connect(a.socket);
    // Ten megabytes announced, a few bytes sent: the answer must not wait for the rest.
    huge.socket.write('POST /v1/disable HTTP/1.1\r\nHost: vigil\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"service":');
    await waitFor(() => huge.received().includes('\r\n\r\n{'), 'the 413 answer');
    expect(answerOf(huge.received())).toEqual({ status: 413, body: { error: 'request body of 10000000 bytes is larger than the control API takes (65536 bytes)' } });
    // The rest of the body is read and dropped until the request's time limit, then the connection
    // is closed, with no second answer (a 408) after the 413.
    await waitFor(() => huge.closedByDaemon(), 'the daemon to close the connection whose body never came');
    expect(huge.received().match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 413 ']);

    // A body of no declared length (chunked) is cut off once past the limit, and answered 413 all the same.
    const chunked = connect(a.socket);
    chunked.socket.write('POST /v1/disable HTTP/1.1\r\nHost: vigil\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = 'x'.repeat(16_384);
    for (let i = 0; i < 8; i++) chunked.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await waitFor(() => chunked.received().includes('\r\n\r\n{'), 'the 413 answer to the chunked body');
    expect(answerOf(chunked.received())).toEqual({ status: 413, body: { error: 'request body of more than 65536 bytes is larger than the control API takes (65536 bytes)' } });

    const reason = 'x'.repeat(70_000); // fits in one argument (at most 128 KiB), not in one request
    const disable = await a.vigil('disable', 'web-http', '--reason', reason);
    expect(disable.code).toBe(1);
    expect(disable.stderr).toMatch(/^vigil disable: request body of \d+ bytes is larger than the control API takes \(65536 bytes\)\n$/);

    const status = await a.vigil('status');
    expect(status.code).toBe(0);
    expect(status.stdout).not.toMatch(/disabled/);
  });

  it('headers past the limit get 431; an idle connection after an answer is closed', async () => {
    const bigHeaders = connect(a.socket);
    bigHeaders.socket.write(`GET /v1/status HTTP/1.1\r\nHost: vigil\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    await waitFor(() => bigHeaders.closedByDaemon(), 'the daemon to close the connection with too large headers');
    expect(answerOf(bigHeaders.received())).toEqual({ status: 431, body: { error: 'request headers larger than 8192 bytes' } });

    const keepAlive = connect(a.socket);
    keepAlive.socket.write('GET /v1/status HTTP/1.1\r\nHost: vigil\r\nConnection: keep-alive\r\n\r\n');
    await waitFor(() => keepAlive.closedByDaemon(), 'the daemon to close the idle keep-alive connection');
    expect(keepAlive.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*"web-http\/web1"/);
  });

  it('many idle connections, past the limit, do not keep vigil status out for long', async () => {
    const idle = Array.from({ length: 30 }, () => connect(a.socket));
    await waitFor(async () => (await a.vigil('status')).code === 0, 'vigil status to answer while idle clients come and go');
    await waitFor(() => idle.every((client) => client.closedByDaemon()), 'the daemon to close every idle connection');
  });
});

describe('control socket connection limit', () => {
  // Timeouts too long to end the held connections during the test: only the limit is at work.
  let b: Awaited<ReturnType<typeof startDaemon>>;
  beforeAll(async () => {
    b = await startDaemon('b', { maxConnections: 4, headersTimeoutMs: 120_000, requestTimeoutMs: 120_000 });
  });

  it('past the limit a client is refused with a clear message and the log says so; freed, the socket answers again', async () => {
    const held = Array.from({ length: 4 }, () => connect(b.socket));
    for (const client of held) client.socket.write('GET /v1/status HTTP/1.1\r\n'); // a request that never ends

    const refused = await waitFor(async () => {
      const status = await b.vigil('status');
      return status.code === 3 ? status : undefined;
    }, 'vigil status to be refused while 4 connections are held');
    expect(refused.stderr).toMatch(
      new RegExp(`^vigil status: the daemon closed the connection on ${b.socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} without answering: it refuses connections past its limit \\(too many clients connected at once; its log says so\\), or it stopped; try again; last known state from the history database:\n`),
    );
    expect(refused.stdout).toMatch(/^last known state from history /); // still an answer, from the database
    const disable = await b.vigil('disable', 'web-http');
    expect(disable.code).toBe(3);
    expect(disable.stderr).toMatch(/without answering: .* \(if it stopped, the request may have been applied: check vigil status\)\n$/);
    expect(b.daemon.output()).toMatch(/WARN\s+control socket: refused a connection: 4 are open already \(stuck or misbehaving clients\?\)/);
    expect(held.some((client) => client.closedByDaemon())).toBe(false);

    for (const client of held) client.socket.destroy();
    await waitFor(async () => (await b.vigil('status')).code === 0, 'vigil status to answer once the held connections are gone');
  });
});

describe('control limits, the parts', () => {
  it('VIGIL_CONTROL_LIMITS (for tests) overrides some limits; a bad value is an error that names it', () => {
    expect(controlLimits({})).toEqual(DEFAULT_CONTROL_LIMITS);
    expect(controlLimits({ VIGIL_CONTROL_LIMITS: '{"maxConnections": 2}' })).toEqual({ ...DEFAULT_CONTROL_LIMITS, maxConnections: 2 });
    expect(() => controlLimits({ VIGIL_CONTROL_LIMITS: '{"maxConnection": 2}' })).toThrow(/^VIGIL_CONTROL_LIMITS: .*maxConnection/);
    expect(() => controlLimits({ VIGIL_CONTROL_LIMITS: '{"headersTimeoutMs": 0}' })).toThrow(/^VIGIL_CONTROL_LIMITS: .*headersTimeoutMs/);
    expect(() => controlLimits({ VIGIL_CONTROL_LIMITS: 'max=2' })).toThrow(/^VIGIL_CONTROL_LIMITS: not JSON/);
    expect(() => controlLimits({ VIGIL_CONTROL_LIMITS: '{"headersTimeoutMs": 20000}' })).toThrow('VIGIL_CONTROL_LIMITS: headersTimeoutMs must not be longer than requestTimeoutMs');
  });

  it('a warning clients can repeat is logged at most once a minute, with how many were left out', () => {
    const lines: string[] = [];
    let now = 0;
    const log = { debug() {}, info() {}, error() {}, warn: (line: string) => void lines.push(line) };
    const warn = throttledWarning(log, 60_000, () => now);
    warn('refused');
    now = 59_999;
    warn('refused');
    warn('refused');
    now = 60_000;
    warn('refused');
    now = 200_000;
    warn('refused');
    expect(lines).toEqual(['refused', 'refused (and 2 more like it since the last such warning)', 'refused']);
  });
});
