// POSTs each alert as JSON to a URL. A 2xx answer is a delivered alert; anything else (another
// status, a refused connection, the timeout) fails the attempt, and the queue retries it. Each
// delivery carries an Idempotency-Key that stays the same across its retries, so a receiver can
// drop a duplicate.
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import {
  basicAuthorization,
  defineAlert,
  describeError,
  headerOptionsShape,
  headersFromEnv,
  holdsSecrets,
  passwordInUrl,
  readSecret,
  secretOptionsShape,
  secretSourcesProblem,
  tokenInUrl,
  z,
  type AlertContext,
  type AlertEvent,
} from 'vigil/plugin';

/** Where a URL that is itself a secret (Slack's, Discord's) goes instead of the config file. */
const URL_FROM_ELSEWHERE = "put the URL in a file only the daemon's user can read (url_file) or in the daemon's environment (url_env)";

/** Where a URL's user and password go instead of the config file. */
const BASIC_AUTH_ELSEWHERE = `${URL_FROM_ELSEWHERE}, or send the user and password in an Authorization header from the daemon's environment (headers_env: { Authorization: VARIABLE }, VARIABLE holding 'Basic ' and the base64 of user:password)`;

const HTTP_URL = { protocol: /^https?$/, error: 'expected an http:// or https:// URL' };

const options = z
  .strictObject({
    // A URL with a password, or one that is itself the token (a chat service's webhook), is warned about: url_file and url_env keep it out.
    url: holdsSecrets(z.url(HTTP_URL).meta({ description: 'Where to send the event' }), passwordInUrl(BASIC_AUTH_ELSEWHERE), tokenInUrl(URL_FROM_ELSEWHERE)).optional(),
    // Read at each delivery: a changed file needs no reload.
    ...secretOptionsShape('url', 'URL to send the event to'),
    method: z.enum(['POST', 'PUT']).default('POST'),
    // Authorization, X-API-Key and the like written in headers are warned about: headers_env keeps them out.
    ...headerOptionsShape('Extra request headers'),
    tls_verify: z.boolean().default(true),
  })
  .superRefine((opts, ctx) => {
    const sources = secretSourcesProblem(opts, 'url');
    if (sources) ctx.addIssue({ code: 'custom', path: ['url'], message: sources });
    if (opts.url === undefined && opts.url_env === undefined && opts.url_file === undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give url, url_file or url_env: where to send the event' });
    }
  });

type WebhookOptions = z.output<typeof options>;

/** The URL to send to: `url`, or read now from `url_env` or `url_file`; an error names the source, never the URL. */
function targetUrl(opts: WebhookOptions): string {
  const text = readSecret(opts, 'url')?.trim() ?? '';
  if (!z.url(HTTP_URL).safeParse(text).success) {
    const source = opts.url_env !== undefined ? `url_env: environment variable ${opts.url_env}` : `url_file ${opts.url_file}`;
    throw new Error(`${source} does not hold an http:// or https:// URL`);
  }
  return text;
}

/**
 * The URL as errors show it (log, attempts log in history.db): its origin only. Tokens live in the
 * password, the query and the path (Slack's /services/T…/B…/secret); the alert's name says which.
 */
function shownUrl(text: string): string {
  const url = new URL(text);
  return `${url.protocol}//${url.username ? `${url.username}:***@` : ''}${url.host}${url.pathname !== '/' || url.search ? '/…' : ''}`;
}

function body(event: AlertEvent | AlertEvent[], ctx: AlertContext): string {
  return JSON.stringify(Array.isArray(event) ? { alert: ctx.alert, kind: 'digest', events: event } : { alert: ctx.alert, ...event });
}

async function post(payload: string, opts: WebhookOptions, ctx: AlertContext): Promise<void> {
  const target = targetUrl(opts);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'vigil', ...opts.headers };
  if (ctx.deliveryId) headers['idempotency-key'] = ctx.deliveryId;
  Object.assign(headers, headersFromEnv(opts.headers_env));
  // A user:password@ in the URL goes as Basic authentication, unless a header says otherwise.
  const url = new URL(target);
  const basic = basicAuthorization(url);
  if (basic && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) headers.authorization = basic;
  url.username = url.password = '';
  let response;
  try {
    response = await request(url, {
      method: opts.method,
      headers,
      body: payload,
      signal: ctx.signal,
      headersTimeout: ctx.timeoutMs,
      bodyTimeout: ctx.timeoutMs,
      ...(opts.tls_verify ? {} : { dispatcher: insecureAgent() }),
    });
  } catch (err) {
    throw new Error(`${opts.method} ${shownUrl(target)}: ${describeError(err)}`);
  }
  const text = (await answerExcerpt(response.body)).trim();
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new Error(`${opts.method} ${shownUrl(target)}: HTTP ${response.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
}

/**
 * What the error message shows of a receiver's answer: its first bytes. The rest is not read (the
 * connection is closed instead), so a receiver that answers with an endless body costs nothing.
 */
const ANSWER_EXCERPT_BYTES = 4_096;

async function answerExcerpt(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= ANSWER_EXCERPT_BYTES) break; // leaving the loop destroys the body
    }
  } catch {
    // A body cut off half-way still says what it said so far.
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, ANSWER_EXCERPT_BYTES).toString('utf8');
}

/** One agent for every webhook with tls_verify: false (self-signed receivers). */
let insecure: Agent | undefined;
function insecureAgent(): Agent {
  insecure ??= new Agent({ connect: { rejectUnauthorized: false } });
  return insecure;
}

export default defineAlert({
  type: 'webhook',
  description: 'POST each alert as JSON to a URL (retried until it answers 2xx)',
  options,
  async fire(event, opts, ctx) {
    await post(body(event, ctx), opts, ctx);
  },
  async fireDigest(events, opts, ctx) {
    await post(body(events, ctx), opts, ctx);
  },
});
