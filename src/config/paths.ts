// Where the history database and the control socket are, resolved the same way by the daemon
// (full config load) and by CLI commands that only need these two paths.
import path from 'node:path';

export const DEFAULT_HISTORY_PATH = '/var/lib/vigil/history.db';
export const CONTROL_SOCKET_NAME = 'vigil.sock';

/** Relative paths are relative to the config file's directory. */
export function resolveHistoryPath(configDir: string, historyPath: string | undefined): string {
  return path.resolve(configDir, historyPath ?? DEFAULT_HISTORY_PATH);
}

/** The control socket: as configured, else `vigil.sock` beside the history database. */
export function resolveControlSocket(configDir: string, socket: string | undefined, historyPath: string): string {
  return socket === undefined ? path.join(path.dirname(historyPath), CONTROL_SOCKET_NAME) : path.resolve(configDir, socket);
}
