// HTTP(S) check with undici, with the options keepalived's HTTP_GET/SSL_GET, ldirectord and
// blackbox's http prober have: status sets, body regex and MD5 digest, header matches, virtual
// host, TLS settings, redirects, a latency warning. A new connection per check by default, so a
// server whose accept queue is dead is seen as down (keep-alive is an option).
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'undici';
import {
  addressFromUrl,
  basicAuthorization,
  type CheckContext,
  checkPort,
  type CheckResult,
  defineCheck,
  describeError,
  duration,
  excerpt,
  exchangeHttp,
  formatDuration,
  headerOptionsShape,
  headersFromEnv,
  ipAddressOption,
  joinHostPort,
  portFromUrl,
  portOption,
  redactedUrl,
  regexOption,
  type Target,
  tlsConnectOptions,
  tlsOptionsShape,
  z,
} from 'vigil/plugin';

/** `200-299 301 503`, `200` or `[200, "300-399"]` → a predicate on status codes. */
export function parseStatusSet(spec: string | number | Array<number | string>): ((status: number) => boolean) | string {
  const parts = (Array.isArray(spec) ? spec.map(String) : String(spec).split(/[\s,]+/)).filter(Boolean);
  const ranges: Array<[number, number]> = [];
  for (const part of parts) {
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!match) return `expected status codes like "200-299 301", got ${JSON.stringify(part)}`;
    const [low, high] = [Number(match[1]), Number(match[2] ?? match[1])];
    if (low > high) return `${JSON.stringify(part)} is an empty range: write the lower code first (${high}-${low})`;
    ranges.push([low, high]);
  }
  if (!ranges.length) return 'expected at least one status code';
  return (status) => ranges.some(([low, high]) => status >= low && status <= high);
}

const statusSet = z
  .union([z.string(), z.int(), z.array(z.union([z.int(), z.string()]))])
  .superRefine((value, ctx) => {
    const parsed = parseStatusSet(value);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const options = z.strictObject({
  scheme: z.enum(['http', 'https']).default('http').describe('https for TLS (keepalived SSL_GET)'),
  port: portOption().optional().describe("Port to check, over the host entry's (default: the host entry's, else 80/443)"),
  path: z.string().startsWith('/').default('/').describe('Path and query to request'),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']).default('GET').describe('Request method'),
  host_header: z.string().min(1).optional().describe('Host header (virtual host), also the default TLS server name; default: the target address[:port]'),
  // Authorization and the like written in headers are warned about: headers_env keeps them out.
  ...headerOptionsShape('More request headers'),
  body: z.string().optional().describe('Request body (for POST/PUT)'),
  expect_status: statusSet.default('200-399').describe('Accepted status codes: "200-299 301"'),
  expect_body: regexOption().optional().describe('The body must match this regular expression'),
  reject_body: regexOption().optional().describe('The body must not match this regular expression'),
  digest: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, { error: 'expected an MD5 digest: 32 hex digits (as keepalived genhash prints it)' })
    .optional()
    .describe('MD5 of the whole body (keepalived digest)'),
  expect_headers: z
    .record(z.string(), regexOption())
    .default({})
    .describe('Response headers that must be present and match a regular expression: { content-type: "^text/html" }'),
  max_body_bytes: z.int().min(0).default(1_048_576).describe('Bytes of the body read for expect_body/reject_body/digest; the rest is not read'),
  follow_redirects: z.boolean().default(false).describe('Follow 301/302/303/307/308 (off: a redirect is judged by expect_status)'),
  max_redirects: z.int().min(1).max(20).default(5).describe('With follow_redirects: more than this many is a failure'),
  warn_latency: duration().optional().describe('An answer slower than this is a warning instead of up'),
  keepalive: z.boolean().default(false).describe('Reuse the connection between checks (default: a new connection per check)'),
  source_address: ipAddressOption().optional().describe('Local address to connect from (keepalived bindto)'),
  ...tlsOptionsShape,
});
type HttpOptions = z.output<typeof options>;

// ---- transport: the one place a request goes out (kept small so it can be optimised alone) ----

interface HttpRequest {
  /** For undici (keepalive); the new-connection path uses address and port. */
  origin: string;
  address: string;
  port: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Bytes of the body to keep; 0 = read and drop it. */
  maxBodyBytes: number;
  keepalive: boolean;
  localAddress?: string;
  tls?: ConnectionOptions;
  /** Reuse one client per key (the target); without it the client is closed after the request. */
  reuseKey?: string;
}

interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body was longer than maxBodyBytes; `body` holds the first part. */
  truncated: boolean;
}

