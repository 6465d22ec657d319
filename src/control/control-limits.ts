// What one control socket client may cost the daemon: its clients are a trusted group, but a stuck
// or misbehaving one (a script that connects and hangs, dribbles bytes, or sends megabytes) must
// not hold it. Node's http server enforces all of these but the body size (control-server.ts).
import { z } from 'zod';

export interface ControlLimits {
  /** A request body larger than this is answered 413 without being read. */
  maxBodyBytes: number;
  /** Request line and headers together; more is answered 431. */
  maxHeaderBytes: number;
  /** From the connection to the end of the headers (Node: headersTimeout); then 408 and closed. */
  headersTimeoutMs: number;
  /** From the connection to the end of the body (Node: requestTimeout); then 408 and closed. */
  requestTimeoutMs: number;
  /** An idle connection after an answer is closed after this (Node 20 adds 1 s to it). */
  keepAliveTimeoutMs: number;
  /** Connections open at once; one more is closed at once (Node: server.maxConnections). */
  maxConnections: number;
  /** How often Node looks for connections past headersTimeout/requestTimeout (connectionsCheckingInterval). */
  checkIntervalMs: number;
}

export const DEFAULT_CONTROL_LIMITS: ControlLimits = {
  maxBodyBytes: 64 * 1024,
  maxHeaderBytes: 8 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 1_000,
  maxConnections: 64,
  checkIntervalMs: 1_000,
};

/**
 * Not a config setting: the tests shorten the timeouts with it so they need not wait seconds for
 * a disconnect (JSON with any of ControlLimits' keys, e.g. {"headersTimeoutMs": 300}).
 */
export const CONTROL_LIMITS_ENV = 'VIGIL_CONTROL_LIMITS';

const overrides = z.strictObject({
  maxBodyBytes: z.int().positive(),
  maxHeaderBytes: z.int().positive(),
  headersTimeoutMs: z.int().positive(),
  requestTimeoutMs: z.int().positive(),
  keepAliveTimeoutMs: z.int().positive(),
  maxConnections: z.int().positive(),
  checkIntervalMs: z.int().positive(),
}).partial();

/** The limits, with the overrides of VIGIL_CONTROL_LIMITS if it is set; throws on a bad one. */
export function controlLimits(env: NodeJS.ProcessEnv = process.env): ControlLimits {
  const text = env[CONTROL_LIMITS_ENV];
  if (!text) return DEFAULT_CONTROL_LIMITS;
  let parsed;
  try {
    parsed = overrides.safeParse(JSON.parse(text));
  } catch (err) {
    throw new Error(`${CONTROL_LIMITS_ENV}: not JSON: ${(err as Error).message}`);
  }
  if (!parsed.success) throw new Error(`${CONTROL_LIMITS_ENV}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  const limits = { ...DEFAULT_CONTROL_LIMITS, ...parsed.data };
  // Node refuses a headers timeout longer than the request timeout.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new Error(`${CONTROL_LIMITS_ENV}: headersTimeoutMs must not be longer than requestTimeoutMs`);
  return limits;
}
