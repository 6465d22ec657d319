// The sip check against the real Kamailio server (Debian's kamailio, started by the test on
// 127.0.0.1, UDP and TCP on one port, answering OPTIONS with 200 OK and anything else with 404):
// up over UDP and over TCP; down for a status the server does not send; a closed UDP port, a
// server that never answers and a reply for another Call-ID (from a small UDP server in the test)
// are down.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sipCheck from '../checks/sip.js';
import type { CheckPlugin } from '../src/plugin.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { freeUdpPort, udpServersClosedAfterAll } from './helpers/servers.js';
import { startKamailio, type SipServer } from './helpers/sip-server.js';
import { runVigilAsync } from './helpers/vigil-process.js';

const check = sipCheck as unknown as CheckPlugin;
let server: SipServer;

beforeAll(async () => {
  server = await startKamailio();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const where = (port = server.port, tcp = false) => `sip 127.0.0.1:${port}${tcp ? ' (tcp)' : ''}`;
const run = (options: Record<string, unknown>, port = server.port, timeoutMs = 3_000) => runOnce(check, makeTarget('127.0.0.1', port), options, timeoutMs);

const serveDatagrams = udpServersClosedAfterAll();

/** A UDP server speaking text, closed after the tests; `received` as text. */
async function serveUdp(answer: (request: string) => string | undefined) {
  const udp = await serveDatagrams((request) => answer(request.toString('utf8')));
  return {
    port: udp.port,
    get received() {
      return udp.received.map((datagram) => datagram.toString('utf8'));
    },
  };
}

describe('sip check against Kamailio', () => {
  it('is up on the 200 OK to an OPTIONS over UDP (the default)', async () => {
    expect(await run({}), server.log()).toMatchObject({ status: 'up', message: `${where()}: SIP/2.0 200 OK` });
  });

  it('is up on the 200 OK over TCP', async () => {
    expect(await run({ transport: 'tcp' }), server.log()).toMatchObject({ status: 'up', message: `${where(server.port, true)}: SIP/2.0 200 OK` });
  });

  it('is down for a status the server does not send, naming what it got and what was expected', async () => {
    expect(await run({ expect_status: 404 })).toMatchObject({ status: 'down', message: `${where()}: SIP/2.0 200 OK, expected 404` });
    expect(await run({ transport: 'tcp', expect_status: [404, 486] })).toMatchObject({ status: 'down', message: `${where(server.port, true)}: SIP/2.0 200 OK, expected 404 or 486` });
    expect(await run({ expect_status: [200, 404], user: 'monitor@example.org' })).toMatchObject({ status: 'up' });
  });

  it('vigil probe sip://127.0.0.1:PORT checks ad hoc, over UDP or TCP', async () => {
    const up = await runVigilAsync(['probe', `sip://127.0.0.1:${server.port}`]);
    expect(up.stdout).toMatch(new RegExp(`^UP\\s+sip://\\S+\\s+[\\d.]+ms\\s+sip 127\\.0\\.0\\.1:${server.port}: SIP/2\\.0 200 OK$`, 'm'));
    expect(up.code).toBe(0);
    const tcp = await runVigilAsync(['probe', `sip://monitor@127.0.0.1:${server.port}?transport=tcp`]);
    expect(tcp.stdout).toMatch(/^UP\s.*\(tcp\): SIP\/2\.0 200 OK$/m);
    const wrong = await runVigilAsync(['probe', `sip://127.0.0.1:${server.port}?expect_status=404`]);
    expect(wrong.stdout).toMatch(/: SIP\/2\.0 200 OK, expected 404$/m);
    expect(wrong.code).toBe(2);
  });
});

describe('sip check: what else can go wrong', () => {
  it('is down when the UDP port is closed: the ICMP port unreachable', async () => {
    const port = await freeUdpPort();
    expect(await run({}, port)).toMatchObject({ status: 'down', message: `${where(port)}: port unreachable (ICMP)` });
  });

  it('is down when nothing answers, saying how long it waited', async () => {
    const silent = await serveUdp(() => undefined);
    expect(await run({}, silent.port, 1_000)).toMatchObject({ status: 'down', message: `${where(silent.port)}: no reply within 900ms` });
    expect(silent.received).toHaveLength(1);
  });

  it('sends an OPTIONS as ldirectord does (user as Request-URI, To and From; default ldirectord@<hostname>), with its own Call-ID, branch and tag each time', async () => {
    const echo = await serveUdp((request) => {
      const callId = /^Call-ID: (.*)$/m.exec(request)![1]!.trim();
      return `SIP/2.0 200 OK\r\ni: ${callId}\r\nContent-Length: 0\r\n\r\n`; // the compact form of Call-ID
    });
    expect(await run({}, echo.port)).toMatchObject({ status: 'up', message: `${where(echo.port)}: SIP/2.0 200 OK` });
    expect(await run({}, echo.port)).toMatchObject({ status: 'up' });
    const [first, second] = echo.received as [string, string];
    const user = `ldirectord@${os.hostname()}`;
    expect(first).toMatch(new RegExp(`^OPTIONS sip:${user.replace(/\./g, '\\.')} SIP/2\\.0\r\n`));
    expect(first).toContain(`\r\nTo: <sip:${user}>\r\n`);
    expect(first).toMatch(new RegExp(`\r\nFrom: <sip:${user.replace(/\./g, '\\.')}>;tag=[0-9a-f]+\r\n`));
    expect(first).toMatch(/\r\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK[0-9a-f]+;rport\r\n/);
    expect(first).toMatch(/\r\nCSeq: 1 OPTIONS\r\n/);
    expect(first.endsWith('Content-Length: 0\r\n\r\n')).toBe(true);
    const field = (text: string, name: string) => new RegExp(`^${name}: (.*)\r$`, 'm').exec(text)![1];
    expect(field(second, 'Call-ID')).not.toBe(field(first, 'Call-ID'));
    expect(field(second, 'Via')).not.toBe(field(first, 'Via'));
    expect(field(second, 'From')).not.toBe(field(first, 'From'));
  });

  it("is down on a reply for another Call-ID, and on one that is not SIP", async () => {
    const other = await serveUdp(() => 'SIP/2.0 200 OK\r\nCall-ID: someone-else\r\nContent-Length: 0\r\n\r\n');
    expect(await run({}, other.port)).toMatchObject({ status: 'down', message: expect.stringMatching(new RegExp(`^${where(other.port)}: SIP/2\\.0 200 OK is for another request \\(Call-ID someone-else, ours [0-9a-f]+@vigil\\)$`)) });
    const http = await serveUdp(() => 'HTTP/1.1 400 Bad Request\r\n\r\n');
    expect(await run({}, http.port)).toMatchObject({ status: 'down', message: `${where(http.port)}: not a SIP reply: "HTTP/1.1 400 Bad Request"` });
  });

  it('is down when the TCP port is closed', async () => {
    const port = await freeUdpPort();
    expect(await run({ transport: 'tcp' }, port)).toMatchObject({ status: 'down', message: `${where(port, true)}: connection refused (127.0.0.1:${port})` });
  });

  it('takes the options from a sip:// URL', () => {
    expect(check.fromUrl!(new URL('sip://monitor@192.0.2.1:5080?transport=tcp&expect_status=[200,404]'))).toEqual({
      address: '192.0.2.1',
      port: 5080,
      options: { user: 'monitor@192.0.2.1', transport: 'tcp', expect_status: [200, 404] },
    });
    expect(check.fromUrl!(new URL('sip://mon%40example.org@192.0.2.1'))).toMatchObject({ options: { user: 'mon@example.org' } });
  });
});
