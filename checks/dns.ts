// DNS check (keepalived DNS_CHECK, blackbox's dns prober): ask the target, as a DNS server, one
// question and judge the reply: rcode, answers, their count. Over UDP with an automatic retry
// over TCP when the answer is truncated, or over TCP only. The reply must carry our id and echo
// our question. The wire format is dns-packet's.
import net, { isIP } from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import {
  addressFromUrl,
  answerBudgetMs,
  answerTimeLeftMs,
  type CheckContext,
  checkPort,
  type CheckResult,
  defineCheck,
  describeError,
  exchangeDatagram,
  formatDuration,
  ipAddressOption,
  joinHostPort,
  oneOrMore,
  optionsFromQuery,
  portFromUrl,
  portOption,
  regexOption,
  setDeadline,
  z,
} from 'vigil/plugin';

const TYPES = ['A', 'AAAA', 'SOA', 'NS', 'MX', 'TXT', 'CNAME', 'SRV', 'PTR', 'CAA', 'ANY'] as const;
const CLASSES = ['IN', 'CH', 'HS', 'ANY'] as const;
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'] as const;
const DNS_MESSAGE_MAX = 65_535;

const options = z.strictObject({
  port: portOption().optional().describe("Port to check, over the host entry's (default: the host entry's, else 53)"),
  name: z.string().min(1).default('.').describe('Name to ask for (keepalived default "."); for PTR an IP address is turned into its reverse name'),
  // Not `type`/`class`: in a config, `type` names the check (check: { type: dns, query_type: MX }).
  query_type: z.enum(TYPES).default('SOA').describe('Record type to ask for (keepalived type; default SOA)'),
  query_class: z.enum(CLASSES).default('IN').describe('Query class (CH for version.bind and friends)'),
  transport: z.enum(['udp', 'tcp']).default('udp').describe('udp (retried over TCP when the answer is truncated) or tcp only'),
  expect_rcode: oneOrMore(z.enum(RCODES)).default(['NOERROR']).describe('Acceptable response codes'),
  expect_answers: oneOrMore(z.string().min(1))
    .optional()
    .describe('Record data that must all be in the answer, as written in a zone file: "192.0.2.1", "10 mail.example.com"'),
  expect_answer_match: oneOrMore(regexOption())
    .optional()
    .describe('Regular expressions that must each match an answer line, as dig prints it: "www.example.com. 300 IN A 192.0.2.1"'),
  min_answers: z.int().min(0).default(0).describe('The answer section must hold at least this many records'),
  recursion_desired: z.boolean().default(true).describe('Set the RD flag (off to check an authoritative server)'),
  edns_buffer_size: z.int().min(512).max(65_535).optional().describe('Send EDNS0 with this UDP buffer size (default: no EDNS, 512-byte answers)'),
  source_address: ipAddressOption().optional().describe('Local address to query from'),
});
type DnsOptions = z.output<typeof options>;

type Reply = dnsPacket.DecodedPacket & { rcode?: string };
type AnyAnswer = dnsPacket.Answer;

/** `192.0.2.1` → `1.2.0.192.in-addr.arpa`, `2001:db8::1` → its ip6.arpa name. */
function reverseName(address: string): string {
  if (isIP(address) === 4) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  const groups = address.split('::');
  const head = groups[0] ? groups[0].split(':') : [];
  const tail = groups[1] ? groups[1].split(':') : [];
  const full = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail].map((group) => group.padStart(4, '0')).join('');
  return `${[...full].reverse().join('.')}.ip6.arpa`;
}

function queryName(opts: DnsOptions): string {
  if (opts.query_type === 'PTR' && isIP(opts.name)) return reverseName(opts.name);
  return opts.name === '.' ? '.' : opts.name.replace(/\.$/, '');
}

const dotted = (name: string) => (name.endsWith('.') ? name : `${name}.`);

