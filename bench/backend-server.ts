// A benchmark backend process: serves HTTP, TCP, UDP echo or DNS on the loopback addresses it is
// given, so the backends' CPU is never counted as Vigil's. Reads commands on stdin:
//   stop <address:port>   close that listener (and its connections): a dead real server
//   start <address:port>  listen again
//   count                 how many requests/connections/datagrams it has answered
//   served <address:port> when that listener (or the one last stopped there) first and last answered: "<first ms> <last ms>" (0: never)
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import readline from 'node:readline';
import dnsPacket from 'dns-packet';

type Kind = 'http' | 'tcp' | 'udp' | 'dns';

interface Listener {
  close(): Promise<void>;
  /** Epoch ms of the first and the last request this listener answered (0 until one came). */
  firstServedAt: number;
  lastServedAt: number;
}

function markServed(listener: { firstServedAt: number; lastServedAt: number }): void {
  served++;
  listener.lastServedAt = Date.now();
  listener.firstServedAt ||= listener.lastServedAt;
}

/** Requests (HTTP), connections (TCP) or datagrams (UDP, DNS) answered: checks that reached it. */
let served = 0;

function listenTcp(kind: 'http' | 'tcp', address: string, port: number): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const times = { firstServedAt: 0, lastServedAt: 0 };
  const server =
    kind === 'http'
      ? http.createServer((_req, res) => {
          markServed(times);
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 }).end('ok\n');
        })
      : net.createServer((socket) => {
          markServed(times);
          socket.end();
        });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port, backlog: 4096 }, () =>
      resolve(
        Object.assign(times, {
          close: () =>
            new Promise<void>((done) => {
              for (const socket of sockets) socket.destroy();
              server.close(() => done());
            }),
        }),
      ),
    );
  });
}

function listenUdp(kind: 'udp' | 'dns', address: string, port: number): Promise<Listener> {
  const socket = dgram.createSocket('udp4');
  const times = { firstServedAt: 0, lastServedAt: 0 };
  socket.on('message', (message, peer) => {
    markServed(times);
    if (kind === 'udp') return socket.send(message, peer.port, peer.address);
    try {
      const query = dnsPacket.decode(message);
      const question = query.questions?.[0];
      const reply = dnsPacket.encode({
        id: query.id,
        type: 'response',
        flags: dnsPacket.AUTHORITATIVE_ANSWER,
        questions: query.questions,
        answers: question ? [{ type: 'A', name: question.name, ttl: 60, data: '192.0.2.1' }] : [],
      });
      socket.send(reply, peer.port, peer.address);
    } catch {
      // not DNS: ignore, as a server would
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve(Object.assign(times, { close: () => new Promise<void>((done) => socket.close(() => done())) })));
  });
}

async function main() {
  const kind = process.argv[2] as Kind;
  const endpoints = process.argv.slice(3);
  const listeners = new Map<string, Listener>();
  const stopped = new Map<string, Listener>(); // kept so `served` still answers for a dead listener
  const open = (endpoint: string) => {
    const [address, port] = [endpoint.slice(0, endpoint.lastIndexOf(':')), Number(endpoint.slice(endpoint.lastIndexOf(':') + 1))];
    return kind === 'http' || kind === 'tcp' ? listenTcp(kind, address, port) : listenUdp(kind, address, port);
  };
  for (const endpoint of endpoints) listeners.set(endpoint, await open(endpoint));
  process.stdout.write('ready\n');
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [command, endpoint] = line.trim().split(/\s+/);
    if (command === 'count') {
      process.stdout.write(`count ${served}\n`);
      continue;
    }
    if (!endpoint) continue;
    if (command === 'served') {
      const listener = listeners.get(endpoint) ?? stopped.get(endpoint);
      process.stdout.write(`served ${endpoint} ${listener?.firstServedAt ?? 0} ${listener?.lastServedAt ?? 0}\n`);
      continue;
    }
    if (command === 'stop') {
      const listener = listeners.get(endpoint);
      await listener?.close();
      listeners.delete(endpoint);
      if (listener) stopped.set(endpoint, listener);
    } else if (command === 'start' && !listeners.has(endpoint)) {
      listeners.set(endpoint, await open(endpoint));
      stopped.delete(endpoint);
    }
    process.stdout.write(`${command} ${endpoint} done\n`);
  }
}

void main();
