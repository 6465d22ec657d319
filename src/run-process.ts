// Runs an external program the safe way: an argument array (never a shell string), its own
// process group so a timeout kills it and everything it started (SIGTERM, then SIGKILL),
// output captured up to a bound and the rest drained, so a flood or a hang costs one result.
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface ProcessOptions {
  command: string;
  args?: readonly string[];
  /** Environment for the program; defaults to none but PATH, so nothing leaks by accident. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to the program's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string | Buffer;
  /** Aborting kills the process group, like a timeout. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL (default 1s). */
  killGraceMs?: number;
  /** Bytes kept of stdout and of stderr each (default 64 KiB); the rest is read and dropped. */
  maxOutputBytes?: number;
  /** Send stderr into stdout, as mon does for monitors. */
  mergeStderr?: boolean;
}

export interface ProcessResult {
  /** Exit status, or null when killed by a signal or not started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when output went past maxOutputBytes and was cut. */
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /** Set when the program could not be started (e.g. ENOENT, EACCES). */
  spawnError?: Error;
}

const DEFAULT_MAX_OUTPUT = 64 * 1024;
const DEFAULT_KILL_GRACE_MS = 1_000;
/** After the program exits, how long its pipes may stay open (held by a background child). */
const PIPE_CLOSE_GRACE_MS = 200;

class BoundedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept !== chunk) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal); // negative pid: the whole process group
  } catch {
    // already gone
  }
}

/** A C string cannot hold NUL, and spawn() throws on one: drop them (check output from a probed server reaches here). */
const withoutNul = (text: string) => (text.includes('\0') ? text.replaceAll('\0', '') : text);

export function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const stdout = new BoundedBuffer(limit);
  const stderr = options.mergeStderr ? stdout : new BoundedBuffer(limit);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env ?? { PATH: process.env.PATH })) if (value !== undefined) env[name] = withoutNul(value);
  const args = (options.args ?? []).map(withoutNul);

  return new Promise((resolve) => {
    let timedOut = false;
    let aborted = false;
    let spawnError: Error | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let pipeTimer: NodeJS.Timeout | undefined;
    let settled = false;

    let child: ChildProcess;
    try {
      child = spawn(options.command, args, {
        cwd: options.cwd,
        env,
        detached: true, // own process group: a timeout kills its children too
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      // An option spawn() refuses outright: a program that could not be started, like ENOENT.
      resolve({ exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, timedOut: false, aborted: false, durationMs: performance.now() - started, spawnError: err as Error });
      return;
    }

    const terminate = () => {
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    const timeout = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), terminate()), options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      terminate();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(pipeTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever the program left behind in its group goes with it.
      if (exit) killGroup(child.pid, 'SIGKILL');
      clearTimeout(killTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: stdout.text(),
        stderr: options.mergeStderr ? '' : stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        timedOut,
        aborted,
        durationMs: performance.now() - started,
        spawnError,
      });
    };

    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err) => {
      spawnError = err;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A background child may hold the pipes open: do not wait for it for long.
      pipeTimer = setTimeout(finish, PIPE_CLOSE_GRACE_MS);
    });
    child.on('close', finish);

    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // the program may exit without reading its input
      child.stdin.end(options.input);
    }
  });
}
