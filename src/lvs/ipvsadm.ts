// Runs the ipvsadm binary: argument arrays only, bounded time and output. Knows its answers:
// the kernel without IPVS, and the idempotent cases ("Destination already exists" on an add
// becomes an edit, "No such destination" on a delete means it is already gone).
import { existsSync } from 'node:fs';
import { runProcess } from '../run-process.js';
import { parseSave, type IpvsService } from './ipvs-table.js';
import type { Change } from './reconcile.js';

export interface IpvsadmResult {
  args: string[];
  ok: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when ipvsadm cannot work at all here (no IPVS in the kernel, binary missing). */
  unavailable?: string;
  /** How an answer that looked like a failure was handled (already exists, already gone). */
  handled?: string;
  /** Not run: dry-run mode. */
  dryRun?: boolean;
}

export const IPVSADM_CANDIDATES = ['/sbin/ipvsadm', '/usr/sbin/ipvsadm'];

/** The first ipvsadm that exists (Debian ships /usr/sbin/ipvsadm; /sbin is the traditional place). */
export function defaultIpvsadmPath(): string {
  return IPVSADM_CANDIDATES.find((candidate) => existsSync(candidate)) ?? IPVSADM_CANDIDATES[0]!;
}

/** The first line of ipvsadm's complaint, for logs. */
export function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

export interface IpvsadmOptions {
  path: string;
  timeoutMs: number;
}

export class Ipvsadm {
  constructor(readonly options: IpvsadmOptions) {}

  async exec(args: string[]): Promise<IpvsadmResult> {
    const run = await runProcess({
      command: this.options.path,
      args,
      env: process.env, // ipvsadm needs nothing from it; a test double reads its state file from it
      timeoutMs: this.options.timeoutMs,
      maxOutputBytes: 16 * 1024 * 1024, // a big table in -S form
    });
    const result: IpvsadmResult = { args, ok: run.exitCode === 0, exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr };
    if (run.spawnError) {
      const code = (run.spawnError as NodeJS.ErrnoException).code;
      result.unavailable = code === 'ENOENT' ? `${this.options.path} not found (install ipvsadm or set its path)` : `cannot run ${this.options.path}: ${run.spawnError.message}`;
      result.stderr = result.unavailable;
    } else if (/Can't initialize ipvs/i.test(run.stderr)) {
      result.unavailable = `${firstLine(run.stderr)} — this kernel has no IP Virtual Server (modprobe ip_vs?)`;
    } else if (run.timedOut) {
      result.stderr = `timed out after ${this.options.timeoutMs}ms${run.stderr ? `: ${firstLine(run.stderr)}` : ''}`;
    } else if (run.exitCode === null) {
      result.stderr = `killed by ${run.signal}`;
    }
    return result;
  }

  /** `ipvsadm -S -n`, parsed. */
  async readTable(): Promise<{ services: IpvsService[]; result: IpvsadmResult } | { error: string; result: IpvsadmResult }> {
    const result = await this.exec(['-S', '-n']);
    if (!result.ok) return { error: result.unavailable ?? firstLine(result.stderr) ?? `exit ${result.exitCode}`, result };
    try {
      return { services: parseSave(result.stdout), result };
    } catch (err) {
      return { error: (err as Error).message, result };
    }
  }

  /** Runs one change; the answers that mean "already done" are handled, not failures. */
  async apply(change: Change): Promise<IpvsadmResult> {
    const first = await this.exec(change.args);
    if (first.ok || first.unavailable) return first;
    const message = firstLine(first.stderr);
    const rest = change.args.slice(1);
    if (change.kind === 'add-destination' && /Destination already exists/.test(message)) {
      const edited = await this.exec(['-e', ...rest]);
      return { ...edited, handled: 'Destination already exists: edited instead' };
    }
    if (change.kind === 'edit-destination' && /No such destination/.test(message)) {
      const added = await this.exec(['-a', ...rest]);
      return { ...added, handled: 'No such destination: added instead' };
    }
    if (change.kind === 'delete-destination' && /No such destination/.test(message)) return { ...first, ok: true, handled: 'No such destination: already gone' };
    if (change.kind === 'delete-service' && /No such service/.test(message)) return { ...first, ok: true, handled: 'No such service: already gone' };
    if (change.kind === 'add-service' && /Service already exists/.test(message)) {
      const edited = await this.exec(['-E', ...rest]);
      return { ...edited, handled: 'Service already exists: edited instead' };
    }
    return first;
  }
}
