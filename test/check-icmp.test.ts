// The icmp check for real: echo requests on a raw socket to loopback (the kernel answers), and in
// two network namespaces this test creates — Vigil on one side of a veth pair, a router on the
// other that answers, forwards, or refuses with ICMP errors — run through the real `vigil probe`.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import icmp from '../checks/icmp.js';
import { echoRequest, icmpTypeFilter, internetChecksum, readEchoAnswer } from '../src/check-kit/icmp-packet.js';
import { linkedNamespaces, mustIp, netnsUnavailable } from './helpers/netns.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil, VIGIL_BIN } from './helpers/vigil-process.js';

const rawSocketProblem = process.getuid?.() === 0 ? undefined : 'needs root (or CAP_NET_RAW) for a raw ICMP socket';

describe('icmp packets', () => {
  it('builds an echo request ping would send, with a checksum that verifies', () => {
    const packet = echoRequest(4, 0x1234, 7, 56);
    expect(packet.length).toBe(64);
    expect([packet[0], packet.readUInt16BE(4), packet.readUInt16BE(6)]).toEqual([8, 0x1234, 7]);
    expect(internetChecksum(packet)).toBe(0); // a packet with its checksum in place sums to zero
    expect(echoRequest(6, 1, 2, 0)[0]).toBe(128);
  });

  it('reads a reply after its IPv4 header, and an error quoting our request', () => {
    const ipHeader = (protocolBytes: number) => Buffer.concat([Buffer.from([0x45, 0, 0, 20 + protocolBytes]), Buffer.alloc(16)]);
    const reply = echoRequest(4, 0x1234, 9, 8);
    reply[0] = 0; // echo reply
    expect(readEchoAnswer(4, Buffer.concat([ipHeader(16), reply]))).toEqual({ kind: 'reply', id: 0x1234, sequence: 9, payloadBytes: 8 });
    // Host unreachable: ICMP header, then the IP header and first 8 bytes of what we sent.
    const quoted = Buffer.concat([ipHeader(8), echoRequest(4, 0x1234, 10, 0)]);
    const unreachable = Buffer.concat([Buffer.from([3, 1, 0, 0, 0, 0, 0, 0]), quoted]);
    expect(readEchoAnswer(4, Buffer.concat([ipHeader(unreachable.length), unreachable]))).toEqual({ kind: 'error', id: 0x1234, sequence: 10, reason: 'host unreachable' });
    // Our own request seen on loopback, and an error about someone else's UDP, are not answers.
    expect(readEchoAnswer(4, Buffer.concat([ipHeader(8), echoRequest(4, 0x1234, 11, 0)]))).toBeUndefined();
    const aboutUdp = Buffer.concat([Buffer.from([3, 3, 0, 0, 0, 0, 0, 0]), ipHeader(8), Buffer.alloc(8)]);
    expect(readEchoAnswer(4, Buffer.concat([ipHeader(aboutUdp.length), aboutUdp]))).toBeUndefined();
    // ICMPv6 comes without the IP header; its errors quote a 40-byte one.
    const v6Error = Buffer.concat([Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(40), echoRequest(6, 5, 6, 0)]);
    expect(readEchoAnswer(6, v6Error)).toEqual({ kind: 'error', id: 5, sequence: 6, reason: 'hop limit exceeded' });
  });
});

