// TLS options shared by checks that speak TLS (http, tcp, user plugins): verification, SNI,
// a CA bundle of one's own, a client certificate. Certificate files are PEM paths; they are
// re-read at most once a minute, so a rotated certificate is picked up without a reload.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { z } from 'zod';
import { describeError } from '../describe-error.js';
import { pathOption } from './option-schemas.js';

export const tlsOptionsShape = {
  tls_verify: z.boolean().default(true).describe('Verify the server certificate: chain and name (off: accept any certificate)'),
  tls_server_name: z
    .string()
    .min(1)
    .optional()
    .describe('Name sent as SNI and checked against the certificate (default: the virtual host or host name; none for an IP address)'),
  tls_ca: pathOption('PEM file of CA certificates to trust instead of the system ones').optional(),
  tls_cert: pathOption('PEM file with a client certificate (may hold the key too)').optional(),
  tls_key: pathOption('PEM file with the client key (default: tls_cert)').optional(),
};

export interface TlsOptions {
  tls_verify: boolean;
  tls_server_name?: string;
  tls_ca?: string;
  tls_cert?: string;
  tls_key?: string;
}

const REREAD_MS = 60_000;
const files = new Map<string, { content: Promise<Buffer>; readAt: number }>();

function readPem(file: string, option: string): Promise<Buffer> {
  const cached = files.get(file);
  if (cached && Date.now() - cached.readAt < REREAD_MS) return cached.content;
  const content = readFile(file).catch((err: unknown) => {
    files.delete(file);
    throw new Error(`cannot read ${option} ${file}: ${describeError(err)}`);
  });
  files.set(file, { content, readAt: Date.now() });
  return content;
}

/** The SNI name to send: the explicit one, else `fallback` unless it is an IP address (SNI cannot carry one). */
export function serverNameFor(options: Pick<TlsOptions, 'tls_server_name'>, fallback: string | undefined): string | undefined {
  if (options.tls_server_name) return options.tls_server_name;
  const host = fallback?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host && !isIP(host) ? host : undefined;
}

/** node:tls connect options for these settings (reads the PEM files); throws with the file named if one cannot be read. */
export async function tlsConnectOptions(options: TlsOptions, fallbackServerName?: string): Promise<ConnectionOptions> {
  const connect: ConnectionOptions = { rejectUnauthorized: options.tls_verify };
  const servername = serverNameFor(options, fallbackServerName);
  if (servername) connect.servername = servername;
  if (options.tls_ca) connect.ca = await readPem(options.tls_ca, 'tls_ca');
  if (options.tls_cert) {
    connect.cert = await readPem(options.tls_cert, 'tls_cert');
    connect.key = await readPem(options.tls_key ?? options.tls_cert, options.tls_key ? 'tls_key' : 'tls_cert');
  } else if (options.tls_key) {
    throw new Error('tls_key is set without tls_cert');
  }
  return connect;
}
