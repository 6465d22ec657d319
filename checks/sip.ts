// SIP check (ldirectord `service = sip`): send an OPTIONS request (RFC 3261 11) and judge the
// status line of the reply — up on 200, as ldirectord's check_sip (`m/^SIP\/2.0 200 OK/`), or on
// whatever codes `expect_status` lists. As ldirectord, `user` is both the To and the From address
// and the Request-URI (default ldirectord@<hostname>). Each check has its own random Call-ID,
// branch and From tag, and a reply must carry our Call-ID. Over UDP with exchangeDatagram (a
// closed port is seen from the ICMP error; the Via names our socket's address and port, with
// rport, RFC 3581, so the reply comes back to it) or over TCP (provisional 1xx replies are
// skipped unless expected). The message is small enough to build here; no SIP library.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
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
  exchangeDatagram,
  formatDuration,
  ipAddressOption,
  joinHostPort,
  oneOrMore,
  optionsFromQuery,
  portFromUrl,
  portOption,
  setDeadline,
  z,
} from 'vigil/plugin';

/** The biggest reply read over TCP before giving up on finding its end. */
const MAX_REPLY_BYTES = 65_536;
/** SIP's port over UDP and TCP (RFC 3261). */
const DEFAULT_PORT = 5060;

const options = z.strictObject({
  port: portOption().optional().describe(`Port to check, over the host entry's (default: the host entry's, else ${DEFAULT_PORT})`),
  transport: z.enum(['udp', 'tcp']).default('udp').describe("udp or tcp (ldirectord: the virtual service's protocol)"),
  user: z
    .string()
    .min(1)
    .regex(/^[^\s<>"]+$/, 'a SIP address without spaces, <, > or "')
    .optional()
    .describe('The address in the Request-URI, To and From (ldirectord login), as user@domain. Default ldirectord@<this host\'s name>, as ldirectord'),
  expect_status: oneOrMore(z.int().min(100).max(699))
    .default([200])
    .describe('Status codes that are up (default 200, as ldirectord; a server that does not know the user may answer 404, one that wants authentication 401 or 407)'),
  source_address: ipAddressOption().optional().describe('Local address to send from'),
});
type SipOptions = z.output<typeof options>;

const token = (bytes: number) => randomBytes(bytes).toString('hex');

interface Request {
  callId: string;
  build(local: { address: string; port: number }): Buffer;
}

/** An OPTIONS request as ldirectord sends it, with random Call-ID, branch and tag. */
function optionsRequest(user: string, transport: 'udp' | 'tcp'): Request {
  const callId = `${token(12)}@vigil`;
  const branch = `z9hG4bK${token(8)}`; // the RFC 3261 magic cookie first
  const tag = token(6);
  return {
    callId,
    build(local) {
      const lines = [
        `OPTIONS sip:${user} SIP/2.0`,
        `Via: SIP/2.0/${transport.toUpperCase()} ${joinHostPort(local.address, local.port)};branch=${branch};rport`,
        'Max-Forwards: 70',
        `To: <sip:${user}>`,
        `From: <sip:${user}>;tag=${tag}`,
        `Call-ID: ${callId}`,
        'CSeq: 1 OPTIONS',
        `Contact: <sip:${user}>`,
        'Accept: application/sdp',
        'User-Agent: Vigil',
        'Content-Length: 0',
      ];
      return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
    },
  };
}

interface Reply {
  code: number;
  statusLine: string;
  callId: string | undefined;
}

/** The status line and Call-ID of a reply's head (the text before the blank line). */
function parseReply(head: string): Reply | string {
  const lines = head.split(/\r?\n/);
  const statusLine = lines[0]!.trim();
  const status = /^SIP\/2\.0 ([1-6]\d\d)(?: |$)/.exec(statusLine);
  if (!status) return `not a SIP reply: "${excerpt(statusLine, 120)}"`;
  // Call-ID, or its compact form i (RFC 3261 7.3.3); header names are case-insensitive.
  const callIdLine = lines.slice(1).find((line) => /^(call-id|i)\s*:/i.test(line));
  return { code: Number(status[1]), statusLine, callId: callIdLine?.replace(/^[^:]*:/, '').trim() };
}

function judge(reply: Reply, request: Request, opts: SipOptions, where: string): CheckResult {
  if (reply.callId !== request.callId) {
    return { status: 'down', message: `${where}: ${reply.statusLine} is for another request (Call-ID ${reply.callId ?? 'missing'}, ours ${request.callId})` };
  }
  if (opts.expect_status.includes(reply.code)) return { status: 'up', message: `${where}: ${reply.statusLine}` };
  return { status: 'down', message: `${where}: ${reply.statusLine}, expected ${opts.expect_status.join(' or ')}` };
}

async function overUdp(address: string, port: number, request: Request, opts: SipOptions, ctx: CheckContext, where: string): Promise<CheckResult> {
  const budgetMs = answerBudgetMs(ctx);
  const outcome = await exchangeDatagram({
    address,
    port,
    payload: request.build,
    waitMs: answerTimeLeftMs(ctx, budgetMs),
    signal: ctx.signal,
    sourceAddress: opts.source_address,
  });
  if (outcome.kind === 'no-reply') return { status: 'down', message: `${where}: no reply within ${formatDuration(budgetMs)}` };
  if (outcome.kind === 'unreachable') return { status: 'down', message: `${where}: port unreachable (ICMP)` };
  if (outcome.kind === 'error') return { status: 'down', message: `${where}: ${describeError(outcome.error)}` };
  const text = outcome.reply.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const reply = parseReply(end >= 0 ? text.slice(0, end) : text);
  if (typeof reply === 'string') return { status: 'down', message: `${where}: ${reply}` };
  return judge(reply, request, opts, where);
}

/** Connects, sends the request and reads replies until a final one (or an expected 1xx); throws with what went wrong. */
function exchangeTcp(address: string, port: number, request: Request, opts: SipOptions, ctx: CheckContext, deadline: AbortSignal, budgetMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, localAddress: opts.source_address });
    let received = Buffer.alloc(0);
    let connected = false;
    const finish = (outcome: Reply | Error) => {
      removeOnAbort();
      deadline.removeEventListener('abort', onDeadline);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const got = () => (received.length ? `; got "${excerpt(received.toString('utf8'), 120)}"` : '');
    const onDeadline = () => finish(new Error(connected ? `no reply within ${formatDuration(budgetMs)}${got()}` : `connect not done within ${formatDuration(budgetMs)}`));
    deadline.addEventListener('abort', onDeadline, { once: true });
    const removeOnAbort = ctx.onAbort(() => finish(new Error('aborted')));
    socket.once('error', (err) => finish(err));
    socket.once('connect', () => {
      connected = true;
      socket.write(request.build({ address: socket.localAddress ?? address, port: socket.localPort ?? 0 }));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      for (;;) {
        const text = received.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = text.slice(0, end);
        const reply = parseReply(head);
        if (typeof reply === 'string') return finish(new Error(reply));
        if (reply.code >= 200 || opts.expect_status.includes(reply.code)) return finish(reply);
        // A provisional reply: skip it (and its body, if any) and read on for the final one.
        const length = /^(?:content-length|l)\s*:\s*(\d+)/im.exec(head);
        const next = end + 4 + (length ? Number(length[1]) : 0);
        if (received.length < next) break;
        received = received.subarray(next);
      }
      if (received.length > MAX_REPLY_BYTES) finish(new Error(`no end of the reply's headers in the first ${MAX_REPLY_BYTES} bytes${got()}`));
    });
    socket.once('end', () => finish(new Error(`connection closed before a reply${got()}`)));
  });
}

