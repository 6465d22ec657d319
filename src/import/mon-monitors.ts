// mon monitors that a built-in check does the same job as, with the options they take. Each
// entry reads the monitor's own arguments (getopts, as the Perl script does) and returns the
// check, the timeout the monitor would use, and what differs. Monitors not listed here, or
// called with arguments these do not understand, stay mon monitors run as script checks.
import { ICMP_MAX_ECHOES, inlineSecretsNote } from './import-text.js';

export interface BuiltinCheck {
  check: Record<string, unknown>;
  timeoutMs: number;
  /** What the built-in does differently from the monitor, for the comment and --check. */
  differences: string[];
}

/** Perl's getopts: `spec` like "p:t:u:a:m:o". Undefined when an argument is not an option. */
export function getopts(spec: string, args: string[]): Record<string, string | true> | undefined {
  const takesValue = new Map<string, boolean>();
  for (let i = 0; i < spec.length; i++) takesValue.set(spec[i]!, spec[i + 1] === ':');
  const options: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const match = /^-([A-Za-z0-9])(.*)$/.exec(args[i]!);
    if (!match || !takesValue.has(match[1]!)) return undefined;
    if (!takesValue.get(match[1]!)) {
      if (match[2]) return undefined;
      options[match[1]!] = true;
    } else if (match[2]) {
      options[match[1]!] = match[2];
    } else if (i + 1 < args.length) {
      options[match[1]!] = args[++i]!;
    } else {
      return undefined;
    }
  }
  return options;
}

/**
 * Perl's Getopt::Long for these option names: `--name=value`, `--name value`, `-name value`.
 * Undefined for anything else (an abbreviation, a flag, a host): the monitor then stays a script.
 */
export function getoptLong(names: string[], args: string[]): Record<string, string> | undefined {
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const match = /^--?([a-z]+)(?:=(.*))?$/.exec(args[i]!);
    if (!match || !names.includes(match[1]!)) return undefined;
    if (match[2] !== undefined) options[match[1]!] = match[2];
    else if (i + 1 < args.length) options[match[1]!] = args[++i]!;
    else return undefined;
  }
  return options;
}

const seconds = (value: string | true | undefined, fallback: number) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) * 1000 : fallback * 1000;
const port = (value: string | true | undefined, fallback: number) =>
  typeof value === 'string' && /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535 ? Number(value) : value === undefined ? fallback : undefined;

/** The built-in check doing a monitor's job; or why it stays the monitor (a string); undefined: the generic why. */
type Translator = (args: string[]) => BuiltinCheck | string | undefined;

/** fping waits half as long again at each retry: a longer wait than this is no health check. */
const MAX_FPING_WAIT_MS = 3_600_000;