describe.skipIf(rawSocketProblem)(`icmp check on loopback${rawSocketProblem ? ` (skipped: ${rawSocketProblem})` : ''}`, () => {
  it('is up when the address answers, with round-trip times', async () => {
    const result = await runOnce(icmp, makeTarget('127.0.0.1'), { count: 3, interval: '20ms' });
    expect(result.status).toBe('up');
    expect(result.message).toMatch(/^3\/3 replies, rtt \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/);
    expect(result.perf).toMatchObject({ replies: 3, loss_percent: 0 });
    expect(result.perf!.rtt_min).toBeLessThanOrEqual(result.perf!.rtt_avg!);
    expect(result.perf!.rtt_avg).toBeLessThanOrEqual(result.perf!.rtt_max!);
    expect(result.latencyMs).toBe(result.perf!.rtt_avg);
    expect((await runOnce(icmp, makeTarget('::1'), {})).status).toBe('up');
  });

  it('is a warning, still answered, when the round trip is slower than warn_latency', async () => {
    // No delay can be added to loopback here (no netem): any round trip is slower than 0ms.
    const result = await runOnce(icmp, makeTarget('127.0.0.1'), { warn_latency: '0ms' });
    expect(result.status).toBe('warning');
    expect(result.message).toMatch(/^1\/1 replies, rtt .* ms, slow: average .+ > warn_latency 0ms$/);
  });

  it('takes icmp:// and ping:// URLs in vigil probe, with options as query parameters', () => {
    const run = runVigil(['probe', 'ping://[::1]?count=2&interval=20ms', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ type: 'icmp', status: 'up', message: expect.stringMatching(/^2\/2 replies, rtt /) });
  });

  it('keeps concurrent checks of many targets apart on its one socket', async () => {
    const targets = Array.from({ length: 200 }, (_, i) => makeTarget(`127.0.${Math.floor(i / 100)}.${(i % 100) + 1}`));
    const results = await Promise.all(targets.map((target) => runOnce(icmp, target, { count: 2, interval: '10ms' })));
    expect(results.filter((result) => result.status !== 'up')).toEqual([]);
    expect(results.every((result) => result.perf?.replies === 2)).toBe(true);
  });

  it('says what it needs when it cannot open a raw socket: unknown, not the target down; CAP_NET_RAW is enough', () => {
    // The real CLI as nobody: without capabilities, then with CAP_NET_RAW alone (README's service unit).
    const asNobody = (caps: string[]) =>
      spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...caps, process.execPath, VIGIL_BIN, 'probe', 'icmp://127.0.0.1', '--json'], { encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(asNobody(['--inh-caps=+net_raw', '--ambient-caps=+net_raw']).stdout)).toMatchObject({ status: 'up' });
    const run = asNobody(['--inh-caps=-all']);
    expect(run.status).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'unknown',
      message: 'check failed: cannot open a raw ICMP socket: Operation not permitted (an icmp check needs root or CAP_NET_RAW)',
    });
  });

  it("asks the kernel for echo replies and errors only: our own requests on loopback never reach JavaScript", async () => {
    // raw-socket has no types of its own; driven directly here to see what the kernel delivers.
    const rawSockets = createRequire(import.meta.url)('raw-socket');
    for (const family of [4, 6] as const) {
      const socket = rawSockets.createSocket(family === 4 ? { protocol: 1, addressFamily: 1 } : { protocol: 58, addressFamily: 2 });
      const filter = icmpTypeFilter(family, endianness());
      socket.setOption(family === 4 ? 255 : 58, 1, filter, filter.length);
      const typesSeen: number[] = [];
      socket.on('message', (packet: Buffer) => typesSeen.push(family === 4 ? packet[(packet[0]! & 0x0f) * 4]! : packet[0]!));
      const request = echoRequest(family, 4242, 1, 8);
      socket.send(request, 0, request.length, family === 4 ? '127.0.0.1' : '::1', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      socket.close();
      // The reply, not the request seen on loopback (8, 128); errors may come from other tests' traffic.
      expect(typesSeen).toContain(family === 4 ? 0 : 129);
      expect(typesSeen.filter((type) => !(family === 4 ? [0, 3, 11, 12] : [129, 1, 2, 3, 4]).includes(type))).toEqual([]);
    }
  });

  it('refuses options that cannot work', () => {
    expect(() => icmp.options.parse({ count: 2, min_replies: 3 })).toThrow(/min_replies \(3\) cannot be more than count \(2\)/);
    expect(() => icmp.options.parse({ count: 0 })).toThrow();
  });
});

const tag = `vi${process.pid % 100000}`;
const HOST_NS = `${tag}h`;
const ROUTER_NS = `${tag}r`;
const netnsProblem = netnsUnavailable(`${tag}p`);

describe.skipIf(netnsProblem)(`icmp check across a router${netnsProblem ? ` (skipped: ${netnsProblem})` : ''}`, () => {
  const tmp = tempDir('vigil-icmp-');

  let removeNamespaces = () => {};

  beforeAll(() => {
    removeNamespaces = linkedNamespaces({ ns: HOST_NS, address: '10.210.0.1/24' }, { ns: ROUTER_NS, address: '10.210.0.2/24' });
    // Vigil's side: two networks behind the router; a neighbour that never answers.
    mustIp(['-n', HOST_NS, 'route', 'add', '10.211.0.0/24', 'via', '10.210.0.2']);
    mustIp(['-n', HOST_NS, 'route', 'add', '10.212.0.0/24', 'via', '10.210.0.2']);
    mustIp(['-n', HOST_NS, 'neigh', 'add', '10.210.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', HOST_NS, 'nud', 'permanent']);
    // The router forwards, has no way to the first network and refuses the second.
    const forwarding = spawnSync('ip', ['netns', 'exec', ROUTER_NS, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'], { encoding: 'utf8' });
    if (forwarding.status !== 0) throw new Error(`sysctl in ${ROUTER_NS}: ${forwarding.stderr}`);
    mustIp(['-n', ROUTER_NS, 'route', 'add', 'unreachable', '10.211.0.0/24']);
    mustIp(['-n', ROUTER_NS, 'route', 'add', 'prohibit', '10.212.0.0/24']);
  });

  afterAll(() => removeNamespaces());

  it('tells an answer, an ICMP error from the router, silence and no route apart', () => {
    const config = tmp.path('icmp.yaml');
    writeFileSync(
      config,
      [
        'hostgroups:',
        '  far: [10.210.0.2, 10.211.0.5, 10.212.0.5, 10.210.0.9, 10.213.0.5]',
        'services:',
        '  ping:',
        '    group: far',
        '    timeout: 1s',
        '    check: { type: icmp, count: 2, interval: 50ms }',
      ].join('\n'),
    );
    const run = spawnSync('ip', ['netns', 'exec', HOST_NS, process.execPath, VIGIL_BIN, 'probe', '-c', config, '--json'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    const byTarget = Object.fromEntries((JSON.parse(run.stdout) as Array<{ target: string; status: string; message: string }>).map((r) => [r.target, `${r.status}: ${r.message}`]));
    expect(byTarget['ping/10.210.0.2']).toMatch(/^up: 2\/2 replies, rtt /);
    expect(byTarget['ping/10.211.0.5']).toBe('down: 0/2 replies: host unreachable (ICMP from 10.210.0.2)');
    expect(byTarget['ping/10.212.0.5']).toBe('down: 0/2 replies: communication prohibited by filter (ICMP from 10.210.0.2)');
    expect(byTarget['ping/10.210.0.9']).toBe('down: 0/2 replies: no reply within 900ms');
    expect(byTarget['ping/10.213.0.5']).toBe('down: 0/2 replies: cannot send: Network is unreachable');
  });
});
