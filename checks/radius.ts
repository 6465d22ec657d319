// RADIUS check (ldirectord `service = radius`, mon's radius.monitor): send an Access-Request
// (RFC 2865) for `user` with `password` and judge the reply's code — up on Access-Accept, as
// ldirectord (Authen::Radius check_pwd) counts it, or on whatever codes `expect` lists. The reply
// must carry our identifier and a Response Authenticator made with the shared secret; one that
// does not verify is down as a wrong secret. The request carries User-Name, User-Password (hidden
// with the secret, RFC 2865 5.2), NAS-Identifier and a Message-Authenticator (RFC 3579 3.2, first,
// as RFC 5080 and the BlastRADIUS advice ask), over UDP with exchangeDatagram: a closed port is
// seen from the ICMP error. The packet is small enough to build here; no RADIUS library.
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import {
  addressFromUrl,
  answerBudgetMs,
  answerTimeLeftMs,
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
  passwordOptionsShape,
  passwordSourcesProblem,
  portFromUrl,
  portOption,
  readPassword,
  readSecret,
  secretOptionsShape,
  secretSourcesProblem,
  z,
} from 'vigil/plugin';

/** RADIUS packet codes (RFC 2865 3, RFC 2866, RFC 5997). */
const CODE_NAMES: Record<number, string> = {
  1: 'Access-Request',
  2: 'Access-Accept',
  3: 'Access-Reject',
  4: 'Accounting-Request',
  5: 'Accounting-Response',
  11: 'Access-Challenge',
  12: 'Status-Server',
  13: 'Status-Client',
};
const EXPECTABLE = { accept: 2, reject: 3, challenge: 11 } as const;
type Expectable = keyof typeof EXPECTABLE;

const ACCESS_REQUEST = 1;
const ATTR_USER_NAME = 1;
const ATTR_USER_PASSWORD = 2;
const ATTR_REPLY_MESSAGE = 18;
const ATTR_NAS_IDENTIFIER = 32;
const ATTR_MESSAGE_AUTHENTICATOR = 80;
/** Longest attribute value (the length octet counts the two header octets too). */
const ATTR_VALUE_MAX = 253;
/** Longest User-Password (RFC 2865 5.2). */
const PASSWORD_MAX = 128;
const HEADER = 20;
/** RADIUS authentication's IANA port (RFC 2865); mon's radius.monitor still uses the old 1645. */
const DEFAULT_PORT = 1812;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

const options = z
  .strictObject({
    port: portOption().optional().describe(`Port to check, over the host entry's (default: the host entry's, else ${DEFAULT_PORT}; mon's radius.monitor: 1645)`),
    secret: z.string().min(1).optional().describe('The shared secret itself (ldirectord secret); secret_file or secret_env keep it out of the config'),
    ...secretOptionsShape('secret', 'shared secret'),
    user: z
      .string()
      .min(1)
      .refine((user) => bytes(user) <= ATTR_VALUE_MAX, `a User-Name holds at most ${ATTR_VALUE_MAX} bytes`)
      .describe('User-Name to authenticate (ldirectord login): a test user the server knows'),
    password: z
      .string()
      .refine((password) => bytes(password) <= PASSWORD_MAX, `a User-Password holds at most ${PASSWORD_MAX} bytes`)
      .optional()
      .describe("The user's password itself (ldirectord passwd); password_file or password_env keep it out of the config. None: an empty password"),
    ...passwordOptionsShape,
    expect: oneOrMore(z.enum(['accept', 'reject', 'challenge']))
      .default(['accept'])
      .describe('Reply codes that are up: accept (Access-Accept, as ldirectord), reject (Access-Reject: the server answers, whatever it thinks of the password), challenge (Access-Challenge)'),
    retries: z
      .int()
      .min(0)
      .max(20)
      .default(0)
      .describe("Send the request again this many times while no reply comes (mon's --attempts; ldirectord: none); the tries share the wait"),
    nas_identifier: z
      .string()
      .min(1)
      .refine((name) => bytes(name) <= ATTR_VALUE_MAX, `a NAS-Identifier holds at most ${ATTR_VALUE_MAX} bytes`)
      .default('vigil')
      .describe('NAS-Identifier sent with the request (the server may log it, or match on it)'),
    message_authenticator: z
      .boolean()
      .default(true)
      .describe('Send a Message-Authenticator (RFC 3579; servers may require it, and drop a request whose one does not verify). ldirectord sends none'),
    source_address: ipAddressOption().optional().describe('Local address to send from (a RADIUS server knows its clients by address)'),
  })
  .superRefine((opts, ctx) => {
    const secretProblem = secretSourcesProblem(opts, 'secret');
    if (secretProblem) ctx.addIssue({ code: 'custom', path: ['secret'], message: secretProblem });
    if (opts.secret === undefined && opts.secret_file === undefined && opts.secret_env === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'give secret, secret_file or secret_env: the shared secret the server has for this client' });
    }
    const passwordProblem = passwordSourcesProblem(opts);
    if (passwordProblem) ctx.addIssue({ code: 'custom', path: ['password'], message: passwordProblem });
  });