// Two ways out. The default, a new connection per check, goes through exchangeHttp (a plain
// socket and http-parser-js): about the cost of a raw socket. undici keeps the connection for
// `keepalive: true`, where reusing it is the point. Measured on the 2-core machine, CPU-s per 1000
// new-connection GETs, 50 in flight: exchangeHttp 0.13, undici dispatch with reset 0.24-0.30,
// undici request 0.28-0.32, node:http with agent:false 0.19-0.24, a raw socket 0.12 (one run,
// other load on the machine). undici builds an error with a stack trace for every connection it
// resets, and its per-request machinery is made for pooled connections.
// One undici Client per target (never per origin) because a Client is one connection: checks of
// other services must not queue behind a slow one. A client not used for IDLE_CLIENT_MS is
// closed: its target has left the configuration, or checks so rarely that the server will have
// closed the connection anyway (servers' keep-alive timeouts are seconds to a minute or so).
const IDLE_CLIENT_MS = 120_000;
const clients = new Map<string, { fingerprint: string; client: Client; usedAt: number }>();
let idleSweep: NodeJS.Timeout | undefined;

/** Closes kept-alive clients not used for `idleForMs`; returns how many. */
export function closeIdleHttpClients(idleForMs: number = IDLE_CLIENT_MS, now: number = Date.now()): number {
  let closed = 0;
  for (const [key, { client, usedAt }] of clients) {
    if (now - usedAt < idleForMs) continue;
    clients.delete(key);
    client.close().catch(() => undefined); // lets a request still in flight finish
    closed++;
  }
  if (!clients.size && idleSweep) {
    clearInterval(idleSweep);
    idleSweep = undefined;
  }
  return closed;
}
const bufferIds = new WeakMap<Buffer, number>();
let nextBufferId = 1;

function fingerprintOf(request: HttpRequest): string {
  const id = (value: unknown) => {
    if (!Buffer.isBuffer(value)) return '';
    if (!bufferIds.has(value)) bufferIds.set(value, nextBufferId++);
    return bufferIds.get(value);
  };
  const tls = request.tls;
  return [request.origin, request.localAddress, tls?.rejectUnauthorized, tls?.servername, id(tls?.ca), id(tls?.cert), id(tls?.key)].join('|');
}

function newClient(request: HttpRequest): Client {
  return new Client(request.origin, { connect: { ...request.tls }, localAddress: request.localAddress, pipelining: 1 });
}

function clientFor(request: HttpRequest): Client {
  if (!request.reuseKey) return newClient(request);
  const fingerprint = fingerprintOf(request);
  const cached = clients.get(request.reuseKey);
  if (cached?.fingerprint === fingerprint && !cached.client.destroyed && !cached.client.closed) {
    cached.usedAt = Date.now();
    return cached.client;
  }
  cached?.client.destroy().catch(() => undefined);
  const client = newClient(request);
  clients.set(request.reuseKey, { fingerprint, client, usedAt: Date.now() });
  // unref: the sweep never keeps the daemon (or a one-off `vigil probe`) running.
  idleSweep ??= setInterval(() => closeIdleHttpClients(), IDLE_CLIENT_MS / 4).unref();
  return client;
}

