import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Built-in and user plugins import the public API by its package name, as users do.
    alias: { 'vigil/plugin': fileURLToPath(new URL('./src/plugin.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Integration tests run real daemons and servers; on a loaded CI machine they take 2-3 times
    // their usual 10-15 s. A hang still fails, later.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Most tests wait on real daemons and servers rather than the CPU: vitest's default (one worker
    // fewer than the cores) runs them one at a time on a 2-core machine, 9 minutes instead of 4.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
