// ldirectord's checktype + service (+ request/receive, virtualhost, httpmethod, checkport,
// checkcommand) → the Vigil check that does the same job on each real server.
import { isIP } from 'node:net';
import { splitCommandLine } from '../config/command-line.js';
import { ICMP_MAX_ECHOES, inlineSecretsNote, literalArgument } from './import-text.js';

export interface LdirectordCheckInput {
  checktype: string;
  service: string;
  protocol: 'tcp' | 'udp' | 'fwm';
  /** Always starts with `/` (ldirectord adds it), or is an absolute http:// URL. */
  request: string;
  receive: string;
  httpmethod: string;
  virtualhost?: string;
  checkport?: number;
  checkcommand: string;
  checkcount: number;
  /** The virtual address (or fwmark) and port, as ldirectord passes them to external checks. */
  virtualServer: string;
  virtualPort: string;
  /** The port of the real servers is known (else external checks get 0, as ldirectord passes). */
  realsHavePort: boolean;
  checkTimeoutMs: number;
  negotiateTimeoutMs: number;
  /** login=, passwd=, database= (the SQL services use them; ldap login and passwd; radius login, passwd and secret; sip login). */
  login?: string;
  passwd?: string;
  database?: string;
  secret?: string;
}

export interface CheckTranslation {
  check: Record<string, unknown>;
  timeoutMs: number;
  /** What this check is, for the comment. */
  summary: string;
  /** Differences from ldirectord's check, for the comment and --check. */
  differences: string[];
  /** Virtual settings this check took in (not to be listed as untranslated). */
  usedKeys?: string[];
  /** Virtual settings ldirectord's check uses and this one cannot, with why (listed as untranslated). */
  unusedKeys?: Record<string, string>;
}

const BANNER_SERVICES: Record<string, { banner: string; tls?: boolean; port: number }> = {
  pop: { banner: 'pop3', port: 110 },
  pops: { banner: 'pop3', tls: true, port: 995 },
  imap: { banner: 'imap', port: 143 },
  imaps: { banner: 'imap', tls: true, port: 993 },
  ftp: { banner: 'ftp', port: 21 },
  nntp: { banner: '^20[01]', port: 119 },
};


function always(input: LdirectordCheckInput, why: string): CheckTranslation {
  return {
    check: { type: 'script', convention: 'exit_code', command: 'true' },
    timeoutMs: input.checkTimeoutMs,
    summary: `${why}: every real server is up without a check (a script check running true)`,
    differences: [],
  };
}

/** ldirectord's ping: checkcount echo requests, up when any reply comes back (the icmp check's default min_replies). */
function ping(input: LdirectordCheckInput, why: string): CheckTranslation {
  const count = Math.min(ICMP_MAX_ECHOES, Math.max(1, Math.floor(input.checkcount)));
  const differences = count === input.checkcount ? [] : [`checkcount=${input.checkcount}: the icmp check sends 1 to ${ICMP_MAX_ECHOES} echo requests; it sends ${count}`];
  return {
    check: { type: 'icmp', count },
    timeoutMs: input.checkTimeoutMs * count + 1000,
    summary: `${why}: an icmp check, ${count} echo request${count > 1 ? 's' : ''} from Vigil's own raw socket (up when any reply comes back)`,
    differences,
  };
}

function connect(input: LdirectordCheckInput, why: string, differences: string[] = []): CheckTranslation {
  const check: Record<string, unknown> = { type: 'tcp' };
  if (input.checkport !== undefined) check.port = input.checkport;
  return { check, timeoutMs: input.checkTimeoutMs, summary: `${why}: a TCP connect`, differences };
}

/** Whether a receive regex matches an empty body (`.*` does); one JavaScript cannot read does not. */
function matchesEmpty(receive: string): boolean {
  try {
    return new RegExp(receive).test('');
  } catch {
    return false;
  }
}

