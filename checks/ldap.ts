// LDAP check (ldirectord `service = ldap`): bind — as `bind_dn` with its password, or anonymously
// as ldirectord does without login/passwd — then search `base` (ldirectord's request) and be up
// when the search returns at least one entry and, with `expect` (ldirectord's receive), an
// entry's DN matches it. A refused bind, a base that does not exist, a server that closes the
// connection or stops answering is down, with the server's own words. ldaps:// (`tls`) or
// StartTLS (`starttls`) with the shared TLS options.
import net from 'node:net';
import tls from 'node:tls';
import { Client, FilterParser, ResultCodeError } from 'ldapts';
import {
  addressFromUrl,
  answerDeadline,
  checkPort,
  type CheckResult,
  defineCheck,
  describeError,
  excerpt,
  joinHostPort,
  optionsFromQuery,
  passwordOptionsShape,
  passwordSourcesProblem,
  portFromUrl,
  portOption,
  readPassword,
  regexOption,
  tlsConnectOptions,
  tlsOptionsShape,
  z,
} from 'vigil/plugin';

const options = z
  .strictObject({
    port: portOption().optional().describe("Port to check, over the host entry's (default: the host entry's, else 389, 636 with tls)"),
    bind_dn: z.string().min(1).optional().describe('DN to bind as (ldirectord login); without it the bind is anonymous'),
    password: z.string().optional().describe("bind_dn's password itself (ldirectord passwd); password_file or password_env keep it out of the config"),
    ...passwordOptionsShape,
    base: z.string().default('').describe('DN to search from (ldirectord request); "" is the root DSE'),
    scope: z.enum(['base', 'one', 'sub']).default('base').describe('base: the base entry only (ldirectord); one: its children; sub: the whole subtree'),
    filter: z
      .string()
      .default('(objectClass=*)')
      .describe('Search filter, RFC 4515 (ldirectord: (objectClass=*))')
      .superRefine((filter, ctx) => {
        try {
          FilterParser.parseString(filter);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `not a valid LDAP filter: ${(err as Error).message}` });
        }
      }),
    min_entries: z.int().min(0).default(1).describe('Fewest entries the search must return (ldirectord: the base entry, one)'),
    expect: regexOption().optional().describe("A returned entry's DN must match this regular expression (ldirectord receive)"),
    expect_attribute: z
      .strictObject({ name: z.string().min(1), value: z.string() })
      .optional()
      .describe("Every returned entry must have this attribute with this value, exactly (mon's ldap.monitor --attribute, --value)"),
    tls: z.boolean().default(false).describe('LDAP over TLS from the first byte (ldaps://, port 636)'),
    starttls: z.boolean().default(false).describe('Upgrade the connection with StartTLS before binding (the server must offer it)'),
    ...tlsOptionsShape,
  })
  .superRefine((opts, ctx) => {
    const problem = passwordSourcesProblem(opts);
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
    const hasPassword = opts.password !== undefined || opts.password_file !== undefined || opts.password_env !== undefined;
    if (opts.bind_dn !== undefined && !hasPassword) {
      // A DN with an empty password is an "unauthenticated bind" (RFC 4513 5.1.2): refused, or anonymous.
      ctx.addIssue({ code: 'custom', path: ['bind_dn'], message: 'bind_dn needs password, password_file or password_env (leave bind_dn out for an anonymous bind)' });
    }
    if (opts.bind_dn === undefined && hasPassword) ctx.addIssue({ code: 'custom', path: ['bind_dn'], message: 'a password needs bind_dn: an anonymous bind sends none' });
    if (opts.tls && opts.starttls) ctx.addIssue({ code: 'custom', path: ['starttls'], message: 'give tls (ldaps) or starttls, not both' });
  });
type LdapOptions = z.output<typeof options>;

/** LDAP result codes by name, as RFC 4511 4.1.9 (and ldapsearch) write them. */
const RESULT_NAMES: Record<number, string> = {
  1: 'Operations error',
  2: 'Protocol error',
  3: 'Time limit exceeded',
  4: 'Size limit exceeded',
  7: 'Auth method not supported',
  8: 'Strong(er) authentication required',
  11: 'Administrative limit exceeded',
  12: 'Critical extension is unavailable',
  13: 'Confidentiality required',
  16: 'No such attribute',
  17: 'Undefined attribute type',
  18: 'Inappropriate matching',
  21: 'Invalid syntax',
  32: 'No such object',
  33: 'Alias problem',
  34: 'Invalid DN syntax',
  36: 'Alias dereferencing problem',
  48: 'Inappropriate authentication',
  49: 'Invalid credentials',
  50: 'Insufficient access',
  51: 'Server is busy',
  52: 'Server is unavailable',
  53: 'Server is unwilling to perform',
  54: 'Loop detected',
  80: 'Other (e.g., implementation specific) error',
};

