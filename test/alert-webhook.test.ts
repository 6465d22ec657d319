// The webhook alert against a real HTTP receiver on loopback: a delivery the receiver refuses is
// retried from the queue after a daemon restart, exactly once, with the same idempotency key,
// and `vigil alerts log` tells what happened to each attempt.
import { chmodSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import webhook from '../alerts/webhook.js';
import type { AlertContext, AlertEvent } from '../src/plugin.js';
import { closedPort, startTcpServer } from './helpers/servers.js';
import { runVigilAsync, VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';
import { workspace } from './helpers/workspace.js';

const { tmp, daemons, closers } = workspace();

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  status: number;
}

async function startReceiver() {
  const state = { status: 503, received: [] as Received[] };
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      state.received.push({ path: req.url!, headers: req.headers, body: JSON.parse(text), status: state.status });
      res.writeHead(state.status, { 'content-type': 'text/plain' });
      res.end(state.status === 200 ? 'ok' : 'receiver is down for maintenance');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/vigil` });
}

describe('webhook alert', () => {
  it('a failed webhook is retried after a daemon restart, once, and the attempts log says so', async () => {
    const backend = await startTcpServer();
    closers.push(() => backend.stop());
    const receiver = await startReceiver();
    const file = tmp.write(
      'vigil.yaml',
      `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 100ms, fast_interval: 50ms, spread: 50ms, rise: 1, fall: 1, timeout: 500ms }
hostgroups: { web: [127.0.0.1:${backend.port}] }
services:
  web-tcp: { group: web, check: { type: tcp }, alerts: [hook] }
alerts:
  hook:
    type: webhook
    url: ${receiver.url}
    headers: { X-Team: ops }
    headers_env: { Authorization: HOOK_TOKEN }
    retries: 5
    backoff: 3s
    timeout: 2s
`,
    );
    const env = { HOOK_TOKEN: 'Bearer s3cret' };
    const first = VigilDaemon.run(file, [], { cwd: tmp.dir, env });
    daemons.push(first);
    await first.waitForLine(/web-tcp\/127\.0\.0\.1:\d+ UNKNOWN → UP/);
    await backend.stop();
    await first.waitForLine(/alert hook \(webhook\) down for web-tcp\/127\.0\.0\.1:\d+ failed: POST http:\/\/127\.0\.0\.1:\d+\/…: HTTP 503: receiver is down for maintenance; retry 1 of 5 in 3s/);
    expect(await first.stop()).toBe(0);

    receiver.status = 200;
    const second = VigilDaemon.run(file, [], { cwd: tmp.dir, env });
    daemons.push(second);
    await second.waitForLine(/alert queue: 1 delivery\(ies\) left from the last run will be retried/);
    await second.waitForLine(/alert hook \(webhook\) down for web-tcp\/127\.0\.0\.1:\d+ delivered on attempt 2/);

    expect(receiver.received.map((r) => [r.body.kind, r.status])).toEqual([['down', 503], ['down', 200]]);
    const [refused, accepted] = receiver.received;
    expect(accepted!.headers['idempotency-key']).toBe(refused!.headers['idempotency-key']);
    expect(accepted!.headers).toMatchObject({ 'content-type': 'application/json', 'x-team': 'ops', authorization: 'Bearer s3cret' });
    expect(accepted!.body).toMatchObject({
      alert: 'hook',
      kind: 'down',
      from: 'up',
      to: 'down',
      target: { id: `web-tcp/127.0.0.1:${backend.port}`, service: 'web-tcp', group: 'web', address: '127.0.0.1', port: backend.port },
      result: { status: 'down', message: expect.stringMatching(/^connection refused/) },
      outage: { id: 1, cause: expect.stringMatching(/^connection refused/) },
      groupHosts: [`127.0.0.1:${backend.port}`],
    });

    // Still DOWN after the restart: no second down alert for the same outage; the recovery goes out.
    await backend.start();
    await waitFor(() => receiver.received.length === 3, 'the up alert');
    expect(receiver.received.map((r) => r.body.kind)).toEqual(['down', 'down', 'up']);
    expect(await second.stop()).toBe(0);

    const log = await runVigilAsync(['alerts', 'log', '--db', tmp.path('history.db'), '--json']);
    expect(log.code).toBe(0);
    const attempts = JSON.parse(log.stdout) as Array<Record<string, unknown>>;
    expect(attempts.map((a) => [a.kind, a.attempt, a.ok, a.error])).toEqual([
      ['up', 1, true, null],
      ['down', 2, true, null],
      ['down', 1, false, expect.stringMatching(/HTTP 503: receiver is down for maintenance$/)],
    ]);
    expect(attempts[2]!.retryAt).toEqual(expect.any(String));
    expect(attempts[1]!.delivery).toBe(attempts[2]!.delivery);

    const table = await runVigilAsync(['alerts', 'log', '--db', tmp.path('history.db'), '--utc', '--kind', 'down']);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+ALERT\s+KIND\s+TARGET\s+TRY\s+TOOK\s+RESULT$/);
    expect(lines[1]).toMatch(/^\S+ \S+Z\s+hook\s+down\s+web-tcp\/127\.0\.0\.1:\d+\s+2\s+\S+\s+delivered$/);
    expect(lines[2]).toMatch(/^\S+ \S+Z\s+hook\s+down\s+web-tcp\/127\.0\.0\.1:\d+\s+1\s+\S+\s+failed: POST .*HTTP 503: receiver is down for maintenance; retry at \S+ \S+Z$/);
    expect((await runVigilAsync(['alerts', 'queue', '--db', tmp.path('history.db')])).stdout.trim()).toBe('no deliveries waiting');

    // mon's `test alert`: from the shell, through the configured alert.
    const test = await runVigilAsync(['alerts', 'test', 'hook', '-c', file], { env });
    expect(test.stdout).toMatch(/^hook \(webhook\): test alert about web-tcp\/127\.0\.0\.1:\d+ delivered in \S+$/m);
    expect(test.code).toBe(0);
    expect(receiver.received.at(-1)!.body).toMatchObject({ kind: 'test', alert: 'hook', target: { service: 'web-tcp' } });
    receiver.status = 500;
    const failing = await runVigilAsync(['alerts', 'test', 'hook', '-c', file], { env });
    expect(failing.stderr).toMatch(/vigil alerts test: hook \(webhook\) failed after \S+: POST .*: HTTP 500: receiver is down for maintenance/);
    expect(failing.code).toBe(1);
  });

  it('a receiver answering with an endless body: only its first bytes are read, the connection closed', async () => {
    const sent: number[] = [];
    let status = 200;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'z');
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
        };
        res.on('drain', pump);
        res.socket!.on('close', () => sent.push(res.socket!.bytesWritten));
        pump();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const file = tmp.write(
      'endless.yaml',
      `hostgroups: { web: [127.0.0.1:1] }
services:
  web-tcp: { group: web, check: { type: tcp }, alerts: [hook] }
alerts:
  hook: { type: webhook, url: 'http://127.0.0.1:${(server.address() as AddressInfo).port}/vigil', timeout: 20s }
`,
    );
    const delivered = await runVigilAsync(['alerts', 'test', 'hook', '-c', file]);
    expect(delivered.code, delivered.stderr).toBe(0);
    status = 500;
    const refused = await runVigilAsync(['alerts', 'test', 'hook', '-c', file]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toMatch(/HTTP 500: z{200}/);
    await waitFor(() => sent.length === 2, 'both connections closed');
    // What the server got out before the close: socket buffers, not the 20 s the timeout allows.
    for (const bytes of sent) expect(bytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('a URL that is itself the token comes from url_file, read at each delivery, and never shows in the log or the attempts log', async () => {
    const down = await closedPort();
    const receiver = await startReceiver();
    const origin = new URL(receiver.url).origin;
    // Mattermost's form (its own host, /hooks/ and a 26-character id that is the token).
    const first = 'xi1a9h3e5pgs8m4g1hx8ip5oeh';
    const second = 'q7bm3k5xwu8ffj1yd6nmz4c9ra';
    const urlFile = tmp.write('hook-url', `${origin}/hooks/${first}\n`);
    chmodSync(urlFile, 0o600);
    const file = tmp.write(
      'from-file.yaml',
      `history: { path: ./from-file.db, flush_interval: 50ms }
defaults: { interval: 100ms, fast_interval: 50ms, spread: 50ms, rise: 1, fall: 1, timeout: 500ms }
hostgroups: { web: [127.0.0.1:${down}] }
services:
  web-tcp: { group: web, check: { type: tcp }, alerts: [hook] }
alerts:
  hook: { type: webhook, url_file: ./hook-url, retries: 5, backoff: 1s }
`,
    );
    expect(await runVigilAsync(['check-config', '-c', file])).toMatchObject({ code: 0, stderr: '' });
    const daemon = VigilDaemon.run(file, [], { cwd: tmp.dir });
    daemons.push(daemon);
    await daemon.waitForLine(/alert hook \(webhook\) down for web-tcp\/127\.0\.0\.1:\d+ failed: POST http:\/\/127\.0\.0\.1:\d+\/…: HTTP 503/);
    expect(receiver.received.map((r) => r.path)).toEqual([`/hooks/${first}`]);
    // The hook was made anew: the file is rewritten, and the retry goes to the new URL without a reload.
    tmp.write('hook-url', `${origin}/hooks/${second}\n`);
    receiver.status = 200;
    await daemon.waitForLine(/alert hook \(webhook\) down for web-tcp\/127\.0\.0\.1:\d+ delivered on attempt 2/);
    expect(receiver.received.map((r) => r.path)).toEqual([`/hooks/${first}`, `/hooks/${second}`]);
    expect(await daemon.stop()).toBe(0);
    const log = await runVigilAsync(['alerts', 'log', '-c', file], { cwd: tmp.dir });
    expect(log.stdout).toMatch(/failed: POST http:\/\/127\.0\.0\.1:\d+\/…: HTTP 503/);
    for (const shown of [daemon.output(), log.stdout]) expect(shown).not.toMatch(new RegExp(`${first}|${second}`));
  });

  it('url_env and url_file that give no URL: the attempt fails naming the source, never what it holds', async () => {
    tmp.write('not-a-url', 'hooks.slack.com/services/T0000/B0000/s3cretT0ken\n');
    const file = tmp.write(
      'sources.yaml',
      `history: { path: ./sources.db }
hostgroups: { web: [127.0.0.1:1] }
services:
  web-tcp: { group: web, check: { type: tcp }, alerts: [from-env, from-file] }
alerts:
  from-env: { type: webhook, url_env: VIGIL_TEST_HOOK_URL }
  from-file: { type: webhook, url_file: ./not-a-url }
`,
    );
    const unset = await runVigilAsync(['alerts', 'test', 'from-env', '-c', file]);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toMatch(/^vigil alerts test: from-env \(webhook\) failed after \S+: url_env: environment variable VIGIL_TEST_HOOK_URL is not set$/m);
    const noUrl = await runVigilAsync(['alerts', 'test', 'from-file', '-c', file]);
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toContain(`failed after`);
    expect(noUrl.stderr).toContain(`: url_file ${tmp.path('not-a-url')} does not hold an http:// or https:// URL`);
    const receiver = await startReceiver();
    receiver.status = 200;
    const fromEnv = await runVigilAsync(['alerts', 'test', 'from-env', '-c', file], { env: { VIGIL_TEST_HOOK_URL: `${receiver.url}/T0000/B0000/s3cretT0ken` } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(receiver.received.map((r) => r.path)).toEqual(['/vigil/T0000/B0000/s3cretT0ken']);
    for (const shown of [unset, noUrl, fromEnv]) expect(shown.stdout + shown.stderr).not.toMatch(/s3cret/);
  });

  it("a failed attempt's error (logged, kept in the attempts log) does not carry the URL's credentials or query", async () => {
    const receiver = await startReceiver();
    const url = receiver.url.replace('http://', 'http://hook:s3cret-pass@') + '/services/T000/s3cret-path?token=s3cret-token';
    const opts = webhook.options.parse({ url });
    const ctx = { alert: 'hook', deliveryId: '1', attempt: 1, signal: new AbortController().signal, timeoutMs: 5_000 } as unknown as AlertContext;
    const event = { kind: 'test', target: { id: 'web/a' } } as unknown as AlertEvent;
    const error = await webhook.fire(event, opts, ctx).then(() => undefined, (err: Error) => err.message);
    expect(receiver.received).toHaveLength(1);
    expect(error).toMatch(/HTTP 503/);
    expect(error).toMatch(/^POST http:\/\/hook:\*\*\*@127\.0\.0\.1:\d+\/…: HTTP 503/);
    expect(error).not.toMatch(/s3cret/);
  });

  it("a URL's user:password@ is sent as Basic authentication, as curl sends it, unless a header gives one", async () => {
    const receiver = await startReceiver();
    receiver.status = 200;
    const ctx = { alert: 'hook', deliveryId: '1', attempt: 1, signal: new AbortController().signal, timeoutMs: 5_000 } as unknown as AlertContext;
    const event = { kind: 'test', target: { id: 'web/a' } } as unknown as AlertEvent;
    const withUser = receiver.url.replace('http://', 'http://ops%40example.org:p%3Ass@');
    await webhook.fire(event, webhook.options.parse({ url: withUser }), ctx);
    expect(receiver.received.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('ops@example.org:p:ss').toString('base64')}`);
    await webhook.fire(event, webhook.options.parse({ url: withUser, headers: { Authorization: 'Bearer t0ken' } }), ctx);
    expect(receiver.received.at(-1)!.headers.authorization).toBe('Bearer t0ken');
    await webhook.fire(event, webhook.options.parse({ url: receiver.url }), ctx);
    expect(receiver.received.at(-1)!.headers.authorization).toBeUndefined();
  });
});
