// Pid files: the one `--pid-file` names, and the lock beside the history database. A file that
// names a process still running (a vigil, as far as /proc tells) belongs to that daemon; one whose
// process is gone was left by a daemon that did not stop cleanly (kill -9, a crash) and is stale.
import path from 'node:path';
import { fs } from './require-commonjs.js';

// fs comes by require: the reports read pid files too (see require-commonjs.ts).
const { accessSync, constants, readFileSync, renameSync, rmSync, statSync, writeFileSync } = fs;

/** The pid written in `file`, or undefined when there is no file or no pid in it. */
export function pidIn(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether `pid` is another running vigil. A process that is not ours to signal still runs (EPERM).
 * Where /proc shows its command line, a process that is not a vigil has only reused the pid (after
 * a reboot, or in a container where we are pid 1 again), so the file is stale.
 */
export function isOtherVigilRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('vigil');
  } catch {
    return true; // no /proc, or hidden from us: assume it is one
  }
}

/**
 * Why the daemon cannot use `file` as its pid file, or undefined when it can: asked before anything
 * starts, so a typo costs a one-line error, not a half-started daemon.
 */
export function pidFileProblem(file: string): string | undefined {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!statSync(dir).isDirectory()) return `pid file ${file}: ${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `pid file ${file}: directory ${dir} does not exist (create it, or give another --pid-file)`;
    if (code === 'EACCES' || code === 'EROFS') return `pid file ${file}: cannot write in ${dir} (${code === 'EROFS' ? 'read-only file system' : 'permission denied'})`;
    return `pid file ${file}: ${(err as Error).message}`;
  }
  const pid = pidIn(file);
  if (pid !== undefined && isOtherVigilRunning(pid)) {
    return `pid file ${file} names pid ${pid}, a vigil that is still running: stop it first, or give this daemon another --pid-file`;
  }
  return undefined;
}

/**
 * Writes this process's pid to `file` without following a link there: written beside it under a
 * new name (O_EXCL: a link planted at that name is refused) and renamed over it, which replaces a
 * link rather than writes through it. A root daemon with its pid file in a directory others can
 * write would otherwise overwrite whatever file a planted link named.
 */
export function writePidFile(file: string): void {
  const fresh = `${file}.${process.pid}.new`;
  try {
    writeFileSync(fresh, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
    renameSync(fresh, file);
  } catch (err) {
    rmSync(fresh, { force: true });
    throw err;
  }
}
