// A server program a test started (MariaDB, PostgreSQL, slapd, FreeRADIUS, Kamailio): what it
// printed, a wait until it serves, and a stop that ends it by its PID — TERM, then KILL if it
// lingers — and removes its files.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './wait-for.js';

/** A started server as the tests see it: its port and PID, what it logged, its stop. */
export interface RunningServer {
  port: number;
  pid: number;
  /** What the server logged, for assertions and a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

export interface ServerProcess {
  /** Everything it wrote to stdout and stderr so far (empty when they were not piped). */
  output(): string;
  /**
   * Polls `ready` (as waitFor: a throw is tried again) until the server serves. When it does not
   * within `timeoutMs`, the server is stopped and the error says `what` — and that it exited, with
   * its output, when it did.
   */
  whenReady(ready: () => boolean | Promise<boolean>, what: () => string, timeoutMs: number, everyMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function serverProcess(child: ChildProcess, cleanup: () => void): ServerProcess {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    cleanup();
  };
  return {
    output: () => output,
    async whenReady(ready, what, timeoutMs, everyMs) {
      try {
        await waitFor(
          () => {
            if (child.exitCode !== null) throw new Error(`${path.basename(child.spawnfile)} exited (${child.exitCode}): ${output}`);
            return ready();
          },
          what,
          timeoutMs,
          everyMs,
        );
      } catch (err) {
        await stop();
        throw err;
      }
    },
    stop,
  };
}