/** An LDAP result as ldapsearch prints it, with the server's diagnostic message when it sent one. */
function resultText(err: ResultCodeError): string {
  const name = RESULT_NAMES[err.code] ?? 'result code';
  // ldapts puts the server's diagnosticMessage first and " Code: 0x31" last.
  const diagnostic = err.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
  return `${name} (${err.code})${diagnostic ? `: ${diagnostic}` : ''}`;
}

/** ldapts's messages for a connection that ended under a request, in an operator's words. */
function connectionProblem(err: unknown, step: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/^(no answer within|connection closed by the server before) /.test(message)) return message; // ours: they name the step
  if (/^Connection closed before message response was received/.test(message)) return `connection closed by the server while ${step}`;
  const socketError = /^Socket error\. [^\n]*\n([\s\S]*)$/.exec(message);
  if (socketError) return `${/ECONNRESET/.test(socketError[1]!) ? 'connection reset by peer' : socketError[1]!.trim()} while ${step}`;
  const described = describeError(err);
  // A refused connect needs no "while connecting"; a reset in the TLS handshake does.
  return step === 'connecting' || described.startsWith('TLS failure') ? described : `${described} while ${step}`;
}

/** An entry's values of `name` as text (attribute names are case-insensitive). */
function attributeValues(entry: Record<string, unknown>, name: string | undefined): string[] {
  if (!name) return [];
  const key = Object.keys(entry).find((candidate) => candidate !== 'dn' && candidate.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? [] : entry[key];
  return (Array.isArray(value) ? value : [value]).map((each) => (Buffer.isBuffer(each) ? each.toString('utf8') : String(each)));
}

const entries = (count: number) => `${count} ${count === 1 ? 'entry' : 'entries'}`;
const baseName = (base: string) => (base === '' ? 'the root DSE' : base);

/** The first entry that lacks expect_attribute's value, with what it has instead; undefined: every entry has it. */
function missingAttribute(entries: Array<{ dn: string; values: string[] }>, opts: LdapOptions): string | undefined {
  const wanted = opts.expect_attribute;
  if (!wanted) return undefined;
  const without = entries.find((entry) => !entry.values.includes(wanted.value));
  if (!without) return undefined;
  const has = without.values.length ? `has ${wanted.name}: ${without.values.map((value) => `"${excerpt(value, 40)}"`).join(', ')}` : `has no ${wanted.name}`;
  return `entry "${excerpt(without.dn, 80)}" ${has}, expected "${excerpt(wanted.value, 40)}"`;
}

/** Up when the search returned at least min_entries entries and, with `expect`, a DN matches it. */
function judge(dns: string[], opts: LdapOptions, where: string): CheckResult {
  const search = `search of ${baseName(opts.base)}${opts.scope === 'base' ? '' : ` (scope ${opts.scope})`}`;
  const shown = dns.slice(0, 20).map((dn) => (dn === '' ? '(root DSE)' : dn));
  const detail = dns.length ? [...shown, ...(dns.length > shown.length ? [`… ${dns.length - shown.length} more`] : [])].join('\n') : undefined;
  if (dns.length < opts.min_entries) return { status: 'down', message: `${where}: ${search} returned ${entries(dns.length)}, expected at least ${opts.min_entries}`, detail };
  if (opts.expect !== undefined) {
    const regex = new RegExp(opts.expect);
    if (!dns.some((dn) => regex.test(dn))) {
      const why =
        dns.length === 0
          ? `no DN to match /${opts.expect}/`
          : dns.length === 1
            ? `its DN "${excerpt(dns[0]!, 80)}" does not match /${opts.expect}/`
            : `none of the DNs matches /${opts.expect}/ (the first: "${excerpt(dns[0]!, 80)}")`;
      return { status: 'down', message: `${where}: ${search} returned ${entries(dns.length)}; ${why}`, detail };
    }
  }
  return { status: 'up', message: `${where}: ${search} returned ${entries(dns.length)}`, detail };
}

export default defineCheck({
  type: 'ldap',
  description: 'UP when the LDAP server accepts the bind (or an anonymous one) and the search returns at least min_entries entries',
  options,
  schemes: ['ldap', 'ldaps'],
  fromUrl(url) {
    // ldap://[bind_dn:password@]host[:port]/base?scope=sub&filter=(uid=monitor) — options as query
    // parameters, like the other checks (not RFC 4516's positional ?attributes?scope?filter).
    const options: Record<string, unknown> = {};
    if (url.username) options.bind_dn = decodeURIComponent(url.username);
    if (url.password) options.password = decodeURIComponent(url.password);
    const base = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (base) options.base = base;
    if (url.protocol === 'ldaps:') options.tls = true;
    return { address: addressFromUrl(url), port: portFromUrl(url), options: { ...options, ...optionsFromQuery(url) } };
  },
  async run(target, opts, ctx): Promise<CheckResult> {
    const port = checkPort(target, opts.port, opts.tls ? 636 : 389);
    const where = `ldap ${joinHostPort(target.address, port)}${opts.tls ? ' over TLS' : opts.starttls ? ' with StartTLS' : ''}`;
    let password: string | undefined;
    let tlsOptions: tls.ConnectionOptions | undefined;
    try {
      password = readPassword(opts);
      if (opts.tls || opts.starttls) tlsOptions = await tlsConnectOptions(opts, target.address);
    } catch (err) {
      return { status: 'unknown', message: describeError(err) }; // our configuration, not the server
    }

    // What the check is waiting for, for the message when no answer comes.
    let step = 'connecting';
    // The sockets are ours (ldapts is handed factories), so an abort or the deadline can drop them
    // mid-request. One connection per check: were the server's close seen between bind and search,
    // ldapts would reconnect and search unbound; refusing a second connection reports it instead.
    const sockets: net.Socket[] = [];
    const fresh = <S extends net.Socket>(connect: () => S): S => {
      if (sockets.length) throw new Error(`connection closed by the server before ${step}`);
      const socket = connect();
      sockets.push(socket);
      socket.once('connect', () => (step = opts.tls ? 'doing the TLS handshake' : opts.starttls ? 'starting TLS' : 'binding'));
      if (opts.tls) socket.once('secureConnect', () => (step = 'binding'));
      return socket;
    };
    const client = new Client({
      url: `${opts.tls ? 'ldaps' : 'ldap'}://${joinHostPort(target.address, port)}`,
      createConnection: (() => fresh(() => net.connect({ host: target.address, port }))) as typeof net.connect,
      // ldaps:// calls it with (port, host, options); StartTLS with the connection to wrap in options.socket.
      createSecureConnection: ((first: unknown) => {
        if (typeof first !== 'object' || first === null) return fresh(() => tls.connect({ ...tlsOptions, host: target.address, port }));
        const upgraded = tls.connect({ ...(first as tls.ConnectionOptions), host: target.address });
        sockets.push(upgraded);
        return upgraded;
      }) as typeof tls.connect,
    });
    const drop = () => {
      for (const socket of sockets) socket.destroy();
    };

    const deadline = answerDeadline(ctx, () => step);
    const removeOnAbort = ctx.onAbort(drop);
    let answered = false;
    try {
      if (opts.starttls) {
        try {
          await Promise.race([client.startTLS({ ...tlsOptions }), deadline.expired]);
        } catch (err) {
          if (err instanceof ResultCodeError) return { status: 'down', message: `${where}: StartTLS refused: ${resultText(err)}` };
          throw err;
        }
        step = 'binding';
      }
      try {
        await Promise.race([client.bind(opts.bind_dn ?? '', password ?? ''), deadline.expired]);
      } catch (err) {
        if (err instanceof ResultCodeError) return { status: 'down', message: `${where}: ${opts.bind_dn ? `bind as ${opts.bind_dn}` : 'anonymous bind'} refused: ${resultText(err)}` };
        throw err;
      }
      step = `searching ${baseName(opts.base)}`;
      let found: string[];
      try {
        const { searchEntries } = await Promise.race([
          client.search(opts.base, {
            scope: opts.scope,
            filter: opts.filter,
            // The DNs are all the check looks at: no attributes ("1.1", RFC 4511 4.5.1.8).
            attributes: opts.expect_attribute ? [opts.expect_attribute.name] : ['1.1'],
            // The server stops searching when the check stops waiting.
            timeLimit: Math.max(1, Math.ceil(ctx.timeoutMs / 1000)),
          }),
          deadline.expired,
        ]);
        found = searchEntries.map((entry) => entry.dn);
        const missing = missingAttribute(
          searchEntries.map((entry) => ({ dn: entry.dn, values: attributeValues(entry, opts.expect_attribute?.name) })),
          opts,
        );
        if (missing && found.length >= opts.min_entries) return { status: 'down', message: `${where}: search of ${baseName(opts.base)} returned ${entries(found.length)}; ${missing}` };
      } catch (err) {
        if (err instanceof ResultCodeError) return { status: 'down', message: `${where}: search of ${baseName(opts.base)} failed: ${resultText(err)}` };
        throw err;
      }
      answered = true;
      return judge(found, opts, where);
    } catch (err) {
      return { status: 'down', message: `${where}: ${connectionProblem(err, step)}` };
    } finally {
      deadline.cancel();
      removeOnAbort();
      // A server that answered is told goodbye (an unbind request); in any case the connection goes.
      if (answered) client.unbind().catch(() => undefined);
      drop();
    }
  },
});