/** Record data as a zone file (and dig) writes it. */
function rdataText(answer: AnyAnswer): string {
  const data = (answer as { data: unknown }).data;
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return String(data);
    case 'NS':
    case 'CNAME':
    case 'PTR':
    case 'DNAME':
      return dotted(String(data));
    case 'MX': {
      const mx = data as dnsPacket.MxData;
      return `${mx.preference ?? 0} ${dotted(mx.exchange)}`;
    }
    case 'SRV': {
      const srv = data as dnsPacket.SrvData;
      return `${srv.priority ?? 0} ${srv.weight ?? 0} ${srv.port} ${dotted(srv.target)}`;
    }
    case 'SOA': {
      const soa = data as dnsPacket.SoaData;
      return `${dotted(soa.mname)} ${dotted(soa.rname)} ${soa.serial} ${soa.refresh} ${soa.retry} ${soa.expire} ${soa.minimum}`;
    }
    case 'TXT': {
      const parts = Array.isArray(data) ? data : [data];
      return parts.map((part) => JSON.stringify(Buffer.isBuffer(part) ? part.toString('utf8') : String(part))).join(' ');
    }
    case 'CAA': {
      const caa = data as dnsPacket.CaaData;
      return `${caa.flags ?? 0} ${caa.tag} ${JSON.stringify(caa.value)}`;
    }
    default:
      return Buffer.isBuffer(data) ? `\\# ${data.length} ${data.toString('hex')}` : JSON.stringify(data);
  }
}

function answerLine(answer: AnyAnswer): string {
  const withTtl = answer as { ttl?: number; class?: string };
  return `${dotted(answer.name)} ${withTtl.ttl ?? 0} ${withTtl.class ?? 'IN'} ${answer.type} ${rdataText(answer)}`;
}

/** Forms of an answer's data an expected value may equal: names without the final dot, TXT without quotes. */
function comparableForms(answer: AnyAnswer): string[] {
  const text = rdataText(answer);
  const forms = [text.replace(/\.(?=\s|$)/g, '').toLowerCase()];
  if (answer.type === 'TXT') forms.push((JSON.parse(`[${text.replace(/" "/g, '","')}]`) as string[]).join(''));
  return forms;
}

function normalizeExpected(value: string): string[] {
  return [value.replace(/\.(?=\s|$)/g, '').toLowerCase(), value];
}

// ---- transports ----

/**
 * DNS over TCP: the message with a two-byte length in front, the reply likewise (RFC 1035 4.2.2).
 * Gives up a little before the check's timeout, as the UDP wait does, so the message says so.
 */
function queryTcp(address: string, port: number, query: Buffer, opts: DnsOptions, ctx: CheckContext): Promise<Buffer> {
  const waitMs = answerBudgetMs(ctx);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, localAddress: opts.source_address });
    let received = Buffer.alloc(0);
    const finish = (err: Error | undefined, reply?: Buffer) => {
      removeOnAbort();
      cancelDeadline();
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const removeOnAbort = ctx.onAbort((reason) => finish(reason));
    const cancelDeadline = setDeadline(() => finish(new Error(`no reply over TCP within ${formatDuration(waitMs)}`)), answerTimeLeftMs(ctx, waitMs));
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2) {
        const length = received.readUInt16BE(0);
        if (received.length >= 2 + length) finish(undefined, received.subarray(2, 2 + length));
      }
      if (received.length > DNS_MESSAGE_MAX + 2) finish(new Error('reply longer than a DNS message can be'));
    });
    socket.on('end', () => finish(new Error(`connection closed after ${received.length} bytes, before a whole reply`)));
    socket.on('error', (err) => finish(err));
  });
}

// ---- judging the reply ----

function replyProblem(reply: Reply, query: dnsPacket.Packet): string | undefined {
  if (reply.id !== query.id) return `reply id ${reply.id} does not match the query id ${query.id}`;
  if (!reply.flag_qr) return 'the reply is not a response (QR flag not set)';
  const asked = query.questions![0]!;
  const echoed = reply.questions?.[0];
  if (reply.questions?.length !== 1 || !echoed) return `the reply has ${reply.questions?.length ?? 0} questions instead of echoing ours`;
  const sameName = echoed.name.replace(/\.$/, '').toLowerCase() === asked.name.replace(/\.$/, '').toLowerCase();
  if (!sameName || echoed.type !== asked.type || (echoed.class ?? 'IN') !== (asked.class ?? 'IN')) {
    return `the reply answers another question: ${echoed.name} ${echoed.class} ${echoed.type}`;
  }
  return undefined;
}

