// Prometheus metrics from the running daemon: check counts, start lag, target states, alert
// deliveries, LVS table changes.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { changes, doubleEnv, IPVSADM_DOUBLE } from './helpers/ipvsadm-double.js';
import { startHttpServer, startTcpServer, type TestServer } from './helpers/servers.js';
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

/** The metrics URL a daemon logged at start. */
async function metricsUrl(vigil: VigilDaemon): Promise<string> {
  const { line } = await vigil.waitForLine(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
  return line.match(/http:\/\/\S+/)![0];
}

async function scrape(url: string): Promise<string> {
  return (await request(url)).body.text();
}

/** The value of one series (`name{labels}` exactly as exposed), or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

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
    expect(text).toMatch(/^vigil_history_recorded 1$/m);
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

describe('metrics an operator alerts on', () => {
  const daemons: VigilDaemon[] = [];
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('per-target up/down, disabled targets, a target removed by reload, and failed alert deliveries', async () => {
    const [a, b] = await Promise.all([startTcpServer(), startTcpServer()]);
    servers.push(a, b);
    const failing = tmp.write('failing.alert', '#!/bin/sh\nexit 1\n');
    chmodSync(failing, 0o755);
    const hanging = tmp.write('hanging.alert', '#!/bin/sh\nexec sleep 60\n');
    chmodSync(hanging, 0o755);
    const A = `127.0.0.1:${a.port}`;
    const B = `127.0.0.1:${b.port}`;
    const config = (hosts: string[]) => `history: { path: ./targets.db, flush_interval: 50ms }
control: { socket: ./targets.sock }
metrics: { listen: "127.0.0.1:0" }
defaults: { interval: 100ms, fast_interval: 50ms, spread: 50ms, rise: 1, fall: 1, timeout: 1s }
hostgroups: { web: [${hosts.join(', ')}] }
services:
  web-tcp: { group: web, check: { type: tcp }, alerts: [pager, logger, { alert: stuck, up: false }] }
  old-tcp: { group: web, check: { type: tcp }, disabled: true }
alerts:
  pager: { type: exec, convention: plain, command: ${failing}, retries: 0 }
  logger: { type: exec, convention: plain, command: /bin/true, retries: 0 }
  stuck: { type: exec, convention: plain, command: ${hanging}, timeout: 300ms, retries: 0 }
`;
    const file = tmp.write('targets.yaml', config([A, B]));
    const vigil = VigilDaemon.run(file, [], { cwd: tmp.dir });
    daemons.push(vigil);
    const url = await metricsUrl(vigil);
    const upA = `vigil_target_up{service="web-tcp",host="${A}"}`;
    const upB = `vigil_target_up{service="web-tcp",host="${B}"}`;
    let text = await waitFor(async () => {
      const body = await scrape(url);
      return sample(body, upA) === 1 && sample(body, upB) === 1 ? body : undefined;
    }, 'both targets up');
    // A disabled service's targets are not checked: no up/down series, a disabled one instead.
    expect(text).not.toContain('vigil_target_up{service="old-tcp"');
    expect(sample(text, `vigil_target_disabled{service="old-tcp",host="${A}"}`)).toBe(1);
    expect(text).not.toContain('vigil_target_disabled{service="web-tcp"');
    expect(text).not.toMatch(/^vigil_target_in_maintenance\{/m);

    await a.stop();
    text = await waitFor(async () => {
      const body = await scrape(url);
      return sample(body, upA) === 0 && sample(body, 'vigil_alert_deliveries_total{alert="pager",result="gave_up"}') === 1 ? body : undefined;
    }, 'A down and its alert given up');
    expect(sample(text, upB)).toBe(1);
    expect(sample(text, 'vigil_alert_delivery_attempts_total{alert="pager",result="failed"}')).toBe(1);
    expect(sample(text, 'vigil_alert_delivery_attempts_total{alert="pager",result="ok"}')).toBeUndefined();
    await waitFor(async () => sample(await scrape(url), 'vigil_alert_delivery_attempts_total{alert="logger",result="ok"}') === 1, 'the working alert counted ok');
    await waitFor(async () => sample(await scrape(url), 'vigil_alert_delivery_attempts_total{alert="stuck",result="timeout"}') === 1, 'the hung alert counted as a timeout');

    await a.start();
    await waitFor(async () => sample(await scrape(url), upA) === 1, 'A up again');

    tmp.write('targets.yaml', config([A]));
    const mark = vigil.lines.length;
    vigil.signal('SIGHUP');
    await vigil.waitForLine(/reload done/, { from: mark });
    text = await scrape(url);
    expect(sample(text, upA)).toBe(1);
    expect(text).not.toContain(`host="${B}"`);
  });

  it('an ipvsadm change that fails is counted, and shows as failing and unhealthy', async () => {
    const web = await startHttpServer();
    servers.push(web);
    const file = tmp.write(
      'lvs.yaml',
      `history: { path: ./lvs.db, flush_interval: 50ms }
control: { socket: ./lvs.sock }
metrics: { listen: "127.0.0.1:0" }
lvs: { ipvsadm: ${IPVSADM_DOUBLE}, resync_interval: 300ms, command_timeout: 2s }
virtual_servers:
  web:
    virtual: 192.0.2.10:80
    forwarding: nat
    scheduler: twos
    interval: 200ms
    spread: 50ms
    real_servers: [{ name: web1, address: 127.0.0.1, port: ${web.port} }]
    check: { type: http, path: /health }
`,
    );
    // A kernel without the twos scheduler: creating the virtual service is refused at every resync.
    const env = doubleEnv(tmp.dir);
    const vigil = VigilDaemon.run(file, [], { cwd: tmp.dir, env: { ...env, IPVSADM_DOUBLE_SCHEDULERS: 'rr,wrr,lc,wlc' } });
    daemons.push(vigil);
    const url = await metricsUrl(vigil);
    const text = await waitFor(async () => {
      const body = await scrape(url);
      return /^vigil_ipvs_changes_failing\{alert="[^"]+"\} [1-9]/m.test(body) ? body : undefined;
    }, 'a failing table change reported');
    const alert = text.match(/^vigil_ipvs_changes_failing\{alert="([^"]+)"\}/m)![1]!;
    // Retried at each resync, but each failing change is counted once.
    await waitFor(() => changes(env).filter((argv) => argv[0] === '-A').length >= 3, 'three tries');
    const after = await scrape(url);
    const failing = sample(after, `vigil_ipvs_changes_failing{alert="${alert}"}`)!;
    expect(failing).toBeGreaterThanOrEqual(1);
    expect(sample(after, `vigil_ipvs_changes_total{alert="${alert}",result="failed"}`)).toBe(failing);
    expect(sample(after, `vigil_ipvs_changes_total{alert="${alert}",result="applied"}`)).toBeUndefined();
    expect(sample(after, `vigil_alert_healthy{alert="${alert}"}`)).toBe(0);
  });
});
