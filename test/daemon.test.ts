// `vigil run` against real servers on loopback: outages opened and closed, restarts resumed,
// reloads that keep state, and reloads that are rejected.
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOutages, readTransitions } from './helpers/history-db.js';
import { startHttpServer, startTcpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { daemonFixture, runVigilAsync } from './helpers/vigil-process.js';

let tmp: ReturnType<typeof tempDir>;
let web: TestServer;
let cache: TestServer;
const { start, stopAll } = daemonFixture(() => ({ cwd: tmp.dir }));

function config(overrides: { interval?: string; extra?: string } = {}) {
  return `history:
  path: ./history.db
  flush_interval: 50ms
defaults:
  interval: ${overrides.interval ?? '200ms'}
  timeout: 500ms
  rise: 2
  fall: 3
  fast_interval: 100ms
  spread: 100ms
hostgroups:
  web:
    - { name: web1, address: 127.0.0.1, port: ${web.port} }
  cache:
    - 127.0.0.1:${cache.port}
services:
  web-http:
    group: web
    check: { type: http, path: /health }
  cache-tcp:
    group: cache
    check: { type: tcp }
${overrides.extra ?? ''}`;
}

beforeEach(async () => {
  tmp = tempDir();
  web = await startHttpServer();
  cache = await startTcpServer();
});

afterEach(async () => {
  await stopAll();
  await web.stop();
  await cache.stop();
  tmp.cleanup();
});

describe('vigil run', () => {
  it('a stopped server goes DOWN after `fall` failures with an outage; restarted, UP after `rise` closes it', async () => {
    const file = tmp.write('vigil.yaml', config());
    const daemon = start(file);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP after 1 success/);
    await daemon.waitForLine(/cache-tcp\/127\.0\.0\.1:\d+ UNKNOWN → UP/);

    await web.stop();
    const down = await daemon.waitForLine(/web-http\/web1 UP → DOWN after 3 failures: connection refused/);
    const open = await waitFor(() => readOutages(tmp.path('history.db')).find((o) => o.key === 'web-http/web1'), 'the outage row');
    expect(open).toMatchObject({ ended_at: null, duration_ms: null, cause: expect.stringMatching(/connection refused/) });

    await web.start();
    await daemon.waitForLine(/web-http\/web1 DOWN → UP after 2 successes \(outage #\d+ lasted [\d.]+m?s\)/, { from: down.index });
    const closed = await waitFor(() => readOutages(tmp.path('history.db')).find((o) => o.key === 'web-http/web1' && o.ended_at !== null), 'the closed outage');
    const transitions = readTransitions(tmp.path('history.db')).filter((t) => t.key === 'web-http/web1');
    expect(transitions.map((t) => `${t.from_state}->${t.to_state}`)).toEqual(['unknown->up', 'up->down', 'down->up']);
    expect(closed.started_at).toBe(transitions[1]!.at);
    expect(closed.ended_at).toBe(transitions[2]!.at);
    expect(closed.duration_ms).toBe(closed.ended_at! - closed.started_at);
    expect(readOutages(tmp.path('history.db'))).toHaveLength(1); // the TCP service never failed

    const history = await runVigilAsync(['history', '-c', file, '--json']);
    expect(JSON.parse(history.stdout)).toEqual([
      expect.objectContaining({ id: closed.id, service: 'web-http', host: 'web1', open: false, durationMs: closed.duration_ms }),
    ]);
  });

  it('a restart mid-outage resumes the open outage instead of opening a second one', async () => {
    const file = tmp.write('vigil.yaml', config());
    let daemon = start(file);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await web.stop();
    await daemon.waitForLine(/web-http\/web1 UP → DOWN/);
    expect(await daemon.stop()).toBe(0);
    expect(daemon.output()).toMatch(/SIGTERM: stopping/);

    daemon = start(file);
    await daemon.waitForLine(/resumed 1 target\(s\) DOWN with their open outages/);
    await new Promise((resolve) => setTimeout(resolve, 800)); // several failing checks while resumed
    expect(daemon.output()).not.toMatch(/web-http\/web1 \w+ → DOWN/);
    expect(readOutages(tmp.path('history.db'))).toHaveLength(1);

    await web.start();
    await daemon.waitForLine(/web-http\/web1 DOWN → UP after 2 successes \(outage #1 lasted/);
    const outages = await waitFor(() => {
      const rows = readOutages(tmp.path('history.db'));
      return rows[0]?.ended_at ? rows : undefined;
    }, 'the outage closed');
    expect(outages).toHaveLength(1);
  });

  it('SIGHUP with a changed interval reports the diff and keeps every state', async () => {
    const file = tmp.write('vigil.yaml', config());
    const daemon = start(file);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await daemon.waitForLine(/cache-tcp\/\S+ UNKNOWN → UP/);
    await web.stop();
    const down = await daemon.waitForLine(/web-http\/web1 UP → DOWN/);

    writeFileSync(file, config({ interval: '300ms' }));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload: ~ service web-http: interval 200ms → 300ms/, { from: down.index });
    const done = await daemon.waitForLine(/reload done/, { from: down.index });
    await new Promise((resolve) => setTimeout(resolve, 800));
    // No target fell back to UNKNOWN or re-announced its state.
    expect(daemon.lines.slice(done.index).filter((line) => / → /.test(line))).toEqual([]);
    expect(readOutages(tmp.path('history.db'))).toHaveLength(1);
    // The YAML was read on the reload's worker thread, not on the main one instead.
    expect(daemon.lines.filter((line) => /worker thread/.test(line))).toEqual([]);

    await web.start();
    await daemon.waitForLine(/web-http\/web1 DOWN → UP after 2 successes \(outage #1/, { from: done.index });
  });

  it('SIGHUP with a broken file keeps the old config running and says why', async () => {
    const file = tmp.write('vigil.yaml', config());
    const daemon = start(file);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);

    writeFileSync(file, config().replace('fall: 3', 'fall: three'));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload rejected: .*vigil\.yaml:8:9: defaults\.fall: expected a number, got "three"/);
    const rejected = await daemon.waitForLine(/reload rejected: keeping the running configuration/);

    // A YAML syntax error, found on the worker thread, points at its line too.
    writeFileSync(file, config().replace('fall: 3', 'fall: [3'));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload rejected: .*vigil\.yaml:\d+:\d+: YAML syntax error/, { from: rejected.index });
    const kept = await daemon.waitForLine(/reload rejected: keeping the running configuration/, { from: rejected.index + 1 });

    // An empty file (a save to a full disk) would remove every target: refused like any bad config.
    writeFileSync(file, '');
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload rejected: .*vigil\.yaml:1: the file is empty/, { from: kept.index });
    await daemon.waitForLine(/reload rejected: keeping the running configuration/, { from: kept.index + 1 });

    await web.stop();
    await daemon.waitForLine(/web-http\/web1 UP → DOWN after 3 failures/, { from: kept.index });
  });

  it('writes structured JSON logs on request', async () => {
    const file = tmp.write('vigil.yaml', config());
    const daemon = start(file, ['--log-format', 'json']);
    const { line } = await daemon.waitForLine(/"event":"transition"/);
    expect(JSON.parse(line)).toMatchObject({ level: 30, event: 'transition', from: 'unknown', to: 'up', msg: expect.stringMatching(/UNKNOWN → UP/) });
  });

  it('many checks in flight at once (a hanging pool) run without warnings', async () => {
    const hanging = await startHttpServer({ hang: true });
    try {
      const hosts = Array.from({ length: 30 }, (_, i) => `{ name: h${i}, address: 127.0.0.1, port: ${hanging.port} }`).join(', ');
      const file = tmp.write('vigil.yaml', config({ extra: `  hung:\n    group: hung\n    timeout: 400ms\n    check: { type: http }\n` }).replace('hostgroups:\n', `hostgroups:\n  hung: [${hosts}]\n`));
      const daemon = start(file);
      await daemon.waitForLine(/hung\/h29 UP → DOWN after 3 failures: timed out after 400ms|hung\/h29 UNKNOWN → DOWN/);
      expect(daemon.output()).not.toMatch(/Warning/);
    } finally {
      await hanging.stop();
    }
  });

  it('refuses to start on a bad config, printing the errors', async () => {
    const file = tmp.write('vigil.yaml', config().replace('type: tcp', 'type: tpc'));
    const daemon = start(file);
    expect(await daemon.exited).toBe(1);
    expect(daemon.output()).toMatch(/vigil\.yaml:\d+:\d+: services\.cache-tcp\.check\.type: unknown check type 'tpc' \(did you mean 'tcp'\?\)/);
    expect(daemon.output()).toMatch(/not started: the configuration has errors/);
  });
});
