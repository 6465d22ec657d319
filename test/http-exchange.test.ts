// exchangeHttp, the http check's new-connection path: one request per connection, parsed by
// http-parser-js, against raw servers that send exactly the bytes each case needs.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { exchangeHttp, type HttpExchangeRequest } from '../src/check-kit/http-exchange.js';

const servers: net.Server[] = [];
afterAll(() => servers.forEach((server) => server.close()));

/** A server that answers every connection with `reply` (after reading the request head). */
async function rawServer(reply: (request: string, socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    let request = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      request += chunk;
      if (request.includes('\r\n\r\n')) reply(request, socket);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const never = { onAbort: () => () => undefined };
const request = (port: number, extra: Partial<HttpExchangeRequest> = {}): HttpExchangeRequest => ({
  address: '127.0.0.1', port, method: 'GET', path: '/health', headers: { host: 'example.test' }, maxBodyBytes: 1024, ...extra,
});

describe('exchangeHttp', () => {
  it('sends one HTTP/1.1 request with connection: close and reads status, headers and body', async () => {
    let seen = '';
    const port = await rawServer((text, socket) => {
      seen = text;
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello');
    });
    const response = await exchangeHttp(request(port, { headers: { host: 'example.test', 'x-probe': 'vigil' } }), never);
    expect(seen).toBe('GET /health HTTP/1.1\r\nhost: example.test\r\nx-probe: vigil\r\nconnection: close\r\n\r\n');
    expect(response).toMatchObject({ status: 200, truncated: false, headers: { 'content-length': '5', 'set-cookie': ['a=1', 'b=2'] } });
    expect(response.body.toString()).toBe('hello');
  });

  it('decodes a chunked body, skips an interim 100 Continue, and reads no body for HEAD', async () => {
    const chunked = await rawServer((_text, socket) =>
      socket.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'),
    );
    const response = await exchangeHttp(request(chunked), never);
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('abcde');
    const head = await rawServer((_text, socket) => socket.end('HTTP/1.1 204 No Content\r\nContent-Length: 999\r\n\r\n'));
    expect(await exchangeHttp(request(head, { method: 'HEAD' }), never)).toMatchObject({ status: 204, body: Buffer.alloc(0) });
  });

  it('keeps at most maxBodyBytes and says the body was longer', async () => {
    const port = await rawServer((_text, socket) => socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n${'x'.repeat(10_000)}`));
    const response = await exchangeHttp(request(port, { maxBodyBytes: 100 }), never);
    expect(response).toMatchObject({ status: 200, truncated: true });
    expect(response.body.length).toBe(100);
  });

  it('a body nobody reads is drained only so far, not forever', async () => {
    const port = await rawServer((_text, socket) => {
      socket.write('HTTP/1.1 200 OK\r\n\r\n'); // no length: body until close, and it never closes
      const flood = setInterval(() => socket.write('y'.repeat(16_384)), 1);
      socket.on('close', () => clearInterval(flood));
    });
    expect(await exchangeHttp(request(port, { maxBodyBytes: 0 }), never)).toMatchObject({ status: 200, truncated: false });
  });

  it('a connection closed mid-response and a response that is not HTTP are errors that say so', async () => {
    const cut = await rawServer((_text, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort'));
    await expect(exchangeHttp(request(cut), never)).rejects.toThrow('connection closed before a complete HTTP response');
    const garbage = await rawServer((_text, socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
    await expect(exchangeHttp(request(garbage), never)).rejects.toThrow(/^invalid HTTP response/);
  });

  it('a refused connection rejects with the socket error, and an abort cuts a server that never answers', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(exchangeHttp(request(port), never)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const silent = await rawServer(() => undefined);
    let abort: ((reason: Error) => void) | undefined;
    const pending = exchangeHttp(request(silent), { onAbort: (listener) => ((abort = listener), () => undefined) });
    setTimeout(() => abort!(new Error('timed out after 100ms')), 100);
    await expect(pending).rejects.toThrow('timed out after 100ms');
  });

  it('refuses a header value with a line break (no header injection from a config)', async () => {
    await expect(exchangeHttp(request(1, { headers: { host: 'x', 'x-evil': 'a\r\nInjected: 1' } }), never)).rejects.toThrow(/contains a line break/);
  });
});