type RadiusOptions = z.output<typeof options>;

const codeName = (code: number) => CODE_NAMES[code] ?? `code ${code}`;

function attribute(type: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, value.length + 2]), value]);
}

/** User-Password hidden as RFC 2865 5.2: padded to 16-byte blocks, each XORed with MD5(secret + the previous block). */
function hidePassword(password: Buffer, secret: Buffer, authenticator: Buffer): Buffer {
  const hidden = Buffer.alloc(Math.max(16, Math.ceil(password.length / 16) * 16));
  password.copy(hidden);
  let previous = authenticator;
  for (let block = 0; block < hidden.length; block += 16) {
    const mask = createHash('md5').update(secret).update(previous).digest();
    for (let i = 0; i < 16; i++) hidden[block + i]! ^= mask[i]!;
    previous = hidden.subarray(block, block + 16);
  }
  return hidden;
}

interface Request {
  id: number;
  authenticator: Buffer;
  packet: Buffer;
}

/** An Access-Request with a random identifier and Request Authenticator. */
function accessRequest(user: string, password: string, secret: Buffer, opts: RadiusOptions): Request {
  const id = randomInt(0, 256);
  const authenticator = randomBytes(16);
  const attributes = [
    // First, with 16 zero bytes while the HMAC is computed over the whole packet (RFC 3579 3.2).
    ...(opts.message_authenticator ? [attribute(ATTR_MESSAGE_AUTHENTICATOR, Buffer.alloc(16))] : []),
    attribute(ATTR_USER_NAME, Buffer.from(user, 'utf8')),
    attribute(ATTR_USER_PASSWORD, hidePassword(Buffer.from(password, 'utf8'), secret, authenticator)),
    attribute(ATTR_NAS_IDENTIFIER, Buffer.from(opts.nas_identifier, 'utf8')),
  ];
  const header = Buffer.alloc(4);
  header.writeUInt8(ACCESS_REQUEST, 0);
  header.writeUInt8(id, 1);
  header.writeUInt16BE(HEADER + attributes.reduce((sum, attr) => sum + attr.length, 0), 2);
  const packet = Buffer.concat([header, authenticator, ...attributes]);
  if (opts.message_authenticator) createHmac('md5', secret).update(packet).digest().copy(packet, HEADER + 2);
  return { id, authenticator, packet };
}

interface Reply {
  code: number;
  id: number;
  /** The packet up to its Length (octets past it are padding, RFC 2865 3). */
  packet: Buffer;
  attributes: Array<{ type: number; offset: number; value: Buffer }>;
}

function parseReply(raw: Buffer): Reply | string {
  if (raw.length < HEADER) return `malformed reply: ${raw.length} bytes, shorter than a RADIUS header`;
  const length = raw.readUInt16BE(2);
  if (length < HEADER || length > raw.length) return `malformed reply: its Length is ${length}, the datagram ${raw.length} bytes`;
  const packet = raw.subarray(0, length);
  const attributes: Reply['attributes'] = [];
  for (let offset = HEADER; offset < length; ) {
    const attrLength = offset + 1 < length ? packet[offset + 1]! : 0;
    if (attrLength < 2 || offset + attrLength > length) return `malformed reply: an attribute at byte ${offset} runs past the packet`;
    attributes.push({ type: packet[offset]!, offset, value: packet.subarray(offset + 2, offset + attrLength) });
    offset += attrLength;
  }
  return { code: packet[0]!, id: packet[1]!, packet, attributes };
}

/** Whether the reply was made with our secret for our request: its Response Authenticator, and its Message-Authenticator if it has one. */
function authenticated(reply: Reply, request: Request, secret: Buffer): boolean {
  const { packet } = reply;
  const expected = createHash('md5').update(packet.subarray(0, 4)).update(request.authenticator).update(packet.subarray(HEADER)).update(secret).digest();
  if (!timingSafeEqual(expected, packet.subarray(4, HEADER))) return false;
  const mac = reply.attributes.find((attr) => attr.type === ATTR_MESSAGE_AUTHENTICATOR);
  if (!mac) return true;
  if (mac.value.length !== 16) return false;
  // Over the reply with the Request Authenticator in its place and the attribute's value zeroed.
  const signed = Buffer.from(packet);
  request.authenticator.copy(signed, 4);
  signed.fill(0, mac.offset + 2, mac.offset + 18);
  return timingSafeEqual(createHmac('md5', secret).update(signed).digest(), mac.value);
}

