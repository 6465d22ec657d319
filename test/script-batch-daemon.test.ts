// The real daemon running mon's tcp.monitor, unchanged, as a group check (`batch: true`): one run
// for the whole host group, each host's state from the monitor's first line of output.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { VigilDaemon } from './helpers/vigil-process.js';

const TCP_MONITOR = '/usr/lib/mon/mon.d/tcp.monitor';
const tmp = tempDir();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  tmp.cleanup();
});

describe.skipIf(!existsSync(TCP_MONITOR))('mon monitors in the daemon', () => {
  it('tcp.monitor with batch: true sets each host of the group up or down', async () => {
    const port = await closedPort('127.0.0.1');
    // Both hosts use the same port; only 127.0.0.1 listens on it at first.
    const listener = await startTcpServerOn('127.0.0.1', port);
    cleanups.push(() => listener.stop());
    const file = tmp.write(
      'vigil.yaml',
      `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 200ms, timeout: 2s, fall: 1, rise: 1, fast_interval: 100ms, spread: 50ms }
hostgroups:
  pool: [127.0.0.1, 127.0.0.2]
services:
  pool-tcp:
    group: pool
    batch: true
    check: { type: script, convention: mon, command: ${TCP_MONITOR}, args: [-p, ${port}, -t, 1] }
`,
    );
    const daemon = VigilDaemon.run(file, [], { cwd: tmp.dir });
    cleanups.push(() => daemon.stop());
    await daemon.waitForLine(/pool-tcp\/127\.0\.0\.1 UNKNOWN → UP/);
    const down = await daemon.waitForLine(/pool-tcp\/127\.0\.0\.2 UNKNOWN → DOWN after 1 failure: 127\.0\.0\.2 could not connect: Connection refused/);
    expect(down.line).toBeTruthy();
    const second = await startTcpServerOn('127.0.0.2', port);
    cleanups.push(() => second.stop());
    await daemon.waitForLine(/pool-tcp\/127\.0\.0\.2 DOWN → UP/, { from: down.index });
  });
});

async function startTcpServerOn(address: string, port: number) {
  const net = await import('node:net');
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  return { stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
