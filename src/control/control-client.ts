// The CLI's side of the control API: one HTTP request over the daemon's unix socket (node:http,
// which loads fast for a short-lived command). Connection failures become errors that say what
// is wrong: no daemon, a stale socket, or a socket this user may not use.
import { statSync } from 'node:fs';
import http from 'node:http';

/** The daemon cannot be reached: `reason` tells the operator why. */
export class DaemonUnreachable extends Error {
  constructor(
    readonly reason: 'not-running' | 'stale' | 'no-access' | 'no-answer' | 'closed',
    message: string,
  ) {
    super(message);
  }
}

export interface ControlReply<T> {
  status: number;
  body: T;
}

export function controlRequest<T>(
  socketPath: string,
  method: 'GET' | 'POST',
  requestPath: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<ControlReply<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath,
        method,
        path: requestPath,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
          } catch {
            reject(new Error(`the daemon answered ${res.statusCode} with something that is not JSON: ${text.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      },
    );
    // The request has been sent: a daemon that is stopped (SIGSTOP) or busy may still act on it.
    const sent = method === 'POST' ? ': the request was sent and may still be applied; check vigil status' : ' (stopped or overloaded?)';
    req.on('timeout', () => req.destroy(new DaemonUnreachable('no-answer', `the daemon did not answer within ${formatSeconds(timeoutMs)} on ${socketPath}${sent}`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof DaemonUnreachable ? err : describeConnectError(err, socketPath, method)));
    req.end(payload);
  });
}

function notASocket(socketPath: string): boolean {
  try {
    return !statSync(socketPath).isSocket();
  } catch {
    return false;
  }
}

function formatSeconds(ms: number): string {
  return `${+(ms / 1000).toFixed(3)}s`;
}

function describeConnectError(err: NodeJS.ErrnoException, socketPath: string, method: string): Error {
  switch (err.code) {
    // Closed before any answer: what the daemon does past its limit of open connections.
    case 'ECONNRESET':
    case 'EPIPE':
      return new DaemonUnreachable(
        'closed',
        `the daemon closed the connection on ${socketPath} without answering: it refuses connections past its limit (too many clients connected at once; its log says so), or it stopped; try again` +
          (method === 'POST' ? ' (if it stopped, the request may have been applied: check vigil status)' : ''),
      );
    case 'ENOENT':
      return new DaemonUnreachable('not-running', `the vigil daemon is not running (no control socket at ${socketPath})`);
    case 'ECONNREFUSED':
      // Connecting to a regular file is refused too: that is a wrong path, not a daemon gone.
      if (notASocket(socketPath)) return new DaemonUnreachable('not-running', `${socketPath} is not a socket: is control.socket (or --socket) right?`);
      return new DaemonUnreachable('stale', `the vigil daemon is not running (nothing listens on ${socketPath}; the socket file is left from an earlier run)`);
    case 'EACCES':
    case 'EPERM':
      return new DaemonUnreachable(
        'no-access',
        `permission denied on the control socket ${socketPath}: it is mode 0660, so run this as the daemon's user or a member of its group (or with sudo)`,
      );
    case 'ENOTSOCK':
      return new DaemonUnreachable('not-running', `${socketPath} is not a socket: is control.socket (or --socket) right?`);
    default:
      return new Error(`cannot reach the daemon on ${socketPath}: ${err.message}`);
  }
}
