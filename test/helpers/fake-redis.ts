// A tiny Redis on loopback for testing the plugin example: speaks RESP for AUTH, PING and
// INFO replication, with a password and a replication role the test can change.
import net from 'node:net';

export interface FakeRedis {
  port: number;
  /** Commands received, each as its arguments. */
  commands: string[][];
  state: { role: 'master' | 'slave'; password?: string };
  stop(): Promise<void>;
}

/** Parses complete RESP arrays of bulk strings off the front of `buffer`. */
function parseCommands(buffer: Buffer): { commands: string[][]; rest: Buffer } {
  const commands: string[][] = [];
  let offset = 0;
  for (;;) {
    const text = buffer.subarray(offset).toString('latin1');
    const header = /^\*(\d+)\r\n/.exec(text);
    if (!header) break;
    let at = header[0].length;
    const args: string[] = [];
    for (let i = 0; i < Number(header[1]); i++) {
      const bulk = /^\$(\d+)\r\n/.exec(text.slice(at));
      if (!bulk) break;
      const start = at + bulk[0].length;
      const length = Number(bulk[1]);
      if (text.length < start + length + 2) break;
      args.push(text.slice(start, start + length));
      at = start + length + 2;
    }
    if (args.length !== Number(header[1])) break;
    commands.push(args);
    offset += at;
  }
  return { commands, rest: buffer.subarray(offset) };
}

export async function startFakeRedis(state: FakeRedis['state']): Promise<FakeRedis> {
  const commands: string[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let authed = state.password === undefined;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const parsed = parseCommands(Buffer.concat([pending, chunk]));
      pending = parsed.rest;
      for (const [name = '', ...args] of parsed.commands) {
        commands.push([name, ...args]);
        const command = name.toUpperCase();
        if (command === 'AUTH') {
          authed = args[0] === state.password;
          socket.write(authed ? '+OK\r\n' : '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
        } else if (!authed) {
          socket.write('-NOAUTH Authentication required.\r\n');
        } else if (command === 'PING') {
          socket.write('+PONG\r\n');
        } else if (command === 'INFO') {
          const info = `# Replication\r\nrole:${state.role}\r\nconnected_slaves:0\r\n`;
          socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
        } else {
          socket.write(`-ERR unknown command '${name}'\r\n`);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    commands,
    state,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
