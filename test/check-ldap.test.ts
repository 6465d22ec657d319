// The ldap check against the real OpenLDAP server (Debian's slapd, started by the test on
// 127.0.0.1, with ldaps:// and StartTLS from a test PKI): an anonymous bind or one as cn=monitor
// and a search that returns the entries is up; a wrong password, a base that does not exist, too
// few entries, a DN that does not match expect, a closed port and a server that never answers are
// down, each with the server's reason or what the check waited for.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ldapCheck from '../checks/ldap.js';
import type { CheckPlugin } from '../src/plugin.js';
import { makeTestPki, type TestPki } from './helpers/certificates.js';
import { LDAP_BASE, MONITOR_DN, MONITOR_PASSWORD, startSlapd, type LdapServer } from './helpers/ldap-server.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { closedPort, startSilentServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync } from './helpers/vigil-process.js';

const check = ldapCheck as unknown as CheckPlugin;
const tmp = tempDir();
let pki: TestPki;
let server: LdapServer;

beforeAll(async () => {
  pki = makeTestPki(tmp.dir);
  server = await startSlapd(pki);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

const where = () => `ldap 127.0.0.1:${server.port}`;
const run = (options: Record<string, unknown>, port = server.port) => runOnce(check, makeTarget('127.0.0.1', port), options, 5_000);
const asMonitor = { bind_dn: MONITOR_DN, password: MONITOR_PASSWORD };

describe('ldap check', () => {
  it('binds anonymously and reads the root DSE by default, as ldirectord without login, passwd or request', async () => {
    const result = await run({});
    expect(result, server.log()).toMatchObject({ status: 'up', message: `${where()}: search of the root DSE returned 1 entry`, detail: '(root DSE)' });
  });

  it("expect_attribute: every entry found must have the attribute with the value (mon's ldap.monitor)", async () => {
    const people = { base: `ou=people,${LDAP_BASE}`, scope: 'one' };
    expect(await run({ ...people, filter: '(uid=alice)', expect_attribute: { name: 'cn', value: 'Alice' } })).toMatchObject({ status: 'up' });
    const wrong = await run({ ...people, filter: '(uid=alice)', expect_attribute: { name: 'CN', value: 'Bob' } });
    expect(wrong).toMatchObject({ status: 'down', message: `${where()}: search of ou=people,${LDAP_BASE} returned 1 entry; entry "uid=alice,ou=people,${LDAP_BASE}" has CN: "Alice", expected "Bob"` });
    const absent = await run({ ...people, expect_attribute: { name: 'mail', value: 'alice@example.test' } });
    expect(absent.status).toBe('down');
    expect(absent.message).toMatch(/returned 2 entries; entry "uid=(alice|bob),ou=people,dc=example,dc=test" has no mail, expected "alice@example\.test"$/);
  });

  it('searches the base (ldirectord request) and matches the DN against expect (ldirectord receive)', async () => {
    const up = await run({ base: LDAP_BASE, expect: '^dc=example,' });
    expect(up).toMatchObject({ status: 'up', message: `${where()}: search of ${LDAP_BASE} returned 1 entry`, detail: LDAP_BASE });
    const down = await run({ base: LDAP_BASE, expect: '^ou=' });
    expect(down).toMatchObject({ status: 'down', message: `${where()}: search of ${LDAP_BASE} returned 1 entry; its DN "${LDAP_BASE}" does not match /^ou=/` });
  });

  it('binds as bind_dn with password or password_file; a password that cannot be read is unknown, not down', async () => {
    expect(await run({ ...asMonitor, base: LDAP_BASE })).toMatchObject({ status: 'up', message: `${where()}: search of ${LDAP_BASE} returned 1 entry` });
    const file = tmp.write('ldap-password', `${MONITOR_PASSWORD}\n`);
    expect(await run({ bind_dn: MONITOR_DN, password_file: file, base: LDAP_BASE })).toMatchObject({ status: 'up' });
    expect(await run({ bind_dn: MONITOR_DN, password_file: tmp.path('no-such-file') })).toEqual({
      status: 'unknown',
      message: `password_file ${tmp.path('no-such-file')}: no such file`,
      latencyMs: expect.any(Number),
    });
  });

  it("is down with the server's words for a wrong password and for a base that does not exist", async () => {
    expect(await run({ bind_dn: MONITOR_DN, password: 'wrong' })).toMatchObject({
      status: 'down',
      message: `${where()}: bind as ${MONITOR_DN} refused: Invalid credentials (49)`,
    });
    expect(await run({ base: `ou=nope,${LDAP_BASE}` })).toMatchObject({
      status: 'down',
      message: `${where()}: search of ou=nope,${LDAP_BASE} failed: No such object (32)`,
    });
  });

  it('what the bind may read counts: ou=private is there for cn=monitor, not for an anonymous bind', async () => {
    const base = `ou=private,${LDAP_BASE}`;
    expect(await run({ ...asMonitor, base })).toMatchObject({ status: 'up', message: `${where()}: search of ${base} returned 1 entry` });
    // slapd does not disclose an entry the bind may not read: to an anonymous bind it does not exist.
    expect(await run({ base })).toMatchObject({ status: 'down', message: `${where()}: search of ${base} failed: No such object (32)` });
  });

  it('counts the entries of a one-level or subtree search against min_entries, and follows the data', async () => {
    const people = { base: `ou=people,${LDAP_BASE}`, scope: 'one', min_entries: 2 };
    expect(await run(people)).toMatchObject({ status: 'up', message: `${where()}: search of ou=people,${LDAP_BASE} (scope one) returned 2 entries` });
    expect(await run({ base: LDAP_BASE, scope: 'sub', filter: '(uid=alice)', expect: '^uid=alice,' })).toMatchObject({ status: 'up', detail: `uid=alice,ou=people,${LDAP_BASE}` });
    // An administrator removes bob: two people are expected, one is left.
    await server.modify(`dn: uid=bob,ou=people,${LDAP_BASE}\nchangetype: delete\n`);
    try {
      expect(await run(people)).toMatchObject({ status: 'down', message: `${where()}: search of ou=people,${LDAP_BASE} (scope one) returned 1 entry, expected at least 2` });
    } finally {
      await server.modify(`dn: uid=bob,ou=people,${LDAP_BASE}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: bob\ncn: Bob\nsn: Example\n`);
    }
    expect(await run(people)).toMatchObject({ status: 'up' });
  });

  it('speaks ldaps:// (tls) and StartTLS, verifying the certificate against tls_ca', async () => {
    const tlsWhere = `ldap 127.0.0.1:${server.tlsPort} over TLS`;
    expect(await run({ tls: true, tls_ca: pki.caFile, ...asMonitor, base: LDAP_BASE }, server.tlsPort)).toMatchObject({
      status: 'up',
      message: `${tlsWhere}: search of ${LDAP_BASE} returned 1 entry`,
    });
    const untrusted = await run({ tls: true }, server.tlsPort);
    expect(untrusted.status).toBe('down');
    expect(untrusted.message).toMatch(new RegExp(`^${tlsWhere}: TLS failure: `));
    // TLS spoken to the plain port: slapd drops the connection in the handshake.
    expect(await run({ tls: true, tls_verify: false })).toMatchObject({ status: 'down', message: `${where()} over TLS: connection reset by peer while doing the TLS handshake` });
    expect(await run({ starttls: true, tls_ca: pki.caFile, ...asMonitor, base: LDAP_BASE })).toMatchObject({
      status: 'up',
      message: `${where()} with StartTLS: search of ${LDAP_BASE} returned 1 entry`,
    });
  });

  it('vigil probe ldap://bind_dn:password@host:port/base?options checks ad hoc', async () => {
    const url = `ldap://${encodeURIComponent(MONITOR_DN)}:${MONITOR_PASSWORD}@127.0.0.1:${server.port}/ou=private,${LDAP_BASE}`;
    const up = await runVigilAsync(['probe', `${url}?expect=${encodeURIComponent('^ou=private,')}`]);
    expect(up.stdout).toMatch(new RegExp(`^UP\\s+ldap://\\S+\\s+[\\d.]+ms\\s+ldap 127\\.0\\.0\\.1:${server.port}: search of ou=private,dc=example,dc=test returned 1 entry$`, 'm'));
    expect(up.code).toBe(0);
    const denied = await runVigilAsync(['probe', url.replace(MONITOR_PASSWORD, 'wrong')]);
    expect(denied.stdout).toMatch(/bind as cn=monitor,dc=example,dc=test refused: Invalid credentials \(49\)$/m);
    expect(denied.code).toBe(2);
  });

  it('rejects contradictory options when the config loads', () => {
    const issues = (options: Record<string, unknown>) => check.options.safeParse(options).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);
    expect(issues({ bind_dn: MONITOR_DN, password: 'a', password_file: '/etc/x' })).toEqual([['password', 'give one of password, password_file, not both']]);
    expect(issues({ bind_dn: MONITOR_DN })).toEqual([['bind_dn', 'bind_dn needs password, password_file or password_env (leave bind_dn out for an anonymous bind)']]);
    expect(issues({ password: 'a' })).toEqual([['bind_dn', 'a password needs bind_dn: an anonymous bind sends none']]);
    expect(issues({ tls: true, starttls: true })).toEqual([['starttls', 'give tls (ldaps) or starttls, not both']]);
    expect(issues({ filter: 'uid alice' })).toEqual([['filter', 'not a valid LDAP filter: Invalid expression: uid alice']]);
    expect(issues({ scope: 'children' })?.[0]?.[0]).toBe('scope');
    expect(check.options.safeParse({}).success).toBe(true);
  });

  it('is down when nothing listens on the port', async () => {
    const port = await closedPort();
    const result = await run({}, port);
    expect(result.status).toBe('down');
    expect(result.message).toBe(`ldap 127.0.0.1:${port}: connection refused (127.0.0.1:${port})`);
  });

  it('is down, saying what it waited for, when the server accepts and never answers; the connection is dropped', async () => {
    const silent = await startSilentServer();
    try {
      const result = await runOnce(check, makeTarget('127.0.0.1', silent.port), asMonitor, 1_000);
      expect(result).toMatchObject({ status: 'down', message: `ldap 127.0.0.1:${silent.port}: no answer within 900ms while binding` });
      await expect.poll(silent.openConnections, { timeout: 2_000 }).toBe(0);
    } finally {
      await silent.close();
    }
  });

  it('is down when the server closes the connection after answering the bind, without searching on a new (unbound) connection', async () => {
    let connections = 0;
    // A BindResponse with resultCode success (RFC 4511 4.2.2) to the request's message id, then goodbye.
    const bindThenClose = net.createServer((socket) => {
      connections++;
      socket.once('data', (request: Buffer) => socket.end(Buffer.from([0x30, 0x0c, 0x02, 0x01, request[4]!, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00])));
    });
    await new Promise<void>((resolve) => bindThenClose.listen(0, '127.0.0.1', resolve));
    try {
      const port = (bindThenClose.address() as net.AddressInfo).port;
      const result = await run({}, port);
      expect(result.status).toBe('down');
      expect(result.message).toMatch(new RegExp(`^ldap 127\\.0\\.0\\.1:${port}: connection closed by the server (before|while) searching the root DSE$`));
      expect(connections).toBe(1);
    } finally {
      bindThenClose.close();
    }
  });

  it('is down when the server closes the connection instead of answering the bind', async () => {
    const closing = net.createServer((socket) => socket.once('data', () => socket.end()));
    await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
    try {
      const port = (closing.address() as net.AddressInfo).port;
      expect(await run({}, port)).toMatchObject({ status: 'down', message: `ldap 127.0.0.1:${port}: connection closed by the server while binding` });
    } finally {
      closing.close();
    }
  });
});
