// Turns Node's error objects into the short reason an operator wants to read in a log line.
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by peer',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for response headers',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the body',
  ENOENT: 'no such file',
  EACCES: 'permission denied',
};

/**
 * OpenSSL and node:tls error codes: certificate problems and failed handshakes (mysql2 replaces
 * OpenSSL's code with its own HANDSHAKE_SSL_ERROR, keeping the message).
 */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_)|CERT|_SIGNED_|^UNABLE_TO_|^HOSTNAME_MISMATCH$|^HANDSHAKE_SSL_ERROR$/;

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  const cause = (err as { cause?: unknown }).cause;
  // undici wraps the socket error: the cause says what really happened.
  if (cause instanceof Error && (cause as NodeJS.ErrnoException).code && code !== 'UND_ERR_HEADERS_TIMEOUT') {
    return describeError(cause);
  }
  if (code && TLS_CODE.test(code)) {
    // OpenSSL's message is a colon-separated dump; its `reason` is the readable part.
    const reason = (err as { reason?: string }).reason ?? err.message.trim().split('\n')[0];
    return `TLS failure: ${reason} (${code})`;
  }
  if (code && REASONS[code]) {
    const where = (err as { address?: string; port?: number }).address;
    const port = (err as { port?: number }).port;
    return where ? `${REASONS[code]} (${where}${port ? `:${port}` : ''})` : REASONS[code];
  }
  return err.message || err.name;
}
