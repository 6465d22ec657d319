// The tcp check against real TCP (and TLS) servers on loopback: connect, banners, send/expect
// steps in text and hex, a TLS handshake, and each failure with its reason.
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tcpCheck from '../checks/tcp.js';
import { makeTestPki, type TestPki } from './helpers/certificates.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { closedPort } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

/** A server on 127.0.0.1 whose connections are handed to `onConnection`. */
async function serve(onConnection: (socket: net.Socket) => void, make: (listener: (socket: net.Socket) => void) => net.Server = net.createServer): Promise<number> {
  const server = make((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Calls `onLine` for every CRLF/LF-terminated line the client sends. */
function lines(socket: net.Socket, onLine: (line: string) => void): void {
  let buffered = '';
  socket.on('data', (chunk) => {
    buffered += chunk.toString('latin1');
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      onLine(buffered.slice(0, end).replace(/\r$/, ''));
      buffered = buffered.slice(end + 1);
    }
  });
}

const tmp = tempDir();
let pki: TestPki;
const ports: Record<string, number> = {};
const smtpCommands: string[] = [];

beforeAll(async () => {
  pki = makeTestPki(tmp.dir);
  ports.smtp = await serve((socket) => {
    socket.write('220 mail.example.test ESMTP ready\r\n');
    lines(socket, (line) => {
      smtpCommands.push(line);
      if (/^EHLO /.test(line)) socket.write('250-mail.example.test\r\n250 SIZE 1000000\r\n');
      else if (line === 'QUIT') socket.end('221 bye\r\n');
      else socket.write('502 unknown command\r\n');
    });
  });
  ports.ssh = await serve((socket) => socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
  ports.busy = await serve((socket) => socket.end('554 too busy, try later\r\n'));
  ports.silent = await serve(() => undefined);
  ports.flood = await serve((socket) => socket.write('y'.repeat(200_000)));
  ports.redis = await serve((socket) => lines(socket, (line) => socket.write(line === 'PING' ? '+PONG\r\n' : '-ERR unknown\r\n')));
  ports.binary = await serve((socket) =>
    socket.on('data', (data) => {
      // A made-up binary protocol: request 01 02, reply CA FE <counter> 07.
      if (data[0] === 0x01 && data[1] === 0x02) socket.write(Buffer.from([0xca, 0xfe, Math.floor(Math.random() * 256), 0x07]));
    }),
  );
  ports.tls = await serve(
    (socket) => lines(socket, (line) => socket.write(line === 'STATUS' ? 'OK primary\n' : 'ERR\n')),
    (listener) => tls.createServer({ cert: pki.serverCert, key: pki.serverKey }, listener),
  );
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  tmp.cleanup();
});

const local = (port: number) => makeTarget('127.0.0.1', port);

describe('tcp check: connect', () => {
  it('UP when the port accepts, with the address in the message', async () => {
    expect(await runOnce(tcpCheck, local(ports.ssh!), {})).toMatchObject({ status: 'up', message: `connected to 127.0.0.1:${ports.ssh}` });
  });

  it('connection refused', async () => {
    const port = await closedPort();
    expect(await runOnce(tcpCheck, local(port), {})).toMatchObject({ status: 'down', message: `connection refused (127.0.0.1:${port})` });
  });

  it('binds to a source address', async () => {
    let peer: string | undefined;
    const port = await serve((socket) => (peer = socket.remoteAddress));
    expect((await runOnce(tcpCheck, local(port), { source_address: '127.0.0.3' })).status).toBe('up');
    expect(peer).toBe('127.0.0.3');
  });

  it("its own port wins over the host entry's (keepalived connect_port, ldirectord checkport)", async () => {
    const hostPort = await closedPort();
    expect(await runOnce(tcpCheck, local(hostPort), { port: ports.ssh })).toMatchObject({ status: 'up', message: `connected to 127.0.0.1:${ports.ssh}` });
  });

  it('without a port anywhere: unknown, saying where to put one', async () => {
    expect(await runOnce(tcpCheck, makeTarget('127.0.0.1'), {})).toMatchObject({ status: 'unknown', message: expect.stringMatching(/^no port/) });
  });
});

describe('tcp check: banners', () => {
  it('smtp and ssh by name, or any regular expression', async () => {
    expect(await runOnce(tcpCheck, local(ports.smtp!), { banner: 'smtp' })).toMatchObject({
      status: 'up',
      message: `connected to 127.0.0.1:${ports.smtp}: banner "220 mail.example.test ESMTP ready"`,
    });
    expect((await runOnce(tcpCheck, local(ports.ssh!), { banner: 'ssh' })).status).toBe('up');
    expect((await runOnce(tcpCheck, local(ports.ssh!), { banner: 'OpenSSH_9' })).status).toBe('up');
  });

  it('a wrong banner: down, showing what the server said', async () => {
    const result = await runOnce(tcpCheck, local(ports.busy!), { banner: 'smtp' });
    expect(result).toMatchObject({ status: 'down', message: 'connection closed before /^220[ -]/ matched; got "554 too busy, try later\\r\\n"' });
    expect(await runOnce(tcpCheck, local(ports.ssh!), { banner: 'smtp' }, 300)).toMatchObject({
      status: 'down',
      message: 'no match for /^220[ -]/ within 270ms; got "SSH-2.0-OpenSSH_9.2p1 Debian-2\\r\\n"',
    });
  });

  it('a server that accepts and says nothing: down when the banner does not come', async () => {
    expect(await runOnce(tcpCheck, local(ports.silent!), { banner: 'ssh' }, 300)).toMatchObject({ status: 'down', message: 'no match for /^SSH-2\\.0-/ within 270ms; received nothing' });
  });

  it('a server that floods: gives up after max_read_bytes', async () => {
    const result = await runOnce(tcpCheck, local(ports.flood!), { banner: 'ssh', max_read_bytes: 4096 });
    expect(result).toMatchObject({ status: 'down', message: expect.stringMatching(/^no match for \/\^SSH-2\\\.0-\/ in the first 4096 bytes; got "y+… \(\d+ bytes\)"$/) });
  });
});

describe('tcp check: send/expect steps', () => {
  it('an SMTP conversation: banner, EHLO, QUIT', async () => {
    const result = await runOnce(tcpCheck, local(ports.smtp!), {
      banner: 'smtp',
      steps: [{ send: 'EHLO vigil.example.test\r\n' }, { expect: '^250 ' }, { send: 'QUIT\r\n' }, { expect: '^221' }],
    });
    // `^250 ` is matched line by line: it skips the continuation line "250-mail…" and finds "250 SIZE…".
    expect(result).toMatchObject({
      status: 'up',
      message: `connected to 127.0.0.1:${ports.smtp}: banner "220 mail.example.test ESMTP ready", /^250 / matched "250 SIZE 1000000", /^221/ matched "221 bye"`,
    });
    expect(smtpCommands.slice(-2)).toEqual(['EHLO vigil.example.test', 'QUIT']);
  });

  it('Redis-style PING/PONG; a wrong answer names what came back', async () => {
    expect((await runOnce(tcpCheck, local(ports.redis!), { steps: [{ send: 'PING\r\n' }, { expect: '^\\+PONG' }] })).status).toBe('up');
    const wrong = await runOnce(tcpCheck, local(ports.redis!), { steps: [{ send: 'HELLO\r\n' }, { expect: '^\\+PONG' }] }, 300);
    expect(wrong).toMatchObject({ status: 'down', message: 'no match for /^\\+PONG/ within 270ms; got "-ERR unknown\\r\\n"' });
  });

  it('binary steps: send hex, expect hex with wildcards', async () => {
    const up = await runOnce(tcpCheck, local(ports.binary!), { steps: [{ send_hex: '01 02' }, { expect_hex: 'ca fe xx 07' }] });
    expect(up).toMatchObject({ status: 'up', message: expect.stringMatching(/hex ca fe xx 07 matched/) });
    const down = await runOnce(tcpCheck, local(ports.binary!), { steps: [{ send_hex: '0102' }, { expect_hex: 'cafe??08' }] }, 300);
    expect(down).toMatchObject({ status: 'down', message: expect.stringMatching(/^no match for hex cafe\?\?08 within 270ms; got "ca fe [0-9a-f]{2} 07"$/) });
  });

  it('a step must be exactly one action, checked at load', () => {
    const issues = tcpCheck.options.safeParse({ steps: [{ send: 'a', expect: 'b' }] }).error?.issues;
    expect(issues?.[0]).toMatchObject({ path: ['steps', 0], message: 'a step has exactly one of send, send_hex, expect, expect_hex (got send, expect)' });
    expect(tcpCheck.options.safeParse({ steps: [{ send_hex: '0g' }] }).error?.issues[0]?.message).toBe('expected hex digits, got "g" in "0g"');
  });
});

describe('tcp check: TLS', () => {
  it('handshake verified against a CA file, then steps inside TLS', async () => {
    const result = await runOnce(tcpCheck, local(ports.tls!), { tls: true, tls_ca: pki.caFile, steps: [{ send: 'STATUS\n' }, { expect: '^OK' }] });
    expect(result).toMatchObject({ status: 'up', message: expect.stringMatching(/^TLS to 127\.0\.0\.1:\d+: \/\^OK\/ matched "OK primary"$/) });
  });

  it('an untrusted certificate is a TLS failure; tls_verify: false accepts it', async () => {
    expect(await runOnce(tcpCheck, local(ports.tls!), { tls: true })).toMatchObject({ status: 'down', message: expect.stringMatching(/^TLS failure: /) });
    expect((await runOnce(tcpCheck, local(ports.tls!), { tls: true, tls_verify: false })).status).toBe('up');
  });

  it('TLS to a port that does not speak it is a TLS failure', async () => {
    const result = await runOnce(tcpCheck, local(ports.smtp!), { tls: true, tls_verify: false });
    expect(result).toMatchObject({ status: 'down', message: 'TLS failure: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)' });
  });
});
