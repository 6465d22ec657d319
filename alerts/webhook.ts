// POSTs each alert as JSON to a URL. A 2xx answer is a delivered alert; anything else (another
// status, a refused connection, the timeout) fails the attempt, and the queue retries it. Each
// delivery carries an Idempotency-Key that stays the same across its retries, so a receiver can
// drop a duplicate.
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { basicAuthorization, defineAlert, describeError, headerOptionsShape, headersFromEnv, holdsSecrets, passwordInUrl, z, type AlertContext, type AlertEvent } from 'vigil/plugin';

/** Where a URL's user and password go instead of the config file. */
const BASIC_AUTH_FROM_ENV = "send the user and password in an Authorization header from the daemon's environment instead (headers_env: { Authorization: VARIABLE }, VARIABLE holding 'Basic ' and the base64 of user:password)";

const options = z.strictObject({
  url: holdsSecrets(
    z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).meta({ description: 'Where to send the event' }),
    passwordInUrl(BASIC_AUTH_FROM_ENV),
  ),
  method: z.enum(['POST', 'PUT']).default('POST'),
  // Authorization, X-API-Key and the like written in headers are warned about: headers_env keeps them out.
  ...headerOptionsShape('Extra request headers'),
  tls_verify: z.boolean().default(true),
});

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

async function post(payload: string, opts: z.output<typeof options>, ctx: AlertContext): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'vigil', ...opts.headers };
  if (ctx.deliveryId) headers['idempotency-key'] = ctx.deliveryId;
  Object.assign(headers, headersFromEnv(opts.headers_env));
  // A user:password@ in the URL goes as Basic authentication, unless a header says otherwise.
  const url = new URL(opts.url);
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
    throw new Error(`${opts.method} ${shownUrl(opts.url)}: ${describeError(err)}`);
  }
  const text = (await answerExcerpt(response.body)).trim();
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new Error(`${opts.method} ${shownUrl(opts.url)}: HTTP ${response.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`);
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
