// LVS end to end: the real `bin/vigil` with a virtual service of three real HTTP servers on
// loopback, driving test/ipvsadm-double (a faithful ipvsadm with a state-file table). Asserts the
// table and the exact ipvsadm argument lists.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { calls, changes, doubleEnv, IPVSADM_DOUBLE, pool, runDouble, waitForPool, type DoubleEnv } from './helpers/ipvsadm-double.js';
import { readOutages } from './helpers/history-db.js';
import { startHttpServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { daemonFixture, runVigilAsync } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';
import { alive } from './helpers/processes.js';

type Server = Awaited<ReturnType<typeof startHttpServer>>;

let tmp: ReturnType<typeof tempDir>;
let env: DoubleEnv;
let servers: Server[];
const daemons = daemonFixture(() => ({ cwd: tmp.dir, env }));
const VIP = '192.0.2.10:80';

beforeEach(async () => {
  tmp = tempDir('vigil-lvs-');
  env = doubleEnv(tmp.dir);
  servers = await Promise.all([startHttpServer(), startHttpServer(), startHttpServer()]);
});

afterEach(async (context) => {
  await daemons.stopAll(context);
  await Promise.all(servers.map((server) => server.stop()));
  tmp.cleanup();
});

const rs = (i: number) => `127.0.0.1:${servers[i]!.port}`;

function config(extra = '', options: { ipvsadm?: string; top?: string; resync?: string; scheduler?: string; realServers?: string } = {}): string {
  return `history: { path: ./history.db, flush_interval: 50ms }
lvs: { ipvsadm: ${options.ipvsadm ?? IPVSADM_DOUBLE}, resync_interval: ${options.resync ?? '1s'}, command_timeout: 2s }
${options.top ?? ''}
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
${options.realServers ?? `      - { name: web1, address: 127.0.0.1, port: ${servers[0]!.port} }
      - { name: web2, address: 127.0.0.1, port: ${servers[1]!.port}, weight: 2 }
      - { name: web3, address: 127.0.0.1, port: ${servers[2]!.port} }`}
    check: { type: http, path: /health }
${extra}`;
}

/** Writes the config and starts the daemon on it. */
const start = (text: string) => daemons.start(tmp.write('vigil.yaml', text));

const full = () => [`${rs(0)}=1`, `${rs(1)}=2`, `${rs(2)}=1`].sort();
const waitPool = (want: () => string[], what: string) => waitForPool(env, VIP, want(), what);

function actionRows(kind?: string) {
  const db = new Database(tmp.path('history.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT * FROM action_log ORDER BY id').all() as Array<{ kind: string; command: string | null; ok: number; exit_code: number | null; message: string | null }>;
    return kind ? rows.filter((row) => row.kind === kind) : rows;
  } finally {
    db.close();
  }
}

describe('ipvs: a virtual service with three real servers', () => {
  it('creates the service, quiesces a stopped server after `fall` and restores it after `rise`, with exactly these ipvsadm calls', async () => {
    const daemon = start(config());
    await waitPool(full, 'the pool created');
    expect(changes(env)).toEqual([
      ['-A', '-t', VIP, '-s', 'wrr'],
      ['-a', '-t', VIP, '-r', rs(0), '-m', '-w', '1'],
      ['-a', '-t', VIP, '-r', rs(1), '-m', '-w', '2'],
      ['-a', '-t', VIP, '-r', rs(2), '-m', '-w', '1'],
    ]);

    await servers[1]!.stop();
    const down = await daemon.waitForLine(/web\/web2 UP → DOWN after 2 failures/);
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=0`, `${rs(2)}=1`], 'web2 quiesced');
    expect(changes(env).slice(4)).toEqual([['-e', '-t', VIP, '-r', rs(1), '-m', '-w', '0']]);

    await servers[1]!.start();
    await daemon.waitForLine(/web\/web2 DOWN → UP after 2 successes/, { from: down.index });
    await waitPool(full, 'web2 back at weight 2');
    expect(changes(env).slice(5)).toEqual([['-e', '-t', VIP, '-r', rs(1), '-m', '-w', '2']]);

    // A stop without cleanstop leaves the table as it is (the servers keep serving).
    expect(await daemon.stop()).toBe(0);
    expect(pool(env)).toEqual(full());
  });

  it('a list of checks (keepalived: several checkers): a real server stays in only while all pass', async () => {
    // The second check fails for a server while a file named after its port exists; HTTP still answers.
    const failing = (port: number) => tmp.path(`fail-${port}`);
    const daemon = start(
      config().replace(
        'check: { type: http, path: /health }',
        `check: [{ type: http, path: /health }, { type: script, command: /bin/sh, args: [-c, 'test ! -e "$1"', sh, '${tmp.path('fail-')}{port}'] }]`,
      ),
    );
    await waitPool(full, 'the pool created');
    writeFileSync(failing(servers[0]!.port), '');
    const down = await daemon.waitForLine(/web\/web1 UP → DOWN after 2 failures: script: exit 1/);
    await waitPool(() => [`${rs(0)}=0`, `${rs(1)}=2`, `${rs(2)}=1`], 'web1 quiesced while its HTTP check passes');
    rmSync(failing(servers[0]!.port));
    await daemon.waitForLine(/web\/web1 DOWN → UP after 2 successes/, { from: down.index });
    await waitPool(full, 'web1 back');
  });

  it('a real server with a check and timing of its own runs that one instead of the virtual server\'s; a reload that changes them says so', async () => {
    // web2's own check fails while this file exists; it does not look at web2's HTTP server.
    const flag = tmp.path('web2-fail');
    const own = (path: string, fall: number) => `check: { type: script, command: /bin/sh, args: [-c, 'test ! -e "$1"', sh, '${path}'] }, fall: ${fall}`;
    const web2 = `- { name: web2, address: 127.0.0.1, port: ${servers[1]!.port}, weight: 2 }`;
    const text = (path: string, fall: number) => config().replace(web2, `${web2.slice(0, -2)}, ${own(path, fall)} }`);
    const daemon = start(text(flag, 4));
    await waitPool(full, 'the pool created');

    // Both HTTP servers stop: web1 (the HTTP check) goes down, web2 (its own check) stays in.
    await Promise.all([servers[0]!.stop(), servers[1]!.stop()]);
    await daemon.waitForLine(/web\/web1 UP → DOWN after 2 failures/);
    await waitPool(() => [`${rs(0)}=0`, `${rs(1)}=2`, `${rs(2)}=1`], 'only web1 quiesced');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // five more rounds of checks
    expect(daemon.output()).not.toMatch(/web\/web2 UP → DOWN/);
    expect(pool(env)).toContain(`${rs(1)}=2`);

    writeFileSync(flag, '');
    await daemon.waitForLine(/web\/web2 UP → DOWN after 4 failures: exit 1/); // its own fall, not the virtual server's 2
    await waitPool(() => [`${rs(0)}=0`, `${rs(1)}=0`, `${rs(2)}=1`], 'web2 quiesced by its own check');

    // A reload that points web2's check elsewhere: listed, and followed (no such file: it passes).
    tmp.write('vigil.yaml', text(tmp.path('no-such-file'), 3));
    const reload = await runVigilAsync(['reload', '-c', tmp.path('vigil.yaml')], { cwd: tmp.dir, env });
    expect(reload.stdout).toMatch(/~ target web\/web2: its own check changed; its own timing changed/);
    await daemon.waitForLine(/web\/web2 DOWN → UP after 2 successes/);
    await waitPool(() => [`${rs(0)}=0`, `${rs(1)}=2`, `${rs(2)}=1`], 'web2 back');
  });

  it('on_down: remove deletes the real server (-d) and adds it back (-a)', async () => {
    const daemon = start(config('    on_down: remove\n'));
    await waitPool(full, 'the pool created');
    await servers[0]!.stop();
    await waitPool(() => [`${rs(1)}=2`, `${rs(2)}=1`], 'web1 removed');
    await servers[0]!.start();
    await waitPool(full, 'web1 added back');
    expect(changes(env).slice(4)).toEqual([
      ['-d', '-t', VIP, '-r', rs(0)],
      ['-a', '-t', VIP, '-r', rs(0), '-m', '-w', '1'],
    ]);
    expect(daemon.output()).toMatch(/ipvs tcp 192\.0\.2\.10:80: remove 127\.0\.0\.1:\d+ \(down web1\)/);
  });

  it('all servers down: the sorry server goes in (before the last real server leaves); one back: it goes out', async () => {
    const daemon = start(config('    on_down: remove\n    sorry_server: 127.0.0.99:8099\n'));
    await waitPool(full, 'the pool created');
    for (const server of servers) await server.stop();
    await waitPool(() => ['127.0.0.99:8099=1'], 'only the sorry server');
    await daemon.waitForLine(/quorum lost \(live weight 0 < 1\): sorry server 127\.0\.0\.99:8099 in/);
    const calls = changes(env);
    const sorryIn = calls.findIndex((argv) => argv[0] === '-a' && argv[4] === '127.0.0.99:8099');
    const lastDelete = calls.map((argv) => argv[0]).lastIndexOf('-d');
    expect(calls[sorryIn]).toEqual(['-a', '-t', VIP, '-r', '127.0.0.99:8099', '-m', '-w', '1']);
    expect(sorryIn).toBeLessThan(lastDelete); // the pool is never empty

    await servers[2]!.start();
    await waitPool(() => [`${rs(2)}=1`], 'web3 in, sorry out');
    const after = changes(env).slice(calls.length);
    expect(after).toEqual([
      ['-a', '-t', VIP, '-r', rs(2), '-m', '-w', '1'],
      ['-d', '-t', VIP, '-r', '127.0.0.99:8099'],
    ]);
  });

  it('panic guard: every server failing at once keeps the last one in the pool, and says why', async () => {
    const daemon = start(config('    on_down: remove\n    panic_guard: { policy: keep, keep: 1, window: 10s }\n'));
    await waitPool(full, 'the pool created');
    await Promise.all(servers.map((server) => server.stop()));
    const panic = await daemon.waitForLine(/panic guard: every real server failed within 10s — more likely this director's own network than the servers; keeping web\d in the pool/);
    const kept = /keeping (web\d)/.exec(panic.line)![1]!;
    const keptIndex = Number(kept.slice(3)) - 1;
    const keptWeight = keptIndex === 1 ? 2 : 1;
    await waitPool(() => [`${rs(keptIndex)}=${keptWeight}`], 'one server kept');
    // Several resyncs later the pool still holds it.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(pool(env)).toEqual([`${rs(keptIndex)}=${keptWeight}`]);
    expect(actionRows('panic')[0]?.message).toMatch(/keeping web\d in the pool/);

    const back = (keptIndex + 1) % 3;
    await servers[back]!.start();
    await daemon.waitForLine(/panic guard released/);
    await waitPool(() => [`${rs(back)}=${back === 1 ? 2 : 1}`], 'the recovered server alone');
  });

  it('initial_state down (ldirectord): servers join after their first good check, and the panic guard does not count unchecked ones as failed', async () => {
    const daemon = start(config('    on_down: remove\n    initial_state: down\n'));
    await waitPool(full, 'every server in after its first good checks');
    expect(daemon.output()).not.toMatch(/panic guard/);
    expect(actionRows('panic')).toEqual([]);
    // Before any verdict the pool was empty, not held by the guard.
    expect(changes(env).filter((argv) => argv[0] === '-a')).toHaveLength(3);
  });

  it('vigil alerts test on the ipvs action is refused and leaves the live table alone', async () => {
    const file = tmp.write('vigil.yaml', config('    cleanstop: true\n'));
    runDouble(env, ['-A', '-t', VIP, '-s', 'wrr']);
    for (const i of [0, 1]) runDouble(env, ['-a', '-t', VIP, '-r', rs(i), '-m', '-w', '1']);
    const before = pool(env);
    const test = await runVigilAsync(['alerts', 'test', 'virtual_servers.web', '-c', file], { cwd: tmp.dir, env });
    expect(test.code).not.toBe(0);
    expect(test.stderr).toMatch(/virtual_servers\.web is a 'ipvs' action that keeps state \(the IPVS table\), not one that sends messages: a test from here would change the live table/);
    expect(pool(env)).toEqual(before);
    expect(changes(env).filter((argv) => argv[0] === '-d')).toEqual([]);
  });

  it('repairs drift: a real server deleted, a weight changed and a stranger added behind its back', async () => {
    const daemon = start(config('', { resync: '400ms' }));
    await waitPool(full, 'the pool created');
    const before = changes(env).length;
    // Three changes behind Vigil's back, in one ipvsadm -R (atomic, as one operator's script).
    const restore = runDouble(env, ['-R'], [`-d -t ${VIP} -r ${rs(2)}`, `-e -t ${VIP} -r ${rs(0)} -m -w 7`, `-a -t ${VIP} -r 127.0.0.55:80 -m -w 1`].join('\n'));
    expect(restore).toMatchObject({ code: 0, stderr: '' });
    await waitPool(full, 'the table repaired');
    await daemon.waitForLine(/drift: the table differs from the pool \(.*\); repairing/);
    const repairs = changes(env).slice(before + 1);
    expect(repairs).toEqual(
      expect.arrayContaining([
        ['-e', '-t', VIP, '-r', rs(0), '-m', '-w', '1'],
        ['-a', '-t', VIP, '-r', rs(2), '-m', '-w', '1'],
        ['-d', '-t', VIP, '-r', '127.0.0.55:80'],
      ]),
    );
    expect(repairs).toHaveLength(3);
    await waitFor(() => actionRows('drift').length === 3, 'three drift records');
  });

  it('a restart against a table that is already right makes no change at all', async () => {
    let daemon = start(config());
    await waitPool(full, 'the pool created');
    await daemon.stop();
    const before = changes(env).length;
    daemon = start(config());
    await daemon.waitForLine(/ipvs tcp 192\.0\.2\.10:80: healthy: 3\/3 real servers live/);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // several resyncs
    expect(changes(env).length).toBe(before);
  });

  it('an IPv6 service spelled in capitals and with its zeros matches the table ipvsadm prints back: nothing changes at resync', async () => {
    const v6 = await Promise.all([startHttpServer({}, '::1'), startHttpServer({}, '::1')]);
    try {
      // ipvsadm lists what the kernel stores, 16 bytes, as inet_ntop prints them: 2001:db8::a, ::1.
      const text = config('', { resync: '300ms' })
        .replace(`virtual: ${VIP}`, 'virtual: "[2001:DB8:0:0::A]:80"')
        .replace(/real_servers:\n(?:      - .*\n)+/, `real_servers:\n${v6.map((server, i) => `      - { name: web${i + 1}, address: "0:0:0:0:0:0:0:1", port: ${server.port} }\n`).join('')}`);
      const daemon = start(text);
      await daemon.waitForLine(/ipvs tcp \[2001:db8::a\]:80: healthy: 2\/2 real servers live/);
      expect(pool(env, '2001:db8::a:80')).toEqual(v6.map((server) => `::1:${server.port}=1`).sort());
      const before = changes(env).length;
      await new Promise((resolve) => setTimeout(resolve, 1200)); // several resyncs
      expect(changes(env).slice(before)).toEqual([]);
      expect(daemon.output()).not.toMatch(/drift|already exists/);
    } finally {
      await Promise.all(v6.map((server) => server.stop()));
    }
  });

  it('a reload that drops a real server takes it out of the table; one that adds it puts it back', async () => {
    const daemon = start(config());
    await waitPool(full, 'the pool created');
    const before = changes(env).length;
    const three = config();
    tmp.write('vigil.yaml', three.replace(/      - \{ name: web3.*\n/, ''));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload: - target web\/web3/);
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=2`], 'web3 gone');
    expect(changes(env).slice(before)).toEqual([['-d', '-t', VIP, '-r', rs(2)]]);
    tmp.write('vigil.yaml', three);
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload: \+ target web\/web3/);
    await waitPool(full, 'web3 back');
    expect(changes(env).slice(before + 1)).toEqual([['-a', '-t', VIP, '-r', rs(2), '-m', '-w', '1']]);
  });

  it('follows the weight a check reports (dynamic weights, keepalived misc_dynamic)', async () => {
    mkdirSync(tmp.path('plugins'));
    tmp.write(
      'plugins/weighted.js',
      `import http from 'node:http';
import { defineCheck, z } from 'vigil/plugin';
// UP with the weight the server names in its body: "weight=N".
export default defineCheck({
  type: 'weighted',
  options: z.strictObject({}),
  run: (target, _options, ctx) => new Promise((resolve) => {
    const req = http.get({ host: target.address, port: target.port, path: '/', signal: ctx.signal, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        const match = /weight=(\\d+)/.exec(body);
        resolve(match ? { status: 'up', weight: Number(match[1]) } : { status: 'up' });
      });
    });
    req.on('error', (err) => resolve({ status: 'down', message: err.message }));
  }),
});
`,
    );
    servers[0]!.behaviour.body = 'weight=5';
    start(config('', { top: 'plugin_dirs: [./plugins]' }).replace('check: { type: http, path: /health }', 'check: { type: weighted }'));
    await waitPool(() => [`${rs(0)}=5`, `${rs(1)}=2`, `${rs(2)}=1`], 'web1 at its reported weight 5');
    servers[0]!.behaviour.body = 'weight=9';
    await waitPool(() => [`${rs(0)}=9`, `${rs(1)}=2`, `${rs(2)}=1`], 'web1 at 9');
    expect(changes(env)).toContainEqual(['-e', '-t', VIP, '-r', rs(0), '-m', '-w', '9']);
  });

  it('quorum hooks and keepalived-style notify hooks run with exactly their own arguments', async () => {
    const out = tmp.path('hooks.txt');
    const script = tmp.write('hook.sh', `#!/bin/sh\necho "$*" >> ${out}\n`);
    chmodSync(script, 0o755);
    const extra = `    quorum: 3
    quorum_up: "${script} quorum-up"
    quorum_down: [${script}, quorum-down, "two words"]
    notify_down: "${script} service-down"
`;
    const daemon = start(config(extra).replace(`weight: 2 }`, `weight: 2, notify_up: "${script} rs-up web2", notify_down: "${script} rs-down web2" }`));
    await waitPool(full, 'the pool created');
    await servers[1]!.stop();
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').split('\n').filter(Boolean).length === 2, 'two hooks');
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['quorum-down two words', 'rs-down web2']);
    await servers[0]!.stop();
    await waitFor(() => readFileSync(out, 'utf8').includes('service-down'), 'the service-wide notify_down for web1');
    await servers[0]!.start();
    await servers[1]!.start();
    await waitFor(() => readFileSync(out, 'utf8').includes('quorum-up'), 'quorum up again');
    await waitFor(() => readFileSync(out, 'utf8').includes('rs-up web2'), 'notify_up for web2');
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect(lines.filter((line) => line === 'quorum-up')).toHaveLength(1);
    expect(lines.filter((line) => line === 'quorum-down two words')).toHaveLength(1);
    expect(daemon.output()).toMatch(/quorum down \(live weight 2, quorum 3±0\)/);
  });

  it('a quorum hook that hangs holds up neither the next change of the pool nor the shutdown', async () => {
    const pidFile = tmp.path('hook.pid');
    const hook = tmp.write('hang.sh', `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`);
    chmodSync(hook, 0o755);
    const daemon = start(config(`    quorum: 3\n    quorum_down: ${hook}\n`));
    await waitPool(full, 'the pool created');
    await servers[1]!.stop();
    await waitFor(() => existsSync(pidFile), 'the quorum_down hook started');
    // web2 comes back while the hook still hangs: the table follows at once, not after 30 s.
    await servers[1]!.start();
    await waitPool(full, 'web2 back in the pool while quorum_down still runs');
    const hookPid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(hookPid)).toBe(true);
    await daemon.stop();
    expect(alive(hookPid)).toBe(false);
    expect(actionRows('hook').map((row) => row.message)).toContainEqual('quorum_down: cut short: vigil is stopping');
  });

  it('omega: when vigil stops, quorum_down runs and notify_down runs for each real server still up', async () => {
    const out = tmp.path('omega.txt');
    const script = tmp.write('omega.sh', `#!/bin/sh\necho "$*" >> ${out}\n`);
    chmodSync(script, 0o755);
    const daemon = start(
      config(`    omega: true\n    quorum_down: "${script} quorum-down"\n    notify_down: "${script} down"\n`).replace(
        `weight: 2 }`,
        `weight: 2, notify_down: "${script} down web2" }`,
      ),
    );
    await waitPool(full, 'the pool created');
    await servers[2]!.stop(); // web3 is down when vigil stops: it is not told again
    await daemon.waitForLine(/web\/web3 UP → DOWN/);
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('down'), 'notify_down for web3');
    writeFileSync(out, '');
    expect(await daemon.stop()).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['down', 'down web2', 'quorum-down']);
    expect(actionRows('hook').filter((row) => row.message?.startsWith('quorum_down'))).toHaveLength(1);
  });

  it('dry_run logs the commands it would run and changes nothing', async () => {
    const daemon = start(config('    dry_run: true\n'));
    await daemon.waitForLine(/dry run: would run: \S+ipvsadm-double -A -t 192\.0\.2\.10:80 -s wrr \(create the virtual service \(wrr\)\)/);
    await daemon.waitForLine(/web\/web1 UNKNOWN → UP/);
    await servers[0]!.stop();
    await daemon.waitForLine(new RegExp(`dry run: would run: \\S+ -e -t 192\\.0\\.2\\.10:80 -r 127\\.0\\.0\\.1:${servers[0]!.port} -m -w 0`));
    expect(changes(env)).toEqual([]);
    expect(pool(env)).toBeUndefined();
    await waitFor(() => actionRows('dry-run').length >= 5, 'dry-run records');
  });

  it('cleanstop removes its real servers and the service it created on a clean stop', async () => {
    const daemon = start(config('    cleanstop: true\n'));
    await waitPool(full, 'the pool created');
    const before = changes(env).length;
    expect(await daemon.stop()).toBe(0);
    expect(pool(env)).toBeUndefined();
    const stopCalls = changes(env).slice(before);
    expect(stopCalls.slice(0, 3).sort()).toEqual([0, 1, 2].map((i) => ['-d', '-t', VIP, '-r', rs(i)]).sort());
    expect(stopCalls.slice(3)).toEqual([['-D', '-t', VIP]]);
  });

  it('vigil track follows the pool: 0 while healthy, 1 below quorum, 1 when the daemon stops reporting', async () => {
    const daemon = start(config('    quorum: 2\n'));
    await waitPool(full, 'the pool created');
    const db = ['--db', tmp.path('history.db')];
    await waitFor(async () => (await runVigilAsync(['track', ...db])).code === 0, 'track OK');
    expect((await runVigilAsync(['track', '-c', tmp.path('vigil.yaml')])).stdout).toMatch(/^OK {3}tcp 192\.0\.2\.10:80: 3\/3 real servers live, weight 4$/m);

    await Promise.all([servers[0]!.stop(), servers[1]!.stop()]);
    await daemon.waitForLine(/not healthy: below quorum \(live weight 1 < 2\)/);
    const below = await waitFor(async () => {
      const result = await runVigilAsync(['track', ...db]);
      return result.code === 1 ? result : undefined;
    }, 'track failing');
    expect(below.stdout).toMatch(/FAIL tcp 192\.0\.2\.10:80: below quorum \(live weight 1 < 2\)/);

    await Promise.all([servers[0]!.start(), servers[1]!.start()]);
    await waitFor(async () => (await runVigilAsync(['track', ...db])).code === 0, 'track OK again');
    daemon.signal('SIGKILL');
    await daemon.exited;
    const dead = await waitFor(async () => {
      const result = await runVigilAsync(['track', ...db]);
      return result.code === 1 ? result : undefined;
    }, 'track failing without the daemon', 20_000, 500);
    expect(dead.stdout).toMatch(/no report from vigil \(pid \d+\) for [\d.]+s: the daemon is stopped or stuck/);
  });
});

