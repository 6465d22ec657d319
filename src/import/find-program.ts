// Finds a mon monitor or alert program the way mon does: the first directory of its search path
// (mondir / alertdir, colon-separated) that holds an executable of that name.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface FoundProgram {
  path: string;
  found: boolean;
}

export function searchPath(value: string | undefined, fallback: string[], baseDir?: string): string[] {
  if (!value) return fallback;
  return value
    .split(':')
    .map((dir) => dir.trim().replace(/\/$/, ''))
    .filter(Boolean)
    .map((dir) => (path.isAbsolute(dir) || !baseDir ? dir : path.join(baseDir, dir)));
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findProgram(name: string, dirs: string[]): FoundProgram {
  if (name.includes('/')) return { path: name, found: executable(name) };
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (executable(candidate)) return { path: candidate, found: true };
  }
  return { path: path.join(dirs[0] ?? '.', name), found: false };
}
