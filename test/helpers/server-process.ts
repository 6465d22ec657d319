// A server program a test started (MariaDB, PostgreSQL, slapd, FreeRADIUS): what it printed, and
// a stop that ends it by its PID — TERM, then KILL if it lingers — and removes its files.
import type { ChildProcess } from 'node:child_process';

export interface ServerProcess {
  /** Everything it wrote to stdout and stderr so far (empty when they were not piped). */
  output(): string;
  stop(): Promise<void>;
}

export function serverProcess(child: ChildProcess, cleanup: () => void): ServerProcess {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      cleanup();
    },
  };
}
