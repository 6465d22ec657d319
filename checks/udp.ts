// UDP check (keepalived UDP_CHECK): send one datagram on a connected socket and judge the reply.
// exchangeDatagram (dgram-as-promised, in the plugin API) sees an ICMP "port unreachable", so a
// closed port is down at once. No reply at all is down, unless the check declares it acceptable
// (keepalived's behaviour without require_reply: only an ICMP error counts as a failure).
import {
  addressFromUrl,
  answerBudgetMs,
  answerTimeLeftMs,
  checkPort,
  type CheckResult,
  defineCheck,
  describeError,
  duration,
  excerpt,
  exchangeDatagram,
  formatDuration,
  formatHexPattern,
  hexOption,
  type HexPatternByte,
  hexPatternMatchesAt,
  hexPatternOption,
  ipAddressOption,
  joinHostPort,
  optionsFromQuery,
  parseHex,
  parseHexPattern,
  portFromUrl,
  portOption,
  regexOption,
  z,
} from 'vigil/plugin';

const options = z.strictObject({
  port: portOption().optional().describe("Port to check, over the host entry's (default: the host entry's)"),
  payload: z.string().optional().describe('Datagram to send, as text (default: an empty datagram)'),
  payload_hex: hexOption().optional().describe('Datagram to send, as hex (keepalived payload)'),
  expect: regexOption().optional().describe('The reply must match this regular expression'),
  expect_exact: z.string().optional().describe('The reply must be exactly this text'),
  expect_prefix: z.string().optional().describe('The reply must start with this text'),
  expect_hex: hexPatternOption()
    .optional()
    .describe('The reply must start with these bytes; X (or ?) matches any nibble (keepalived require_reply)'),
  min_length: z.int().min(0).optional().describe('Shortest acceptable reply, in bytes (keepalived min_reply_length)'),
  max_length: z.int().min(0).optional().describe('Longest acceptable reply, in bytes (keepalived max_reply_length)'),
  no_reply_ok: z
    .boolean()
    .default(false)
    .describe('No reply within reply_timeout is up (only an ICMP error is down), as keepalived without require_reply'),
  reply_timeout: duration().optional().describe('How long to wait for the reply (default: 90% of the check timeout)'),
  source_address: ipAddressOption().optional().describe('Local address to send from (keepalived bindto)'),
});
type UdpOptions = z.output<typeof options>;

function payloadOf(opts: UdpOptions): Buffer {
  if (opts.payload_hex !== undefined) return parseHex(opts.payload_hex) as Buffer;
  return Buffer.from(opts.payload ?? '');
}

/** What is wrong with the reply, or undefined when it is acceptable. */
function replyProblem(reply: Buffer, opts: UdpOptions): string | undefined {
  const text = reply.toString('latin1');
  if (opts.min_length !== undefined && reply.length < opts.min_length) return `reply of ${reply.length} bytes is shorter than min_length ${opts.min_length}`;
  if (opts.max_length !== undefined && reply.length > opts.max_length) return `reply of ${reply.length} bytes is longer than max_length ${opts.max_length}`;
  if (opts.expect_exact !== undefined && text !== opts.expect_exact) return `reply is not ${JSON.stringify(opts.expect_exact)}`;
  if (opts.expect_prefix !== undefined && !text.startsWith(opts.expect_prefix)) return `reply does not start with ${JSON.stringify(opts.expect_prefix)}`;
  if (opts.expect !== undefined && !new RegExp(opts.expect).test(text)) return `reply does not match /${opts.expect}/`;
  if (opts.expect_hex !== undefined) {
    const pattern = parseHexPattern(opts.expect_hex) as HexPatternByte[];
    if (!hexPatternMatchesAt(pattern, reply)) return `reply does not start with hex ${formatHexPattern(pattern)}`;
  }
  return undefined;
}

export default defineCheck({
  type: 'udp',
  description: 'UP when a datagram gets an acceptable reply (an ICMP port unreachable is down)',
  options,
  schemes: ['udp'],
  fromUrl(url) {
    return { address: addressFromUrl(url), port: portFromUrl(url), options: optionsFromQuery(url) };
  },
  async run(target, opts, ctx): Promise<CheckResult> {
    const port = checkPort(target, opts.port);
    if (!port) return { status: 'unknown', message: 'no port: write the host as address:port or set the check option port' };
    const where = joinHostPort(target.address, port);
    // Wait a little less than the runner's timeout, so "no reply" is this check's verdict.
    const waitMs = opts.reply_timeout ?? answerBudgetMs(ctx);
    const outcome = await exchangeDatagram({
      address: target.address,
      port,
      payload: payloadOf(opts),
      waitMs: opts.reply_timeout ?? answerTimeLeftMs(ctx, waitMs),
      signal: ctx.signal,
      sourceAddress: opts.source_address,
    });
    if (outcome.kind === 'unreachable') return { status: 'down', message: `port unreachable: ICMP error from ${where}` };
    if (outcome.kind === 'error') return { status: 'down', message: `${describeError(outcome.error)} (${where})` };
    if (outcome.kind === 'no-reply') {
      const message = `no reply from ${where} within ${formatDuration(waitMs)}`;
      return opts.no_reply_ok ? { status: 'up', message: `${message} (no_reply_ok: only an ICMP error is a failure)` } : { status: 'down', message };
    }
    const seen = `"${excerpt(outcome.reply)}" (${outcome.reply.length} bytes)`;
    const problem = replyProblem(outcome.reply, opts);
    if (problem) return { status: 'down', message: `${problem}: got ${seen} from ${where}` };
    return { status: 'up', message: `reply from ${where}: ${seen}` };
  },
});
