// Reloads against the LVS table: the real `bin/vigil` driving test/ipvsadm-double, with real HTTP
// servers on loopback. What a reload that edits a virtual server's real servers does to the table.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { calls, changes, doubleEnv, IPVSADM_DOUBLE, pool, type DoubleEnv } from './helpers/ipvsadm-double.js';
import { startHttpServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

type Server = Awaited<ReturnType<typeof startHttpServer>>;

let tmp: ReturnType<typeof tempDir>;
let env: DoubleEnv;
let servers: Server[];
const daemons: VigilDaemon[] = [];
const VIP = '192.0.2.10:80';

beforeEach(async () => {
  tmp = tempDir('vigil-reload-lvs-');
  env = doubleEnv(tmp.dir);
  servers = await Promise.all([startHttpServer(), startHttpServer(), startHttpServer()]);
});

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') for (const daemon of daemons) console.log(daemon.output());
  await Promise.all(daemons.splice(0).map((daemon) => daemon.stop()));
  await Promise.all(servers.map((server) => server.stop()));
  tmp.cleanup();
});

const rs = (i: number) => `127.0.0.1:${servers[i]!.port}`;

function config(web1: string, options: { scheduler?: string } = {}): string {
  return `history: { path: ./history.db, flush_interval: 50ms }
lvs: { ipvsadm: ${IPVSADM_DOUBLE}, resync_interval: 1s, command_timeout: 2s }
virtual_servers:
  web:
    virtual: ${VIP}
    forwarding: nat
    scheduler: ${options.scheduler ?? 'wrr'}
    interval: 200ms
    timeout: 1s
    fast_interval: 100ms
    spread: 50ms
    rise: 2
    fall: 2
    real_servers:
      - { name: web1, ${web1} }
      - { name: web2, address: 127.0.0.1, port: ${servers[1]!.port}, weight: 2 }
    check: { type: http, path: /health }
`;
}

function start(text: string): VigilDaemon {
  const daemon = VigilDaemon.run(tmp.write('vigil.yaml', text), [], { cwd: tmp.dir, env });
  daemons.push(daemon);
  return daemon;
}

/** Waits until the daemon has read the table twice more: a sync has run to its end since now. */
async function syncedTwice(): Promise<void> {
  const reads = () => calls(env).filter((call) => call.argv[0] === '-S').length;
  const from = reads();
  await waitFor(() => reads() >= from + 2, () => 'two more table reads');
}

const waitPool = (want: () => string[], what: string) =>
  waitFor(() => JSON.stringify(pool(env)) === JSON.stringify([...want()].sort()), () => `${what}; table: ${JSON.stringify(pool(env))}`);

describe('reload: real servers edited in place', () => {
  it('a real server that keeps its name but moves to another address: the old destination goes, the new one comes in', async () => {
    const daemon = start(config(`address: 127.0.0.1, port: ${servers[0]!.port}`));
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=2`], 'the pool created');
    const before = changes(env).length;
    tmp.write('vigil.yaml', config(`address: 127.0.0.1, port: ${servers[2]!.port}`));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload done/);
    await waitPool(() => [`${rs(2)}=1`, `${rs(1)}=2`], 'web1 at its new address');
    expect(changes(env).slice(before)).toEqual([
      ['-a', '-t', VIP, '-r', rs(2), '-m', '-w', '1'],
      ['-d', '-t', VIP, '-r', rs(0)],
    ]);
  });

  it('a weight changed in the config is applied to the table', async () => {
    const daemon = start(config(`address: 127.0.0.1, port: ${servers[0]!.port}`));
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=2`], 'the pool created');
    tmp.write('vigil.yaml', config(`address: 127.0.0.1, port: ${servers[0]!.port}, weight: 5`));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload done/);
    await waitPool(() => [`${rs(0)}=5`, `${rs(1)}=2`], 'web1 at weight 5');
  });

  it('a weight changed while the server is DOWN (quiesced) stays 0 until it is UP', async () => {
    const daemon = start(config(`address: 127.0.0.1, port: ${servers[0]!.port}`));
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=2`], 'the pool created');
    await servers[0]!.stop();
    const down = await daemon.waitForLine(/web\/web1 UP → DOWN/);
    await waitPool(() => [`${rs(0)}=0`, `${rs(1)}=2`], 'web1 quiesced');
    tmp.write('vigil.yaml', config(`address: 127.0.0.1, port: ${servers[0]!.port}, weight: 5`));
    daemon.signal('SIGHUP');
    const done = await daemon.waitForLine(/reload done/, { from: down.index });
    await syncedTwice();
    expect(pool(env)).toEqual([`${rs(0)}=0`, `${rs(1)}=2`].sort());
    await servers[0]!.start();
    await daemon.waitForLine(/web\/web1 DOWN → UP/, { from: done.index });
    await waitPool(() => [`${rs(0)}=5`, `${rs(1)}=2`], 'web1 back at weight 5');
  });

  it('a scheduler changed: the service is edited, not deleted and added', async () => {
    const daemon = start(config(`address: 127.0.0.1, port: ${servers[0]!.port}`));
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=2`], 'the pool created');
    const before = changes(env).length;
    tmp.write('vigil.yaml', config(`address: 127.0.0.1, port: ${servers[0]!.port}`, { scheduler: 'wlc' }));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload done/);
    await waitFor(() => changes(env).length > before, () => 'an edit');
    await syncedTwice();
    expect(changes(env).slice(before)).toEqual([['-E', '-t', VIP, '-s', 'wlc']]);
    expect(pool(env)).toEqual([`${rs(0)}=1`, `${rs(1)}=2`].sort());
  });
});
