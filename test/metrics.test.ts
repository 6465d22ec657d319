// Prometheus metrics from the running daemon: check counts, start lag, target states.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startHttpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { VIGIL_BIN, VigilDaemon } from './helpers/vigil-process.js';

const tmp = tempDir();
let web: TestServer;
let daemon: VigilDaemon;

beforeAll(async () => {
  web = await startHttpServer();
  const file = tmp.write(
    'vigil.yaml',
    `history: { path: ./history.db }
metrics: { listen: "127.0.0.1:0" }
defaults: { interval: 400ms, spread: 50ms } # long enough that no check outlasts it on a loaded machine (overruns stay 0)
hostgroups: { web: ["127.0.0.1:${web.port}"] }
services: { web-http: { group: web, check: { type: http } } }
`,
  );
  daemon = VigilDaemon.run(file, [], { cwd: tmp.dir });
});
afterAll(async () => {
  await daemon.stop();
  await web.stop();
  tmp.cleanup();
});

describe('metrics', () => {
  it('serves check counts, start lag, target states and process metrics', async () => {
    const { line } = await daemon.waitForLine(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
    const url = line.match(/http:\/\/\S+/)![0];
    const text = await waitFor(async () => {
      const body = await (await request(url)).body.text();
      return /vigil_checks_total\{service="web-http",status="up"\} ([3-9]|\d\d+)/.test(body) && body;
    }, 'a few checks counted');
    expect(text).toMatch(/^vigil_targets\{state="up"\} 1$/m);
    expect(text).toMatch(/^vigil_check_start_lag_seconds_count \d+$/m);
    expect(text).toMatch(/^vigil_scheduler_overruns_total 0$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    const notFound = await request(url.replace('/metrics', '/nope'));
    expect(notFound.statusCode).toBe(404);
    await notFound.body.dump();
  });

  it('a metrics port another process holds is a failed start, not metrics served by someone else', async () => {
    const file = tmp.write(
      'taken.yaml',
      `history: { path: ./taken.db }
control: { socket: ./taken.sock }
metrics: { listen: "127.0.0.1:${web.port}" }
hostgroups: { web: ["127.0.0.1:${web.port}"] }
services: { web-http: { group: web, check: { type: http } } }
`,
    );
    const taken = spawnSync(process.execPath, [VIGIL_BIN, 'run', '-c', file], { cwd: tmp.dir, encoding: 'utf8', timeout: 30_000 });
    expect(taken.status).toBe(1);
    expect(taken.stdout + taken.stderr).toMatch(new RegExp(`ERROR not started: metrics cannot be served on 127\\.0\\.0\\.1:${web.port}: .*EADDRINUSE`));
    expect(existsSync(tmp.path('taken.sock'))).toBe(false);
  });
});
