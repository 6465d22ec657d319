// TCP check: UP when the port accepts a connection (keepalived TCP_CHECK, ldirectord
// `checktype = connect`). Optionally a TLS handshake, a banner to wait for (SMTP 220, SSH-2.0),
// and send/expect steps like HAProxy's tcp-check and blackbox's query_response.
import net from 'node:net';
import tls from 'node:tls';
import {
  addressFromUrl,
  answerBudgetMs,
  answerTimeLeftMs,
  type CheckContext,
  checkPort,
  type CheckResult,
  defineCheck,
  describeError,
  excerpt,
  findHexPattern,
  formatDuration,
  hexOption,
  type HexPatternByte,
  hexPatternOption,
  ipAddressOption,
  joinHostPort,
  optionsFromQuery,
  parseHex,
  parseHexPattern,
  portFromUrl,
  portOption,
  regexOption,
  setDeadline,
  tlsConnectOptions,
  tlsOptionsShape,
  z,
} from 'vigil/plugin';

/** Banners of well-known protocols, usable by name: `banner: smtp`. */
const BANNERS: Record<string, string> = {
  smtp: '^220[ -]',
  ssh: '^SSH-2\\.0-',
  ftp: '^220[ -]',
  pop3: '^\\+OK',
  imap: '^\\* (OK|PREAUTH)',
};

const step = z
  .strictObject({
    send: z.string().optional().describe('Text to send (YAML escapes: "PING\\r\\n")'),
    send_hex: hexOption().optional().describe('Bytes to send, as hex'),
    expect: regexOption().optional().describe('Wait until what was received matches this regular expression'),
    expect_hex: hexPatternOption().optional().describe('Wait until these bytes (hex, X = any nibble) were received'),
  })
  .superRefine((value, ctx) => {
    const keys = Object.keys(value).filter((key) => value[key as keyof typeof value] !== undefined);
    if (keys.length !== 1) ctx.addIssue({ code: 'custom', message: `a step has exactly one of send, send_hex, expect, expect_hex (got ${keys.join(', ') || 'none'})` });
  });

