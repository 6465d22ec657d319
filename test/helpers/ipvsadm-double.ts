// Drives test/ipvsadm-double (the ipvsadm stand-in with a state-file table) from tests: its
// environment, reading its table, and the exact argument lists it was called with.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

export const IPVSADM_DOUBLE = fileURLToPath(new URL('../ipvsadm-double', import.meta.url));

export interface DoubleEnv {
  IPVSADM_DOUBLE_STATE: string;
  IPVSADM_DOUBLE_LOG: string;
  [name: string]: string;
}

export function doubleEnv(dir: string): DoubleEnv {
  return { IPVSADM_DOUBLE_STATE: path.join(dir, 'ipvs-table.json'), IPVSADM_DOUBLE_LOG: path.join(dir, 'ipvsadm-calls.log') };
}

export function runDouble(env: DoubleEnv, args: string[], input?: string) {
  const result = spawnSync(IPVSADM_DOUBLE, args, { env: { ...process.env, ...env }, input, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface DoubleState {
  services: Array<{ key: { protocol: string; address?: string; port?: number }; dests: Array<{ address: string; port: number; weight: number }> }>;
}

/**
 * Destinations of one IPv4 service as `address:port=weight`, sorted, read from the double's state
 * file. Not by running the double: tests poll this while their own HTTP servers are being checked,
 * and a synchronous ipvsadm call (a second under a loaded CI) would hold those servers' answers
 * up until the daemon times them out.
 */
export function pool(env: DoubleEnv, service = '192.0.2.10:80'): string[] | undefined {
  const state = underLock(env, () => (existsSync(env.IPVSADM_DOUBLE_STATE) ? (JSON.parse(readFileSync(env.IPVSADM_DOUBLE_STATE, 'utf8')) as DoubleState) : undefined));
  const found = state?.services.find(({ key }) => key.protocol !== 'fwmark' && `${key.address}:${key.port}` === service);
  return found?.dests.map((d) => `${d.address}:${d.port}=${d.weight}`).sort();
}

/** Waits until `service`'s destinations in the double's table are `want` (in any order); a timeout shows the table. */
export function waitForPool(env: DoubleEnv, service: string, want: string[], what: string): Promise<boolean> {
  const wanted = JSON.stringify([...want].sort());
  return waitFor(() => JSON.stringify(pool(env, service)) === wanted, () => `${what}; table: ${JSON.stringify(pool(env, service))}`);
}

/** Runs `read` holding the double's lock, which a call holds until it has logged itself. */
function underLock<T>(env: DoubleEnv, read: () => T): T {
  const lock = `${env.IPVSADM_DOUBLE_STATE}.lock`;
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2); // a call's last milliseconds
    }
  }
  try {
    return read();
  } finally {
    rmdirSync(lock);
  }
}

export function calls(env: DoubleEnv): Array<{ argv: string[]; exit: number }> {
  if (!existsSync(env.IPVSADM_DOUBLE_LOG)) return [];
  return readFileSync(env.IPVSADM_DOUBLE_LOG, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { argv: string[]; exit: number });
}

/** The calls that change the table (everything but -S and -L). */
export function changes(env: DoubleEnv): string[][] {
  return calls(env)
    .map((call) => call.argv)
    .filter((argv) => !['-S', '-L', '-l'].includes(argv[0]!));
}
