// Mail per alert (or one digest per window, with `digest: 10m` on the alert) over SMTP: STARTTLS
// or implicit TLS, authentication with the password from an environment variable or a file —
// never written in the config. Subject and body are templates over the event's fields.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import nodemailer from 'nodemailer';
import { defineAlert, describeError, passwordOptionsShape, passwordSourcesProblem, pathOption, readPassword, renderTemplate, templateFields, templateProblem, z, type AlertContext, type AlertEvent } from 'vigil/plugin';

const DIGEST_FIELDS = ['events', 'targets', 'down', 'up'] as const;

const template = (allowed?: readonly string[]) =>
  z.string().superRefine((text, ctx) => {
    const problem = templateProblem(text, allowed);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const DEFAULT_BODY = `{{target}} is {{state}} ({{kind}} alert)

service:  {{service}} {{description}}
host:     {{host}} ({{address}})
at:       {{at}}
check:    {{message}}
outage:   #{{outage_id}} since {{outage_start}} ({{duration}})
cause:    {{cause}}

{{detail}}
`;

const options = z
  .strictObject({
    host: z.string().min(1).meta({ description: 'SMTP server' }),
    port: z.int().min(1).max(65535).optional().meta({ description: 'Default 587 (starttls), 465 (tls), 25 (none)' }),
    security: z
      .enum(['starttls', 'tls', 'none'])
      .default('starttls')
      .meta({ description: 'starttls: plain connection upgraded with STARTTLS (required); tls: TLS from the start; none: no encryption' }),
    tls_verify: z.boolean().default(true).meta({ description: "Verify the server's certificate" }),
    ca_file: pathOption('PEM file of the CA (or self-signed certificate) to trust for this server').optional(),
    user: z.string().optional().meta({ description: 'SMTP AUTH user' }),
    ...passwordOptionsShape,
    helo: z.string().optional().meta({ description: 'Name to greet the server with (default: this host name)' }),
    from: z.string().min(1),
    to: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    subject: template().default('[vigil] {{KIND}}: {{target}} is {{state}}'),
    body: template().default(DEFAULT_BODY),
    digest_subject: template(DIGEST_FIELDS)
      .default('[vigil] {{events}} alert(s): {{down}} down, {{up}} up')
      .meta({ description: `Subject of a digest; fields: ${DIGEST_FIELDS.join(', ')}` }),
    digest_line: template().default('{{at}}  {{KIND}}  {{target}}  {{message}}').meta({ description: 'One line per event in a digest' }),
  })
  .superRefine((opts, ctx) => {
    const sources = passwordSourcesProblem(opts);
    if (sources) ctx.addIssue({ code: 'custom', path: ['password_file'], message: sources });
    if (opts.user && !opts.password_env && !opts.password_file) ctx.addIssue({ code: 'custom', path: ['user'], message: 'a user needs password_env or password_file' });
    if (!opts.user && (opts.password_env || opts.password_file)) ctx.addIssue({ code: 'custom', path: ['user'], message: 'is required with a password' });
  });

type MailOptions = z.output<typeof options>;

const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ').trim();

interface ThreadHeaders {
  messageId?: string;
  inReplyTo?: string;
  references?: string;
}

/**
 * Message-ID, and for the mails of an outage after its first, In-Reply-To and References: the
 * first mail the alert sends about an outage (down, or flapping) has the outage's own id, which
 * every later one (repeat, up) can name without having kept it, so a mail client threads them.
 * Ids carry the history database's random id (ctx.historyId): delivery and outage ids start again
 * at 1 after the database is reset, and on another director with the same host name.
 */
function threadHeaders(event: AlertEvent | undefined, ctx: AlertContext): ThreadHeaders {
  const host = os.hostname();
  // The same on every retry of a delivery: a mail system that sees it twice can drop one.
  const own = ctx.deliveryId ? `<vigil-${ctx.deliveryId}@${host}>` : undefined;
  const outage = event?.outage;
  if (!outage || !ctx.historyId) return { messageId: own };
  // The outage's start as well as its id: retention may delete the newest outage and its id be reused.
  const root = `<vigil-${ctx.alert ?? ctx.name}-outage-${outage.id}-${outage.startedAt.getTime()}.${ctx.historyId}@${host}>`;
  // count 1: the first of this outage for this alert (up alerts have none).
  if (event.count === 1) return { messageId: root };
  return { messageId: own, inReplyTo: root, references: root };
}

async function send(opts: MailOptions, subject: string, text: string, thread: ThreadHeaders, ctx: AlertContext): Promise<void> {
  const pass = readPassword(opts);
  let ca: Buffer | undefined;
  if (opts.ca_file) {
    try {
      ca = readFileSync(opts.ca_file);
    } catch (err) {
      throw new Error(`ca_file ${opts.ca_file}: ${describeError(err)}`);
    }
  }
  const transport = nodemailer.createTransport({
    host: opts.host,
    port: opts.port ?? (opts.security === 'tls' ? 465 : opts.security === 'starttls' ? 587 : 25),
    secure: opts.security === 'tls',
    requireTLS: opts.security === 'starttls',
    ignoreTLS: opts.security === 'none',
    name: opts.helo,
    auth: opts.user ? { user: opts.user, pass } : undefined,
    tls: { rejectUnauthorized: opts.tls_verify, ...(ca ? { ca } : {}) },
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
  });
  const abort = () => transport.close();
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    await transport.sendMail({
      from: opts.from,
      to: opts.to,
      subject: oneLine(subject),
      text,
      ...thread,
      headers: ctx.deliveryId ? { 'X-Vigil-Delivery': ctx.deliveryId } : undefined,
    });
  } catch (err) {
    throw new Error(`SMTP ${opts.host}: ${describeError(err)}`);
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    transport.close();
  }
}

function digestText(events: AlertEvent[], opts: MailOptions): { subject: string; text: string } {
  const fields = {
    events: String(events.length),
    targets: [...new Set(events.map((event) => event.target.id))].join(' '),
    down: String(events.filter((event) => event.to === 'down').length),
    up: String(events.filter((event) => event.to === 'up').length),
  };
  const lines = events.map((event) => oneLine(renderTemplate(opts.digest_line, templateFields(event))));
  return { subject: renderTemplate(opts.digest_subject, fields), text: `${lines.join('\n')}\n` };
}

export default defineAlert({
  type: 'mail',
  description: 'Send mail over SMTP (STARTTLS/TLS, AUTH), one per alert or a digest per window',
  options,
  async start(opts, ctx) {
    try {
      readPassword(opts);
    } catch (err) {
      ctx.log.warn(`mail alert: ${describeError(err)}; mail will fail until it is set`);
    }
  },
  async fire(event, opts, ctx) {
    const fields = templateFields(event);
    await send(opts, renderTemplate(opts.subject, fields), renderTemplate(opts.body, fields), threadHeaders(event, ctx), ctx);
  },
  async fireDigest(events, opts, ctx) {
    const { subject, text } = digestText(events, opts);
    await send(opts, subject, text, threadHeaders(undefined, ctx), ctx);
  },
});
