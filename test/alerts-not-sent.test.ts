// Alerts dropped from the queue before any attempt — their alert removed by a reload, replaced by a
// newer event, their queued record unreadable after a restart, their target moved to another
// machine — each leave a row in the attempts log saying they were not sent and why: the real
// daemon drops them, the real `vigil alerts log` (and `--failed`) shows them.
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, startHttpServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { controlCommands, daemonFixture } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

type Server = Awaited<ReturnType<typeof startHttpServer>>;

let tmp: ReturnType<typeof tempDir>;
let web: Server;
let configFile: string;
const daemons = daemonFixture(() => ({ cwd: tmp.dir }));
const { vigil } = controlCommands(() => configFile);

beforeEach(async () => {
  tmp = tempDir();
  web = await startHttpServer();
});

afterEach(async (context) => {
  await daemons.stopAll(context);
  await web.stop();
  tmp.cleanup();
});

/**
 * web-http/web1 on `port`, routed to `alerts` (YAML of the `alerts:` section). The script
 * `alert.sh` appends "<kind> <target>" per alert it gets; while the file `hold` exists it waits
 * first, while `refuse` exists it fails.
 */
function config(port: number, alerts: string, { routes = '[pager]', hosts = '' } = {}): string {
  const script = tmp.write(
    'alert.sh',
    `#!/bin/sh
while [ -e ${tmp.path('hold')} ]; do sleep 0.05; done
if [ -e ${tmp.path('refuse')} ]; then echo "relay refused" >&2; exit 1; fi
echo "\${VIGIL_EVENT:-$VIGIL_KIND} \${VIGIL_TARGET:-$VIGIL_TARGETS}" >> ${tmp.path('alerts.log')}
`,
  );
  chmodSync(script, 0o755);
  return `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 100ms, timeout: 500ms, rise: 1, fall: 1, fast_interval: 100ms, spread: 50ms }
hostgroups:
  web:
    - { name: web1, address: 127.0.0.1, port: ${port} }
${hosts}services:
  web-http: { group: web, check: { type: http }${routes ? `, alerts: ${routes}` : ''} }
${alerts ? `alerts:\n${alerts.replaceAll('SCRIPT', script)}` : ''}`;
}

const sent = () => (existsSync(tmp.path('alerts.log')) ? readFileSync(tmp.path('alerts.log'), 'utf8').trim().split('\n') : []);

interface Attempt { alert: string; kind: string; target: string; attempt: number; attempted: boolean; ok: boolean; error: string | null; retryAt: string | null }
const attempts = async (...args: string[]) => JSON.parse((await vigil('alerts', 'log', '--json', ...args)).stdout) as Attempt[];

/** The rows of `vigil alerts log --failed` as the operator reads them, header first. */
async function failedTable(): Promise<string[]> {
  const shown = await vigil('alerts', 'log', '--failed');
  expect(shown.code, shown.stderr).toBe(0);
  return shown.stdout.trim().split('\n');
}