async function overTcp(address: string, port: number, request: Request, opts: SipOptions, ctx: CheckContext, where: string): Promise<CheckResult> {
  const budgetMs = answerBudgetMs(ctx);
  const deadline = new AbortController();
  const cancelDeadline = setDeadline(() => deadline.abort(), answerTimeLeftMs(ctx, budgetMs));
  try {
    const reply = await exchangeTcp(address, port, request, opts, ctx, deadline.signal, budgetMs);
    return judge(reply, request, opts, where);
  } catch (err) {
    return { status: 'down', message: `${where}: ${describeError(err)}` };
  } finally {
    cancelDeadline();
  }
}

export default defineCheck({
  type: 'sip',
  description: 'UP when the SIP server answers an OPTIONS request with an expected status (200), over UDP or TCP',
  options,
  schemes: ['sip'],
  fromUrl(url) {
    // sip://[user@]host[:port]?transport=tcp&expect_status=[200,404] — the URL's user part is the
    // user option; without a domain (sip://monitor@host) the host is its domain.
    const options: Record<string, unknown> = optionsFromQuery(url);
    const address = addressFromUrl(url);
    if (url.username) {
      const user = decodeURIComponent(url.username);
      options.user = user.includes('@') ? user : `${user}@${url.hostname}`;
    }
    return { address, port: portFromUrl(url), options };
  },
  async run(target, opts, ctx): Promise<CheckResult> {
    const port = checkPort(target, opts.port, DEFAULT_PORT);
    const where = `sip ${joinHostPort(target.address, port)}${opts.transport === 'tcp' ? ' (tcp)' : ''}`;
    const request = optionsRequest(opts.user ?? `ldirectord@${os.hostname()}`, opts.transport);
    return opts.transport === 'tcp' ? overTcp(target.address, port, request, opts, ctx, where) : overUdp(target.address, port, request, opts, ctx, where);
  },
});