async function send(request: HttpRequest, ctx: CheckContext): Promise<HttpResponse> {
  if (!request.keepalive) {
    return exchangeHttp(
      {
        address: request.address,
        port: request.port,
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
        tls: request.tls,
        localAddress: request.localAddress,
        maxBodyBytes: request.maxBodyBytes,
      },
      ctx,
    );
  }
  const client = clientFor(request);
  try {
    const response = await client.request({
      method: request.method as 'GET',
      path: request.path,
      headers: request.headers,
      body: request.body,
      signal: ctx.signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    if (request.maxBodyBytes === 0) {
      await response.body.dump();
    } else {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        const room = request.maxBodyBytes - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        if (chunk.length > room) {
          truncated = true;
          break; // leaving the loop destroys the body stream and its connection
        }
      }
    }
    return { status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks), truncated };
  } finally {
    if (!request.reuseKey) client.destroy().catch(() => undefined);
  }
}

// ---- the check ----

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** What is wrong with a response, or undefined when it passes every test. */
function verdict(response: HttpResponse, opts: HttpOptions, accepts: (status: number) => boolean): string | undefined {
  if (!accepts(response.status)) return `status ${response.status} not in ${JSON.stringify(opts.expect_status)}`;
  for (const [name, pattern] of Object.entries(opts.expect_headers)) {
    const value = headerText(response.headers[name.toLowerCase()]);
    if (value === undefined) return `header ${name} missing`;
    if (!new RegExp(pattern).test(value)) return `header ${name}: ${JSON.stringify(value)} does not match /${pattern}/`;
  }
  const text = opts.expect_body || opts.reject_body ? response.body.toString('utf8') : '';
  if (opts.expect_body && !new RegExp(opts.expect_body).test(text)) return `body does not match /${opts.expect_body}/`;
  if (opts.reject_body && new RegExp(opts.reject_body).test(text)) return `body matches /${opts.reject_body}/, which it must not`;
  if (opts.digest) {
    if (response.truncated) return `body longer than max_body_bytes (${opts.max_body_bytes}): cannot check its digest`;
    const md5 = createHash('md5').update(response.body).digest('hex');
    if (md5 !== opts.digest.toLowerCase()) return `body MD5 ${md5} differs from digest ${opts.digest.toLowerCase()}`;
  }
  return undefined;
}

/** `http://10.0.0.1:8080`; the scheme's default port is left out, as URLs write it. */
function originOf(scheme: string, address: string, port: number): string {
  const defaultPort = scheme === 'https' ? 443 : 80;
  return `${scheme}://${joinHostPort(address, port === defaultPort ? undefined : port)}`;
}

/** The status predicate of each options object, parsed once (a check runs thousands of times). */
const statusPredicates = new WeakMap<HttpOptions, (status: number) => boolean>();

function acceptsFor(opts: HttpOptions): (status: number) => boolean {
  let accepts = statusPredicates.get(opts);
  if (!accepts) statusPredicates.set(opts, (accepts = parseStatusSet(opts.expect_status) as (status: number) => boolean));
  return accepts;
}

/** Where a request goes; a URL object is only made when a redirect has to be resolved. */
interface Hop {
  scheme: 'http' | 'https';
  address: string;
  port: number;
  /** Path and query as sent. */
  path: string;
}

const hopOrigin = (hop: Hop) => originOf(hop.scheme, hop.address, hop.port);

/** A configured path as it goes on the request line: as written, unless it needs encoding. */
function requestPath(path: string): string {
  if (/^[\x21-\x7e]*$/.test(path)) return path;
  const url = new URL(path, 'http://x');
  return `${url.pathname}${url.search}`;
}

