// The mail alert against real SMTP servers the test starts (smtp-server) with a certificate it
// makes with openssl: STARTTLS and AUTH (AUTH is refused before TLS), implicit TLS, a digest,
// and a wrong password recorded as a failed attempt. Asserts exactly what arrived.
import { execFileSync } from 'node:child_process';
import type { SMTPServerOptions } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { closedPort, startTcpServer } from './helpers/servers.js';
import { startSmtpServer, type ArrivedMail } from './helpers/smtp-server.js';
import { runVigilAsync, VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';
import { workspace } from './helpers/workspace.js';

const { tmp, daemons, closers } = workspace();

async function startSmtp(name: string, arrived: ArrivedMail[], tls: { key: Buffer; cert: Buffer }, extra: Partial<SMTPServerOptions> = {}) {
  const server = await startSmtpServer(name, arrived, {
    ...tls,
    authOptional: false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'vigil' && auth.password === 's3cret pass') return callback(null, { user: auth.username });
      callback(new Error('Invalid username or password'));
    },
    ...extra,
  });
  closers.push(server.stop);
  return server.port;
}

describe('mail alert', () => {
  it('sends over STARTTLS with AUTH and over TLS, templated, one per transition or a digest; a wrong password is a failed attempt', async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', tmp.path('key.pem'), '-out', tmp.path('cert.pem'),
    ], { stdio: 'ignore' });
    const tls = { key: execFileSync('cat', [tmp.path('key.pem')]), cert: execFileSync('cat', [tmp.path('cert.pem')]) };
    const arrived: ArrivedMail[] = [];
    const starttlsPort = await startSmtp('starttls', arrived, tls);
    const tlsPort = await startSmtp('tls', arrived, tls, { secure: true });
    const web1 = await startTcpServer();
    const web2 = await startTcpServer();
    closers.push(() => web1.stop(), () => web2.stop());
    tmp.write('smtp-password', 's3cret pass\n');
    const common = `host: 127.0.0.1
    ca_file: ./cert.pem
    user: vigil
    from: Vigil <vigil@director.example>`;
    const file = tmp.write(
      'vigil.yaml',
      `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 100ms, fast_interval: 50ms, spread: 50ms, rise: 1, fall: 1, timeout: 500ms }
hostgroups: { web: [{ name: web1, address: 127.0.0.1, port: ${web1.port} }, { name: web2, address: 127.0.0.1, port: ${web2.port} }] }
services:
  web-tcp:
    description: public web servers
    group: web
    check: { type: tcp }
    alerts: [ops, { alert: oncall, up: false }, summary, wrong, unset]
alerts:
  ops:
    type: mail
    ${common}
    port: ${starttlsPort}
    security: starttls
    password_file: ./smtp-password
    to: [ops@example.com, noc@example.com]
    subject: "[{{service}}] {{host}} is {{state}} ({{kind}})"
  oncall:
    type: mail
    ${common}
    port: ${tlsPort}
    security: tls
    password_env: SMTP_PASSWORD
    to: oncall@example.com
  summary:
    type: mail
    ${common}
    port: ${starttlsPort}
    password_env: SMTP_PASSWORD
    to: lead@example.com
    digest: 1s
  wrong:
    type: mail
    ${common}
    port: ${starttlsPort}
    password_env: WRONG_PASSWORD
    to: nobody@example.com
    retries: 0
  unset:
    type: mail
    ${common}
    port: ${starttlsPort}
    password_env: VIGIL_TEST_NOT_SET
    to: nobody@example.com
    retries: 0
`,
    );
    const daemon = VigilDaemon.run(file, [], { cwd: tmp.dir, env: { SMTP_PASSWORD: 's3cret pass', WRONG_PASSWORD: 'guess' } });
    daemons.push(daemon);
    await daemon.waitForLine(/web-tcp\/web2 UNKNOWN → UP/);
    await daemon.waitForLine(/web-tcp\/web1 UNKNOWN → UP/);
    await web1.stop();
    await daemon.waitForLine(/web-tcp\/web1 UP → DOWN/);
    await web2.stop();
    await waitFor(() => arrived.filter((m) => m.server === 'starttls').length === 3 && arrived.filter((m) => m.server === 'tls').length === 2, 'the down mails and the digest');
    await web1.start();
    await waitFor(() => arrived.filter((m) => m.rcptTo.includes('ops@example.com')).length === 3, 'the up mail');
    await daemon.waitForLine(/alert wrong \(mail\) down for web-tcp\/web2 failed/);

    for (const message of arrived) {
      expect(message).toMatchObject({ secure: true, user: 'vigil', mailFrom: 'vigil@director.example' });
      expect(message.headers.from).toBe('Vigil <vigil@director.example>');
      // One per delivery (a retry is recognisably the same mail), or the outage's for its first mail.
      expect(message.headers['message-id']).toMatch(/^<vigil-\w+-(\d+|outage-\d+-\d+)\.[0-9a-f]{24}@/);
    }
    // Deliveries run side by side: two mails sent close together may arrive in either order.
    const bySubject = (a: ArrivedMail, b: ArrivedMail) => a.headers.subject!.localeCompare(b.headers.subject!);
    const ops = arrived.filter((m) => m.rcptTo.includes('ops@example.com')).sort(bySubject);
    expect(ops.map((m) => m.headers.subject)).toEqual(['[web-tcp] web1 is DOWN (down)', '[web-tcp] web1 is UP (up)', '[web-tcp] web2 is DOWN (down)']);
    expect(ops[0]!.rcptTo).toEqual(['ops@example.com', 'noc@example.com']);
    expect(ops[0]!.headers.to).toBe('ops@example.com, noc@example.com');
    expect(ops[0]!.body).toMatch(/^web-tcp\/web1 is DOWN \(down alert\)\n/);
    expect(ops[0]!.body).toMatch(/\nservice:  web-tcp public web servers\n/);
    expect(ops[0]!.body).toMatch(new RegExp(`\\nhost:     web1 \\(127\\.0\\.0\\.1\\)\\n`));
    expect(ops[0]!.body).toMatch(new RegExp(`\\ncheck:    connection refused \\(127\\.0\\.0\\.1:${web1.port}\\)\\n`));
    expect(ops[0]!.body).toMatch(/\noutage:   #1 since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d+ms\)\n/);
    expect(ops[1]!.body).toMatch(/^web-tcp\/web1 is UP \(up alert\)\n[\s\S]*\noutage:   #1 since .* \((\d+(\.\d+)?s|\d+ms)\)\ncause:    connection refused/);

    const oncall = arrived.filter((m) => m.server === 'tls').sort(bySubject);
    expect(oncall.map((m) => [m.rcptTo, m.headers.subject])).toEqual([
      [['oncall@example.com'], '[vigil] DOWN: web-tcp/web1 is DOWN'],
      [['oncall@example.com'], '[vigil] DOWN: web-tcp/web2 is DOWN'],
    ]);

    const digests = arrived.filter((m) => m.rcptTo.includes('lead@example.com'));
    expect(digests[0]!.headers.subject).toBe('[vigil] 2 alert(s): 2 down, 0 up');
    expect(digests).toHaveLength(1);
    expect(digests[0]!.body).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}DOWN {2}web-tcp\/web1 {2}connection refused .*\n\S+ \S+ {2}DOWN {2}web-tcp\/web2 {2}connection refused .*\n$/);

    expect(arrived.some((m) => m.rcptTo.includes('nobody@example.com'))).toBe(false);
    expect(await daemon.stop()).toBe(0);
    const wrong = JSON.parse((await runVigilAsync(['alerts', 'log', '--db', tmp.path('history.db'), '--json', '--alert', 'wrong'])).stdout);
    expect(wrong.length).toBeGreaterThanOrEqual(2);
    for (const attempt of wrong) expect(attempt).toMatchObject({ ok: false, error: expect.stringMatching(/^SMTP 127\.0\.0\.1: Invalid login: 535 .*Invalid username or password/) });
    const unset = JSON.parse((await runVigilAsync(['alerts', 'log', '--db', tmp.path('history.db'), '--json', '--alert', 'unset'])).stdout);
    expect(unset[0]).toMatchObject({ ok: false, error: 'password_env: environment variable VIGIL_TEST_NOT_SET is not set; gave up after 1 attempt(s)' });
    expect(daemon.output()).toMatch(/mail alert: password_env: environment variable VIGIL_TEST_NOT_SET is not set; mail will fail until it is set/);
  });

  it('threads the down and up mails of an outage, across a restart; two fresh databases give outage 1 different ids; a test alert is in alerts log', async () => {
    const arrived: ArrivedMail[] = [];
    const smtp = await startSmtpServer('plain', arrived);
    closers.push(smtp.stop);
    const web1 = await startTcpServer();
    closers.push(() => web1.stop());
    const closed = await closedPort();
    const config = (db: string) =>
      tmp.write(
        `${db}.yaml`,
        `history: { path: ./${db}/history.db, flush_interval: 50ms }
defaults: { interval: 100ms, fast_interval: 50ms, spread: 50ms, rise: 1, fall: 1, timeout: 500ms }
hostgroups: { web: [{ name: web1, address: 127.0.0.1, port: ${web1.port} }] }
services:
  web-tcp: { group: web, check: { type: tcp }, alerts: [ops] }
alerts:
  ops: { type: mail, host: 127.0.0.1, port: ${smtp.port}, security: none, from: vigil@director.example, to: ops@example.com }
  closed: { type: mail, host: 127.0.0.1, port: ${closed}, security: none, from: vigil@director.example, to: ops@example.com, timeout: 2s }
`,
      );
    // Database a: down, a daemon restart, then up.
    const fileA = config('a');
    let daemon = VigilDaemon.run(fileA, [], { cwd: tmp.dir });
    daemons.push(daemon);
    await daemon.waitForLine(/web-tcp\/web1 UNKNOWN → UP/);
    await web1.stop();
    await waitFor(() => arrived.length === 1, 'the down mail');
    const downA = arrived[0]!;
    expect(downA.headers.subject).toBe('[vigil] DOWN: web-tcp/web1 is DOWN');
    expect(downA.headers['message-id']).toMatch(/^<vigil-ops-outage-1-\d{13}\.[0-9a-f]{24}@[^>]+>$/);
    expect(downA.headers['in-reply-to']).toBeUndefined();

    // While the daemon holds the database: a test through an alert that cannot deliver.
    const test = await runVigilAsync(['alerts', 'test', 'closed', '-c', fileA], { cwd: tmp.dir });
    expect(test.code).toBe(1);
    expect(test.stderr).toMatch(/^vigil alerts test: closed \(mail\) failed after \S+: SMTP 127\.0\.0\.1: .*ECONNREFUSED/m);

    expect(await daemon.stop()).toBe(0);
    await web1.start();
    daemon = VigilDaemon.run(fileA, [], { cwd: tmp.dir });
    daemons.push(daemon);
    await waitFor(() => arrived.length === 2, 'the up mail, after the restart');
    const upA = arrived[1]!;
    expect(upA.headers.subject).toBe('[vigil] UP: web-tcp/web1 is UP');
    expect(upA.headers['in-reply-to']).toBe(downA.headers['message-id']);
    expect(upA.headers.references).toBe(downA.headers['message-id']);
    expect(upA.headers['message-id']).toMatch(/^<vigil-ops-\d+\.[0-9a-f]{24}@[^>]+>$/);
    expect(upA.headers['message-id']).not.toBe(downA.headers['message-id']);
    expect(await daemon.stop()).toBe(0);

    // The attempts log has the daemon's attempts, before and after the test's, and the test's.
    const log = JSON.parse((await runVigilAsync(['alerts', 'log', '-c', fileA, '--json'], { cwd: tmp.dir })).stdout) as Array<Record<string, unknown>>;
    expect(log.map((a) => [a.alert, a.kind, a.ok, a.test])).toEqual([
      ['ops', 'up', true, false],
      ['closed', 'test', false, true],
      ['ops', 'down', true, false],
    ]);
    expect(log[1]).toMatchObject({ target: 'web-tcp/web1', delivery: null, attempt: 1, retryAt: null, error: expect.stringMatching(/^SMTP 127\.0\.0\.1: .*ECONNREFUSED/) });
    const table = (await runVigilAsync(['alerts', 'log', '-c', fileA, '--kind', 'test'], { cwd: tmp.dir })).stdout.trim().split('\n');
    expect(table).toHaveLength(2);
    expect(table[1]).toMatch(/^\S+ \S+\s+closed\s+test\s+web-tcp\/web1\s+1\s+\S+\s+failed: SMTP 127\.0\.0\.1: .*ECONNREFUSED/);

    // Database b, fresh: its first outage is outage 1 again, on the same host, yet another mail.
    const fileB = config('b');
    daemon = VigilDaemon.run(fileB, [], { cwd: tmp.dir });
    daemons.push(daemon);
    await daemon.waitForLine(/web-tcp\/web1 UNKNOWN → UP/);
    await web1.stop();
    await waitFor(() => arrived.length === 3, 'the down mail of database b');
    const downB = arrived[2]!;
    expect(downB.body).toMatch(/\noutage:   #1 since /);
    expect(downB.headers['message-id']).toMatch(/^<vigil-ops-outage-1-\d{13}\.[0-9a-f]{24}@[^>]+>$/);
    expect(downB.headers['message-id']).not.toBe(downA.headers['message-id']);
    // Not only the start time differs: each database has its own random id.
    const historyIdOf = (id: string) => /\.([0-9a-f]{24})@/.exec(id)![1];
    expect(historyIdOf(downB.headers['message-id']!)).not.toBe(historyIdOf(downA.headers['message-id']!));
    expect(await daemon.stop()).toBe(0);
  });
});