function judge(reply: Reply, opts: DnsOptions, summary: string): CheckResult {
  const answers = reply.answers ?? [];
  const lines = answers.map(answerLine);
  const detail = lines.join('\n') || undefined;
  const rcode = reply.rcode ?? 'NOERROR';
  if (!opts.expect_rcode.includes(rcode as (typeof RCODES)[number])) {
    return { status: 'down', message: `${summary}: rcode ${rcode}, expected ${opts.expect_rcode.join(' or ')}`, detail };
  }
  if (answers.length < opts.min_answers) {
    return { status: 'down', message: `${summary}: ${answers.length} answers, expected at least ${opts.min_answers}`, detail };
  }
  for (const expected of opts.expect_answers ?? []) {
    const wanted = normalizeExpected(expected);
    if (!answers.some((answer) => comparableForms(answer).some((form) => wanted.includes(form)))) {
      return { status: 'down', message: `${summary}: no answer ${JSON.stringify(expected)}`, detail };
    }
  }
  for (const pattern of opts.expect_answer_match ?? []) {
    const regex = new RegExp(pattern);
    if (!lines.some((line) => regex.test(line))) return { status: 'down', message: `${summary}: no answer matches /${pattern}/`, detail };
  }
  const shown = lines.length ? `: ${answers.map(rdataText).slice(0, 3).join(', ')}${lines.length > 3 ? ', …' : ''}` : '';
  return { status: 'up', message: `${summary}: ${rcode}, ${answers.length} answers${shown}`, detail };
}

export default defineCheck({
  type: 'dns',
  description: 'UP when the DNS server answers a query with an expected rcode and answers',
  options,
  schemes: ['dns'],
  fromUrl(url) {
    // dns://server[:port]/name?type=MX&expect_rcode=NXDOMAIN (type and class are short for query_type and query_class)
    const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
    const { type, class: queryClass, ...options } = optionsFromQuery(url);
    if (name) options.name = name;
    if (type !== undefined) options.query_type = type;
    if (queryClass !== undefined) options.query_class = queryClass;
    return { address: addressFromUrl(url), port: portFromUrl(url), options };
  },
  async run(target, opts, ctx): Promise<CheckResult> {
    const port = checkPort(target, opts.port, 53);
    const where = joinHostPort(target.address, port);
    const question = { type: opts.query_type, class: opts.query_class, name: queryName(opts) } as dnsPacket.Question;
    const query: dnsPacket.Packet = {
      type: 'query',
      id: randomInt(0, 65_536),
      flags: opts.recursion_desired ? dnsPacket.RECURSION_DESIRED : 0,
      questions: [question],
    };
    if (opts.edns_buffer_size) query.additionals = [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns_buffer_size } as dnsPacket.Answer];
    const wire = dnsPacket.encode(query);
    const summary = `${question.name} ${opts.query_type} @${where}`;

    let raw: Buffer;
    let via = opts.transport;
    try {
      if (opts.transport === 'udp') {
        const waitMs = answerBudgetMs(ctx);
        const outcome = await exchangeDatagram({ address: target.address, port, payload: wire, waitMs: answerTimeLeftMs(ctx, waitMs), signal: ctx.signal, sourceAddress: opts.source_address });
        if (outcome.kind === 'unreachable') return { status: 'down', message: `${summary}: port unreachable (ICMP)` };
        if (outcome.kind === 'no-reply') return { status: 'down', message: `${summary}: no reply within ${formatDuration(waitMs)}` };
        if (outcome.kind === 'error') throw outcome.error;
        raw = outcome.reply;
        // TC: the answer did not fit in a datagram; ask again over TCP, as resolvers do.
        if (raw.length >= 3 && (raw[2]! & 0x02) !== 0) {
          via = 'tcp';
          raw = await queryTcp(target.address, port, wire, opts, ctx);
        }
      } else {
        raw = await queryTcp(target.address, port, wire, opts, ctx);
      }
    } catch (err) {
      const retry = via === opts.transport ? '' : 'truncated over UDP, ';
      return { status: 'down', message: `${summary}: ${retry}${describeError(err)}` };
    }

    let reply: Reply;
    try {
      reply = dnsPacket.decode(raw) as Reply;
    } catch (err) {
      return { status: 'down', message: `${summary}: malformed reply (${raw.length} bytes over ${via}): ${describeError(err)}` };
    }
    const problem = replyProblem(reply, query);
    if (problem) return { status: 'down', message: `${summary}: ${problem}` };
    if (reply.flag_tc) return { status: 'down', message: `${summary}: the answer is truncated even over ${via}` };
    const result = judge(reply, opts, via === opts.transport ? summary : `${summary} (truncated over UDP, retried over TCP)`);
    return result;
  },
});
