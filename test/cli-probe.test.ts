// `vigil probe`: ad-hoc URLs and configured checks, exit codes 0 up / 2 down / 3 unknown, JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startHttpServer, startTcpServer, type HttpTestServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync } from './helpers/vigil-process.js';

let web: HttpTestServer;
let tcp: TestServer;
const tmp = tempDir();

beforeAll(async () => {
  web = await startHttpServer();
  tcp = await startTcpServer();
});
afterAll(async () => {
  await web.stop();
  await tcp.stop();
  tmp.cleanup();
});

describe('vigil probe', () => {
  it('an http:// URL that answers 200: UP, latency, exit 0', async () => {
    const result = await runVigilAsync(['probe', `http://127.0.0.1:${web.port}/health`]);
    expect(result.stdout).toMatch(new RegExp(`^UP\\s+http://127\\.0\\.0\\.1:${web.port}/health\\s+[\\d.]+ms\\s+HTTP 200`, 'm'));
    expect(result.code).toBe(0);
  });

  it("an http:// URL's user:password@ is sent as Basic authentication, and the output shows neither the password nor a token", async () => {
    const result = await runVigilAsync(['probe', `http://monitor:pa55word@127.0.0.1:${web.port}/status?token=t0ken&full=1`]);
    expect(result.code).toBe(0);
    expect(web.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('monitor:pa55word').toString('base64')}`);
    expect(web.requests.at(-1)?.url).toBe('/status?token=t0ken&full=1');
    expect(result.stdout).toMatch(new RegExp(`^UP\\s+http://monitor:\\*\\*\\*@127\\.0\\.0\\.1:${web.port}/status\\?token=\\*\\*\\*&full=1\\s`, 'm'));
    expect(result.stdout).not.toMatch(/pa55word|t0ken/);
  });

  it("a known webhook's URL (its path or its sig= the token) shows with *** for the token, in the label and the check's message", async () => {
    const mattermost = await runVigilAsync(['probe', `http://127.0.0.1:${web.port}/hooks/xi1a9h3e5pgs8m4g1hx8ip5oeh`]);
    expect(web.requests.at(-1)?.url).toBe('/hooks/xi1a9h3e5pgs8m4g1hx8ip5oeh');
    const shown = `http://127\\.0\\.0\\.1:${web.port}/hooks/\\*\\*\\*`;
    expect(mattermost.stdout).toMatch(new RegExp(`^UP\\s+${shown}\\s+[\\d.]+ms\\s+HTTP 200 from ${shown}$`, 'm'));
    const workflow = await runVigilAsync(['probe', '--json', `http://127.0.0.1:${web.port}/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SiGnAtUrE`]);
    expect(web.requests.at(-1)?.url).toBe('/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SiGnAtUrE');
    expect(workflow.stdout).toContain('/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=***');
    const rocket = await runVigilAsync(['probe', `http://127.0.0.1:${web.port}/hooks/AbCdEfGhJkMnPqRsT/abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXY`]);
    expect(rocket.stdout).toMatch(new RegExp(`^UP\\s+http://127\\.0\\.0\\.1:${web.port}/hooks/AbCdEfGhJkMnPqRsT/\\*\\*\\*\\s`, 'm'));
    for (const result of [mattermost, workflow, rocket]) {
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(/xi1a9h3e5pgs8m4g1hx8ip5oeh|SiGnAtUrE|abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXY/);
    }
  });

  it('a tcp:// URL with nothing listening: DOWN with the reason, exit 2', async () => {
    const port = await closedPort();
    const result = await runVigilAsync(['probe', `tcp://127.0.0.1:${port}`]);
    expect(result.stdout).toMatch(/^DOWN\s+tcp:\/\/127\.0\.0\.1:\d+\s+[\d.]+ms\s+connection refused/m);
    expect(result.code).toBe(2);
  });

  it('--json prints the result as an object', async () => {
    const result = await runVigilAsync(['probe', '--json', `tcp://127.0.0.1:${tcp.port}`]);
    expect(JSON.parse(result.stdout)).toMatchObject({ target: `tcp://127.0.0.1:${tcp.port}`, type: 'tcp', status: 'up', latencyMs: expect.any(Number) });
    expect(result.code).toBe(0);
  });

  it('--type with options, and a bad option is an error with exit 3', async () => {
    const written = await runVigilAsync(['probe', '--type', 'tcp', '--host', `127.0.0.1:${web.port}`]); // as a host entry is written
    expect([written.code, written.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^UP\\s+127\\.0\\.0\\.1:${web.port}\\s`, 'm'))]);
    const ok = await runVigilAsync(['probe', '--type', 'http', '--host', '127.0.0.1', '--port', String(web.port), '-o', 'path=/x', '-o', 'expect_status=200']);
    expect(ok.code).toBe(0);
    expect(web.requests.at(-1)?.url).toBe('/x');
    const bad = await runVigilAsync(['probe', '--type', 'http', '--host', '127.0.0.1', '-o', 'expect_status=abc']);
    expect(bad.stderr).toMatch(/option expect_status: expected status codes like "200-299 301", got "abc"/);
    expect(bad.code).toBe(3);
  });

  it('a usage error (unknown option, missing value) is UNKNOWN (3), not WARNING (1); --help is 0', async () => {
    const unknownOption = await runVigilAsync(['probe', '--bogus', 'tcp://127.0.0.1:1']);
    expect([unknownOption.code, unknownOption.stderr]).toEqual([3, "error: unknown option '--bogus'\n"]);
    expect((await runVigilAsync(['probe', '--type'])).code).toBe(3);
    expect((await runVigilAsync(['probe', 'tcp://127.0.0.1:1', 'extra'])).code).toBe(3);
    expect((await runVigilAsync(['probe', '--help'])).code).toBe(0);
  });

  it('an unknown scheme names the known ones', async () => {
    const result = await runVigilAsync(['probe', 'gopher://127.0.0.1/']);
    expect(result.stderr).toMatch(/no check understands gopher:\/\/ URLs; known schemes: .*http.*tcp/);
    expect(result.code).toBe(3);
  });

  it('-c runs every configured check once; the exit code is the worst result', async () => {
    const port = await closedPort();
    const file = tmp.write(
      'vigil.yaml',
      `hostgroups:\n  web: [127.0.0.1:${web.port}]\n  dead: [127.0.0.1:${port}]\nservices:\n  web-http: { group: web, check: { type: http } }\n  dead-tcp: { group: dead, check: { type: tcp } }\n`,
    );
    const all = await runVigilAsync(['probe', '-c', file]);
    expect(all.stdout).toMatch(/^UP\s+web-http\/127\.0\.0\.1:\d+/m);
    expect(all.stdout).toMatch(/^DOWN\s+dead-tcp\/127\.0\.0\.1:\d+\s+[\d.]+ms\s+connection refused/m);
    expect(all.code).toBe(2);
    const one = await runVigilAsync(['probe', '-c', file, '--service', 'web-http', '--json']);
    expect(JSON.parse(one.stdout)).toEqual([expect.objectContaining({ target: `web-http/127.0.0.1:${web.port}`, status: 'up' })]);
    expect(one.code).toBe(0);
    const unknown = await runVigilAsync(['probe', '-c', file, '--service', 'nosuch']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no target matches service nosuch \(services: dead-tcp, web-http\)/);
  });

  it("a check's own port wins over the real server's: the table keeps 8080, the health port is checked", async () => {
    // keepalived's `real_server 127.0.0.1 8080 { HTTP_GET { connect_port N } }`: nothing listens on
    // the forwarded port here, so only a check on its own port can be UP.
    const forwarded = await closedPort();
    const file = tmp.write(
      'health-port.yaml',
      `virtual_servers:\n  www:\n    virtual: 192.0.2.10:80\n    real_servers: [127.0.0.1:${forwarded}]\n    check: { type: http, port: ${web.port} }\n`,
    );
    const result = await runVigilAsync(['probe', '-c', file, '--json']);
    expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ target: `www/127.0.0.1:${forwarded}`, status: 'up' })]);
    expect(result.code).toBe(0);
  });
});