function http(input: LdirectordCheckInput): CheckTranslation {
  const differences: string[] = [];
  let requestPath = input.request;
  if (/^https?:\/\//i.test(requestPath)) {
    const url = new URL(requestPath);
    requestPath = `${url.pathname}${url.search}`;
    differences.push(`request ${input.request} names a server: ldirectord requests that URL, Vigil requests ${requestPath} from each real server`);
  }
  const check: Record<string, unknown> = { type: 'http' };
  if (input.service === 'https') {
    check.scheme = 'https';
    check.tls_verify = false; // ldirectord (LWP, verify_hostname => 0) does not verify the certificate
  }
  if (input.checkport !== undefined) check.port = input.checkport;
  check.path = requestPath;
  if (input.httpmethod !== 'GET') check.method = input.httpmethod;
  if (input.virtualhost) check.host_header = input.virtualhost;
  check.expect_status = '200-299';
  check.follow_redirects = true; // LWP follows redirects and judges the final answer
  // A HEAD answer has no body: ldirectord's match of receive then fails every time (its manual says to leave receive unset with HEAD).
  const headWithReceive = input.httpmethod === 'HEAD' && input.receive !== '' && !matchesEmpty(input.receive);
  if (input.receive && !headWithReceive) check.expect_body = input.receive;
  if (headWithReceive) differences.push(`httpmethod=HEAD with receive="${input.receive}": a HEAD answer has no body, so ldirectord's check never matched and every real server stayed down; Vigil keeps HEAD without expect_body (up on a 2xx)`);
  if (input.service === 'http_proxy') differences.push('service=http_proxy: ldirectord fetches the request through the real server as a proxy; Vigil requests it from the real server directly');
  return {
    check,
    timeoutMs: input.negotiateTimeoutMs,
    summary: `checktype=negotiate service=${input.service}: an HTTP${input.service === 'https' ? 'S' : ''} ${input.httpmethod} of ${requestPath}, a 2xx answer (after redirects)${check.expect_body ? ` whose body matches /${input.receive}/` : ''}`,
    differences,
  };
}

