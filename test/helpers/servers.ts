// Real servers on loopback for tests: HTTP with a switchable status or a hang, plain TCP (each
// can be stopped and started again on the same port), UDP answering as the test says; and ports
// with nothing behind them.
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { afterAll } from 'vitest';

export interface TestServer {
  port: number;
  address: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface HttpBehaviour {
  status: number;
  body: string;
  /** Accept and read the request but never answer. */
  hang: boolean;
  headers: Record<string, string>;
}

function listenOn(server: net.Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

async function restartable(makeServer: () => net.Server, address: string, port = 0): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const track = (server: net.Server) =>
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined); // a checker resetting the connection is normal
      socket.on('close', () => sockets.delete(socket));
    });
  let server = track(makeServer());
  let running = true;
  const handle: TestServer = {
    address,
    port: await listenOn(server, port, address),
    async stop() {
      if (!running) return;
      running = false;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      if (running) return;
      server = track(makeServer());
      await listenOn(server, handle.port, address);
      running = true;
    },
  };
  return handle;
}

export type HttpTestServer = Awaited<ReturnType<typeof startHttpServer>>;

/** `port` 0 picks a free one; a fixed port lets servers on several loopback addresses share it (mon's monitors take one -p). */
export async function startHttpServer(initial: Partial<HttpBehaviour> = {}, address = '127.0.0.1', port = 0) {
  const behaviour: HttpBehaviour = { status: 200, body: 'ok\n', hang: false, headers: {}, ...initial };
  const requests: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders }> = [];
  const server = await restartable(
    () =>
      http.createServer((req, res) => {
        requests.push({ method: req.method, url: req.url, headers: req.headers });
        if (behaviour.hang) return; // never answer
        res.writeHead(behaviour.status, { 'content-type': 'text/plain', ...behaviour.headers });
        res.end(behaviour.body);
      }),
    address,
    port,
  );
  return Object.assign(server, { behaviour, requests });
}

export async function startTcpServer(address = '127.0.0.1', greeting = '') {
  return restartable(() => net.createServer((socket) => (greeting ? socket.end(greeting) : socket.end())), address);
}

/**
 * A TCP server that accepts connections and never says a word, and counts those still open: a
 * check that gives up waiting must close its own.
 */
export async function startSilentServer(address = '127.0.0.1') {
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.resume(); // read, so the client's close is seen
  });
  const port = await listenOn(server, 0, address);
  return {
    port,
    openConnections: () => open.size,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port on loopback with nothing listening (bound, then released). */
export async function closedPort(address = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  const port = await listenOn(server, 0, address);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A free UDP port on `address` (bound, then released): nothing answers there but the kernel's ICMP port unreachable. */
export async function freeUdpPort(address = '127.0.0.1'): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** A port free for both TCP and UDP on `address` (bound, then released), for servers that listen on both. */
export async function freeTcpAndUdpPort(address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await closedPort(address);
    const socket = dgram.createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, address, () => resolve(true));
    });
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (free) return port;
  }
  throw new Error(`no port free for both TCP and UDP on ${address}`);
}

/**
 * A UDP server on 127.0.0.1 that hands each datagram (and its sender) to `answer` and sends back
 * what it returns (undefined: silence); `received` keeps every datagram.
 */
export async function startUdpServer(answer: (request: Buffer, from: dgram.RemoteInfo) => Uint8Array | string | undefined) {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (msg, from) => {
    received.push(msg);
    const reply = answer(msg, from);
    if (reply !== undefined) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, received, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

/** startUdpServer for a test file: every server it starts is closed after the file's tests. */
export function udpServersClosedAfterAll(): typeof startUdpServer {
  const started: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const udp of started) await udp.close();
  });
  return async (answer) => {
    const udp = await startUdpServer(answer);
    started.push(udp);
    return udp;
  };
}
