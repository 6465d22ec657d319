// Drives test/ipvsadm-double (the ipvsadm stand-in with a state-file table) from tests: its
// environment, reading its table, and the exact argument lists it was called with.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSave, type IpvsService } from '../../src/lvs/ipvs-table.js';

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

/** The table, read the way Vigil reads it (without logging the read as a call). */
export function readTable(env: DoubleEnv): IpvsService[] {
  const result = runDouble({ ...env, IPVSADM_DOUBLE_LOG: '' }, ['-S', '-n']);
  if (result.code !== 0) throw new Error(`ipvsadm double -S -n failed: ${result.stderr}`);
  return parseSave(result.stdout);
}

/** Destinations of one service as `address:port=weight`, sorted. */
export function pool(env: DoubleEnv, service = '192.0.2.10:80'): string[] | undefined {
  const found = readTable(env).find((s) => s.key.protocol !== 'fwmark' && `${s.key.address}:${s.key.port}` === service);
  return found?.destinations.map((d) => `${d.address}:${d.port}=${d.weight}`).sort();
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
