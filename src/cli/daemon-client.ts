// How CLI commands reach the running daemon: the socket from --socket or the config, one request,
// and a clear message (and exit code 3) when the daemon cannot be reached.
import { Command } from './commander.js';
import { controlRequest, DaemonUnreachable, type ControlReply } from '../control/control-client.js';
import { readConfigPaths } from './config-paths.js';
import { configOption } from './config-option.js';
import { parseDuration } from '../config/duration-text.js';

/** Exit code when the daemon is not running or not reachable (as `systemctl status`). */
export const EXIT_DAEMON_UNREACHABLE = 3;
/** Exit code when the daemon took the request but did not answer in time: it may still apply it. */
export const EXIT_NO_ANSWER = 4;

export interface DaemonOptions {
  config: string;
  socket?: string;
  /** How long to wait for the answer, e.g. `10s`; each command has its own default. */
  timeout?: string;
}

export function addDaemonOptions(command: Command): Command {
  return command
    .addOption(configOption())
    .option('--socket <path>', 'the daemon control socket (default: control.socket from the config)')
    .option('--timeout <duration>', 'how long to wait for the daemon to answer (default: 30s; 10s for status, 90s for check-now, 120s for reload)');
}

/** The exit code for a failure to reach the daemon: 3 not running, 4 no answer in time. */
export function exitCodeOf(err: DaemonUnreachable): number {
  return err.reason === 'no-answer' ? EXIT_NO_ANSWER : EXIT_DAEMON_UNREACHABLE;
}

export async function socketOf(options: DaemonOptions): Promise<string> {
  if (options.socket) return options.socket;
  const paths = await readConfigPaths(options.config);
  if (!paths.controlEnabled) throw new DaemonUnreachable('not-running', `the control API is turned off in ${options.config} (control.enabled: false)`);
  return paths.controlSocket;
}

export async function askDaemon<T>(options: DaemonOptions, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<ControlReply<T>> {
  let wait = timeoutMs;
  if (options.timeout !== undefined) {
    wait = parseDuration(options.timeout) ?? NaN;
    if (!(wait > 0)) throw new Error(`--timeout: expected a duration such as 10s, got ${options.timeout}`);
  }
  return controlRequest<T>(await socketOf(options), method, path, body, wait);
}

/** Prints a command's failure the same way everywhere; the daemon being unreachable exits 3. */
export function reportFailure(command: string, err: unknown): void {
  console.error(`vigil ${command}: ${(err as Error).message}`);
  process.exitCode = err instanceof DaemonUnreachable ? exitCodeOf(err) : 1;
}

/** An answer with an error status becomes an exception carrying the daemon's reason. */
export function expectOk<T>(reply: ControlReply<T | { error: string }>): T {
  if (reply.status >= 400) throw new Error((reply.body as { error?: string }).error ?? `the daemon answered ${reply.status}`);
  return reply.body as T;
}
