// The script check with real programs: Debian's Nagios plugins (check_tcp, check_http,
// check_dummy), mon's own monitors (tcp.monitor, http.monitor) unchanged, keepalived-style
// misc_dynamic scripts, and scripts that hang, leave children behind or flood their output.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import scriptCheck from '../checks/script.js';
import { makeTarget, runGroupOnce, runOnce } from './helpers/run-check.js';
import { closedPort, startHttpServer, startTcpServer, type TestServer } from './helpers/servers.js';
import { alive } from './helpers/processes.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const NAGIOS = '/usr/lib/nagios/plugins';
const MON = '/usr/lib/mon/mon.d';
const noNagios = existsSync(`${NAGIOS}/check_tcp`) ? undefined : 'monitoring-plugins-basic is not installed';
const noMon = existsSync(`${MON}/tcp.monitor`) ? undefined : 'mon is not installed';

const tmp = tempDir();
function script(name: string, body: string): string {
  const file = tmp.write(name, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

let tcp: TestServer;
let web: Awaited<ReturnType<typeof startHttpServer>>;
beforeAll(async () => {
  tcp = await startTcpServer();
  web = await startHttpServer({ status: 200, body: 'service ready\n' });
});
afterAll(async () => {
  await tcp.stop();
  await web.stop();
  tmp.cleanup();
});

const local = (port?: number) => makeTarget('127.0.0.1', port);

describe('script check: arguments and environment', () => {
  it('passes placeholders as single arguments, no shell, and describes the target in the environment', async () => {
    const show = script('show.sh', 'for a in "$@"; do echo "arg=$a"; done; env | grep -E "^(VIGIL|MON)_" | sort');
    const target = makeTarget('127.0.0.1', 8080, { service: 'web', group: 'webfarm', name: 'web1', id: 'web/web1', weight: 3 });
    const result = await runOnce(scriptCheck, target, { command: show, args: ['-H', '{address}', '-p', '{port}', '{name} $(id) {{x}}', '-t', '{timeout}'], env: { EXTRA: 'yes' } });
    expect(result.status).toBe('up');
    expect(result.detail!.split('\n')).toEqual([
      'arg=-H',
      'arg=127.0.0.1',
      'arg=-p',
      'arg=8080',
      'arg=web1 $(id) {x}',
      'arg=-t',
      'arg=2',
      'VIGIL_ADDRESS=127.0.0.1',
      'VIGIL_GROUP=webfarm',
      'VIGIL_HOST=web1',
      'VIGIL_HOSTS=127.0.0.1',
      'VIGIL_PORT=8080',
      'VIGIL_SERVICE=web',
      'VIGIL_TARGET=web/web1',
      'VIGIL_TIMEOUT_MS=2000',
      'VIGIL_WEIGHT=3',
      '',
    ]);
  });

  it('an unknown placeholder is a config error; a missing port is an unknown result', async () => {
    expect(scriptCheck.options.safeParse({ command: 'x', args: ['{adress}'] }).error?.issues[0]?.message).toMatch(/^unknown placeholder \{adress\}; known: \{address\}/);
    expect(await runOnce(scriptCheck, local(), { command: 'true', args: ['{port}'] })).toMatchObject({ status: 'unknown', message: expect.stringMatching(/^no value for \{port\}/) });
  });

  it('a program that does not exist: unknown, naming it', async () => {
    expect(await runOnce(scriptCheck, local(), { command: tmp.path('nope.sh') })).toMatchObject({ status: 'unknown', message: `cannot run ${tmp.path('nope.sh')}: no such file` });
  });

  it('exit_code (the default): 0 up, anything else down with the first line of output', async () => {
    const failing = script('fail.sh', 'echo "database replication lag 300s"; exit 4');
    expect(await runOnce(scriptCheck, local(), { command: failing })).toMatchObject({ status: 'down', message: 'exit 4: database replication lag 300s' });
    expect(await runOnce(scriptCheck, local(), { command: 'true' })).toMatchObject({ status: 'up', message: 'exit 0' });
  });
});

describe.skipIf(noNagios)('script check: real Nagios plugins', () => {
  it('check_tcp: OK with perfdata as numbers, CRITICAL when refused', async () => {
    const up = await runOnce(scriptCheck, local(tcp.port), { convention: 'nagios', command: `${NAGIOS}/check_tcp`, args: ['-H', '{address}', '-p', '{port}'] });
    expect(up).toMatchObject({ status: 'up', message: expect.stringMatching(/^TCP OK - [\d.]+ second response time on 127\.0\.0\.1 port \d+$/), perf: { time: expect.any(Number) } });
    const port = await closedPort();
    const down = await runOnce(scriptCheck, local(port), { convention: 'nagios', command: `${NAGIOS}/check_tcp`, args: ['-H', '{address}', '-p', '{port}'] });
    expect(down).toMatchObject({ status: 'down', message: `connect to address 127.0.0.1 and port ${port}: Connection refused` });
  });

  it('check_http: OK on 200 with the expected string, CRITICAL on 503', async () => {
    const args = ['-H', '{address}', '-p', '{port}', '-u', '/health', '-s', 'service ready'];
    const up = await runOnce(scriptCheck, local(web.port), { convention: 'nagios', command: `${NAGIOS}/check_http`, args });
    expect(up).toMatchObject({ status: 'up', message: expect.stringMatching(/^HTTP OK: HTTP\/1\.1 200 OK/), perf: { time: expect.any(Number), size: expect.any(Number) } });
    expect(web.requests.at(-1)?.url).toBe('/health');
    web.behaviour.status = 503;
    try {
      const down = await runOnce(scriptCheck, local(web.port), { convention: 'nagios', command: `${NAGIOS}/check_http`, args });
      expect(down).toMatchObject({ status: 'down', message: expect.stringMatching(/^HTTP CRITICAL: HTTP\/1\.1 503 Service Unavailable/) });
    } finally {
      web.behaviour.status = 200;
    }
  });

  it('check_dummy: each exit status to its state', async () => {
    const dummy = (code: number) => runOnce(scriptCheck, local(), { convention: 'nagios', command: `${NAGIOS}/check_dummy`, args: [code, 'said so'] });
    expect(await dummy(0)).toMatchObject({ status: 'up', message: 'OK: said so' });
    expect(await dummy(1)).toMatchObject({ status: 'warning', message: 'WARNING: said so' });
    expect(await dummy(2)).toMatchObject({ status: 'down', message: 'CRITICAL: said so' });
    expect(await dummy(3)).toMatchObject({ status: 'unknown', message: 'UNKNOWN: said so' });
  });

  it('long output and perfdata on later lines, as the Nagios plugin API allows', async () => {
    const plugin = script('nagios-long.sh', `cat <<'EOF'
DISK WARNING - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968
/ 15272 MB (77%);
/boot 68 MB (69%);
/home 69357 MB (27%);| /boot=68MB;88;93;0;98
'/home x'=69357MB;253404;253409;0;253414
EOF
exit 1`);
    const result = await runOnce(scriptCheck, local(), { convention: 'nagios', command: plugin });
    expect(result).toMatchObject({
      status: 'warning',
      message: 'DISK WARNING - free space: / 3326 MB (56%);',
      detail: '/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);',
      perf: { '/': 2643, '/boot': 68, '/home x': 69357 },
    });
    expect((await runOnce(scriptCheck, local(), { convention: 'nagios', command: script('n7.sh', 'echo odd; exit 7') })).message).toBe('exit 7 is not a Nagios state (0-3): odd');
  });
});

describe.skipIf(noMon)("script check: mon's monitors, unchanged", () => {
  let second: http.Server;
  let port: number;
  beforeAll(async () => {
    // Two web servers on the same port: 127.0.0.1 answers 200 (the shared test server), 127.0.0.2 answers 500.
    port = web.port;
    second = http.createServer((_req, res) => res.writeHead(500).end('broken\n'));
    await new Promise<void>((resolve) => second.listen(port, '127.0.0.2', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => second.close(() => resolve())));

  const hosts = (p: number) => ['127.0.0.1', '127.0.0.2', '127.0.0.3'].map((address) => makeTarget(address, p, { id: `svc/${address}` }));

  it('tcp.monitor as a group check: one run, the failing hosts from its first line', async () => {
    const group = hosts(tcp.port);
    await tcp.stop();
    const single = await startTcpServer('127.0.0.2');
    try {
      // Only 127.0.0.2 listens on its port: give every host that port.
      const targets = group.map((target) => ({ ...target, port: single.port }));
      const results = await runGroupOnce(scriptCheck, targets, { convention: 'mon', command: `${MON}/tcp.monitor`, args: ['-p', String(single.port), '-t', '2'] });
      expect(results.get('svc/127.0.0.2')).toMatchObject({ status: 'up' });
      expect(results.get('svc/127.0.0.1')).toMatchObject({ status: 'down', message: '127.0.0.1 could not connect: Connection refused' });
      expect(results.get('svc/127.0.0.3')).toMatchObject({ status: 'down', message: '127.0.0.3 could not connect: Connection refused' });
      expect(results.get('svc/127.0.0.1')!.detail).toMatch(/^127\.0\.0\.1 127\.0\.0\.3\n/);
    } finally {
      await single.stop();
      await tcp.start();
    }
  });

  it('http.monitor per host and as a group', async () => {
    const args = ['-p', String(port), '-u', '/health', '-t', '2'];
    expect(await runOnce(scriptCheck, makeTarget('127.0.0.1', port), { convention: 'mon', command: `${MON}/http.monitor`, args })).toMatchObject({ status: 'up' });
    const alone = await runOnce(scriptCheck, makeTarget('127.0.0.2', port), { convention: 'mon', command: `${MON}/http.monitor`, args });
    expect(alone).toMatchObject({ status: 'down', message: expect.stringMatching(/^HOST 127\.0\.0\.2: /) });
    const results = await runGroupOnce(scriptCheck, hosts(port).slice(0, 2), { convention: 'mon', command: `${MON}/http.monitor`, args });
    expect(results.get('svc/127.0.0.1')).toMatchObject({ status: 'up', message: 'not among the failing hosts: 127.0.0.2' });
    expect(results.get('svc/127.0.0.2')).toMatchObject({ status: 'down', message: expect.stringMatching(/^HOST 127\.0\.0\.2: /) });
  });

  it('mon gets MON_GROUP and MON_SERVICE; a failure that names no host fails them all', async () => {
    const monitor = script('generic.monitor', 'echo "backend pool exhausted ($MON_GROUP/$MON_SERVICE)"; exit 1');
    const results = await runGroupOnce(scriptCheck, hosts(80), { convention: 'mon', command: monitor });
    for (const result of results.values()) expect(result).toMatchObject({ status: 'down', message: 'exit 1: backend pool exhausted (testgroup/test)' });
  });

  it('batch with {address} or with another convention is refused with the reason', async () => {
    const withAddress = await runGroupOnce(scriptCheck, hosts(80), { convention: 'mon', command: 'true', args: ['{address}'] });
    expect(withAddress.get('svc/127.0.0.1')).toMatchObject({ status: 'unknown', message: expect.stringMatching(/cannot be used with batch: true/) });
    const nagios = await runGroupOnce(scriptCheck, hosts(80), { convention: 'nagios', command: 'true' });
    expect(nagios.get('svc/127.0.0.1')).toMatchObject({ status: 'unknown', message: expect.stringMatching(/^batch: true needs convention: mon/) });
  });
});

describe('script check: keepalived misc_dynamic', () => {
  it('0 up, 1 down, 2..255 up with weight = exit status − 2', async () => {
    const exit = script('exit.sh', 'echo "load $1"; exit $1');
    const run = (code: number) => runOnce(scriptCheck, local(), { convention: 'misc_dynamic', command: exit, args: [code] });
    expect(await run(0)).toMatchObject({ status: 'up', message: 'load 0' });
    expect((await run(0)).weight).toBeUndefined();
    expect(await run(1)).toMatchObject({ status: 'down', message: 'exit 1: load 1' });
    expect(await run(2)).toMatchObject({ status: 'up', weight: 0 });
    expect(await run(12)).toMatchObject({ status: 'up', weight: 10, message: 'exit 12: weight 10; load 12' });
    expect(await run(255)).toMatchObject({ status: 'up', weight: 253 });
  });
});

describe('script check: programs that misbehave', () => {
  it('a timeout kills the whole process group, children included, and keeps the partial output', async () => {
    const pids = tmp.path('hang.pids');
    const hang = script('hang.sh', `(trap '' TERM; sleep 60) & echo $! > ${pids}; echo $$ >> ${pids}; echo "started, waiting on the database"; sleep 60`);
    const result = await runOnce(scriptCheck, local(), { command: hang }, 1_500);
    expect(result).toMatchObject({ status: 'down', message: 'timed out after 1s; its process group was killed', detail: 'started, waiting on the database\n' });
    const [child, parent] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    await waitFor(() => !alive(child!) && !alive(parent!), `the script ${parent} and its child ${child} to be gone`, 5_000);
  });

  it('flooding output: the run completes, the output kept is bounded, the message says it was cut', async () => {
    const flood = script('flood.sh', 'echo "first line"; yes "flood flood flood" | head -c 20000000; exit 2');
    const result = await runOnce(scriptCheck, local(), { command: flood, max_output_bytes: 4096 }, 10_000);
    expect(result).toMatchObject({ status: 'down', message: 'exit 2: first line (output cut at 4096 bytes)' });
    expect(result.detail!.length).toBeLessThanOrEqual(4096 + 1);
  });

  it('an endless flood is cut at the timeout', async () => {
    const endless = script('endless.sh', 'exec yes "flood"');
    // 1 s: the check stops it at 0.5 s, leaving the rest for the kill to land even on a loaded machine
    // (at 400 ms the runner's own deadline could come first, without the partial output).
    const result = await runOnce(scriptCheck, local(), { command: endless }, 1_000);
    expect(result).toMatchObject({ status: 'down', message: expect.stringMatching(/^timed out after/) });
    expect(result.detail!.length).toBeLessThanOrEqual(16_384);
  });
});