describe('an alert dropped before any attempt has a row in the attempts log', () => {
  it('its alert removed by a reload: not sent, and why', async () => {
    const digest = '  pager: { type: exec, convention: plain, command: SCRIPT, digest: 1h }\n';
    const port = await closedPort();
    configFile = tmp.write('vigil.yaml', config(port, digest));
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1: down alert to pager/);
    await waitFor(async () => JSON.parse((await vigil('alerts', 'queue', '--json')).stdout).length === 1, 'the digest collecting');
    tmp.write('vigil.yaml', config(port, '', { routes: '' }));
    expect((await vigil('reload')).code).toBe(0);
    await daemon.waitForLine(/alert pager is no longer configured: dropped its queued digest for \*/);
    await waitFor(async () => (await attempts()).length === 1, 'the row of the dropped digest');
    expect(await attempts('--alert', 'pager')).toEqual([
      expect.objectContaining({ alert: 'pager', kind: 'digest', target: 'web-http/web1', attempt: 0, attempted: false, ok: false, retryAt: null, error: 'not sent: the alert was removed from the configuration' }),
    ]);
    const [header, row] = await failedTable();
    expect(header).toMatch(/^TIME\s+ALERT\s+KIND\s+TARGET\s+TRY\s+TOOK\s+RESULT$/);
    expect(row).toMatch(/^\S+ \S+\s+pager\s+digest\s+web-http\/web1\s+-\s+-\s+not sent: the alert was removed from the configuration$/);
    expect(sent()).toEqual([]);
  });

  it('replaced by a newer event while it waited (an action that mirrors state): not sent, and why', async () => {
    const pool = '  pool: { type: notify, notify_up: [SCRIPT], notify_down: [SCRIPT] }\n';
    configFile = tmp.write('vigil.yaml', config(web.port, pool, { routes: '[pool]' }));
    const daemon = start();
    const up = await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    tmp.write('hold', ''); // the down hook hangs: what follows waits behind it
    web.behaviour.status = 503;
    const down = await daemon.waitForLine(/web-http\/web1 UP → DOWN/, { from: up.index });
    web.behaviour.status = 200;
    const back = await daemon.waitForLine(/web-http\/web1 DOWN → UP/, { from: down.index });
    web.behaviour.status = 503;
    await daemon.waitForLine(/web-http\/web1 UP → DOWN/, { from: back.index });
    await daemon.waitForLine(/alert pool: up for web-http\/web1 replaced by a newer event before it went out/);
    rmSync(tmp.path('hold'));
    await waitFor(() => sent().length === 2, 'the first down and the newest down');
    expect(sent()).toEqual(['down web-http/web1', 'down web-http/web1']);
    await waitFor(async () => (await attempts()).length === 4, 'four rows');
    expect((await attempts('--failed'))).toEqual([
      expect.objectContaining({ alert: 'pool', kind: 'up', target: 'web-http/web1', attempt: 0, attempted: false, ok: false, error: 'not sent: superseded by a newer event' }),
    ]);
    expect((await failedTable())[1]).toMatch(/\s+pool\s+up\s+web-http\/web1\s+-\s+-\s+not sent: superseded by a newer event$/);
  });

  it('its queued record unreadable at the next start: not sent, and why', async () => {
    const digest = '  pager: { type: exec, convention: plain, command: SCRIPT, digest: 1h }\n';
    configFile = tmp.write('vigil.yaml', config(await closedPort(), digest));
    let daemon = start();
    await daemon.waitForLine(/web-http\/web1: down alert to pager/);
    expect(await daemon.stop()).toBe(0);
    const db = new Database(tmp.path('history.db'));
    expect(db.prepare("UPDATE alert_queue SET events = '[{\"kind\": \"down\", trunc'").run().changes).toBe(1);
    db.close();
    daemon = start();
    await daemon.waitForLine(/alert queue: dropped 1 unreadable queued deliveries/);
    await waitFor(async () => (await attempts()).length === 1, 'the row of the unreadable delivery');
    expect(await attempts()).toEqual([
      expect.objectContaining({ alert: 'pager', kind: 'digest', target: '*', attempt: 0, attempted: false, ok: false, error: 'not sent: its queued record could not be read' }),
    ]);
    expect((await failedTable())[1]).toMatch(/\s+pager\s+digest\s+\*\s+-\s+-\s+not sent: its queued record could not be read$/);
  });

  describe('its target moved to another machine', () => {
    const RETRYING = 'retries: 20, backoff: 3s, max_backoff: 3s';
    let old: Server;
    beforeEach(async () => {
      old = await startHttpServer();
    });
    afterEach(async () => {
      await old.stop();
    });

    it("the old machine's up alert queued behind its down alert: not sent, and why", async () => {
      const pager = `  pager: { type: exec, convention: plain, command: SCRIPT, ${RETRYING} }\n`;
      tmp.write('refuse', '');
      configFile = tmp.write('vigil.yaml', config(old.port, pager));
      const daemon = start();
      await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
      old.behaviour.status = 503;
      await daemon.waitForLine(/alert pager \(exec\) down for web-http\/web1 failed: .*relay refused; retry 1 of 20/);
      old.behaviour.status = 200;
      await daemon.waitForLine(/web-http\/web1: up alert to pager/);
      tmp.write('vigil.yaml', config(web.port, pager));
      expect((await vigil('reload')).code).toBe(0);
      await daemon.waitForLine(/web-http\/web1 moved: dropped the up alert to pager queued for the old address/);
      const why = `web-http/web1 moved to 127.0.0.1:${web.port}, another machine`;
      await waitFor(async () => (await attempts()).some((a) => a.kind === 'up'), 'the row of the dropped up alert');
      expect(await attempts()).toEqual([
        expect.objectContaining({ kind: 'up', target: 'web-http/web1', attempt: 0, attempted: false, ok: false, retryAt: null, error: `not sent: ${why}` }),
        expect.objectContaining({ kind: 'down', target: 'web-http/web1', attempt: 1, attempted: true, ok: false, retryAt: null, error: expect.stringMatching(/exited with status 1: relay refused \(not retried: web-http\/web1 moved/) }),
      ]);
      const rows = await failedTable();
      expect(rows[1]).toMatch(new RegExp(`\\s+pager\\s+up\\s+web-http/web1\\s+-\\s+-\\s+not sent: ${why.replaceAll('.', '\\.')}$`));
      expect(rows[2]).toMatch(/\s+pager\s+down\s+web-http\/web1\s+1\s+\S+\s+failed: .*relay refused \(not retried: web-http\/web1 moved/);
    });

    it("its events taken out of a digest that still goes out: a row for each, and why", async () => {
      const pager = `  pager: { type: exec, convention: plain, command: SCRIPT, digest: 1h }\n`;
      const web2 = `    - { name: web2, address: 127.0.0.1, port: ${await closedPort()} }\n`;
      configFile = tmp.write('vigil.yaml', config(await closedPort(), pager, { hosts: web2 }));
      const daemon = start();
      await daemon.waitForLine(/web-http\/web1: down alert to pager/);
      await daemon.waitForLine(/web-http\/web2: down alert to pager/);
      tmp.write('vigil.yaml', config(web.port, pager, { hosts: web2 }));
      expect((await vigil('reload')).code).toBe(0);
      await daemon.waitForLine(/web-http\/web1 moved: took its down alert of the old address out of the digest queued for pager/);
      await waitFor(async () => (await attempts()).length === 1, 'the row of the event taken out');
      expect(await attempts()).toEqual([
        expect.objectContaining({
          kind: 'down', target: 'web-http/web1', attempt: 0, attempted: false, ok: false,
          error: `taken out of the digest, not sent: web-http/web1 moved to 127.0.0.1:${web.port}, another machine`,
        }),
      ]);
      expect((await failedTable())[1]).toMatch(/\s+pager\s+down\s+web-http\/web1\s+-\s+-\s+taken out of the digest, not sent: web-http\/web1 moved to/);
    });
  });
});

function start() {
  return daemons.start(configFile);
}
