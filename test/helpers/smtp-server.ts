// A real SMTP server for tests (smtp-server) on loopback, keeping every message that arrives with
// its envelope, headers (unfolded, lower-case names) and text body (quoted-printable decoded).
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ArrivedMail {
  server: string;
  secure: boolean;
  user: string | undefined;
  mailFrom: string;
  rcptTo: string[];
  headers: Record<string, string>;
  body: string;
}

function parseMessage(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    body = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

/**
 * Starts a server named `name` on 127.0.0.1 (plain SMTP, no AUTH, unless `options` say otherwise);
 * what arrives is pushed to `arrived`. Returns its port and how to stop it.
 */
export async function startSmtpServer(name: string, arrived: ArrivedMail[], options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: options.key ? [] : ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        const mailFrom = envelope.mailFrom === false ? '' : envelope.mailFrom.address;
        arrived.push({ server: name, secure: session.secure, user: session.user, mailFrom, rcptTo: envelope.rcptTo.map((r) => r.address), ...parseMessage(raw) });
        callback();
      });
    },
    logger: false,
    ...options,
  });
  server.on('error', () => undefined); // a client dropping the connection is not the test's business
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
