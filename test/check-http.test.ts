// The http check against real Node HTTP and HTTPS servers on loopback (certificates made with
// openssl in the test): every option, and each failure with its reason.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import httpCheck, { closeIdleHttpClients } from '../checks/http.js';
import { makeTestPki, type TestPki } from './helpers/certificates.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { closedPort } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';

interface Seen {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remoteAddress?: string;
  socket: net.Socket;
  /** The client certificate's CN, on the mutual-TLS server. */
  peer?: string;
}

const PAGE = '<html><body>service: ready\nversion 1.4</body></html>\n';

/** The routes every test server answers. */
function handler(seen: Seen[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body, remoteAddress: req.socket.remoteAddress, socket: req.socket, peer: [(req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN].flat()[0] });
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/slow') {
        setTimeout(() => res.end('late\n'), 150);
        return;
      }
      if (path === '/hang') return;
      if (path === '/page') return void res.writeHead(200, { 'content-type': 'text/html', 'x-role': 'primary' }).end(PAGE);
      if (path === '/maintenance') return void res.writeHead(200).end('down for maintenance\n');
      if (path?.startsWith('/status/')) return void res.writeHead(Number(path.slice(8))).end();
      if (path === '/big') return void res.writeHead(200).end('x'.repeat(3 * 1024 * 1024));
      if (path === '/redirect') return void res.writeHead(302, { location: '/page' }).end();
      if (path === '/see-other') return void res.writeHead(303, { location: '/page' }).end();
      if (path === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
      // Absolute redirects to the public name, another host, and HTTPS (port from the query).
      if (path === '/to-name') return void res.writeHead(301, { location: `http://www.example.test:${req.socket.localPort}/page` }).end();
      if (path === '/to-other-host') return void res.writeHead(301, { location: `http://127.0.0.2:${req.socket.localPort}/page` }).end();
      if (path === '/to-https') return void res.writeHead(301, { location: `https://www.example.test:${req.url!.split('?port=')[1]}/page` }).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    });
  };
}

function listen(server: net.Server, address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => server.listen(0, address, () => resolve((server.address() as net.AddressInfo).port)));
}

const tmp = tempDir();
let pki: TestPki;
const plainSeen: Seen[] = [];
const tlsSeen: Seen[] = [];
const mtlsSeen: Seen[] = [];
let plain: http.Server;
let secure: https.Server;
let mutual: https.Server;
let plainPort: number;
let securePort: number;
let mutualPort: number;
let connections = 0;

beforeAll(async () => {
  pki = makeTestPki(tmp.dir);
  plain = http.createServer(handler(plainSeen));
  plain.on('connection', () => connections++);
  secure = https.createServer({ cert: pki.serverCert, key: pki.serverKey }, handler(tlsSeen));
  mutual = https.createServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, handler(mtlsSeen));
  [plainPort, securePort, mutualPort] = await Promise.all([listen(plain), listen(secure), listen(mutual)]);
});