function judge(reply: Reply, opts: RadiusOptions, where: string): CheckResult {
  const messages = reply.attributes.filter((attr) => attr.type === ATTR_REPLY_MESSAGE).map((attr) => attr.value.toString('utf8'));
  const said = messages.length ? ` (Reply-Message "${excerpt(messages.join(' '), 200)}")` : '';
  const name = codeName(reply.code);
  const wanted = opts.expect as Expectable[];
  if (wanted.some((key) => EXPECTABLE[key] === reply.code)) return { status: 'up', message: `${where}: ${name}${said}` };
  const expected = wanted.map((key) => codeName(EXPECTABLE[key])).join(' or ');
  return { status: 'down', message: `${where}: ${name}${said}, expected ${expected}` };
}

export default defineCheck({
  type: 'radius',
  description: 'UP when the RADIUS server answers an Access-Request for the test user with an expected code (Access-Accept)',
  options,
  schemes: ['radius'],
  fromUrl(url) {
    // radius://user:password@host[:port]?secret=…&expect=[accept,reject] — user, password and
    // secret are taken as text (not read as YAML, where 1234 would be a number).
    const { secret, ...query } = optionsFromQuery(url);
    const options: Record<string, unknown> = { ...query };
    if (url.username) options.user = decodeURIComponent(url.username);
    if (url.password) options.password = decodeURIComponent(url.password);
    if (secret !== undefined) options.secret = url.searchParams.get('secret');
    return { address: addressFromUrl(url), port: portFromUrl(url), options };
  },
  async run(target, opts, ctx): Promise<CheckResult> {
    const port = checkPort(target, opts.port, DEFAULT_PORT);
    const where = `radius ${joinHostPort(target.address, port)}`;
    let secret: Buffer;
    let password: string;
    try {
      const secretText = readSecret(opts, 'secret');
      if (!secretText) throw new Error(`the shared secret is empty (${opts.secret_file ? `secret_file ${opts.secret_file}` : `secret_env ${opts.secret_env}`})`);
      secret = Buffer.from(secretText, 'utf8');
      password = readPassword(opts) ?? '';
      if (bytes(password) > PASSWORD_MAX) throw new Error(`the password is ${bytes(password)} bytes long; a User-Password holds at most ${PASSWORD_MAX}`);
    } catch (err) {
      return { status: 'unknown', message: describeError(err) }; // our configuration, not the server
    }

    const request = accessRequest(opts.user, password, secret, opts);
    const budgetMs = answerBudgetMs(ctx);
    const tries = opts.retries + 1;
    for (let attempt = 1; attempt <= tries; attempt++) {
      // What is left of the wait, shared among the tries still to come; a retransmission is the
      // same packet (same identifier and authenticator, RFC 2865 2.5).
      const waitMs = Math.max(1, Math.floor(answerTimeLeftMs(ctx, budgetMs) / (tries - attempt + 1)));
      const outcome = await exchangeDatagram({ address: target.address, port, payload: request.packet, waitMs, signal: ctx.signal, sourceAddress: opts.source_address });
      if (outcome.kind === 'no-reply') continue;
      if (outcome.kind === 'unreachable') return { status: 'down', message: `${where}: port unreachable (ICMP)` };
      if (outcome.kind === 'error') return { status: 'down', message: `${where}: ${describeError(outcome.error)}` };
      const reply = parseReply(outcome.reply);
      if (typeof reply === 'string') return { status: 'down', message: `${where}: ${reply}` };
      if (reply.id !== request.id) return { status: 'down', message: `${where}: the reply is for another request (identifier ${reply.id}, ours ${request.id})` };
      if (!authenticated(reply, request, secret)) return { status: 'down', message: `${where}: reply not authenticated: wrong secret? (its code says ${codeName(reply.code)})` };
      return judge(reply, opts, where);
    }
    const tried = tries > 1 ? ` (${tries} tries)` : '';
    return { status: 'down', message: `${where}: no reply within ${formatDuration(budgetMs)}${tried}; a RADIUS server drops requests from unknown clients and with a wrong secret` };
  },
});
