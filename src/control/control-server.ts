// The control API's server: node:http on a unix socket, mode 0660 (never world-accessible). A
// socket file left by a daemon that died is removed at start; a live one means another daemon is
// running, and this one refuses to start rather than share its history database. A client gets
// bounded time, bytes and connections (control-limits.ts), and every refusal is a JSON answer.
import http, { STATUS_CODES } from 'node:http';
import net from 'node:net';
import { chmodSync, lstatSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from '../plugin.js';
import { ControlError, type ControlRequest, type ControlResponse } from './control-handlers.js';
import { controlLimits, type ControlLimits } from './control-limits.js';
import { throttledWarning } from './throttled-warning.js';

export const SOCKET_MODE = 0o660;
/** Linux's sun_path holds 108 bytes, the terminating NUL included. */
const MAX_SOCKET_PATH_BYTES = 107;

/** Connects to find out whether a daemon answers on the socket. */
function probe(socketPath: string): Promise<'live' | 'stale' | 'no access'> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EACCES' ? 'no access' : 'stale'));
  });
}

/**
 * Makes sure the socket path can be ours: its directory exists, no daemon answers on it, and a
 * stale socket file is removed. Throws with the reason otherwise. Call before opening history.
 */
export async function claimSocket(socketPath: string, log: Logger): Promise<void> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`control socket path is too long for a unix socket (${Buffer.byteLength(socketPath)} bytes, at most ${MAX_SOCKET_PATH_BYTES}): ${socketPath}; set control.socket to a shorter path`);
  }
  try {
    mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o750 });
  } catch (err) {
    throw new Error(`cannot create the control socket's directory ${path.dirname(socketPath)}: ${(err as Error).message} (set control.socket, or control.enabled: false)`);
  }
  let stat;
  try {
    stat = lstatSync(socketPath);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) throw new Error(`control socket path ${socketPath} exists and is not a socket; refusing to replace it`);
  const found = await probe(socketPath);
  if (found === 'live') throw new Error(`another vigil daemon is running: it answers on ${socketPath}`);
  if (found === 'no access') throw new Error(`control socket ${socketPath} exists and is not accessible to this user (permission denied)`);
  rmSync(socketPath, { force: true });
  log.info(`removed stale control socket ${socketPath} (left by a daemon that did not stop cleanly)`);
}

export class ControlServer {
  private constructor(
    private readonly server: http.Server,
    readonly socketPath: string,
  ) {}

  static async listen(
    socketPath: string,
    handle: (request: ControlRequest) => Promise<ControlResponse>,
    log: Logger,
    limits: ControlLimits = controlLimits(),
  ): Promise<ControlServer> {
    const server = http.createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: limits.checkIntervalMs,
        maxHeaderSize: limits.maxHeaderBytes,
      },
      (req, res) => void serve(req, res, handle, log, limits),
    );
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    // Past the limit Node closes the new connection at once, before reading it; the CLI says why.
    server.maxConnections = limits.maxConnections;
    const refused = throttledWarning(log);
    server.on('drop', () => refused(`control socket: refused a connection: ${limits.maxConnections} are open already (stuck or misbehaving clients?)`));
    server.on('clientError', answerClientError(limits, log));
    // The umask makes the socket 0660 from the moment it exists (bind happens inside listen()).
    const previousUmask = process.umask(0o117);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(previousUmask);
    }
    chmodSync(socketPath, SOCKET_MODE);
    if (statSync(socketPath).mode & 0o007) {
      server.close();
      throw new Error(`control socket ${socketPath} would be accessible to every user; not serving it`);
    }
    return new ControlServer(server, socketPath);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    rmSync(this.socketPath, { force: true });
  }
}

const seconds = (ms: number) => `${+(ms / 1000).toFixed(3)}s`;

/**
 * Connections whose request was answered before it was all read (413): Node goes on reading and
 * dropping the body, and if it never ends, the request's time limit only closes the connection.
 * A second answer (408) would reach a client reading the first as the end of its body.
 */
const answeredBeforeTheEnd = new WeakSet<Duplex>();

/**
 * What Node's parser refused (headers too large, no complete request in time, not HTTP) is
 * answered as JSON too, since every answer of the API is; then the connection is closed.
 */
function answerClientError(limits: ControlLimits, log: Logger): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  const timedOut = throttledWarning(log);
  const malformed = throttledWarning(log);
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy(); // the client is gone
    if (answeredBeforeTheEnd.has(socket)) return void socket.destroy(); // it has its answer (413)
    let status = 400;
    let reason = `not a valid HTTP request (${err.code ?? err.message})`;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      reason = `no complete request: headers are due within ${seconds(limits.headersTimeoutMs)} of connecting, the body within ${seconds(limits.requestTimeoutMs)}`;
      timedOut(`control socket: closed a connection that sent no complete request in time (a stuck or misbehaving client)`);
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      reason = `request headers larger than ${limits.maxHeaderBytes} bytes`;
      malformed(`control socket: refused a request: ${reason}`);
    } else {
      malformed(`control socket: refused a request: ${reason}`);
    }
    const text = JSON.stringify({ error: reason });
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n`;
    socket.end(head + text, () => socket.destroy());
  };
}

/** The request body, at most `maxBytes` (413 beyond: at once for a declared length, before any is read). */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = (bytes: string) => new ControlError(413, `request body of ${bytes} bytes is larger than the control API takes (${maxBytes} bytes)`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.reject(tooLarge(String(declared)));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Node reads the rest and drops it (the parser knows where the body ends), within the
      // request's time limit: closing at once would lose the 413 for a client still writing.
      req.off('data', onData);
      reject(tooLarge(`more than ${maxBytes}`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    // Without 'end' first: the client went away half-way (nobody is left to answer).
    req.once('close', () => reject(new ControlError(400, 'the client closed the connection before its request was complete')));
  });
}

async function serve(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  handle: (request: ControlRequest) => Promise<ControlResponse>,
  log: Logger,
  limits: ControlLimits,
): Promise<void> {
  const reply = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  try {
    const received = await readBody(req, limits.maxBodyBytes);
    let body: unknown;
    if (received.length) {
      try {
        body = JSON.parse(received.toString('utf8'));
      } catch {
        throw new ControlError(400, 'request body is not valid JSON');
      }
    }
    const url = new URL(req.url ?? '/', 'http://vigil');
    const response = await handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
    reply(response.status, response.body);
  } catch (err) {
    if (err instanceof ControlError) {
      if (err.status === 413) answeredBeforeTheEnd.add(req.socket);
      return reply(err.status, { error: err.message });
    }
    log.error(`control API: ${req.method} ${req.url} failed: ${(err as Error).message}`);
    reply(500, { error: `internal error: ${(err as Error).message}` });
  }
}
