// keepalived for real: two VRRP nodes in network namespaces this test creates (unicast VRRP over
// a veth pair, 192.0.2.0/24), node A tracking `vigil track` against a running Vigil whose virtual
// service loses quorum, both nodes reporting through `vigil vrrp-notify`. A failover moves MASTER
// (and the VIP) to B, and the history holds both nodes' transitions.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { doubleEnv, IPVSADM_DOUBLE } from './helpers/ipvsadm-double.js';
import { ip, linkedNamespaces, netnsUnavailable } from './helpers/netns.js';
import { startHttpServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync, VIGIL_BIN, VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

const tag = `vg${process.pid % 100000}`;
const nodes = { A: { ns: `${tag}a`, ip: '192.0.2.1', priority: 150 }, B: { ns: `${tag}b`, ip: '192.0.2.2', priority: 100 } } as const;
const VIP = '192.0.2.100';
const tmp = tempDir('vigil-keepalived-');
const keepaliveds: ChildProcess[] = [];
const cleanups: Array<() => void | Promise<void>> = [];

/** Why this test cannot run here, or undefined when it can. */
function cannotRun(): string | undefined {
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/keepalived')) return 'keepalived is not installed (test/install-system-packages.sh installs it)';
  return netnsUnavailable(`${tag}p`);
}

function createNetwork(): void {
  const { A, B } = nodes;
  cleanups.push(linkedNamespaces({ ns: A.ns, address: `${A.ip}/24` }, { ns: B.ns, address: `${B.ip}/24` }));
}

function keepalivedConfig(name: 'A' | 'B', trackDb?: string): string {
  const node = nodes[name];
  const peer = nodes[name === 'A' ? 'B' : 'A'];
  const vigil = `${process.execPath} ${VIGIL_BIN}`;
  const track = trackDb
    ? `vrrp_script vigil_track {
  script "${vigil} track --db ${trackDb} --quiet"
  interval 1
  timeout 10
  fall 1
  rise 1
  weight -100
}
`
    : '';
  return `global_defs {
  router_id ${node.ns}
  script_user root
  enable_script_security
}
${track}
vrrp_instance VI_1 {
  state BACKUP
  interface ${node.ns}
  virtual_router_id 51
  priority ${node.priority}
  advert_int 1
  unicast_src_ip ${node.ip}
  unicast_peer {
    ${peer.ip}
  }
  virtual_ipaddress {
    ${VIP}/24 dev ${node.ns}
  }
${trackDb ? '  track_script {\n    vigil_track\n  }\n' : ''}  notify "${vigil} vrrp-notify --db ${tmp.path('vrrp.db')} --node ${node.ns}"
}
`;
}

function startKeepalived(name: 'A' | 'B', config: string): ChildProcess {
  const file = tmp.write(`keepalived-${name}.conf`, config);
  const check = spawnSync('ip', ['netns', 'exec', nodes[name].ns, '/usr/sbin/keepalived', '-t', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`keepalived -t rejected ${file}: ${check.stdout}${check.stderr}`);
  const child = spawn('ip', ['netns', 'exec', nodes[name].ns, '/usr/sbin/keepalived', '-n', '-l', '-D', '-P', '-f', file, '-p', tmp.path(`${name}.pid`), '-r', tmp.path(`${name}-vrrp.pid`)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  keepaliveds.push(child);
  return child;
}

async function stopKeepalived(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

afterAll(async () => {
  await Promise.all(keepaliveds.map(stopKeepalived));
  for (const cleanup of cleanups.reverse()) await cleanup();
  tmp.cleanup();
});

/** The latest recorded VRRP state per node. */
async function latestStates(): Promise<Record<string, string>> {
  const result = await runVigilAsync(['vrrp', '--db', tmp.path('vrrp.db'), '--json']);
  if (result.code !== 0) return {};
  const rows = JSON.parse(result.stdout) as Array<{ node: string; state: string }>;
  const latest: Record<string, string> = {};
  for (const row of rows) latest[row.node] ??= row.state; // newest first
  return latest;
}

const hasVip = (name: 'A' | 'B') => ip(['-n', nodes[name].ns, 'addr', 'show', 'dev', nodes[name].ns]).out.includes(`${VIP}/24`);

describe('keepalived with vigil track and vrrp-notify', () => {
  it('a pool below quorum fails `vigil track` on A, VRRP moves MASTER and the VIP to B, and both nodes’ transitions are recorded', async (context) => {
    const reason = cannotRun();
    if (reason) return context.skip(reason);
    createNetwork();

    // Vigil on director A: a virtual service of two real servers that needs both (quorum 2).
    const backends = await Promise.all([startHttpServer(), startHttpServer()]);
    cleanups.push(() => Promise.all(backends.map((backend) => backend.stop())).then(() => undefined));
    const config = tmp.write(
      'vigil.yaml',
      `history: { path: ./a.db, flush_interval: 50ms }
lvs: { ipvsadm: ${IPVSADM_DOUBLE}, resync_interval: 1s }
virtual_servers:
  web:
    virtual: ${VIP}:80
    forwarding: nat
    quorum: 2
    interval: 200ms
    fast_interval: 100ms
    timeout: 1s
    rise: 1
    fall: 2
    real_servers: [127.0.0.1:${backends[0]!.port}, 127.0.0.1:${backends[1]!.port}]
    check: { type: http }
`,
    );
    const vigil = VigilDaemon.run(config, [], { cwd: tmp.dir, env: doubleEnv(tmp.dir) });
    cleanups.push(() => vigil.stop().then(() => undefined));
    await vigil.waitForLine(/ipvs tcp 192\.0\.2\.100:80: healthy: 2\/2 real servers live/);
    await waitFor(async () => (await runVigilAsync(['track', '--db', tmp.path('a.db')])).code === 0, 'vigil track OK');

    startKeepalived('A', keepalivedConfig('A', tmp.path('a.db')));
    startKeepalived('B', keepalivedConfig('B'));
    await waitFor(async () => {
      const states = await latestStates();
      return states[nodes.A.ns] === 'MASTER' && states[nodes.B.ns] === 'BACKUP';
    }, 'A MASTER, B BACKUP', 30_000, 250);
    await waitFor(() => hasVip('A') && !hasVip('B'), 'the VIP on A');

    // The pool loses quorum: track fails on A, its priority drops below B's.
    await backends[1]!.stop();
    await vigil.waitForLine(/not healthy: below quorum \(live weight 1 < 2\)/);
    await waitFor(async () => {
      const states = await latestStates();
      return states[nodes.A.ns] === 'BACKUP' && states[nodes.B.ns] === 'MASTER';
    }, 'B MASTER, A BACKUP', 30_000, 250);
    await waitFor(() => hasVip('B') && !hasVip('A'), 'the VIP moved to B');

    const listing = await runVigilAsync(['vrrp', '--db', tmp.path('vrrp.db'), '--json']);
    const rows = (JSON.parse(listing.stdout) as Array<{ node: string; kind: string; name: string; state: string; priority: number }>).reverse();
    const of = (node: string) => rows.filter((row) => row.node === node).map((row) => row.state);
    expect(of(nodes.A.ns).slice(-2)).toEqual(['MASTER', 'BACKUP']);
    expect(of(nodes.B.ns).slice(-2)).toEqual(['BACKUP', 'MASTER']);
    expect(rows.every((row) => row.kind === 'INSTANCE' && row.name === 'VI_1')).toBe(true);
    // keepalived passes the effective priority: A's MASTER at 150, B's MASTER at 100.
    expect(rows.find((row) => row.node === nodes.A.ns && row.state === 'MASTER')?.priority).toBe(150);
    expect(rows.find((row) => row.node === nodes.B.ns && row.state === 'MASTER')?.priority).toBe(100);

    const table = await runVigilAsync(['vrrp', '--db', tmp.path('vrrp.db')]);
    expect(table.stdout).toMatch(new RegExp(`${nodes.B.ns}\\s+INSTANCE\\s+VI_1\\s+MASTER\\s+100`));
  }, 120_000);
});

describe('vigil vrrp-notify', () => {
  it('records the four arguments keepalived appends, and rejects anything else clearly', async () => {
    const db = tmp.path('notify-only.db');
    expect((await runVigilAsync(['vrrp-notify', '--db', db, '--node', 'lb1', 'INSTANCE', 'VI_1', 'MASTER', '150'])).code).toBe(0);
    expect((await runVigilAsync(['vrrp-notify', '--db', db, '--node', 'lb1', 'GROUP', 'G1', 'FAULT', '0'])).code).toBe(0);
    const bad = await runVigilAsync(['vrrp-notify', '--db', db, 'VI_1', 'MASTER', '150']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/expected INSTANCE or GROUP as the first of keepalived's arguments, got "VI_1"/);
    const rows = JSON.parse((await runVigilAsync(['vrrp', '--db', db, '--json'])).stdout);
    expect(rows).toEqual([
      expect.objectContaining({ node: 'lb1', kind: 'GROUP', name: 'G1', state: 'FAULT', priority: 0 }),
      expect.objectContaining({ node: 'lb1', kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 150 }),
    ]);
  });
});
