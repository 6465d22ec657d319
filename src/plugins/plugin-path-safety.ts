// Whether code may be run from a plugin path. Plugins run inside the daemon (often root), so the
// file, its directory and every directory above them up to / must be safe from other users, as
// sshd's StrictModes has it: whoever can write the file edits the code, and whoever can write a
// directory above it can rename the plugin's directory away and put their own in its place.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Problems found per directory, shared by the checks of one load (many plugins share parents). */
export type DirectoryVerdicts = Map<string, Promise<string | undefined>>;

const mode = (bits: number) => (bits & 0o7777).toString(8).padStart(3, '0');

/**
 * What is wrong with one path: an owner other than root or the daemon's user, or write access
 * for group or others. `stickyAllowed`: a directory above the plugin may be writable by others
 * when it has the sticky bit (like /tmp, 1777 root), since then nobody can rename what they do
 * not own; the plugin directory itself may not, or anyone could add a plugin to it.
 */
async function pathProblem(target: string, stickyAllowed: boolean): Promise<string | undefined> {
  const { mode: bits, uid, gid } = await stat(target);
  const euid = process.geteuid?.();
  if (euid !== undefined && uid !== 0 && uid !== euid) return `${target} is owned by uid ${uid}, neither root nor this user`;
  if (stickyAllowed && bits & 0o1000) return undefined;
  if (bits & 0o002) return `${target} is writable by every user (mode ${mode(bits)})`;
  if (bits & 0o020) return `${target} is writable by its group (gid ${gid}, mode ${mode(bits)})`;
  return undefined;
}

/** The directories above `target`, up to /: of the path as written and, if it differs, of the path links lead to. */
async function directoriesAbove(target: string): Promise<string[]> {
  const above = (start: string) => {
    const dirs: string[] = [];
    for (let dir = path.dirname(start); ; dir = path.dirname(dir)) {
      dirs.push(dir);
      if (dir === path.dirname(dir)) return dirs;
    }
  };
  const written = path.resolve(target);
  return [...new Set([...above(written), ...above(await realpath(written))])];
}

/**
 * Why `target` (a plugin file or a plugin directory) must not be run from, or undefined when it
 * is safe. Throws when it cannot be examined (e.g. it does not exist).
 */
export async function unsafePluginPath(target: string, verdicts: DirectoryVerdicts = new Map()): Promise<string | undefined> {
  const own = await pathProblem(target, false);
  if (own) return `${own}: not loaded`;
  for (const dir of await directoriesAbove(target)) {
    if (!verdicts.has(dir)) verdicts.set(dir, pathProblem(dir, true));
    const problem = await verdicts.get(dir)!;
    if (problem) return `${problem}, and the plugin ${target} is below it: another user could put their own in its place: not loaded`;
  }
  return undefined;
}
