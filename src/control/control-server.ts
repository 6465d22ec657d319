// The control API's server: node:http on a unix socket, mode 0660 (never world-accessible). A
// socket file left by a daemon that died is removed at start; a live one means another daemon is
// running, and this one refuses to start rather than share its history database.
import http from 'node:http';
import net from 'node:net';
import { chmodSync, lstatSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../plugin.js';
import { ControlError, type ControlRequest, type ControlResponse } from './control-handlers.js';

export const SOCKET_MODE = 0o660;
/** Linux's sun_path holds 108 bytes, the terminating NUL included. */
const MAX_SOCKET_PATH_BYTES = 107;
const MAX_BODY_BYTES = 64 * 1024;

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

  static async listen(socketPath: string, handle: (request: ControlRequest) => Promise<ControlResponse>, log: Logger): Promise<ControlServer> {
    const server = http.createServer((req, res) => void serve(req, res, handle, log));
    server.keepAliveTimeout = 1_000;
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

async function serve(req: http.IncomingMessage, res: http.ServerResponse, handle: (request: ControlRequest) => Promise<ControlResponse>, log: Logger): Promise<void> {
  const reply = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new ControlError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
      chunks.push(chunk);
    }
    let body: unknown;
    if (size) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        throw new ControlError(400, 'request body is not valid JSON');
      }
    }
    const url = new URL(req.url ?? '/', 'http://vigil');
    const response = await handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
    reply(response.status, response.body);
  } catch (err) {
    if (err instanceof ControlError) return reply(err.status, { error: err.message });
    log.error(`control API: ${req.method} ${req.url} failed: ${(err as Error).message}`);
    reply(500, { error: `internal error: ${(err as Error).message}` });
  }
}
