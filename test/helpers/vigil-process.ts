// Drives the real `bin/vigil` as a child process: collects its output lines, waits for patterns,
// sends signals, and always kills what it started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'vitest';

export const VIGIL_BIN = fileURLToPath(new URL('../../bin/vigil', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a vigil command to completion. */
export function runVigil(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [VIGIL_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a vigil command without blocking the test's event loop (needed when the test also serves). */
export function runVigilAsync(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VIGIL_BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export class VigilDaemon {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(process.execPath, [VIGIL_BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } });
    const collect = (stream: NodeJS.ReadableStream) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop()!;
        this.lines.push(...parts);
      });
    };
    collect(this.child.stdout!);
    collect(this.child.stderr!);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  static run(configFile: string, extra: string[] = [], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): VigilDaemon {
    return new VigilDaemon(['run', '-c', configFile, ...extra], options);
  }

  get pid(): number {
    return this.child.pid!;
  }

  output(): string {
    return this.lines.join('\n');
  }

  /** Waits for a line matching `pattern` after the first `from` lines; returns it with its index. */
  async waitForLine(pattern: RegExp, { from = 0, timeoutMs = 15_000 } = {}): Promise<{ line: string; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((line, i) => i >= from && pattern.test(line));
      if (index >= 0) return { line: this.lines[index]!, index };
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`vigil exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}:\n${this.output()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output so far:\n${this.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM and wait; SIGKILL if it does not stop in time. Returns the exit code. */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/**
 * The daemons a test file starts, all where `where()` says (the test's directory, its environment):
 * `start` runs `vigil run -c FILE EXTRA…`; `stopAll` stops every one started since its last call —
 * given the test's context, it prints their output first when the test failed.
 */
export function daemonFixture(where: () => { cwd?: string; env?: NodeJS.ProcessEnv } = () => ({})) {
  const started: VigilDaemon[] = [];
  return {
    start(configFile: string, extra: string[] = []): VigilDaemon {
      const daemon = VigilDaemon.run(configFile, extra, where());
      started.push(daemon);
      return daemon;
    },
    async stopAll(context?: TestContext): Promise<void> {
      if (context?.task.result?.state === 'fail') for (const daemon of started) console.log(daemon.output());
      await Promise.all(started.splice(0).map((daemon) => daemon.stop()));
    },
  };
}

/** The CLI against the daemon of the test's config file, run without blocking the test (which serves too). */
export function controlCommands(configFile: () => string) {
  const vigil = (...args: string[]) => runVigilAsync([...args, '-c', configFile()]);
  /** A target's entry in `vigil status --json`, with the command's exit code and whether the daemon answered. */
  async function statusOf(id: string) {
    const result = await vigil('status', '--json');
    const answer = JSON.parse(result.stdout) as { live: boolean; targets: Array<{ id: string; state: string; flags: Record<string, any> }> };
    return { live: answer.live, code: result.code, target: answer.targets.find((t) => t.id === id)! };
  }
  return { vigil, statusOf };
}