/** Two real servers, web1 as given: for reloads that edit it in place. */
function twoServers(web1: string, options: { scheduler?: string } = {}): string {
  const realServers = `      - { name: web1, ${web1} }\n      - { name: web2, address: 127.0.0.1, port: ${servers[1]!.port}, weight: 2 }`;
  return config('', { ...options, realServers });
}

/** Waits until the daemon has read the table twice more: a sync has run to its end since now. */
async function syncedTwice(): Promise<void> {
  const reads = () => calls(env).filter((call) => call.argv[0] === '-S').length;
  const from = reads();
  await waitFor(() => reads() >= from + 2, () => 'two more table reads');
}

describe('reload: real servers edited in place', () => {
  it('a real server that keeps its name but moves to another address: the old destination goes, the new one comes in', async () => {
    const daemon = start(twoServers(`address: 127.0.0.1, port: ${servers[0]!.port}`));
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=2`], 'the pool created');
    const before = changes(env).length;
    tmp.write('vigil.yaml', twoServers(`address: 127.0.0.1, port: ${servers[2]!.port}`));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload done/);
    await waitPool(() => [`${rs(2)}=1`, `${rs(1)}=2`], 'web1 at its new address');
    expect(changes(env).slice(before)).toEqual([
      ['-a', '-t', VIP, '-r', rs(2), '-m', '-w', '1'],
      ['-d', '-t', VIP, '-r', rs(0)],
    ]);
  });

  it('a weight changed in the config is applied to the table', async () => {
    const daemon = start(twoServers(`address: 127.0.0.1, port: ${servers[0]!.port}`));
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=2`], 'the pool created');
    tmp.write('vigil.yaml', twoServers(`address: 127.0.0.1, port: ${servers[0]!.port}, weight: 5`));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload done/);
    await waitPool(() => [`${rs(0)}=5`, `${rs(1)}=2`], 'web1 at weight 5');
  });

  it('a weight changed while the server is DOWN (quiesced) stays 0 until it is UP', async () => {
    const daemon = start(twoServers(`address: 127.0.0.1, port: ${servers[0]!.port}`));
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=2`], 'the pool created');
    await servers[0]!.stop();
    const down = await daemon.waitForLine(/web\/web1 UP → DOWN/);
    await waitPool(() => [`${rs(0)}=0`, `${rs(1)}=2`], 'web1 quiesced');
    tmp.write('vigil.yaml', twoServers(`address: 127.0.0.1, port: ${servers[0]!.port}, weight: 5`));
    daemon.signal('SIGHUP');
    const done = await daemon.waitForLine(/reload done/, { from: down.index });
    await syncedTwice();
    expect(pool(env)).toEqual([`${rs(0)}=0`, `${rs(1)}=2`].sort());
    await servers[0]!.start();
    await daemon.waitForLine(/web\/web1 DOWN → UP/, { from: done.index });
    await waitPool(() => [`${rs(0)}=5`, `${rs(1)}=2`], 'web1 back at weight 5');
  });

  it('a scheduler changed: the service is edited, not deleted and added', async () => {
    const daemon = start(twoServers(`address: 127.0.0.1, port: ${servers[0]!.port}`));
    await waitPool(() => [`${rs(0)}=1`, `${rs(1)}=2`], 'the pool created');
    const before = changes(env).length;
    tmp.write('vigil.yaml', twoServers(`address: 127.0.0.1, port: ${servers[0]!.port}`, { scheduler: 'wlc' }));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload done/);
    await waitFor(() => changes(env).length > before, () => 'an edit');
    await syncedTwice();
    expect(changes(env).slice(before)).toEqual([['-E', '-t', VIP, '-s', 'wlc']]);
    expect(pool(env)).toEqual([`${rs(0)}=1`, `${rs(1)}=2`].sort());
  });
});

describe('ipvs when ipvsadm refuses or is missing', () => {
  it('an ipvsadm error it cannot fix (a scheduler this kernel lacks) is logged with its reason, recorded, retried, and costs nothing else', async () => {
    env.IPVSADM_DOUBLE_SCHEDULERS = 'rr,wrr,lc,wlc'; // a kernel without ip_vs_twos
    const daemon = start(config().replace('scheduler: wrr', 'scheduler: twos'));
    await daemon.waitForLine(/ipvs tcp 192\.0\.2\.10:80: create the virtual service \(twos\) failed: \S+ -A -t 192\.0\.2\.10:80 -s twos: exit 255: Scheduler or persistence engine not found; retried at the next resync/);
    await daemon.waitForLine(/web\/web1 UNKNOWN → UP/);
    await servers[0]!.stop();
    await daemon.waitForLine(/web\/web1 UP → DOWN after 2 failures/);
    await waitFor(() => readOutages(tmp.path('history.db')).length === 1, 'the outage recorded');
    // Retried at every resync, but said and recorded once.
    await waitFor(() => changes(env).filter((argv) => argv[0] === '-A').length >= 3, 'three tries');
    expect(actionRows('command').filter((row) => row.message === 'Scheduler or persistence engine not found')).toHaveLength(1);
    expect(daemon.output().match(/create the virtual service \(twos\) failed/g)).toHaveLength(1);
    // Checks say every server is up, but the table is not what they say: the service is not healthy.
    expect(daemon.output()).toMatch(/ipvs tcp 192\.0\.2\.10:80: not healthy: \d+ table changes failing \(vigil actions --failed\)/);
    expect(daemon.output()).not.toMatch(/ipvs tcp 192\.0\.2\.10:80: healthy/);
    expect(pool(env)).toBeUndefined();
    expect(await daemon.stop()).toBe(0);
  });

  it('a missing ipvsadm binary is said once and the daemon goes on', async () => {
    const daemon = start(config('', { ipvsadm: tmp.path('no-such-ipvsadm') }));
    await daemon.waitForLine(/ipvsadm cannot manage IPVS here: \S+no-such-ipvsadm not found \(install ipvsadm or set its path\)/);
    await daemon.waitForLine(/web\/web3 UNKNOWN → UP/);
    await servers[2]!.stop();
    await daemon.waitForLine(/web\/web3 UP → DOWN after 2 failures/);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a resync or two
    expect(daemon.output().match(/ipvsadm cannot manage IPVS here/g)).toHaveLength(1);
    expect(await daemon.stop()).toBe(0);
  });
});

describe('ipvs on this kernel, through the real Debian ipvsadm', () => {
  it('says once that IPVS is unavailable, records the failed actions, and keeps checking and writing history', async (context) => {
    if (!existsSync('/usr/sbin/ipvsadm')) return context.skip('/usr/sbin/ipvsadm is not installed (test/install-system-packages.sh installs it)');
    const daemon = start(config('', { ipvsadm: '/usr/sbin/ipvsadm' }));
    await daemon.waitForLine(/ipvsadm cannot manage IPVS here: Can't initialize ipvs: Protocol not available — this kernel has no IP Virtual Server.*Vigil keeps checking, alerting and writing history/);
    await daemon.waitForLine(/web\/web1 UNKNOWN → UP/);
    await servers[1]!.stop();
    const down = await daemon.waitForLine(/web\/web2 UP → DOWN after 2 failures/);
    await waitFor(() => readOutages(tmp.path('history.db')).find((o) => o.key === 'web/web2'), 'the outage recorded');
    await servers[1]!.start();
    await daemon.waitForLine(/web\/web2 DOWN → UP after 2 successes/, { from: down.index });
    await new Promise((resolve) => setTimeout(resolve, 700)); // resyncs keep failing quietly
    expect(daemon.output().match(/ipvsadm cannot manage IPVS here/g)).toHaveLength(1);
    await waitFor(() => actionRows('command').some((row) => row.command?.includes('"-w","0"')), 'the failed quiesce recorded');
    const failed = actionRows('command');
    expect(failed.every((row) => row.ok === 0 && row.exit_code === 2)).toBe(true);
    expect(failed.map((row) => JSON.parse(row.command!))).toContainEqual(['/usr/sbin/ipvsadm', '-e', '-t', VIP, '-r', rs(1), '-m', '-w', '0']);
    expect(failed[0]!.message).toMatch(/Can't initialize ipvs/);
    const track = await runVigilAsync(['track', '--db', tmp.path('history.db')]);
    expect(track.code).toBe(1);
    expect(track.stdout).toMatch(/IPVS table not manageable/);
    const actions = await runVigilAsync(['actions', '--db', tmp.path('history.db'), '--failed']);
    expect(actions.stdout).toMatch(/failed \(2\)\s+\/usr\/sbin\/ipvsadm -A -t 192\.0\.2\.10:80 -s wrr/);
    // Down again: a new event, so its failed quiesce is recorded again (only resyncs' retries of
    // the same pending change are not).
    const up = await daemon.waitForLine(/web\/web2 DOWN → UP/);
    await servers[1]!.stop();
    await daemon.waitForLine(/web\/web2 UP → DOWN after 2 failures/, { from: up.index });
    const quiesce = JSON.stringify(['/usr/sbin/ipvsadm', '-e', '-t', VIP, '-r', rs(1), '-m', '-w', '0']);
    await waitFor(() => actionRows('command').filter((row) => row.command === quiesce).length === 2, 'the second failed quiesce recorded');
    expect(await daemon.stop()).toBe(0);
  });
});
