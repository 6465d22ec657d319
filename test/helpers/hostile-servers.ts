// TCP servers on loopback that misbehave the way a wrong port or a wedged server does, and report
// from their side what the client did: whether it really closed its connections, how much it let
// itself be sent.
import net from 'node:net';

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}

/**
 * Accepts and never answers, and never closes its side: a client that only half-closes its socket
 * (shutdown, FIN) keeps it open for ever. Once the client has sent its FIN the server pokes it with
 * a byte now and then; a client that really closed answers with a reset, and the connection ends.
 * `openConnections` counts connections not yet ended that way.
 */
export async function startWedgedServer() {
  const open = new Set<net.Socket>();
  const pokers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    open.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => open.delete(socket));
    socket.on('end', () => {
      const poke = setInterval(() => {
        if (socket.destroyed) return clearInterval(poke);
        socket.write(Buffer.from([0xff])); // a length byte of a packet that never completes: the client waits
      }, 50);
      pokers.add(poke);
      socket.on('close', () => (clearInterval(poke), pokers.delete(poke)));
    });
    socket.resume();
  });
  const port = await listen(server);
  return {
    port,
    accepted: () => accepted,
    openConnections: () => open.size,
    async close() {
      for (const poke of pokers) clearInterval(poke);
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Sends `byte` over and over, as fast as each client reads, until it goes; counts what it sent to the connections that ended. */
export async function startStreamingServer(byte = 'x') {
  const chunk = Buffer.alloc(64 * 1024, byte);
  const sentPerConnection: number[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      open.delete(socket);
      sentPerConnection.push(socket.bytesWritten);
    });
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on('drain', pump);
    socket.resume();
    pump();
  });
  const port = await listen(server);
  return {
    port,
    /** Bytes written to each connection that has closed, in the order they closed. */
    sentPerConnection,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
