// The real daemon running mon's tcp.monitor, unchanged, as a group check (`batch: true`): one run
// for the whole host group, each host's state from the monitor's first line of output.
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { runVigilAsync, VigilDaemon } from './helpers/vigil-process.js';

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

describe('mon monitors see what mon tells them', () => {
  it('MON_DESCRIPTION and MON_LAST_* describe the service and its earlier runs', async () => {
    const failFlag = tmp.path('failing');
    const runs = tmp.path('runs.log');
    // A monitor in mon's convention: fails (summary line, then detail) while the flag file exists,
    // and logs what mon-style environment it was given, one run per line.
    const monitor = tmp.write(
      'env.monitor',
      `#!/bin/sh
out=$(printf '%s' "$MON_LAST_OUTPUT" | tr '\\n' '~')
echo "desc=$MON_DESCRIPTION|summary=$MON_LAST_SUMMARY|output=$out|success=$MON_LAST_SUCCESS|failure=$MON_LAST_FAILURE|first=$MON_FIRST_FAILURE" >> ${runs}
if [ -e ${failFlag} ]; then echo "$1"; echo "no answer from $1"; exit 1; fi
exit 0
`,
    );
    chmodSync(monitor, 0o755);
    writeFileSync(failFlag, '');
    const file = tmp.write(
      'vigil-env.yaml',
      `history: { path: ./history-env.db, flush_interval: 50ms }
control: { socket: ./env.sock }
defaults: { interval: 300ms, timeout: 2s, fall: 1, rise: 1, fast_interval: 300ms, spread: 10ms }
hostgroups:
  web: [127.0.0.1]
services:
  web-env:
    description: the web pool
    group: web
    batch: true
    check: { type: script, convention: mon, command: ${monitor} }
`,
    );
    const daemon = VigilDaemon.run(file, [], { cwd: tmp.dir });
    cleanups.push(() => daemon.stop());
    const parsed = () =>
      (existsSync(runs) ? readFileSync(runs, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((line) => Object.fromEntries(line.split('|').map((field) => field.split('=', 2) as [string, string])));
    await waitFor(() => parsed().length >= 3, 'three failing runs');
    const [first, second, third] = parsed();
    expect(first).toEqual({ desc: 'the web pool', summary: '', output: '', success: '0', failure: '0', first: '0' });
    expect(second).toMatchObject({ desc: 'the web pool', summary: '127.0.0.1', output: expect.stringContaining('no answer from 127.0.0.1'), success: '0' });
    expect(Number(second!.failure)).toBeGreaterThan(1_700_000_000);
    expect(second!.first).toBe(second!.failure); // the failures began with the first run
    expect(third!.first).toBe(second!.first);
    expect(Number(third!.failure)).toBeGreaterThanOrEqual(Number(second!.failure));

    rmSync(failFlag);
    const passedFrom = parsed().length;
    await waitFor(() => parsed().slice(passedFrom).some((run) => run.success !== '0'), 'a run after a success');
    const after = parsed().slice(passedFrom).find((run) => run.success !== '0')!;
    expect(after).toMatchObject({ first: '0', summary: '' }); // the failure streak ended
    expect(Number(after.failure)).toBeGreaterThan(1_700_000_000); // the last failure is still known
    await daemon.stop();
  });
});

describe('a batch check in flight when a reload moves one of its hosts', () => {
  it("the moved host's result from the old address is discarded; the other host's counts", async () => {
    const started = tmp.path('slow-started');
    const release = tmp.path('slow-release');
    // A mon monitor that, given the old address 127.0.0.2, waits until told to go on and then
    // reports both hosts failing; given any other hosts, all pass.
    const monitor = tmp.write(
      'slow.monitor',
      `#!/bin/sh
case " $* " in *" 127.0.0.2 "*)
  touch ${started}
  while [ ! -e ${release} ]; do sleep 0.05; done
  echo "127.0.0.1 127.0.0.2"; echo "127.0.0.1 failed in the slow run"; echo "127.0.0.2 failed in the slow run"; exit 1;;
esac
exit 0
`,
    );
    chmodSync(monitor, 0o755);
    const config = (web1: string) => `history: { path: ./history-moved.db, flush_interval: 50ms }
control: { socket: ./moved.sock }
defaults: { interval: 200ms, timeout: 20s, fall: 1, rise: 1, fast_interval: 100ms, spread: 10ms }
hostgroups:
  pool:
    - { name: web1, address: ${web1} }
    - { name: web2, address: 127.0.0.1 }
services:
  pool-mon:
    group: pool
    batch: true
    check: { type: script, convention: mon, command: ${monitor} }
`;
    const file = tmp.write('vigil-moved.yaml', config('127.0.0.2'));
    const daemon = VigilDaemon.run(file, [], { cwd: tmp.dir });
    cleanups.push(() => daemon.stop());
    await waitFor(() => existsSync(started), 'the slow run to start');
    tmp.write('vigil-moved.yaml', config('127.0.0.3'));
    expect((await runVigilAsync(['reload', '-c', file])).code).toBe(0);
    const moved = await daemon.waitForLine(/pool-mon\/web1 moved to 127\.0\.0\.3: checked afresh/);
    writeFileSync(release, '');
    // web2 did not move: the slow run's verdict on it stands; the next run passes both.
    const web2Down = await daemon.waitForLine(/pool-mon\/web2 UNKNOWN → DOWN after 1 failure: 127\.0\.0\.1 failed in the slow run/, { from: moved.index });
    await daemon.waitForLine(/pool-mon\/web2 DOWN → UP/, { from: web2Down.index });
    await daemon.waitForLine(/pool-mon\/web1 UNKNOWN → UP/, { from: moved.index });
    expect(daemon.output()).not.toMatch(/pool-mon\/web1 \S+ → DOWN/); // the old address's failure was not the new machine's
  });
});

async function startTcpServerOn(address: string, port: number) {
  const net = await import('node:net');
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  return { stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
