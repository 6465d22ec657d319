// `auto_reload` (ldirectord's autoreload) on the real daemon: an edit of the config file, or a file
// dropped into an included directory, is reloaded once it has settled; a refused edit is not tried
// again until the files change; a SIGHUP reload of an edit is not followed by a second one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTcpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { VigilDaemon } from './helpers/vigil-process.js';

let tmp: ReturnType<typeof tempDir>;
let server: TestServer;
let running: VigilDaemon | undefined;

function mainConfig(fields: { interval?: string; fall?: string; autoReload?: string } = {}): string {
  return `history: { path: ./history.db, flush_interval: 50ms }
auto_reload: ${fields.autoReload ?? '100ms'}
include: [conf.d]
defaults: { interval: ${fields.interval ?? '200ms'}, timeout: 500ms, fall: ${fields.fall ?? '3'} }
hostgroups:
  cache: [127.0.0.1:${server.port}]
services:
  cache-tcp: { group: cache, check: { type: tcp } }
`;
}

/** Writes the config, starts the daemon on it; returns the file and the index of its `running` line. */
async function startOn(text: string): Promise<{ daemon: VigilDaemon; file: string; startedAt: number }> {
  const file = tmp.path('vigil.yaml');
  writeFileSync(file, text);
  const daemon = (running = VigilDaemon.run(file, [], { cwd: tmp.dir }));
  return { daemon, file, startedAt: (await daemon.waitForLine(/running: 1 service/)).index };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lines after `from` that start a reload. */
const reloadsSince = (daemon: VigilDaemon, from: number) => daemon.lines.slice(from).filter((line) => /reloading /.test(line)).length;

beforeEach(async () => {
  tmp = tempDir();
  server = await startTcpServer();
  mkdirSync(tmp.path('conf.d'));
});

afterEach(async () => {
  await running?.stop();
  await server.stop();
  tmp.cleanup();
});

describe('auto_reload', () => {
  it('reloads an edit of the config file, and a file added to an included directory, once each', async () => {
    const { daemon, file, startedAt } = await startOn(mainConfig());

    writeFileSync(file, mainConfig({ interval: '300ms' }));
    const changed = await daemon.waitForLine(/config changed \(.*vigil\.yaml\): reloading/, { from: startedAt });
    await daemon.waitForLine(/reload: ~ service cache-tcp: interval 200ms → 300ms/, { from: changed.index });
    const done = await daemon.waitForLine(/reload done/, { from: changed.index });
    await settle(600); // six more looks
    expect(reloadsSince(daemon, startedAt)).toBe(1);

    writeFileSync(tmp.path('conf.d/extra.yaml'), 'services:\n  extra-tcp: { group: cache, check: { type: tcp } }\n');
    const added = await daemon.waitForLine(/config changed \(.*conf\.d\): reloading/, { from: done.index });
    await daemon.waitForLine(/reload: \+ service extra-tcp/, { from: added.index });
    // The new file is watched too: editing it is the next change.
    const second = await daemon.waitForLine(/reload done/, { from: added.index });
    writeFileSync(tmp.path('conf.d/extra.yaml'), 'services:\n  extra-tcp: { group: cache, interval: 250ms, check: { type: tcp } }\n');
    await daemon.waitForLine(/config changed \(.*extra\.yaml\): reloading/, { from: second.index });
    await daemon.waitForLine(/reload: ~ service extra-tcp: interval 300ms → 250ms/, { from: second.index });
  });

  it('does not retry a refused edit until the files change again', async () => {
    const { daemon, file, startedAt } = await startOn(mainConfig());

    writeFileSync(file, mainConfig({ fall: 'three' }));
    await daemon.waitForLine(/reload rejected: .*vigil\.yaml:4:\d+: defaults\.fall: expected a number/, { from: startedAt });
    const rejected = await daemon.waitForLine(/reload rejected: keeping the running configuration/, { from: startedAt });
    await settle(600);
    expect(reloadsSince(daemon, startedAt)).toBe(1);

    writeFileSync(file, mainConfig({ fall: '4' }));
    await daemon.waitForLine(/reload: ~ service cache-tcp: fall 3 → 4/, { from: rejected.index });
  });

  it('after a SIGHUP that read the edit, does not reload it a second time', async () => {
    // Looks a second apart: the SIGHUP's reload starts well before the watcher's second look.
    const { daemon, file, startedAt } = await startOn(mainConfig({ autoReload: '1s' }));

    writeFileSync(file, mainConfig({ autoReload: '1s', interval: '300ms' }));
    daemon.signal('SIGHUP');
    await daemon.waitForLine(/reload: ~ service cache-tcp: interval 200ms → 300ms/, { from: startedAt });
    await daemon.waitForLine(/reload done/, { from: startedAt });
    await settle(2_500);
    expect(reloadsSince(daemon, startedAt)).toBe(1);
  });
});
