// One keepalived checker block (HTTP_GET, SSL_GET, TCP_CHECK, SMTP_CHECK, DNS_CHECK, MISC_CHECK,
// UDP_CHECK, PING_CHECK) on one real server → the Vigil check and timing that do the same job.
// Timing follows keepalived's inheritance (checker, then real_server, then virtual_server, then
// the defaults) and its meanings: retry = extra checks after a failure, so fall = retry + 1.
import { splitCommandLine } from '../config/command-line.js';
import { literalArgument, parseSeconds } from './import-text.js';
import type { KeepalivedNode } from './parse-keepalived-conf.js';

export const CHECKER_TYPES = ['HTTP_GET', 'SSL_GET', 'TCP_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'MISC_CHECK', 'UDP_CHECK', 'PING_CHECK', 'BFD_CHECK', 'FILE_CHECK'];

/** keepalived's defaults per checker: retry (extra checks after a failure) and delay_before_retry. */
function defaultRetry(type: string): number {
  if (type === 'DNS_CHECK') return 3;
  if (type === 'MISC_CHECK') return 0;
  return 1;
}

export interface Timing {
  intervalMs: number;
  timeoutMs: number;
  fall: number;
  fastIntervalMs: number;
  spreadMs: number;
  alpha: boolean;
}

export interface CheckerTranslation {
  check: Record<string, unknown>;
  timing: Timing;
  summary: string;
  /** Differences from keepalived's checker. */
  differences: string[];
  /** Keywords of the checker that were not translated, with why (and how to cite a block, when not by its keyword). */
  untranslated: Array<{ node: KeepalivedNode; reason: string; text?: string }>;
}

const GENERIC = new Set(['connect_ip', 'connect_port', 'bindto', 'bind_if', 'bind_port', 'fwmark', 'alpha', 'connect_timeout', 'retry', 'nb_get_retry', 'delay_before_retry', 'warmup', 'delay_loop', 'log_all_failures']);
const GENERIC_REASONS: Record<string, string> = {
  connect_ip: 'the check goes to the real server itself',
  bind_if: 'Vigil picks the interface from the source address (source_address)',
  bind_port: 'Vigil does not pick a source port',
  fwmark: 'Vigil does not mark its check packets',
};

/** Each checker's own keywords (besides the generic ones), handled above. */
const OWN_KEYWORDS: Record<string, string[]> = {
  HTTP_GET: ['url', 'virtualhost', 'http_protocol', 'fast_recovery'],
  SSL_GET: ['url', 'virtualhost', 'http_protocol', 'fast_recovery', 'enable_sni'],
  SMTP_CHECK: ['helo_name', 'host'],
  DNS_CHECK: ['name', 'type'],
  MISC_CHECK: ['misc_path', 'misc_timeout', 'misc_dynamic', 'user'],
  UDP_CHECK: ['payload', 'require_reply', 'min_reply_length', 'max_reply_length'],
};

const child = (node: KeepalivedNode | undefined, keyword: string) => node?.children?.filter((c) => c.keyword === keyword).pop();
const boolOf = (node: KeepalivedNode | undefined) => node !== undefined && !/^(off|no|false|0)$/i.test(node.args[0] ?? 'on');

/** A setting looked up checker → real server → virtual server. */
export function inherited(keyword: string, ...levels: Array<KeepalivedNode | undefined>): KeepalivedNode | undefined {
  for (const level of levels) {
    const found = child(level, keyword);
    if (found) return found;
  }
  return undefined;
}

export interface RealContext {
  address: string;
  port?: number;
  virtualServer: KeepalivedNode;
  realServer: KeepalivedNode;
  /** The SSL { } block at the top level, for SSL_GET. */
  ssl?: KeepalivedNode;
}

function timing(type: string, checker: KeepalivedNode | undefined, ctx: RealContext): Timing {
  const levels = [checker, ctx.realServer, ctx.virtualServer];
  const seconds = (keyword: string) => parseSeconds(inherited(keyword, ...levels)?.args[0]);
  const intervalMs = seconds('delay_loop') ?? 60_000;
  const retryNode = inherited('retry', ...levels) ?? inherited('nb_get_retry', ...levels);
  const retry = retryNode && /^\d+$/.test(retryNode.args[0] ?? '') ? Number(retryNode.args[0]) : defaultRetry(type);
  const defaultDelay = type === 'DNS_CHECK' ? intervalMs : type === 'HTTP_GET' || type === 'SSL_GET' ? 3000 : 1000;
  const timeoutMs = type === 'MISC_CHECK' ? (parseSeconds(child(checker, 'misc_timeout')?.args[0]) ?? intervalMs) : (seconds('connect_timeout') ?? 5000);
  return {
    intervalMs,
    timeoutMs,
    fall: retry + 1,
    fastIntervalMs: seconds('delay_before_retry') ?? defaultDelay,
    spreadMs: seconds('warmup') ?? intervalMs,
    alpha: boolOf(inherited('alpha', ...levels)),
  };
}

/** A word that is this real server's address or port becomes a placeholder, so one check fits every real server. */
function placeholderFor(word: string, ctx: RealContext): string {
  if (word === ctx.address) return '{address}';
  if (ctx.port !== undefined && word === String(ctx.port)) return '{port}';
  if (ctx.port !== undefined && word === `${ctx.address}:${ctx.port}`) return '{address}:{port}';
  return literalArgument(word);
}

/** A check a checker block became, besides its first (another url, another SMTP host). */
type ExtraCheck = { check: Record<string, unknown>; summary: string };

/** One url { } of HTTP_GET / SSL_GET: its check and summary; what it has that is not translated goes to `out`. */
function urlCheck(url: KeepalivedNode | undefined, checker: KeepalivedNode, ctx: RealContext, out: CheckerTranslation): ExtraCheck {
  const ssl = checker.keyword === 'SSL_GET';
  const check: Record<string, unknown> = { type: 'http' };
  if (ssl) {
    check.scheme = 'https';
    check.tls_verify = false; // keepalived's SSL_GET does not verify the server's certificate
  }
  check.path = child(url, 'path')?.args[0] ?? '/';
  const host = inherited('virtualhost', url, checker, ctx.realServer, ctx.virtualServer);
  if (host) check.host_header = host.args[0];
  check.expect_status = child(url, 'status_code')?.args.join(' ') || '200-299';
  const digest = child(url, 'digest');
  if (digest) check.digest = digest.args[0]!.toLowerCase();
  const regex = child(url, 'regex');
  if (regex) check[child(url, 'regex_no_match') ? 'reject_body' : 'expect_body'] = regex.args[0];
  if (ssl) {
    if (boolOf(child(checker, 'enable_sni')) && host) check.tls_server_name = host.args[0];
    else if (host && !out.differences.some((d) => d.startsWith('SSL_GET without enable_sni'))) out.differences.push('SSL_GET without enable_sni: keepalived sends no SNI; Vigil sends host_header as SNI');
    const cert = child(ctx.ssl, 'certificate');
    const key = child(ctx.ssl, 'key');
    if (cert) check.tls_cert = cert.args[0];
    if (key) check.tls_key = key.args[0];
  }
  for (const node of url?.children ?? []) {
    if (['path', 'status_code', 'digest', 'regex', 'regex_no_match', 'virtualhost'].includes(node.keyword)) continue;
    out.untranslated.push({ node, reason: node.keyword === 'regex_max_offset' ? 'max_body_bytes bounds how much of the body is read' : 'not supported by the http check' });
  }
  const summary = `${checker.keyword}: ${ssl ? 'HTTPS' : 'HTTP'} GET of ${check.path as string}, status in ${check.expect_status as string}${digest ? ', body MD5 as digest' : ''}${regex ? `, body ${child(url, 'regex_no_match') ? 'not ' : ''}matching the regex` : ''}`;
  return { check, summary };
}

/** HTTP_GET / SSL_GET: a check per url { } (keepalived needs every one to pass); the first goes in `out`, the others are returned. */
function httpChecks(checker: KeepalivedNode, ctx: RealContext, out: CheckerTranslation): ExtraCheck[] {
  const urls = checker.children?.filter((c) => c.keyword === 'url') ?? [];
  const [first, ...others] = (urls.length ? urls : [undefined]).map((url) => urlCheck(url, checker, ctx, out));
  out.check = first!.check;
  out.summary = first!.summary;
  const protocol = child(checker, 'http_protocol');
  if (protocol) out.differences.push(`http_protocol ${protocol.args[0]}: Vigil speaks HTTP/1.1 on a new connection per check`);
  return others;
}

/**
 * SMTP_CHECK: the greeting (220), HELO (250) and QUIT (221), as keepalived's checker. keepalived
 * makes each host { } a checker of its own: one on the real server (no connect_ip, or its address)
 * becomes a check with that host's connect_port and bindto; one on another host is listed, since
 * Vigil checks the real server itself. The first check goes in `out`, the others are returned.
 */
function smtpChecks(checker: KeepalivedNode, ctx: RealContext, out: CheckerTranslation): ExtraCheck[] {
  const helo = child(checker, 'helo_name')?.args[0] ?? 'localhost';
  const steps = [{ expect: '^220 ' }, { send: `HELO ${helo}\r\n` }, { expect: '^250 ' }, { send: 'QUIT\r\n' }, { expect: '^221 ' }];
  out.check = { type: 'tcp', steps };
  out.summary = 'SMTP_CHECK: the SMTP greeting, a HELO and a QUIT';
  const hosts = checker.children?.filter((c) => c.keyword === 'host') ?? [];
  const onRealServer: ExtraCheck[] = [];
  for (const host of hosts) {
    const ip = child(host, 'connect_ip')?.args[0];
    const port = child(host, 'connect_port')?.args[0];
    const bindto = child(host, 'bindto')?.args[0];
    if (ip !== undefined && ip !== ctx.address) {
      const where = `${ip}:${port ?? ctx.port ?? 25}${bindto ? ` from ${bindto}` : ''}`;
      out.untranslated.push({ node: host, reason: `keepalived also checks SMTP on ${where} for this real server (each host block is a checker of its own, and all must pass); Vigil checks the real server itself, not other hosts`, text: `host { connect_ip ${ip}${port ? ` connect_port ${port}` : ''}${bindto ? ` bindto ${bindto}` : ''} }` });
      continue;
    }
    const check: Record<string, unknown> = { type: 'tcp', steps };
    if (port !== undefined) check.port = Number(port);
    if (bindto !== undefined) check.source_address = bindto;
    onRealServer.push({ check, summary: `SMTP_CHECK host ${ip ?? ctx.address}${port ? `:${port}` : ''}: the SMTP greeting, a HELO and a QUIT` });
    for (const node of host.children ?? []) {
      if (!['connect_ip', 'connect_port', 'bindto'].includes(node.keyword)) out.untranslated.push({ node, reason: GENERIC_REASONS[node.keyword] ?? 'not a host option Vigil knows' });
    }
  }
  if (hosts.length && !onRealServer.length) out.differences.push('SMTP_CHECK: its host blocks are all other hosts, so keepalived never checks the real server itself; Vigil checks the real server');
  const [first, ...others] = onRealServer;
  if (first) {
    out.check = first.check;
    out.summary = first.summary;
  }
  return others;
}

function miscCheck(checker: KeepalivedNode, ctx: RealContext, out: CheckerTranslation): void {
  const path = child(checker, 'misc_path');
  const words = path ? splitCommandLine(path.args[0] ?? '') : 'MISC_CHECK without misc_path';
  if (typeof words === 'string') {
    out.check = { type: 'script', convention: 'exit_code', command: 'false' };
    out.untranslated.push({ node: path ?? checker, reason: `${words}: the check always fails until fixed` });
    return;
  }
  const dynamic = boolOf(child(checker, 'misc_dynamic'));
  const [command, ...args] = words;
  const check: Record<string, unknown> = { type: 'script', convention: dynamic ? 'misc_dynamic' : 'exit_code', command };
  if (args.length) check.args = args.map((word) => placeholderFor(word, ctx));
  out.check = check;
  out.summary = `MISC_CHECK: ${path!.args[0]} (its own arguments, nothing appended); exit 0 is up${dynamic ? ', 1 down, 2-255 up with weight = status - 2 (misc_dynamic)' : ''}`;
  const user = child(checker, 'user');
  if (user) out.untranslated.push({ node: user, reason: 'Vigil runs check scripts as its own user; run vigil as that user or make the script switch user' });
}

function udpCheck(checker: KeepalivedNode, out: CheckerTranslation): void {
  const check: Record<string, unknown> = { type: 'udp' };
  const payload = child(checker, 'payload');
  if (payload) check.payload_hex = payload.args.join(' ');
  else out.differences.push('UDP_CHECK without payload: keepalived sends random bytes, Vigil an empty datagram');
  const reply = child(checker, 'require_reply');
  if (!reply) check.no_reply_ok = true;
  else if (reply.args.length) check.expect_hex = reply.args.join(' ');
  const min = child(checker, 'min_reply_length');
  const max = child(checker, 'max_reply_length');
  if (min) check.min_length = Number(min.args[0]);
  if (max) check.max_length = Number(max.args[0]);
  out.check = check;
  out.summary = `UDP_CHECK: a datagram${reply ? ' and a reply' : ' (down only on ICMP unreachable)'}`;
}

/**
 * Translates a checker on one real server; `undefined` checker means none (keepalived: always up).
 * An HTTP_GET or SSL_GET with several url { } gives a translation per url, every one to pass.
 */
export function translateChecker(checker: KeepalivedNode | undefined, ctx: RealContext): CheckerTranslation[] {
  const type = checker?.keyword ?? 'none';
  const out: CheckerTranslation = { check: {}, timing: timing(type, checker, ctx), summary: '', differences: [], untranslated: [] };
  const connectPort = child(checker, 'connect_port');
  const bindto = child(checker, 'bindto');
  if (!checker || type === 'BFD_CHECK' || type === 'FILE_CHECK') {
    out.check = { type: 'script', convention: 'exit_code', command: 'true' };
    out.summary = checker ? `${type}: not translated, so the real server is always up` : 'no checker: keepalived never checks this real server (always up)';
    if (checker) out.untranslated.push({ node: checker, reason: `Vigil has no ${type}; the real server is imported as always up (a script check running true)` });
    return [out];
  }
  let extras: ExtraCheck[] = [];
  if (type === 'HTTP_GET' || type === 'SSL_GET') extras = httpChecks(checker, ctx, out);
  else if (type === 'TCP_CHECK') {
    out.check = { type: 'tcp' };
    out.summary = 'TCP_CHECK: a TCP connect';
  } else if (type === 'SMTP_CHECK') extras = smtpChecks(checker, ctx, out);
  else if (type === 'DNS_CHECK') {
    out.check = { type: 'dns', name: child(checker, 'name')?.args[0] ?? '.', query_type: (child(checker, 'type')?.args[0] ?? 'SOA').toUpperCase() };
    out.summary = `DNS_CHECK: a ${out.check.query_type as string} query for ${out.check.name as string}`;
  } else if (type === 'MISC_CHECK') miscCheck(checker, ctx, out);
  else if (type === 'UDP_CHECK') udpCheck(checker, out);
  else if (type === 'PING_CHECK') {
    out.check = { type: 'icmp' };
    out.summary = "PING_CHECK: an icmp check, one echo request from Vigil's own raw socket (up when it is answered)";
    if (bindto) out.untranslated.push({ node: bindto, reason: 'the icmp check sends from the address the kernel picks for the real server (it has no source_address)' });
  }
  // The checker's connect_port and bindto, for every check it became that has none of its own (an SMTP host block may).
  for (const check of [out.check, ...extras.map((extra) => extra.check)]) {
    if (connectPort && type !== 'MISC_CHECK' && type !== 'PING_CHECK' && check.port === undefined) check.port = Number(connectPort.args[0]);
    if (bindto && ['HTTP_GET', 'SSL_GET', 'TCP_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK'].includes(type) && check.source_address === undefined) check.source_address = bindto.args[0];
  }
  for (const node of checker.children ?? []) {
    if (GENERIC.has(node.keyword)) {
      if (GENERIC_REASONS[node.keyword]) out.untranslated.push({ node, reason: GENERIC_REASONS[node.keyword]! });
    } else if (!(OWN_KEYWORDS[type] ?? []).includes(node.keyword)) {
      out.untranslated.push({ node, reason: `not a ${type} option Vigil knows` });
    }
  }
  // The other urls or hosts: the same checker's timing; its notes are on the first.
  return [out, ...extras.map(({ check, summary }) => ({ check, timing: out.timing, summary, differences: [], untranslated: [] }))];
}