const options = z.strictObject({
  port: portOption().optional().describe("Port to check, over the host entry's (default: the host entry's)"),
  banner: z
    .string()
    .optional()
    .describe(`The server speaks first and its greeting must match: a regular expression, or one of ${Object.keys(BANNERS).join(', ')}`)
    .superRefine((value, ctx) => {
      if (value === undefined || value in BANNERS) return;
      try {
        new RegExp(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` });
      }
    }),
  steps: z.array(step).default([]).describe('Send/expect steps, in order, after the banner'),
  tls: z.boolean().default(false).describe('Do a TLS handshake after connecting (steps then run inside TLS)'),
  max_read_bytes: z.int().min(1).default(65_536).describe('Bytes an expect may read before it gives up'),
  source_address: ipAddressOption().optional().describe('Local address to connect from (keepalived bindto)'),
  ...tlsOptionsShape,
});
type TcpOptions = z.output<typeof options>;

/** Where an expectation matched in the data received: `end` is where the next expect starts looking. */
type Found = { start: number; end: number };
type Expectation = { describe: string; find(received: Buffer): Found | undefined };

// Text is matched line-aware, like blackbox's query_response: `^` and `$` match at line starts
// and ends, and a match uses up the data through the end of its line (so `^250 ` finds the last
// line of a multi-line SMTP reply, and the next expect starts on the line after).
function regexExpectation(source: string): Expectation {
  const regex = new RegExp(source, 'm');
  return {
    describe: `/${source}/`,
    find(received) {
      const text = received.toString('latin1');
      const match = regex.exec(text);
      if (!match) return undefined;
      const matchEnd = match.index + match[0].length;
      const newline = text.indexOf('\n', matchEnd > match.index && text[matchEnd - 1] === '\n' ? matchEnd - 1 : matchEnd);
      return { start: text.lastIndexOf('\n', match.index - 1) + 1, end: newline >= 0 ? newline + 1 : matchEnd };
    },
  };
}

function hexExpectation(text: string): Expectation {
  const pattern = parseHexPattern(text) as HexPatternByte[];
  return {
    describe: `hex ${text}`,
    find(received) {
      const at = findHexPattern(pattern, received);
      return at < 0 ? undefined : { start: at, end: at + pattern.length };
    },
  };
}

/** The data a socket has sent, and waiting until it matches what is expected. */
class Conversation {
  private received = Buffer.alloc(0);
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly socket: net.Socket, private readonly maxBytes: number) {
    socket.on('data', (chunk: Buffer) => {
      if (this.received.length < this.maxBytes) this.received = Buffer.concat([this.received, chunk]);
      this.wake?.();
    });
    socket.on('end', () => ((this.ended = true), this.wake?.()));
    socket.on('close', () => ((this.ended = true), this.wake?.()));
    socket.on('error', (err) => ((this.failure = err), this.wake?.()));
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves to what matched, or rejects with why nothing did (closed, too much data, deadline). */
  async expect(expectation: Expectation, deadline: AbortSignal): Promise<Buffer> {
    for (;;) {
      const found = expectation.find(this.received.subarray(0, this.maxBytes));
      if (found) {
        const matched = this.received.subarray(found.start, found.end);
        this.received = this.received.subarray(found.end);
        return matched;
      }
      const got = this.received.length ? `got "${excerpt(this.received)}"` : 'received nothing';
      if (this.failure) throw new Error(`${describeError(this.failure)} while waiting for ${expectation.describe}; ${got}`);
      if (this.received.length >= this.maxBytes) throw new Error(`no match for ${expectation.describe} in the first ${this.maxBytes} bytes; ${got}`);
      if (this.ended) throw new Error(`connection closed before ${expectation.describe} matched; ${got}`);
      if (deadline.aborted) throw new Error(`no match for ${expectation.describe} within ${formatDuration(Number(deadline.reason))}; ${got}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          deadline.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        this.wake = done;
        deadline.addEventListener('abort', done, { once: true });
      });
    }
  }
}

/** Connects (and does the TLS handshake); resolves once the connection is ready to talk. */
function connect(address: string, port: number, opts: TcpOptions, tlsOptions: tls.ConnectionOptions | undefined, ctx: CheckContext): Promise<net.Socket> {
  const base = { host: address, port, localAddress: opts.source_address };
  const socket = tlsOptions ? tls.connect({ ...base, ...tlsOptions }) : net.connect(base);
  return new Promise((resolve, reject) => {
    // ctx.onAbort rather than a listener on ctx.signal: this runs thousands of times a second.
    const removeOnAbort = ctx.onAbort(() => fail(new Error(`connect to ${joinHostPort(address, port)} aborted`)));
    const fail = (err: Error) => {
      removeOnAbort();
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      removeOnAbort();
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

async function converse(socket: net.Socket, opts: TcpOptions, deadline: AbortSignal): Promise<string[]> {
  const conversation = new Conversation(socket, opts.max_read_bytes);
  const seen: string[] = [];
  if (opts.banner !== undefined) {
    const banner = await conversation.expect(regexExpectation(BANNERS[opts.banner] ?? opts.banner), deadline);
    seen.push(`banner "${excerpt(banner.toString('latin1').trim())}"`);
  }
  for (const step of opts.steps) {
    if (step.send !== undefined) conversation.send(step.send);
    else if (step.send_hex !== undefined) conversation.send(parseHex(step.send_hex) as Buffer);
    else {
      const expectation = step.expect !== undefined ? regexExpectation(step.expect) : hexExpectation(step.expect_hex!);
      const matched = await conversation.expect(expectation, deadline);
      const shown = step.expect !== undefined ? matched.toString('latin1').trim() : matched;
      seen.push(`${expectation.describe} matched "${excerpt(shown, 60)}"`);
    }
  }
  return seen;
}

export default defineCheck({
  type: 'tcp',
  description: 'UP when a TCP connection is accepted (and the banner, TLS handshake and send/expect steps pass)',
  options,
  schemes: ['tcp', 'tls'],
  fromUrl(url) {
    const options = optionsFromQuery(url);
    if (url.protocol === 'tls:') options.tls = true;
    return { address: addressFromUrl(url), port: portFromUrl(url), options };
  },
  async run(target, opts, ctx): Promise<CheckResult> {
    const port = checkPort(target, opts.port);
    if (!port) return { status: 'unknown', message: 'no port: write the host as address:port or set the check option port' };
    const where = joinHostPort(target.address, port);
    let tlsOptions: tls.ConnectionOptions | undefined;
    try {
      if (opts.tls) tlsOptions = await tlsConnectOptions(opts, target.address);
    } catch (err) {
      return { status: 'unknown', message: describeError(err) }; // our configuration, not the server
    }
    let socket: net.Socket | undefined;
    try {
      socket = await connect(target.address, port, opts, tlsOptions, ctx);
      const seen = opts.banner === undefined && !opts.steps.length ? [] : await converseInTime(socket, opts, ctx);
      const how = opts.tls ? `TLS to ${where}` : `connected to ${where}`;
      return { status: 'up', message: seen.length ? `${how}: ${seen.join(', ')}` : how };
    } catch (err) {
      return { status: 'down', message: describeError(err) };
    } finally {
      socket?.destroy();
    }
  },
});

/**
 * Runs the conversation under a deadline a little before the runner's timeout, so the message can
 * say what was awaited (the deadline's abort reason is the wait in milliseconds).
 */
async function converseInTime(socket: net.Socket, opts: TcpOptions, ctx: CheckContext): Promise<string[]> {
  const waitMs = answerBudgetMs(ctx);
  const deadline = new AbortController();
  const stop = () => deadline.abort(waitMs);
  const cancelDeadline = setDeadline(stop, answerTimeLeftMs(ctx, waitMs));
  const removeOnAbort = ctx.onAbort(stop);
  try {
    return await converse(socket, opts, deadline.signal);
  } finally {
    cancelDeadline();
    removeOnAbort();
  }
}