/** Perl's `$opt{x} || fallback` for a whole number; undefined when the value is not one. */
function wholeOr(value: string | true | undefined, fallback: number): number | undefined {
  if (value === undefined || value === '' || value === '0') return fallback;
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * fping.monitor [-r retries (3)] [-t ms (2000)] [-T] runs `fping -e -r R -t T` over the group's
 * hosts: a host is up when one of its R + 1 echo requests is answered before fping gives up, T ms
 * after the first and half as long again after each retry. The icmp check sends R + 1 requests
 * and takes a reply to any of them within that whole wait. These stay the monitor: -a (the group
 * fails only when every host does: a verdict on the group, not on a host), -s (a slow reply is a
 * failure; warn_latency would make it a warning, which counts as up and alerts nobody), -h (prints
 * the usage, every host up).
 */
function fpingMonitor(args: string[]): BuiltinCheck | string | undefined {
  const opts = getopts('ahr:s:t:T', args);
  if (!opts) return undefined;
  if (opts.a) return '-a: the group fails only when every host does, a verdict on the group that a per-host check cannot give';
  if (opts.s && opts.s !== '0') return '-s: a slow reply is a failure; the icmp check makes it a warning (warn_latency), which counts as up';
  if (opts.h) return '-h: the monitor prints its usage and reports every host up';
  const retries = wholeOr(opts.r, 3);
  const firstWaitMs = wholeOr(opts.t, 2000);
  if (retries === undefined || !firstWaitMs) return undefined;
  if (retries + 1 > ICMP_MAX_ECHOES) return `-r ${retries}: the icmp check sends at most ${ICMP_MAX_ECHOES} echo requests`;
  let wholeWaitMs = 0;
  for (let attempt = 0; attempt <= retries; attempt++) wholeWaitMs += firstWaitMs * 1.5 ** attempt;
  if (wholeWaitMs > MAX_FPING_WAIT_MS) return `-r ${retries} -t ${firstWaitMs}: fping would wait over an hour`;
  const differences: string[] = [];
  if (retries > 0) differences.push(`fping sends a retry only while no reply has come, after ${firstWaitMs} ms and then half as long again each time; the icmp check sends all ${retries + 1}, 200 ms apart, and takes a reply to any of them until the timeout (fping's whole wait)`);
  if (opts.T) differences.push("-T: the monitor adds a traceroute of each unreachable host to the alert; the icmp check's message says what came back instead (no reply, or the ICMP error and the router that sent it)");
  return { check: { type: 'icmp', count: retries + 1 }, timeoutMs: Math.round(wholeWaitMs), differences };
}

/**
 * ping.monitor [-c count (1)] runs `ping -c COUNT` for each host (on Linux): up when one of COUNT
 * requests, a second apart, is answered; without any reply ping gives up 10 s after the last one.
 * -6 (ping6: a name's IPv6 address, where the icmp check takes a name's first address) stays the
 * monitor.
 */
function pingMonitor(args: string[]): BuiltinCheck | string | undefined {
  const opts = getopts('c:6', args);
  if (!opts) return undefined;
  if (opts['6']) return "-6: ping6 checks a name's IPv6 address, the icmp check a name's first address";
  const count = opts.c === undefined ? 1 : typeof opts.c === 'string' && /^\d+$/.test(opts.c) ? Number(opts.c) : 0;
  if (count < 1 || count > ICMP_MAX_ECHOES) return `-c ${String(opts.c)}: the icmp check sends 1 to ${ICMP_MAX_ECHOES} echo requests`;
  const differences = count > 1 ? [`ping sends its ${count} requests a second apart, the icmp check 200 ms apart; both take a reply to any of them`] : [];
  return { check: { type: 'icmp', count }, timeoutMs: (count - 1) * 1000 + 10_000, differences };
}

/**
 * msql-mysql.monitor --mode mysql (or installed as mysql.monitor) --username U --password P|/file
 * --database D [--port 3306] [--timeout 60]: log in to the database and list its tables; OK when
 * there is at least one. mSQL mode stays the monitor.
 */
function mysqlMonitor(args: string[], namedMysql: boolean): BuiltinCheck | undefined {
  const opts = getoptLong(['mode', 'port', 'username', 'password', 'database', 'timeout'], args);
  if (!opts || /msql/i.test(opts.mode ?? '') || !(namedMysql || /mysql/i.test(opts.mode ?? ''))) return undefined;
  const p = port(opts.port, 3306);
  if (p === undefined || !opts.username || !opts.database) return undefined;
  const check: Record<string, unknown> = { type: 'mysql', port: p, user: opts.username, database: opts.database, query: 'SHOW TABLES' };
  const differences = ["the monitor lists the database's tables with DBI; Vigil runs SHOW TABLES (up when it returns one)"];
  // The monitor reads a --password starting with / from that file.
  if (opts.password?.startsWith('/')) check.password_file = opts.password;
  else if (opts.password) {
    check.password = opts.password;
    differences.push(inlineSecretsNote(['--password'], ['password'], 'mon.cf'));
  }
  return { check, timeoutMs: seconds(opts.timeout, 60), differences };
}

/**
 * radius.monitor [--username U] [--password P] [--secret S] [--port 1645] [--attempts 9]
 * [--dictionary FILE]: an Access-Request per host (Authen::Radius), sent again up to --attempts
 * more times while no valid reply comes; a failure on Access-Reject, OK on any other reply. A
 * missing (or empty, or 0) option takes the monitor's default: Perl's `||=`.
 */
function radiusMonitor(args: string[]): BuiltinCheck | undefined {
  const opts = getoptLong(['port', 'secret', 'username', 'password', 'attempts', 'dictionary'], args);
  if (!opts) return undefined;
  const p = opts.port === '0' ? 1645 : port(opts.port, 1645);
  const attempts = opts.attempts === undefined || opts.attempts === '0' ? 9 : /^\d+$/.test(opts.attempts) ? Number(opts.attempts) : undefined;
  // The check retries at most 20 times; more stays the monitor.
  if (p === undefined || attempts === undefined || attempts > 20) return undefined;
  const check: Record<string, unknown> = {
    type: 'radius',
    port: p,
    user: opts.username || 'username',
    password: opts.password || 'password',
    secret: opts.secret || 'radius-secret',
    // The monitor fails a host on Access-Reject only.
    expect: ['accept', 'challenge'],
    retries: attempts,
  };
  const differences = [
    'the monitor counts any reply but Access-Reject as OK; the check is up on Access-Accept and Access-Challenge',
    "the monitor sends this host's NAS-IP-Address; the check sends NAS-Identifier vigil and a Message-Authenticator",
  ];
  const defaulted = (['username', 'password', 'secret'] as const).filter((key) => !opts[key]).map((key) => `--${key}`);
  if (defaulted.length) differences.push(`without ${defaulted.join(', ')} the monitor sends its built-in defaults (username, password, radius-secret), and so does the check: set the real ones`);
  const inline = (['secret', 'password'] as const).filter((key) => opts[key]);
  if (inline.length) {
    differences.push(inlineSecretsNote(inline.map((key) => `--${key}`), inline, 'mon.cf'));
  }
  if (opts.dictionary) differences.push('--dictionary is not needed: the check sends its attributes by number');
  // Authen::Radius waits 5 seconds for each reply.
  return { check, timeoutMs: (attempts + 1) * 5000, differences };
}

/**
 * ldap.monitor [--port 389] --basedn B --filter F --attribute A --value V: an anonymous bind, a
 * subtree search; OK when it finds entries and each has attribute A with value V.
 */
function ldapMonitor(args: string[]): BuiltinCheck | undefined {
  const opts = getoptLong(['port', 'basedn', 'filter', 'attribute', 'value'], args);
  const p = opts && port(opts.port, 389);
  if (!opts || p === undefined) return undefined;
  // Net::LDAP takes a filter without its parentheses too.
  const filter = opts.filter ?? 'cn=Directory Admin';
  return {
    check: {
      type: 'ldap',
      port: p,
      base: opts.basedn ?? 'o=Your Org, c=US',
      scope: 'sub',
      filter: filter.startsWith('(') ? filter : `(${filter})`,
      expect_attribute: { name: opts.attribute ?? 'objectClass', value: opts.value ?? 'YourValue' },
    },
    timeoutMs: 30_000,
    differences: ["the monitor waits for the server as long as Net::LDAP does (120 s); the check gives up at the service's timeout (30 s)"],
  };
}

const MONITORS: Record<string, Translator> = {
  'fping.monitor': fpingMonitor,
  'ping.monitor': pingMonitor,
  'radius.monitor': radiusMonitor,
  'msql-mysql.monitor': (args) => mysqlMonitor(args, false),
  'mysql.monitor': (args) => mysqlMonitor(args, true),
  'ldap.monitor': ldapMonitor,
  // tcp.monitor [-p port (23)] [-t timeout (10)]: a TCP connect per host.
  'tcp.monitor': (args) => {
    const opts = getopts('p:t:', args);
    const p = opts && port(opts.p, 23);
    if (!opts || p === undefined) return undefined;
    return { check: { type: 'tcp', port: p }, timeoutMs: seconds(opts.t, 10), differences: [] };
  },
  // http.monitor [-p port (80)] [-t timeout (30)] [-u url (/)] [-a user-agent] [-m regex] [-o]:
  // GET over HTTP/1.0; OK on 200, 301, 302 or 401, or, with -m, when the regex matches.
  'http.monitor': (args) => {
    const opts = getopts('p:t:u:a:m:o', args);
    const p = opts && port(opts.p, 80);
    if (!opts || p === undefined) return undefined;
    const url = typeof opts.u === 'string' ? opts.u : '/';
    if (!url.startsWith('/')) return undefined;
    const check: Record<string, unknown> = { type: 'http', port: p, path: url, expect_status: '200 301 302 401' };
    const differences: string[] = [];
    if (typeof opts.m === 'string') {
      // With -m the monitor ignores the status and only asks the regex (over headers and body).
      check.expect_status = '100-599';
      check.expect_body = opts.m;
      differences.push("-m: the monitor matches the regex against headers and body, Vigil's expect_body against the body");
    }
    if (typeof opts.a === 'string') check.headers = { 'user-agent': opts.a };
    return { check, timeoutMs: seconds(opts.t, 30), differences };
  },
  // smtp.monitor [-p port (25)] [-t timeout (30)]: 220 greeting, HELO → 250, quit → 221.
  'smtp.monitor': (args) => {
    const opts = getopts('p:t:', args);
    const p = opts && port(opts.p, 25);
    if (!opts || p === undefined) return undefined;
    return {
      check: {
        type: 'tcp',
        port: p,
        steps: [{ expect: '^220 ' }, { send: 'HELO localhost\r\n' }, { expect: '^250 ' }, { send: 'QUIT\r\n' }, { expect: '^221 ' }],
      },
      timeoutMs: seconds(opts.t, 30),
      differences: ['HELO names localhost instead of this host'],
    };
  },
};

/** The built-in check for a mon monitor, or undefined when it stays a script check. */
export function builtinForMonitor(monitor: string, args: string[]): BuiltinCheck | undefined {
  const translated = MONITORS[monitor]?.(args);
  return typeof translated === 'object' ? translated : undefined;
}

/** Why a monitor stays a script check, for its comment. */
export function whyScript(monitor: string, args: string[]): string {
  if (!(monitor in MONITORS)) return 'no built-in check does the same job';
  const translated = MONITORS[monitor]!(args);
  return typeof translated === 'string' ? translated : 'its arguments go beyond what the built-in check covers';
}
