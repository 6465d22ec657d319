// `vigil probe` with every built-in type ad hoc: URL forms (udp://, dns://, tls://, https://)
// with options in the query, and --type script with -o options.
import { existsSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki } from './helpers/certificates.js';
import { DNSMASQ, startDnsmasq, type Dnsmasq } from './helpers/dnsmasq.js';
import { freeUdpPort, startUdpServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync } from './helpers/vigil-process.js';

const tmp = tempDir();
let udp: Awaited<ReturnType<typeof startUdpServer>>;
let secure: https.Server;
let securePort: number;
let dns: Dnsmasq | undefined;

beforeAll(async () => {
  udp = await startUdpServer((msg) => `PONG ${msg}`);
  const pki = makeTestPki(tmp.dir);
  secure = https.createServer({ cert: pki.serverCert, key: pki.serverKey }, (_req, res) => res.end('secure ok\n'));
  await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
  securePort = (secure.address() as net.AddressInfo).port;
  if (existsSync(DNSMASQ)) dns = await startDnsmasq(['--local=/example.test/', '--host-record=www.example.test,192.0.2.10']);
});

afterAll(async () => {
  await udp.close();
  secure.closeAllConnections();
  await new Promise((resolve) => secure.close(resolve));
  await dns?.stop();
  tmp.cleanup();
});

describe('vigil probe, every built-in type', () => {
  it('udp:// with query options; a closed port is DOWN with the ICMP reason', async () => {
    const up = await runVigilAsync(['probe', `udp://127.0.0.1:${udp.port}?payload=PING&expect_prefix=PONG`]);
    expect(up.stdout).toMatch(/^UP\s+udp:\/\/127\.0\.0\.1:\d+\?payload=PING&expect_prefix=PONG\s+[\d.]+ms\s+reply from 127\.0\.0\.1:\d+: "PONG PING" \(9 bytes\)$/m);
    expect(up.code).toBe(0);
    const port = await freeUdpPort();
    const down = await runVigilAsync(['probe', `udp://127.0.0.1:${port}`, '-o', 'payload=PING']);
    expect(down.stdout).toMatch(/^DOWN\s+.*port unreachable: ICMP error from 127\.0\.0\.1:\d+$/m);
    expect(down.code).toBe(2);
  });

  it.skipIf(!existsSync(DNSMASQ))('dns://server:port/name?type=A, with -v printing the answers; NXDOMAIN is DOWN', async () => {
    const up = await runVigilAsync(['probe', '-v', `dns://${dns!.address}:${dns!.port}/www.example.test?type=A&expect_answers=192.0.2.10`]);
    expect(up.stdout).toMatch(/^UP\s+dns:\/\/\S+\s+[\d.]+ms\s+www\.example\.test A @[\d.:]+: NOERROR, 1 answers: 192\.0\.2\.10$/m);
    expect(up.stdout).toMatch(/^ {2}www\.example\.test\. \d+ IN A 192\.0\.2\.10$/m);
    expect(up.code).toBe(0);
    const missing = await runVigilAsync(['probe', `dns://${dns!.address}:${dns!.port}/missing.example.test?type=AAAA`]);
    expect(missing.stdout).toMatch(/^DOWN\s+.*missing\.example\.test AAAA @[\d.:]+: rcode NXDOMAIN, expected NOERROR$/m);
    expect(missing.code).toBe(2);
  });

  it('https:// fails verification against a private CA; -o tls_verify=false accepts it; tls:// does the handshake', async () => {
    const strict = await runVigilAsync(['probe', `https://127.0.0.1:${securePort}/`]);
    expect(strict.stdout).toMatch(/^DOWN\s+.*TLS failure: /m);
    const lax = await runVigilAsync(['probe', `https://127.0.0.1:${securePort}/`, '-o', 'tls_verify=false']);
    expect(lax.stdout).toMatch(/^UP\s+.*HTTP 200 from https:\/\/127\.0\.0\.1:\d+\/$/m);
    const handshake = await runVigilAsync(['probe', `tls://127.0.0.1:${securePort}?tls_verify=false`]);
    expect(handshake.stdout).toMatch(/^UP\s+.*TLS to 127\.0\.0\.1:\d+$/m);
  });

  it.skipIf(!existsSync('/usr/lib/nagios/plugins/check_dummy'))('--type script with -o options runs a Nagios plugin; exit code follows the state', async () => {
    const result = await runVigilAsync([
      'probe', '-v', '--type', 'script', '--host', '127.0.0.1',
      '-o', 'command=/usr/lib/nagios/plugins/check_dummy', '-o', 'convention=nagios', '-o', 'args=[1, "queue at {address} is long"]',
    ]);
    expect(result.stdout).toMatch(/^WARNING\s+127\.0\.0\.1\s+[\d.]+ms\s+WARNING: queue at 127\.0\.0\.1 is long$/m);
    expect(result.code).toBe(1);
  });
});