async function check(target: Target, opts: HttpOptions, ctx: CheckContext): Promise<CheckResult> {
  const defaultPort = opts.scheme === 'https' ? 443 : 80;
  const port = checkPort(target, opts.port, defaultPort);
  const bracketed = target.address.includes(':') ? `[${target.address}]` : target.address;
  const hostHeader = opts.host_header ?? (port === defaultPort ? bracketed : `${bracketed}:${port}`);
  const needsBody = Boolean(opts.expect_body || opts.reject_body || opts.digest);
  const accepts = acceptsFor(opts);

  let hop: Hop = { scheme: opts.scheme, address: target.address, port, path: requestPath(opts.path) };
  let method: string = opts.method;
  let body = opts.body;
  let fromEnv: Record<string, string>;
  try {
    fromEnv = headersFromEnv(opts.headers_env);
  } catch (err) {
    return { status: 'unknown', message: describeError(err) }; // our configuration, not the server
  }
  let headers: Record<string, string> = { 'user-agent': 'vigil-health-check', ...opts.headers, ...fromEnv, host: hostHeader };
  const firstOrigin = hopOrigin(hop);
  const started = performance.now();
  let response: HttpResponse;
  for (let redirects = 0; ; redirects++) {
    const origin = hopOrigin(hop);
    const firstHop = origin === firstOrigin && headers.host === hostHeader;
    let tls: ConnectionOptions | undefined;
    try {
      if (hop.scheme === 'https') tls = await tlsConnectOptions(opts, headers.host);
    } catch (err) {
      return { status: 'unknown', message: describeError(err) }; // our configuration, not the server
    }
    response = await send({
      origin,
      address: hop.address,
      port: hop.port,
      method,
      path: hop.path,
      headers,
      body,
      maxBodyBytes: needsBody ? opts.max_body_bytes : 0,
      keepalive: opts.keepalive,
      localAddress: opts.source_address,
      tls,
      reuseKey: firstHop ? target.id : undefined,
    }, ctx);
    const location = headerText(response.headers.location);
    if (!opts.follow_redirects || !REDIRECT_STATUSES.has(response.status) || !location) break;
    if (redirects >= opts.max_redirects) return { status: 'down', message: `more than ${opts.max_redirects} redirects, last to ${location}` };
    const next = new URL(location, `${origin}${hop.path}`);
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    // The check stays on its real server, as check_http's `-f sticky` does: the Location's host
    // is most often the public name, which leads to the VIP (the pool, not this server), so it
    // only becomes the Host header. Same scheme, same port (LVS may map the public port to this
    // one); a new scheme, the Location's port or that scheme's default.
    if (next.origin !== origin) headers = { ...headers, host: next.host };
    const scheme = next.protocol === 'https:' ? 'https' : 'http';
    const nextPort = scheme === hop.scheme ? hop.port : Number(next.port) || (scheme === 'https' ? 443 : 80);
    hop = { scheme, address: target.address, port: nextPort, path: `${next.pathname}${next.search}` };
  }
  const latencyMs = performance.now() - started;
  // A token in the query (?token=) stays out of the message, which the history, logs and alerts keep.
  const line = `HTTP ${response.status} from ${redactedUrl(`${hopOrigin(hop)}${hop.path}`)}`;
  const problem = verdict(response, opts, accepts);
  if (problem) return { status: 'down', message: `${line}: ${problem}`, detail: response.body.length ? excerpt(response.body, 2_000) : undefined, latencyMs };
  if (opts.warn_latency !== undefined && latencyMs > opts.warn_latency) {
    return { status: 'warning', message: `${line}, slow: ${formatDuration(latencyMs)} > warn_latency ${formatDuration(opts.warn_latency)}`, latencyMs };
  }
  return { status: 'up', message: line, latencyMs };
}

export default defineCheck({
  type: 'http',
  description: 'UP when an HTTP(S) request answers with an expected status (and body, digest, headers)',
  options,
  schemes: ['http', 'https'],
  fromUrl(url) {
    // The query belongs to the path here, so options come from -o, not from the URL. A user and
    // password in it are sent as Basic authentication, as curl sends them.
    const basic = basicAuthorization(url);
    const options = { scheme: url.protocol.slice(0, -1), path: `${url.pathname}${url.search}`, ...(basic ? { headers: { authorization: basic } } : {}) };
    return { address: addressFromUrl(url), port: portFromUrl(url), options };
  },
  async run(target, opts, ctx) {
    try {
      return await check(target, opts, ctx);
    } catch (err) {
      return { status: 'down', message: describeError(err) };
    }
  },
});
