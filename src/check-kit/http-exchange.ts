// One HTTP/1.1 request and its response on a connection of its own (TCP or TLS), closed after.
// This is a health check's path: a new connection each time, so a server whose accept queue is
// dead is seen as down. The response is parsed by http-parser-js (the same parser interface as
// Node's own); nothing here parses HTTP by hand. It costs about as much as a raw socket, where
// undici's new-connection path costs two to three times more (measured: see bench/README.md).
import net from 'node:net';
import tls from 'node:tls';
import { HTTPParser } from 'http-parser-js';
import type { CheckContext } from '../plugin.js';

export interface HttpExchangeRequest {
  address: string;
  port: number;
  method: string;
  /** Path and query, starting with `/`. */
  path: string;
  /** Request headers (`host` included); `connection` and `content-length` are set here. */
  headers: Record<string, string>;
  body?: string | Buffer;
  /** TLS connect options for HTTPS; absent for plain HTTP. */
  tls?: tls.ConnectionOptions;
  localAddress?: string;
  /** Body bytes to keep; 0 keeps none (the status and headers are enough). */
  maxBodyBytes: number;
}

export interface HttpExchangeResponse {
  status: number;
  /** Lower-case names; a header sent more than once is an array. */
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** The body went past maxBodyBytes; `body` holds its first part. */
  truncated: boolean;
}

/** A body nobody reads is still drained up to this, so the server can finish politely. */
const DRAIN_LIMIT = 64 * 1024;

function requestBytes(request: HttpExchangeRequest): Buffer {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'connection' || lower === 'content-length') continue;
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${JSON.stringify(name)} contains a line break`);
    head += `${name}: ${value}\r\n`;
  }
  if (body) head += `content-length: ${body.length}\r\n`;
  head += 'connection: close\r\n\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

function headerMap(flat: string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    const value = flat[i + 1]!;
    const previous = headers[name];
    headers[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return headers;
}

/**
 * Sends one request on a new connection and reads its response. Rejects with the socket's or
 * TLS's own error (for describeError), an invalid-response error, or the check's abort reason.
 */
export function exchangeHttp(request: HttpExchangeRequest, ctx: Pick<CheckContext, 'onAbort'>): Promise<HttpExchangeResponse> {
  let payload: Buffer;
  try {
    payload = requestBytes(request);
  } catch (err) {
    return Promise.reject(err);
  }
  const options = { host: request.address, port: request.port, localAddress: request.localAddress };
  const socket = request.tls ? tls.connect({ ...options, ...request.tls }) : net.connect(options);
  const parser = new HTTPParser(HTTPParser.RESPONSE);
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  let truncated = false;
  let status = 0;
  let headers: Record<string, string | string[]> = {};

  return new Promise<HttpExchangeResponse>((resolve, reject) => {
    let done = false;
    const settle = (error?: Error) => {
      if (done) return;
      done = true;
      removeOnAbort();
      socket.destroy();
      if (error) reject(error);
      else resolve({ status, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), truncated });
    };
    const removeOnAbort = ctx.onAbort((reason) => settle(reason));

    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      // 1xx (but 101) are interim: the real response follows on the same connection.
      if (info.statusCode >= 100 && info.statusCode < 200 && info.statusCode !== 101) return 1;
      status = info.statusCode;
      headers = headerMap(info.headers);
      return request.method === 'HEAD' ? 1 : 0;
    };
    parser[HTTPParser.kOnBody] = (chunk: Buffer, offset: number, length: number) => {
      seen += length;
      const room = request.maxBodyBytes - kept;
      if (room > 0) {
        const take = Math.min(room, length);
        chunks.push(chunk.subarray(offset, offset + take));
        kept += take;
      }
      if (seen > request.maxBodyBytes) truncated = request.maxBodyBytes > 0;
      if (seen > Math.max(request.maxBodyBytes, DRAIN_LIMIT)) settle(); // enough: stop reading
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      if (status) settle(); // after an interim 1xx, wait for the real response
    };

    socket.once(request.tls ? 'secureConnect' : 'connect', () => socket.write(payload));
    socket.on('data', (data: Buffer) => {
      const outcome = parser.execute(data);
      if (outcome instanceof Error) settle(new Error(`invalid HTTP response: ${outcome.message}`));
    });
    // An Error is built only when it is needed: 'close' follows every exchange, and capturing a
    // stack trace per check would cost more than parsing the response.
    const closedEarly = () => {
      if (!done) settle(new Error('connection closed before a complete HTTP response'));
    };
    socket.once('end', () => {
      if (done) return;
      parser.finish(); // a body that runs to the close completes here; anything else is cut short
      closedEarly();
    });
    socket.once('error', (err) => settle(err));
    socket.once('close', closedEarly);
  });
}