afterAll(async () => {
  for (const server of [plain, secure, mutual]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  tmp.cleanup();
});

const local = (port: number) => makeTarget('127.0.0.1', port);
const openConnections = () => new Promise<number>((resolve, reject) => plain.getConnections((err, count) => (err ? reject(err) : resolve(count))));

describe('http check: request', () => {
  it('sends method, path, headers, virtual host and body as configured', async () => {
    const result = await runOnce(httpCheck, local(plainPort), {
      method: 'POST',
      path: '/api/health?deep=1',
      host_header: 'www.example.test',
      headers: { 'x-check': 'vigil', authorization: 'Bearer abc' },
      body: '{"ping":true}',
    });
    expect(result).toMatchObject({ status: 'up', message: `HTTP 200 from http://127.0.0.1:${plainPort}/api/health?deep=1` });
    const seen = plainSeen.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/api/health?deep=1', body: '{"ping":true}' });
    expect(seen.headers).toMatchObject({ host: 'www.example.test', 'x-check': 'vigil', authorization: 'Bearer abc', 'user-agent': 'vigil-health-check' });
  });

  it("headers_env sends headers from the daemon's environment, read at each check; an unset variable is an unknown result naming it", async () => {
    process.env.VIGIL_TEST_HEALTH_TOKEN = 'Bearer from-env';
    try {
      const options = { path: '/private', headers: { 'x-check': 'vigil' }, headers_env: { Authorization: 'VIGIL_TEST_HEALTH_TOKEN' } };
      expect(await runOnce(httpCheck, local(plainPort), options)).toMatchObject({ status: 'up' });
      expect(plainSeen.at(-1)!.headers).toMatchObject({ authorization: 'Bearer from-env', 'x-check': 'vigil' });
      process.env.VIGIL_TEST_HEALTH_TOKEN = 'Bearer rotated';
      await runOnce(httpCheck, local(plainPort), options);
      expect(plainSeen.at(-1)!.headers.authorization).toBe('Bearer rotated');
      delete process.env.VIGIL_TEST_HEALTH_TOKEN;
      const before = plainSeen.length;
      expect(await runOnce(httpCheck, local(plainPort), options)).toMatchObject({ status: 'unknown', message: 'header Authorization: environment variable VIGIL_TEST_HEALTH_TOKEN is not set' });
      expect(plainSeen.length).toBe(before); // nothing was sent without it
    } finally {
      delete process.env.VIGIL_TEST_HEALTH_TOKEN;
    }
  });

  it('the default Host header is the address and port', async () => {
    await runOnce(httpCheck, local(plainPort), {});
    expect(plainSeen.at(-1)!.headers.host).toBe(`127.0.0.1:${plainPort}`);
  });

  it('opens a new connection per check by default, reuses one with keepalive', async () => {
    const before = connections;
    await runOnce(httpCheck, local(plainPort), {});
    await runOnce(httpCheck, local(plainPort), {});
    expect(connections - before).toBe(2);
    const target = makeTarget('127.0.0.1', plainPort, { id: 'keepalive/127.0.0.1' });
    const first = await runOnce(httpCheck, target, { keepalive: true });
    const between = connections;
    const second = await runOnce(httpCheck, target, { keepalive: true });
    expect([first.status, second.status]).toEqual(['up', 'up']);
    expect(connections).toBe(between);
  });

  it('closes a kept-alive connection left idle (a target removed from the config)', async () => {
    const target = makeTarget('127.0.0.1', plainPort, { id: 'idle/127.0.0.1' });
    expect((await runOnce(httpCheck, target, { keepalive: true })).status).toBe('up');
    const openBefore = await openConnections();
    const closed = closeIdleHttpClients(0); // this target's client and the one of the test before
    expect(closed).toBeGreaterThanOrEqual(1);
    await expect.poll(openConnections).toBe(openBefore - closed);
    // The next check of that target opens a new connection and works.
    const before = connections;
    expect((await runOnce(httpCheck, target, { keepalive: true })).status).toBe('up');
    expect(connections).toBe(before + 1);
    closeIdleHttpClients(0);
  });

  it('binds to a source address', async () => {
    const result = await runOnce(httpCheck, local(plainPort), { source_address: '127.0.0.2' });
    expect(result.status).toBe('up');
    expect(plainSeen.at(-1)!.remoteAddress).toBe('127.0.0.2');
  });
});

describe('http check: what the answer must be', () => {
  it('status sets with lists and ranges', async () => {
    expect((await runOnce(httpCheck, local(plainPort), { path: '/status/503', expect_status: '200-299 301 503' })).status).toBe('up');
    expect((await runOnce(httpCheck, local(plainPort), { path: '/status/301', expect_status: [200, '300-302'] })).status).toBe('up');
    const wrong = await runOnce(httpCheck, local(plainPort), { path: '/status/404', expect_status: '200-299 301 503' });
    expect(wrong).toMatchObject({ status: 'down', message: `HTTP 404 from http://127.0.0.1:${plainPort}/status/404: status 404 not in "200-299 301 503"` });
  });

  it('body must match and must not match a regular expression', async () => {
    expect((await runOnce(httpCheck, local(plainPort), { path: '/page', expect_body: 'service: ready' })).status).toBe('up');
    const mismatch = await runOnce(httpCheck, local(plainPort), { path: '/maintenance', expect_body: 'service: ready' });
    expect(mismatch).toMatchObject({ status: 'down', message: expect.stringMatching(/: body does not match \/service: ready\/$/) });
    expect(mismatch.detail).toContain('down for maintenance');
    const rejected = await runOnce(httpCheck, local(plainPort), { path: '/maintenance', reject_body: 'maintenance' });
    expect(rejected).toMatchObject({ status: 'down', message: expect.stringMatching(/body matches \/maintenance\/, which it must not/) });
  });

  it('MD5 digest of the body, as keepalived genhash computes it', async () => {
    const md5 = createHash('md5').update(PAGE).digest('hex');
    expect((await runOnce(httpCheck, local(plainPort), { path: '/page', digest: md5.toUpperCase() })).status).toBe('up');
    const changed = await runOnce(httpCheck, local(plainPort), { path: '/maintenance', digest: md5 });
    expect(changed).toMatchObject({ status: 'down', message: expect.stringMatching(new RegExp(`body MD5 [0-9a-f]{32} differs from digest ${md5}`)) });
  });

  it('reads at most max_body_bytes; a digest over a longer body is a failure that says why', async () => {
    const found = await runOnce(httpCheck, local(plainPort), { path: '/big', expect_body: '^x+$', max_body_bytes: 1000 });
    expect(found.status).toBe('up');
    const digest = await runOnce(httpCheck, local(plainPort), { path: '/big', digest: '0'.repeat(32), max_body_bytes: 1000 });
    expect(digest).toMatchObject({ status: 'down', message: expect.stringMatching(/body longer than max_body_bytes \(1000\): cannot check its digest/) });
  });

  it('response headers must match', async () => {
    expect((await runOnce(httpCheck, local(plainPort), { path: '/page', expect_headers: { 'Content-Type': '^text/html', 'x-role': 'primary' } })).status).toBe('up');
    const wrong = await runOnce(httpCheck, local(plainPort), { path: '/page', expect_headers: { 'x-role': '^standby$' } });
    expect(wrong).toMatchObject({ status: 'down', message: expect.stringMatching(/header x-role: "primary" does not match \/\^standby\$\//) });
    const missing = await runOnce(httpCheck, local(plainPort), { path: '/', expect_headers: { 'x-role': '.' } });
    expect(missing).toMatchObject({ status: 'down', message: expect.stringMatching(/header x-role missing/) });
  });

  it('redirects are judged by status unless followed', async () => {
    expect(await runOnce(httpCheck, local(plainPort), { path: '/redirect', expect_status: '200' })).toMatchObject({ status: 'down', message: expect.stringMatching(/status 302 not in/) });
    const followed = await runOnce(httpCheck, local(plainPort), { path: '/redirect', expect_status: '200', follow_redirects: true, expect_body: 'ready' });
    expect(followed).toMatchObject({ status: 'up', message: `HTTP 200 from http://127.0.0.1:${plainPort}/page` });
    const seeOther = await runOnce(httpCheck, local(plainPort), { path: '/see-other', method: 'POST', body: 'x', follow_redirects: true });
    expect(seeOther.status).toBe('up');
    expect(plainSeen.at(-1)).toMatchObject({ method: 'GET', url: '/page' });
    const loop = await runOnce(httpCheck, local(plainPort), { path: '/loop', follow_redirects: true, max_redirects: 3 });
    expect(loop).toMatchObject({ status: 'down', message: 'more than 3 redirects, last to /loop' });
  });

  it('a followed redirect stays on the real server, whatever host its Location names', async () => {
    // A Location with the public name leads to the VIP, with another address to another server:
    // neither says anything about this real server. The request goes to it with that Host instead.
    const elsewhere: Seen[] = [];
    const other = http.createServer(handler(elsewhere));
    await new Promise<void>((resolve, reject) => other.once('error', reject).listen(plainPort, '127.0.0.2', resolve));
    try {
      const byName = await runOnce(httpCheck, local(plainPort), { path: '/to-name', follow_redirects: true, expect_body: 'ready' });
      expect(byName).toMatchObject({ status: 'up', message: `HTTP 200 from http://127.0.0.1:${plainPort}/page` });
      expect(plainSeen.at(-1)).toMatchObject({ url: '/page', headers: expect.objectContaining({ host: `www.example.test:${plainPort}` }) });
      const otherHost = await runOnce(httpCheck, local(plainPort), { path: '/to-other-host', follow_redirects: true });
      expect(otherHost).toMatchObject({ status: 'up', message: `HTTP 200 from http://127.0.0.1:${plainPort}/page` });
      expect(plainSeen.at(-1)!.headers.host).toBe(`127.0.0.2:${plainPort}`);
      // A change of scheme goes to the Location's port on the same address, with its name as SNI.
      const toHttps = await runOnce(httpCheck, local(plainPort), { path: `/to-https?port=${securePort}`, follow_redirects: true, tls_ca: pki.caFile });
      expect(toHttps).toMatchObject({ status: 'up', message: `HTTP 200 from https://127.0.0.1:${securePort}/page` });
      expect((tlsSeen.at(-1)!.socket as TLSSocket).servername).toBe('www.example.test');
      expect(elsewhere).toEqual([]);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('a slow answer is a warning past warn_latency, up below it', async () => {
    const slow = await runOnce(httpCheck, local(plainPort), { path: '/slow', warn_latency: '50ms' });
    expect(slow).toMatchObject({ status: 'warning', message: expect.stringMatching(/HTTP 200 .*, slow: \d.* > warn_latency 50ms/) });
    expect(slow.latencyMs).toBeGreaterThan(50);
    expect((await runOnce(httpCheck, local(plainPort), { path: '/', warn_latency: '10s' })).status).toBe('up');
  });
});

describe('http check: failures and their reasons', () => {
  it('connection refused', async () => {
    const result = await runOnce(httpCheck, local(await closedPort()), {});
    expect(result).toMatchObject({ status: 'down', message: expect.stringMatching(/^connection refused \(127\.0\.0\.1:\d+\)$/) });
  });

  it('a server that accepts but never answers: timed out', async () => {
    const result = await runOnce(httpCheck, local(plainPort), { path: '/hang' }, 300);
    expect(result).toMatchObject({ status: 'down', message: 'timed out after 300ms' });
  });
});

describe('https check', () => {
  it('verifies the certificate against a CA file, with SNI from the virtual host', async () => {
    const result = await runOnce(httpCheck, local(securePort), { scheme: 'https', tls_ca: pki.caFile, host_header: 'www.example.test', path: '/page' });
    expect(result).toMatchObject({ status: 'up', message: `HTTP 200 from https://127.0.0.1:${securePort}/page` });
    expect((tlsSeen.at(-1)!.socket as TLSSocket).servername).toBe('www.example.test');
  });

  it('an untrusted certificate is a TLS failure; tls_verify: false accepts it', async () => {
    const untrusted = await runOnce(httpCheck, local(securePort), { scheme: 'https' });
    expect(untrusted).toMatchObject({ status: 'down', message: expect.stringMatching(/^TLS failure: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/) });
    expect((await runOnce(httpCheck, local(securePort), { scheme: 'https', tls_verify: false })).status).toBe('up');
  });

  it('a name the certificate does not carry is a TLS failure', async () => {
    const result = await runOnce(httpCheck, local(securePort), { scheme: 'https', tls_ca: pki.caFile, tls_server_name: 'other.example.test' });
    expect(result).toMatchObject({ status: 'down', message: expect.stringMatching(/^TLS failure: .*other\.example\.test.*\(ERR_TLS_CERT_ALTNAME_INVALID\)$/) });
  });

  it('a client certificate when the server requires one', async () => {
    const refused = await runOnce(httpCheck, local(mutualPort), { scheme: 'https', tls_ca: pki.caFile });
    // TLS 1.3: the server checks the client certificate after the handshake and hangs up.
    expect(refused).toMatchObject({ status: 'down', message: expect.stringMatching(/^(TLS failure: .*|connection closed by peer|connection reset by peer)$/) });
    const separate = await runOnce(httpCheck, local(mutualPort), { scheme: 'https', tls_ca: pki.caFile, tls_cert: pki.clientCertFile, tls_key: pki.clientKeyFile });
    expect(separate.status).toBe('up');
    const bundle = await runOnce(httpCheck, local(mutualPort), { scheme: 'https', tls_ca: pki.caFile, tls_cert: pki.clientBundleFile });
    expect(bundle.status).toBe('up');
    expect(mtlsSeen.at(-1)!.peer).toBe('vigil-checker');
  });

  it('a CA file that cannot be read is an unknown result naming the file', async () => {
    const result = await runOnce(httpCheck, local(securePort), { scheme: 'https', tls_ca: tmp.path('missing.pem') });
    expect(result).toMatchObject({ status: 'unknown', message: `cannot read tls_ca ${tmp.path('missing.pem')}: no such file` });
  });
});

describe('http check options are validated at load', () => {
  it('rejects a bad regex, a bad digest and a bad source address', () => {
    const problems = (options: Record<string, unknown>) => httpCheck.options.safeParse(options).error?.issues.map((issue) => issue.message);
    expect(problems({ expect_body: '(' })).toEqual([expect.stringMatching(/^not a valid regular expression: /)]);
    expect(problems({ digest: 'abc' })).toEqual([expect.stringMatching(/expected an MD5 digest/)]);
    expect(problems({ source_address: 'eth0' })).toEqual(['expected an IP address, got "eth0"']);
  });
});
