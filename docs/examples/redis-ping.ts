// A complete check plugin, not built in: Redis answers PING (after AUTH, when a password is set),
// and optionally reports the replication role you expect (route traffic to the master only).
//
// Drop this file into a directory listed in `plugin_dirs:` and use it like a built-in:
//
//   services:
//     cache:
//       group: redis
//       check: { type: redis-ping, role: master, password_file: /etc/vigil/redis.pass }
//
// Try it first:  vigil probe --plugin-dir /etc/vigil/plugins redis://10.0.0.21:6379?role=master
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { addressFromUrl, checkPort, defineCheck, describeError, joinHostPort, optionsFromQuery, portFromUrl, z, type CheckResult } from 'vigil/plugin';

const DEFAULT_PORT = 6379;

const options = z.strictObject({
  // No .default() here: a port set in the config wins over the host entry's, so the default is
  // applied last, by checkPort.
  port: z.int().min(1).max(65535).optional().describe(`Port to check, over the host entry's (default: the host entry's, else ${DEFAULT_PORT})`),
  // Secrets never only inline: the password comes from a file or an environment variable.
  password_file: z.string().optional().describe('File holding the AUTH password'),
  password_env: z.string().optional().describe('Environment variable holding the AUTH password'),
  role: z.enum(['master', 'slave']).optional().describe('Replication role the server must report (INFO replication)'),
});
type Options = z.output<typeof options>;

/** One RESP reply: `+OK`, `-ERR …`, `:42`, or a bulk string (`$5\r\nhello`). Arrays are not needed here. */
type Reply = { kind: 'status' | 'error' | 'integer' | 'bulk'; text: string };

/** Reads RESP replies from a socket, one at a time. */
class RespReader {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private closed: Error | undefined;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    socket.on('error', (err) => ((this.closed = err), this.waiting?.()));
    socket.on('close', () => ((this.closed ??= new Error('connection closed by the server')), this.waiting?.()));
  }

  private take(): Reply | undefined {
    const end = this.buffer.indexOf('\r\n');
    if (end < 0) return undefined;
    const line = this.buffer.subarray(1, end).toString();
    const type = this.buffer[0];
    if (type === 0x24 /* $ */) {
      const length = Number(line);
      if (length < 0) return this.consume(end + 2, { kind: 'bulk', text: '' });
      if (this.buffer.length < end + 2 + length + 2) return undefined;
      return this.consume(end + 2 + length + 2, { kind: 'bulk', text: this.buffer.subarray(end + 2, end + 2 + length).toString() });
    }
    const kinds: Record<number, Reply['kind']> = { 0x2b: 'status', 0x2d: 'error', 0x3a: 'integer' };
    return this.consume(end + 2, { kind: kinds[type!] ?? 'error', text: kinds[type!] ? line : `unexpected reply ${JSON.stringify(this.buffer.subarray(0, end).toString())}` });
  }

  private consume(bytes: number, reply: Reply): Reply {
    this.buffer = this.buffer.subarray(bytes);
    return reply;
  }

  async next(): Promise<Reply> {
    for (;;) {
      const reply = this.take();
      if (reply) return reply;
      if (this.closed) throw this.closed;
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }
}

/** A command as a RESP array of bulk strings. */
function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

async function password(opts: Options): Promise<string | undefined> {
  if (opts.password_file) return (await readFile(opts.password_file, 'utf8')).trim();
  if (opts.password_env) {
    const value = process.env[opts.password_env];
    if (value === undefined) throw new Error(`environment variable ${opts.password_env} is not set`);
    return value;
  }
  return undefined;
}

async function talk(socket: net.Socket, opts: Options, secret: string | undefined): Promise<CheckResult> {
  const replies = new RespReader(socket);
  if (secret !== undefined) {
    socket.write(command('AUTH', secret));
    const auth = await replies.next();
    if (auth.kind !== 'status') return { status: 'down', message: `AUTH refused: ${auth.text}` };
  }
  socket.write(command('PING'));
  const pong = await replies.next();
  if (pong.kind !== 'status' || pong.text !== 'PONG') return { status: 'down', message: `PING answered ${pong.kind === 'error' ? 'with an error: ' : ''}${pong.text}` };
  if (!opts.role) return { status: 'up', message: 'PONG' };
  socket.write(command('INFO', 'replication'));
  const info = await replies.next();
  const role = /^role:(\w+)/m.exec(info.text)?.[1];
  if (role !== opts.role) return { status: 'down', message: `role is ${role ?? 'not reported'}, expected ${opts.role}`, detail: info.text };
  return { status: 'up', message: `PONG, role ${role}` };
}

export default defineCheck({
  type: 'redis-ping',
  description: 'UP when Redis answers PING (after AUTH) and, optionally, reports the expected replication role',
  options,
  schemes: ['redis'],
  fromUrl(url) {
    return { address: addressFromUrl(url), port: portFromUrl(url), options: optionsFromQuery(url) };
  },
  async run(target, opts, ctx) {
    const port = checkPort(target, opts.port, DEFAULT_PORT); // its own port, the host entry's, or 6379
    let secret: string | undefined;
    try {
      secret = await password(opts);
    } catch (err) {
      return { status: 'unknown', message: `cannot read the password: ${describeError(err)}` }; // our setup, not the server
    }
    const socket = net.connect({ host: target.address, port });
    ctx.signal.addEventListener('abort', () => socket.destroy(), { once: true }); // the check's timeout
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      return await talk(socket, opts, secret);
    } catch (err) {
      const reason = describeError(err);
      return { status: 'down', message: reason.includes(`:${port}`) ? reason : `${reason} (${joinHostPort(target.address, port)})` };
    } finally {
      socket.destroy();
    }
  },
});
