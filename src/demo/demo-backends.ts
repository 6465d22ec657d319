// Real local servers for `vigil demo`: HTTP servers with a /health page and plain TCP servers,
// on loopback, that can be stopped and started again on the same port.
import http from 'node:http';
import net from 'node:net';

export interface Backend {
  name: string;
  kind: 'http' | 'tcp';
  port: number;
  running: boolean;
  /** An HTTP backend that is "sick" answers 503 instead of 200. */
  sick: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export async function startBackend(name: string, kind: 'http' | 'tcp'): Promise<Backend> {
  const sockets = new Set<net.Socket>();
  const makeServer = (): net.Server => {
    const server =
      kind === 'http'
        ? http.createServer((req, res) => {
            if (req.url !== '/health') return void res.writeHead(404).end('not found\n');
            res.writeHead(backend.sick ? 503 : 200, { 'content-type': 'text/plain' });
            res.end(backend.sick ? `${name} overloaded\n` : `${name} ok\n`);
          })
        : net.createServer((socket) => socket.end(`${name} ready\r\n`));
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined); // a checker resetting the connection is normal
      socket.on('close', () => sockets.delete(socket));
    });
    return server;
  };
  let server = makeServer();
  const backend: Backend = {
    name,
    kind,
    port: 0,
    running: true,
    sick: false,
    async stop() {
      if (!backend.running) return;
      backend.running = false;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      if (backend.running) return;
      server = makeServer();
      await listen(server, backend.port);
      backend.running = true;
    },
  };
  backend.port = await listen(server, 0);
  return backend;
}
