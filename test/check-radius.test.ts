// The radius check against the real FreeRADIUS server (Debian's freeradius, started by the test on
// 127.0.0.1 with a known client secret and users): the test user's Access-Accept is up; a wrong
// password's Access-Reject is down (up when expect lists reject); a wrong secret is down, whether
// FreeRADIUS drops the request (its Message-Authenticator does not verify) or answers one the
// check cannot verify; a closed port and a server that never answers are down. Replies FreeRADIUS
// 3.2.1 does not make (a Message-Authenticator in the reply, a wrong identifier, a lost datagram)
// come from a small UDP server in the test that answers with the same secret.
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import radiusCheck from '../checks/radius.js';
import type { CheckPlugin } from '../src/plugin.js';
import {
  CHALLENGE_USER,
  LONG_PASSWORD,
  LONG_PASSWORD_USER,
  RADIUS_PASSWORD,
  RADIUS_SECRET,
  RADIUS_USER,
  REJECT_MESSAGE,
  startFreeradius,
  type RadiusServer,
} from './helpers/radius-server.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { freeUdpPort, udpServersClosedAfterAll } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync } from './helpers/vigil-process.js';

const check = radiusCheck as unknown as CheckPlugin;
const tmp = tempDir();
let server: RadiusServer;

beforeAll(async () => {
  server = await startFreeradius();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

const where = (port = server.port) => `radius 127.0.0.1:${port}`;
const monitor = { user: RADIUS_USER, password: RADIUS_PASSWORD, secret: RADIUS_SECRET };
// FreeRADIUS holds an Access-Reject back for reject_delay (Debian's default: 1s): time enough for it.
const run = (options: Record<string, unknown>, port = server.port, timeoutMs = 3_000) => runOnce(check, makeTarget('127.0.0.1', port), options, timeoutMs);

const serveUdp = udpServersClosedAfterAll();

/**
 * A reply to `request` as RFC 2865 3 and RFC 3579 3.2 make one: the attributes, a
 * Message-Authenticator when asked (`badMac` spoils it), and the Response Authenticator.
 */
function signedReply(request: Buffer, code: number, options: { mac?: boolean; badMac?: boolean; id?: number } = {}): Buffer {
  const attributes = options.mac ? Buffer.from([80, 18, ...Buffer.alloc(16)]) : Buffer.alloc(0);
  const packet = Buffer.concat([Buffer.from([code, options.id ?? request[1]!, 0, 20 + attributes.length]), request.subarray(4, 20), attributes]);
  if (options.mac) {
    const mac = createHmac('md5', options.badMac ? 'not-the-secret' : RADIUS_SECRET).update(packet).digest();
    mac.copy(packet, 22);
  }
  createHash('md5').update(packet).update(RADIUS_SECRET).digest().copy(packet, 4);
  return packet;
}

describe('radius check against FreeRADIUS', () => {
  it("is up on the test user's Access-Accept; the server logged the login", async () => {
    expect(await run(monitor), server.log()).toMatchObject({ status: 'up', message: `${where()}: Access-Accept` });
    expect(server.log()).toMatch(/Login OK: \[monitor\] \(from client vigil-test /);
  });

  it('hides a password longer than one 16-byte block as RFC 2865 chains it', async () => {
    expect(await run({ user: LONG_PASSWORD_USER, password: LONG_PASSWORD, secret: RADIUS_SECRET }), server.log()).toMatchObject({ status: 'up', message: `${where()}: Access-Accept` });
    expect(await run({ user: LONG_PASSWORD_USER, password: `${LONG_PASSWORD.slice(0, -1)}X`, secret: RADIUS_SECRET })).toMatchObject({ status: 'down' });
  });

  it("a wrong password's Access-Reject is down by default, as ldirectord counts it, and up when expect lists reject", async () => {
    const wrong = { ...monitor, password: 'wrong' };
    expect(await run(wrong)).toMatchObject({ status: 'down', message: `${where()}: Access-Reject (Reply-Message "${REJECT_MESSAGE}"), expected Access-Accept` });
    expect(await run({ ...wrong, expect: ['accept', 'reject'] })).toMatchObject({ status: 'up', message: `${where()}: Access-Reject (Reply-Message "${REJECT_MESSAGE}")` });
    expect(await run({ ...monitor, expect: 'reject' })).toMatchObject({ status: 'down', message: `${where()}: Access-Accept, expected Access-Reject` });
  });

  it("an Access-Challenge is down unless expected (mon's radius.monitor counts it as OK)", async () => {
    const token = { user: CHALLENGE_USER, password: 'token', secret: RADIUS_SECRET };
    const said = '(Reply-Message "Enter the code from your token")';
    expect(await run(token)).toMatchObject({ status: 'down', message: `${where()}: Access-Challenge ${said}, expected Access-Accept` });
    expect(await run({ ...token, expect: ['accept', 'challenge'] })).toMatchObject({ status: 'up', message: `${where()}: Access-Challenge ${said}` });
  });

  it('a wrong secret: FreeRADIUS drops the request, whose Message-Authenticator does not verify', async () => {
    const result = await run({ ...monitor, secret: 'not-the-secret' }, server.port, 1_000);
    expect(result).toMatchObject({ status: 'down', message: `${where()}: no reply within 900ms; a RADIUS server drops requests from unknown clients and with a wrong secret` });
    expect(server.log()).toMatch(/Dropping packet without response because of error: Received packet from 127\.0\.0\.1 with invalid Message-Authenticator!\s+\(Shared secret is incorrect\.\)/);
  });

  it('a wrong secret without a Message-Authenticator (as ldirectord sends): FreeRADIUS rejects, and its reply does not verify', async () => {
    // The password, unhidden with another secret, does not match: an Access-Reject signed with the server's secret.
    expect(await run({ ...monitor, secret: 'not-the-secret', message_authenticator: false })).toMatchObject({
      status: 'down',
      message: `${where()}: reply not authenticated: wrong secret? (its code says Access-Reject)`,
    });
    expect(await run({ ...monitor, message_authenticator: false })).toMatchObject({ status: 'up', message: `${where()}: Access-Accept` });
  });

  it('reads the password and the secret from files and environment variables; one that cannot be read is unknown, not down', async () => {
    const passwordFile = tmp.write('radius-password', `${RADIUS_PASSWORD}\n`);
    const secretFile = tmp.write('radius-secret', `${RADIUS_SECRET}\n`);
    expect(await run({ user: RADIUS_USER, password_file: passwordFile, secret_file: secretFile })).toMatchObject({ status: 'up', message: `${where()}: Access-Accept` });
    process.env.VIGIL_TEST_RADIUS_SECRET = RADIUS_SECRET;
    try {
      expect(await run({ user: RADIUS_USER, password: RADIUS_PASSWORD, secret_env: 'VIGIL_TEST_RADIUS_SECRET' })).toMatchObject({ status: 'up' });
    } finally {
      delete process.env.VIGIL_TEST_RADIUS_SECRET;
    }
    expect(await run({ user: RADIUS_USER, password: RADIUS_PASSWORD, secret_env: 'VIGIL_TEST_RADIUS_SECRET' })).toEqual({
      status: 'unknown',
      message: 'secret_env: environment variable VIGIL_TEST_RADIUS_SECRET is not set',
      latencyMs: expect.any(Number),
    });
    expect(await run({ user: RADIUS_USER, password_file: tmp.path('no-such-file'), secret: RADIUS_SECRET })).toMatchObject({
      status: 'unknown',
      message: `password_file ${tmp.path('no-such-file')}: no such file`,
    });
    expect(await run({ user: RADIUS_USER, password: RADIUS_PASSWORD, secret_file: tmp.write('empty-secret', '\n') })).toMatchObject({
      status: 'unknown',
      message: `the shared secret is empty (secret_file ${tmp.path('empty-secret')})`,
    });
  });

  it('vigil probe radius://user:password@host:port?secret=… checks ad hoc', async () => {
    const url = `radius://${RADIUS_USER}:${RADIUS_PASSWORD}@127.0.0.1:${server.port}?secret=${RADIUS_SECRET}`;
    const up = await runVigilAsync(['probe', url]);
    expect(up.stdout).toMatch(new RegExp(`^UP\\s+radius://\\S+\\s+[\\d.]+ms\\s+radius 127\\.0\\.0\\.1:${server.port}: Access-Accept$`, 'm'));
    expect(up.code).toBe(0);
    const rejected = await runVigilAsync(['probe', url.replace(RADIUS_PASSWORD, 'wrong')]);
    expect(rejected.stdout).toMatch(/: Access-Reject \(Reply-Message "Login incorrect"\), expected Access-Accept$/m);
    expect(rejected.code).toBe(2);
    const answered = await runVigilAsync(['probe', `${url.replace(RADIUS_PASSWORD, 'wrong')}&expect=[accept,reject]`]);
    expect(answered.stdout).toMatch(/^UP\s.*: Access-Reject \(Reply-Message "Login incorrect"\)$/m);
  });
});

describe('radius check: what else can go wrong', () => {
  it('is down when the UDP port is closed: the ICMP port unreachable', async () => {
    const port = await freeUdpPort();
    expect(await run(monitor, port)).toMatchObject({ status: 'down', message: `${where(port)}: port unreachable (ICMP)` });
  });

  it('is down when nothing answers, saying how long it waited', async () => {
    const silent = await serveUdp(() => undefined);
    expect(await run(monitor, silent.port, 1_000)).toMatchObject({
      status: 'down',
      message: `${where(silent.port)}: no reply within 900ms; a RADIUS server drops requests from unknown clients and with a wrong secret`,
    });
    expect(silent.received).toHaveLength(1);
  });

  it('retries: the same request sent again while no reply comes (mon --attempts), the wait shared', async () => {
    // A server that loses the first datagram of each request and answers the second.
    const lossy = await serveUdp((request) => (lossy.received.length % 2 === 0 ? signedReply(request, 2) : undefined));
    expect(await run({ ...monitor, retries: 1 }, lossy.port, 1_000)).toMatchObject({ status: 'up', message: `${where(lossy.port)}: Access-Accept` });
    expect(lossy.received).toHaveLength(2);
    expect(lossy.received[1]).toEqual(lossy.received[0]); // a retransmission: same identifier and authenticator
    const silent = await serveUdp(() => undefined);
    expect(await run({ ...monitor, retries: 2 }, silent.port, 1_000)).toMatchObject({ status: 'down', message: expect.stringMatching(/: no reply within 900ms \(3 tries\); /) });
    expect(silent.received).toHaveLength(3);
    lossy.received.length = 0;
    expect(await run(monitor, lossy.port, 1_000)).toMatchObject({ status: 'down', message: expect.stringMatching(/: no reply within 900ms; /) });
  });

  it("verifies a reply's Message-Authenticator and identifier", async () => {
    const signed = await serveUdp((request) => signedReply(request, 2, { mac: true }));
    expect(await run(monitor, signed.port)).toMatchObject({ status: 'up', message: `${where(signed.port)}: Access-Accept` });
    // What the check sent: an Access-Request with a Message-Authenticator first, made with the secret.
    const request = signed.received[0]!;
    expect([request[0], request[20], request[21]]).toEqual([1, 80, 18]);
    const zeroed = Buffer.from(request);
    zeroed.fill(0, 22, 38);
    expect(request.subarray(22, 38)).toEqual(createHmac('md5', RADIUS_SECRET).update(zeroed).digest());

    const badMac = await serveUdp((request) => signedReply(request, 2, { mac: true, badMac: true }));
    expect(await run(monitor, badMac.port)).toMatchObject({ status: 'down', message: `${where(badMac.port)}: reply not authenticated: wrong secret? (its code says Access-Accept)` });
    const otherId = await serveUdp((request) => signedReply(request, 2, { id: (request[1]! + 1) & 0xff }));
    expect(await run(monitor, otherId.port)).toMatchObject({ status: 'down', message: expect.stringMatching(/: the reply is for another request \(identifier \d+, ours \d+\)$/) });
    const short = await serveUdp(() => Buffer.from('hello'));
    expect(await run(monitor, short.port)).toMatchObject({ status: 'down', message: `${where(short.port)}: malformed reply: 5 bytes, shorter than a RADIUS header` });
  });

  it('rejects missing or contradictory options when the config loads', () => {
    const issues = (options: Record<string, unknown>) => check.options.safeParse(options).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);
    expect(issues({ user: 'u', secret: 's', secret_file: '/etc/vigil/radius-secret' })).toEqual([['secret', 'give one of secret, secret_file, not both']]);
    expect(issues({ user: 'u' })).toEqual([['secret', 'give secret, secret_file or secret_env: the shared secret the server has for this client']]);
    expect(issues({ user: 'u', secret: 's', password: 'p', password_env: 'P' })).toEqual([['password', 'give one of password, password_env, not both']]);
    expect(issues({ user: 'u', secret: 's', password: 'x'.repeat(129) })).toEqual([['password', 'a User-Password holds at most 128 bytes']]);
    expect(issues({ user: 'u', secret: 's', expect: 'ok' })?.[0]?.[0]).toBe('expect');
    expect(issues({ secret: 's' })?.[0]?.[0]).toBe('user');
    expect(check.options.parse({ user: 'u', secret_file: '/etc/vigil/radius-secret' })).toMatchObject({ expect: ['accept'], retries: 0, message_authenticator: true });
    // vigil probe's URL: user, password and secret stay text (a secret of digits is not a number).
    expect(check.fromUrl!(new URL('radius://mon%40itor:p%3Ass@192.0.2.1:1645?secret=0123&retries=2'))).toEqual({
      address: '192.0.2.1',
      port: 1645,
      options: { user: 'mon@itor', password: 'p:ss', secret: '0123', retries: 2 },
    });
  });
});