function negotiate(input: LdirectordCheckInput): CheckTranslation {
  const service = input.service;
  if (service === 'http' || service === 'https' || service === 'http_proxy') return http(input);
  if (service === 'none') return always(input, 'service=none');
  if (service === 'smtp' || service === 'submission') {
    const check: Record<string, unknown> = { type: 'tcp' };
    if (input.checkport !== undefined) check.port = input.checkport;
    check.steps = [{ expect: '^220 ' }, { send: 'EHLO localhost\r\n' }, { expect: '^250 ' }, { send: 'QUIT\r\n' }];
    return { check, timeoutMs: input.negotiateTimeoutMs, summary: `service=${service}: the SMTP greeting and an EHLO`, differences: [] };
  }
  const banner = BANNER_SERVICES[service];
  if (banner) {
    const check: Record<string, unknown> = { type: 'tcp', banner: banner.banner };
    if (banner.tls) Object.assign(check, { tls: true, tls_verify: false });
    if (input.checkport !== undefined) check.port = input.checkport;
    const differences = ['ftp', 'pop', 'pops', 'imap', 'imaps'].includes(service) ? [`service=${service}: ldirectord logs in (login/passwd) when given; Vigil checks the greeting only`] : [];
    // check_ftp logs in, downloads the request file and wants receive in what it got.
    const download = "ldirectord's ftp check logs in, downloads the request= file and looks for receive= in it; Vigil's tcp check reads the FTP greeting only (a script check can do the download)";
    const unusedKeys = service === 'ftp' ? { request: download, receive: download } : undefined;
    return { check, timeoutMs: input.negotiateTimeoutMs, summary: `service=${service}: the server's greeting${banner.tls ? ' over TLS' : ''}`, differences, unusedKeys };
  }
  if (service === 'dns') {
    const name = input.request.replace(/^\//, '') || '.';
    const check: Record<string, unknown> = { type: 'dns', name, query_type: isIP(name) ? 'PTR' : 'A' };
    if (input.checkport !== undefined) check.port = input.checkport;
    if (input.receive) check.expect_answer_match = [input.receive];
    else check.min_answers = 1;
    return { check, timeoutMs: input.negotiateTimeoutMs, summary: `service=dns: a ${check.query_type as string} query for ${name}${input.receive ? ` with an answer matching /${input.receive}/` : ''}`, differences: [] };
  }
  if (service === 'simpletcp') {
    const check: Record<string, unknown> = { type: 'tcp' };
    if (input.checkport !== undefined) check.port = input.checkport;
    const steps: Array<Record<string, string>> = [{ send: input.request.replace(/^\//, '').replace(/\\n/g, '\n') }];
    if (input.receive) steps.push({ expect: input.receive });
    check.steps = steps;
    return { check, timeoutMs: input.negotiateTimeoutMs, summary: 'service=simpletcp: send the request, expect the receive regex', differences: [] };
  }
  if (service === 'mysql' || service === 'pgsql') return sql(input, service);
  if (service === 'ldap') return ldap(input);
  if (service === 'radius') return radius(input);
  if (service === 'sip') return sip(input);
  // oracle: a protocol Vigil has no built-in check for.
  return standIn(input, `service=${service}: Vigil has no ${service} check`);
}

/** A UDP probe (down on ICMP port unreachable) or a TCP connect, for a service Vigil cannot check as ldirectord does. */
function standIn(input: LdirectordCheckInput, why: string): CheckTranslation {
  if (input.protocol === 'udp') {
    const check: Record<string, unknown> = { type: 'udp', no_reply_ok: true };
    if (input.checkport !== undefined) check.port = input.checkport;
    return { check, timeoutMs: input.negotiateTimeoutMs, summary: `${why}: a UDP probe (down on ICMP port unreachable)`, differences: [`${why}; a UDP probe stands in (write a script check for the real protocol)`] };
  }
  return connect({ ...input, checkTimeoutMs: input.negotiateTimeoutMs }, why, [`${why}; a TCP connect stands in (write a script check for the real protocol)`]);
}

/** service=mysql|pgsql: log in (login, passwd, database) and run the request as a query. */
function sql(input: LdirectordCheckInput, service: 'mysql' | 'pgsql'): CheckTranslation {
  const why = `service=${service}`;
  if (!input.login) {
    return connect({ ...input, checkTimeoutMs: input.negotiateTimeoutMs }, `${why} without login=`, [`${why} without login=: ldirectord cannot log in either; a TCP connect stands in`]);
  }
  const query = input.request.replace(/^\//, '');
  const check: Record<string, unknown> = { type: service, user: input.login };
  if (input.passwd) check.password = input.passwd;
  if (input.database) check.database = input.database;
  if (query) check.query = query;
  if (input.checkport !== undefined) check.port = input.checkport;
  const differences: string[] = [];
  if (!query) differences.push(`${why} without request=: ldirectord needs a query; Vigil runs SELECT 1`);
  if (input.passwd) differences.push(`${why}: ${inlineSecretsNote(['passwd='], ['password'], 'ldirectord.cf')}`);
  const into = input.database ? ` to database ${input.database}` : '';
  return {
    check,
    timeoutMs: input.negotiateTimeoutMs,
    summary: `${why}: log in as ${input.login}${into} and run ${query || 'SELECT 1'}; up when it returns a row`,
    differences,
    usedKeys: ['login', 'passwd', 'database'],
  };
}

/**
 * service=ldap, as ldirectord's check_ldap: bind as login with passwd (anonymously unless both are
 * given), then a base-scope search of the request for (objectClass=*); up when it returns the entry
 * and, with receive, the entry's DN matches it.
 */
function ldap(input: LdirectordCheckInput): CheckTranslation {
  const why = 'service=ldap';
  const base = input.request.replace(/^\//, '');
  const check: Record<string, unknown> = { type: 'ldap' };
  const differences: string[] = [];
  if (input.login && input.passwd) {
    check.bind_dn = input.login;
    check.password = input.passwd;
    differences.push(`${why}: ${inlineSecretsNote(['passwd='], ['password'], 'ldirectord.cf')}`);
  } else if (input.login || input.passwd) {
    differences.push(`${why} with ${input.login ? 'login= but no passwd=' : 'passwd= but no login='}: ldirectord binds anonymously, and so does Vigil`);
  }
  if (base) check.base = base;
  if (input.receive) check.expect = input.receive;
  if (input.checkport !== undefined) check.port = input.checkport;
  const bind = check.bind_dn ? `bind as ${input.login}` : 'bind anonymously';
  return {
    check,
    // ldirectord's alarm for the whole check is checktimeout (negotiatetimeout bounds each exchange).
    timeoutMs: input.checkTimeoutMs,
    summary: `${why}: ${bind} and search ${base || 'the root DSE'} (scope base); up when the entry is returned${input.receive ? ` and its DN matches /${input.receive}/` : ''}`,
    differences,
    usedKeys: ['login', 'passwd'],
  };
}

/**
 * service=radius, as ldirectord's check_radius (Authen::Radius check_pwd): an Access-Request with
 * User-Name login and User-Password passwd, made with the shared secret; up on Access-Accept only
 * (an Access-Reject is down).
 */
function radius(input: LdirectordCheckInput): CheckTranslation {
  const why = 'service=radius';
  const usedKeys = ['login', 'passwd', 'secret'];
  if (!input.login || !input.secret) {
    const missing = [input.login ? '' : 'login=', input.secret ? '' : 'secret='].filter(Boolean).join(' and ');
    const standing = standIn(input, `${why} without ${missing}`);
    standing.differences = [
      `${why} without ${missing}: ldirectord sends ${[input.login ? '' : 'an empty User-Name', input.secret ? '' : 'an empty shared secret'].filter(Boolean).join(' and ')}, which no RADIUS server accepts; ${standing.check.type === 'udp' ? 'a UDP probe' : 'a TCP connect'} stands in (give login=, passwd= and secret= for the radius check)`,
    ];
    return { ...standing, usedKeys };
  }
  const check: Record<string, unknown> = { type: 'radius', user: input.login };
  if (input.passwd) check.password = input.passwd;
  check.secret = input.secret;
  if (input.checkport !== undefined) check.port = input.checkport;
  return {
    check,
    // ldirectord's alarm is checktimeout, Authen::Radius waits negotiatetimeout: the shorter one counts.
    timeoutMs: Math.min(input.checkTimeoutMs, input.negotiateTimeoutMs),
    summary: `${why}: an Access-Request for ${input.login}${input.passwd ? '' : ' (empty password)'}; up on Access-Accept`,
    differences: [`${why}: ${input.passwd ? inlineSecretsNote(['secret=', 'passwd='], ['secret', 'password'], 'ldirectord.cf') : inlineSecretsNote(['secret='], ['secret'], 'ldirectord.cf')}`],
    usedKeys,
  };
}

/**
 * service=sip, as ldirectord's check_sip: an OPTIONS request for login (Request-URI, To and From;
 * ldirectord's default ldirectord@<hostname> is the sip check's too), over the virtual service's
 * protocol (UDP, else TCP); up on a 200 status line.
 */
function sip(input: LdirectordCheckInput): CheckTranslation {
  const check: Record<string, unknown> = { type: 'sip' };
  if (input.protocol !== 'udp') check.transport = 'tcp'; // ldirectord opens a stream socket for tcp and fwm
  if (input.login) check.user = input.login;
  if (input.checkport !== undefined) check.port = input.checkport;
  return {
    check,
    timeoutMs: input.negotiateTimeoutMs, // check_sip's alarm is negotiatetimeout
    summary: `service=sip: an OPTIONS request for ${input.login ?? 'ldirectord@<hostname>'} over ${input.protocol === 'udp' ? 'UDP' : 'TCP'}; up on 200`,
    differences: ['service=sip: ldirectord wants the status line "SIP/2.0 200 OK" to the letter; Vigil wants status 200, whatever the reason phrase'],
    usedKeys: ['login'],
  };
}

export function translateLdirectordCheck(input: LdirectordCheckInput): CheckTranslation | string {
  const type = input.checktype;
  if (type === 'negotiate') return negotiate(input);
  if (/^\d+$/.test(type)) {
    const translated = negotiate(input);
    translated.differences.push(`checktype=${type}: ldirectord negotiates once every ${type} connect checks; Vigil negotiates at every check`);
    return translated;
  }
  if (type === 'connect') return input.protocol === 'udp' ? ping(input, 'checktype=connect on UDP (ldirectord pings)') : connect(input, 'checktype=connect');
  if (type === 'ping') return ping(input, 'checktype=ping');
  if (type === 'on') return always(input, 'checktype=on');
  if (type === 'external' || type === 'external-perl') {
    // Split as keepalived's misc_path is: Vigil runs `command` as a program path, with `args`.
    const words = splitCommandLine(input.checkcommand);
    if (typeof words === 'string') return `checkcommand=${input.checkcommand}: ${words}`;
    const [command, ...own] = words;
    const check: Record<string, unknown> = {
      type: 'script',
      convention: 'exit_code',
      command,
      args: [...own.map(literalArgument), literalArgument(input.virtualServer), literalArgument(input.virtualPort), '{address}', input.realsHavePort ? '{port}' : '0'],
    };
    const differences = type === 'external-perl' ? ['checktype=external-perl: the script runs as its own process (as checktype=external) instead of inside ldirectord'] : [];
    if (own.length) {
      differences.push(`checkcommand="${input.checkcommand}": ldirectord execs the whole string as one program name (with its four arguments), which fails, so its check always failed; Vigil runs ${command} with ${own.join(' ')} before the four arguments`);
    }
    return { check, timeoutMs: input.checkTimeoutMs, summary: `checktype=${type}: ${input.checkcommand} with ldirectord's four arguments (virtual address, virtual port, real address, real port); exit 0 is up`, differences };
  }
  if (type === 'off') return 'checktype=off: ldirectord activates neither the real servers nor the fallback';
  return `checktype=${type} is not one ldirectord knows`;
}
