// A test file's workspace: a temporary directory, and the daemons and servers it starts, all
// stopped and removed after the file's tests.
import { afterAll } from 'vitest';
import { tempDir } from './temp-dir.js';
import type { VigilDaemon } from './vigil-process.js';

export function workspace() {
  const tmp = tempDir();
  const daemons: VigilDaemon[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    await Promise.all(closers.map((close) => close()));
    tmp.cleanup();
  });
  return { tmp, daemons, closers };
}
