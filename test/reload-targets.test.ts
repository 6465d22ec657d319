// Reloads that edit targets in place, against the real `bin/vigil` and HTTP servers on loopback:
// what an operator's edit does to a target's state, its outage and its operator flags.
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOutages } from './helpers/history-db.js';
import { closedPort, startHttpServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { controlCommands, daemonFixture, type VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

type Server = Awaited<ReturnType<typeof startHttpServer>>;

let tmp: ReturnType<typeof tempDir>;
let up: Server;
let deadPort: number;
let configFile: string;
const daemons = daemonFixture(() => ({ cwd: tmp.dir }));

function config(web1Port: number, hosts = '') {
  return `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 100ms, timeout: 500ms, rise: 2, fall: 2, fast_interval: 100ms, spread: 50ms }
hostgroups:
  web:
    - { name: web1, address: 127.0.0.1, port: ${web1Port} }
${hosts}services:
  web-http: { group: web, check: { type: http } }
`;
}

const start = () => daemons.start(configFile);
const { vigil, statusOf } = controlCommands(() => configFile);

beforeEach(async () => {
  tmp = tempDir();
  up = await startHttpServer();
  deadPort = await closedPort();
});

afterEach(async (context) => {
  await daemons.stopAll(context);
  await up.stop();
  tmp.cleanup();
});

describe('reload: a target edited in place', () => {
  it('same name, another address: the old machine\'s outage is closed at the reload and the new one is checked afresh', async () => {
    configFile = tmp.write('vigil.yaml', config(deadPort));
    const daemon = start();
    const down = await daemon.waitForLine(/web-http\/web1 UNKNOWN → DOWN/);
    await vigil('ack', 'web-http/web1', '-m', 'old box is dead');
    tmp.write('vigil.yaml', config(up.port));
    const reload = await vigil('reload');
    expect(reload.code).toBe(0);
    const moved = await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+: checked afresh; closed outage #1/, { from: down.index });
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index });
    expect(daemon.output().slice(daemon.output().indexOf(moved.line))).not.toMatch(/DOWN → UP/);
    await waitFor(() => readOutages(tmp.path('history.db'))[0]?.ended_at != null, 'the outage closed');
    const [outage] = readOutages(tmp.path('history.db'));
    expect(outage!.end_message).toBe(`address changed to 127.0.0.1:${up.port}`);
    expect((await statusOf('web-http/web1')).target.flags).toEqual({}); // the acknowledgement was for the old machine's outage
  });
});

describe('reload: operator flags', () => {
  it('a target removed while disabled and in maintenance comes back without them, and its maintenance period is closed', async () => {
    const web2 = `    - { name: web2, address: 127.0.0.1, port: ${up.port} }\n`;
    configFile = tmp.write('vigil.yaml', config(up.port, web2));
    const daemon = start();
    await daemon.waitForLine(/web-http\/web2 UNKNOWN → UP/);
    expect((await vigil('disable', 'web-http/web2')).code).toBe(0);
    expect((await vigil('maintenance', 'start', '--host', 'web2', '--for', '1h')).code).toBe(0);
    tmp.write('vigil.yaml', config(up.port));
    expect((await vigil('reload')).code).toBe(0);
    tmp.write('vigil.yaml', config(up.port, web2));
    expect((await vigil('reload')).code).toBe(0);
    expect((await statusOf('web-http/web2')).target.flags).toEqual({});
    await waitFor(() => {
      const db = new Database(tmp.path('history.db'), { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM maintenance_periods WHERE ended_at IS NULL').get() as { n: number }).n === 0;
      } finally {
        db.close();
      }
    }, 'the maintenance period closed');
  });

  it('a target taken out of the config while the daemon was stopped loses its flags at the next start; added back later it is checked', async () => {
    const web2 = `    - { name: web2, address: 127.0.0.1, port: ${up.port} }\n`;
    configFile = tmp.write('vigil.yaml', config(up.port, web2));
    let daemon = start();
    await daemon.waitForLine(/web-http\/web2 UNKNOWN → UP/);
    expect((await vigil('disable', 'web-http/web2')).code).toBe(0);
    expect(await daemon.stop()).toBe(0);
    tmp.write('vigil.yaml', config(up.port)); // edited while stopped
    daemon = start();
    await daemon.waitForLine(/running:/);
    expect(await daemon.stop()).toBe(0);
    tmp.write('vigil.yaml', config(up.port, web2));
    daemon = start();
    await daemon.waitForLine(/web-http\/web2 UNKNOWN → UP/); // checked again, not silently disabled
    expect((await statusOf('web-http/web2')).target.flags).toEqual({});
  });
});

/**
 * A config whose service alerts through a plain exec script appending "<kind> <target> <outage>" per
 * alert; `service` and `pager` add keys to the service and to the alert. While the file `refuse`
 * exists the script fails (the mail relay is down); while `hold` exists it waits first.
 */
function alerting(web1Port: number, { service = '', pager = '', hosts = '' } = {}): string {
  const script = tmp.write(
    'alert.sh',
    `#!/bin/sh
touch ${tmp.path('attempted')}
while [ -e ${tmp.path('hold')} ]; do sleep 0.05; done
if [ -e ${tmp.path('refuse')} ]; then echo "relay refused" >&2; exit 1; fi
echo "$VIGIL_KIND \${VIGIL_TARGET:-$VIGIL_TARGETS} $VIGIL_OUTAGE_ID" >> ${tmp.path('alerts.log')}
`,
  );
  chmodSync(script, 0o755);
  return (
    config(web1Port, hosts).replace('check: { type: http } }', `check: { type: http }, alerts: [pager]${service ? `, ${service}` : ''} }`) +
    `alerts:\n  pager: { type: exec, convention: plain, command: ${script}${pager ? `, ${pager}` : ''} }\n`
  );
}
const alerts = () => (existsSync(tmp.path('alerts.log')) ? readFileSync(tmp.path('alerts.log'), 'utf8').trim().split('\n') : []);

describe('reload: the alerts of a target that moved', () => {
  it('the old machine\'s outage, alerted down, ends with the move and owes no up alert; the new machine\'s outages are alerted as its own', async () => {
    configFile = tmp.write('vigil.yaml', alerting(deadPort));
    const daemon = start();
    await waitFor(() => alerts().length === 1, 'the down alert of the old machine');
    expect(alerts()).toEqual(['down web-http/web1 1']);
    tmp.write('vigil.yaml', alerting(up.port));
    const reload = await vigil('reload');
    expect(reload.code).toBe(0);
    expect(reload.stdout).toContain(`~ target web-http/web1: moved 127.0.0.1:${deadPort} → 127.0.0.1:${up.port}`);
    expect(reload.stdout).toContain('0 target(s) unchanged');
    const moved = await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+: checked afresh; closed outage #1/);
    await daemon.waitForLine(/web-http\/web1 moved: no up alert to pager for outage #1 of the old address, which the move closed/);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index });
    // The new machine fails and comes back: its own outage is alerted, down then up.
    up.behaviour.status = 503;
    await waitFor(() => alerts().length >= 2, 'the down alert of the new machine');
    up.behaviour.status = 200;
    await waitFor(() => alerts().length >= 3, 'the up alert of the new machine');
    expect(alerts()).toEqual(['down web-http/web1 1', 'down web-http/web1 2', 'up web-http/web1 2']);
  });

  it('moved while the daemon was stopped: the next start closes the old outage, checks the new machine afresh and owes no up alert', async () => {
    configFile = tmp.write('vigil.yaml', alerting(deadPort));
    let daemon = start();
    await waitFor(() => alerts().length === 1, 'the down alert of the old machine');
    expect(await daemon.stop()).toBe(0);
    tmp.write('vigil.yaml', alerting(up.port)); // edited while stopped
    daemon = start();
    const moved = await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+ while the daemon was stopped: checked afresh; closed outage #1/);
    await daemon.waitForLine(/web-http\/web1 moved: no up alert to pager for outage #1 of the old address, which the move closed/);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index });
    up.behaviour.status = 503;
    await waitFor(() => alerts().length >= 2, 'the down alert of the new machine');
    expect(alerts()).toEqual(['down web-http/web1 1', 'down web-http/web1 2']);
    const [outage] = readOutages(tmp.path('history.db'));
    expect(outage!.end_message).toBe(`address changed to 127.0.0.1:${up.port}`);
  });

  it('the old machine\'s acknowledged outage: the move sends nothing about it', async () => {
    configFile = tmp.write('vigil.yaml', alerting(deadPort));
    const daemon = start();
    await waitFor(() => alerts().length === 1, 'the down alert of the old machine');
    expect((await vigil('ack', 'web-http/web1', '-m', 'old box is dead')).code).toBe(0);
    tmp.write('vigil.yaml', alerting(up.port));
    expect((await vigil('reload')).code).toBe(0);
    const moved = await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+: checked afresh/);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index });
    up.behaviour.status = 503;
    await waitFor(() => alerts().length >= 2, 'the down alert of the new machine');
    expect(alerts()).toEqual(['down web-http/web1 1', 'down web-http/web1 2']);
  });
});

describe('reload: the flapping of a target that moved', () => {
  const FLAPPING = 'flapping: { changes: 3, within: 1m }';
  let old: Server;
  beforeEach(async () => {
    old = await startHttpServer();
  });
  afterEach(async () => {
    await old.stop();
  });

  /** Makes `server` answer `status` and waits for web1's change to `to`; returns where it was logged. */
  async function change(daemon: VigilDaemon, server: Server, status: number, to: 'UP' | 'DOWN', from: number): Promise<number> {
    server.behaviour.status = status;
    return (await daemon.waitForLine(new RegExp(`web-http/web1 \\w+ → ${to}`), { from })).index;
  }
  /** UP → DOWN → UP (two state changes; a third within the minute is flapping). */
  const twoChanges = async (daemon: VigilDaemon, server: Server, from: number) => change(daemon, server, 200, 'UP', await change(daemon, server, 503, 'DOWN', from));

  it('a target that flapped on its old address is not flapping on a steady new one, and is caught when the new machine flaps itself', async () => {
    configFile = tmp.write('vigil.yaml', alerting(old.port, { service: FLAPPING }));
    const daemon = start();
    let at = (await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/)).index;
    at = await change(daemon, old, 503, 'DOWN', await twoChanges(daemon, old, at));
    await daemon.waitForLine(/web-http\/web1 is flapping/, { from: at });
    await waitFor(() => alerts().length === 3, 'the old machine\'s alerts');
    expect(alerts()).toEqual(['down web-http/web1 1', 'up web-http/web1 1', 'flapping web-http/web1 2']);
    expect((await statusOf('web-http/web1')).target.flags.flapping).toBeTruthy();

    tmp.write('vigil.yaml', alerting(up.port, { service: FLAPPING }));
    expect((await vigil('reload')).code).toBe(0);
    const moved = await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+: checked afresh; closed outage #2/);
    await daemon.waitForLine(/web-http\/web1 moved: the old machine's flapping is forgotten/, { from: moved.index });
    at = (await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index })).index;
    expect((await statusOf('web-http/web1')).target.flags).toEqual({});

    // The new machine's own changes: its outage is alerted, then its flapping.
    at = await change(daemon, up, 503, 'DOWN', await twoChanges(daemon, up, at));
    await daemon.waitForLine(/web-http\/web1 is flapping \(3 state changes within 60s\)/, { from: at });
    expect((await statusOf('web-http/web1')).target.flags.flapping).toBeTruthy();
    await waitFor(() => alerts().length === 6, 'the new machine\'s alerts');
    expect(alerts().slice(3)).toEqual(['down web-http/web1 3', 'up web-http/web1 3', 'flapping web-http/web1 4']);
  });

  it('moved while the daemon was stopped: the old machine\'s flapping and recorded state changes are not the new one\'s', async () => {
    configFile = tmp.write('vigil.yaml', alerting(old.port, { service: FLAPPING }));
    let daemon = start();
    let at = (await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/)).index;
    at = await change(daemon, old, 503, 'DOWN', await twoChanges(daemon, old, at));
    await daemon.waitForLine(/web-http\/web1 is flapping/, { from: at });
    await waitFor(() => alerts().length === 3, 'the old machine\'s alerts');
    expect(await daemon.stop()).toBe(0);

    tmp.write('vigil.yaml', alerting(up.port, { service: FLAPPING })); // edited while stopped
    daemon = start();
    const moved = await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+ while the daemon was stopped/);
    await daemon.waitForLine(/web-http\/web1 moved: the old machine's flapping is forgotten/, { from: moved.index });
    at = (await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index })).index;
    expect((await statusOf('web-http/web1')).target.flags).toEqual({});
    // One change of the new machine is an outage of its own, not the fourth change of a flapping series.
    await change(daemon, up, 503, 'DOWN', at);
    await waitFor(() => alerts().length === 4, 'the new machine\'s down alert');
    expect(alerts()[3]).toBe('down web-http/web1 3');
    expect((await statusOf('web-http/web1')).target.flags).toEqual({});
  });

  it('a restart soon after a move does not count the old machine\'s state changes toward flapping', async () => {
    configFile = tmp.write('vigil.yaml', alerting(old.port, { service: FLAPPING }));
    let daemon = start();
    await twoChanges(daemon, old, (await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/)).index);
    tmp.write('vigil.yaml', alerting(up.port, { service: FLAPPING }));
    expect((await vigil('reload')).code).toBe(0);
    const moved = await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+: checked afresh/);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index });
    expect(await daemon.stop()).toBe(0);

    daemon = start();
    const running = await daemon.waitForLine(/running:/);
    // Two changes of the old machine within the minute, one of the new: not three of one machine.
    await change(daemon, up, 503, 'DOWN', running.index);
    await waitFor(() => alerts().length === 3, 'the new machine\'s down alert');
    expect(alerts()).toEqual(['down web-http/web1 1', 'up web-http/web1 1', 'down web-http/web1 2']);
    expect((await statusOf('web-http/web1')).target.flags).toEqual({});
  });
});

describe('reload: alerts still queued for a target that moved', () => {
  interface Attempt { kind: string; target: string; outage: number | null; attempt: number; ok: boolean; error: string | null; retryAt: string | null }
  const attempts = async () => JSON.parse((await vigil('alerts', 'log', '--json')).stdout) as Attempt[];
  const queued = async () => JSON.parse((await vigil('alerts', 'queue', '--json')).stdout) as unknown[];
  const RETRYING = 'retries: 20, backoff: 3s, max_backoff: 3s';
  let old: Server;
  beforeEach(async () => {
    old = await startHttpServer();
  });
  afterEach(async () => {
    await old.stop();
  });

  it('a down alert of the old machine waiting for its retry is dropped at the move, and the attempts log says why', async () => {
    tmp.write('refuse', ''); // the mail relay is down
    configFile = tmp.write('vigil.yaml', alerting(deadPort, { pager: RETRYING }));
    const daemon = start();
    await daemon.waitForLine(/alert pager \(exec\) down for web-http\/web1 failed: .*relay refused; retry 1 of 20 in 3s/);
    tmp.write('vigil.yaml', alerting(up.port, { pager: RETRYING }));
    expect((await vigil('reload')).code).toBe(0);
    const moved = await daemon.waitForLine(/web-http\/web1 moved: dropped the down alert to pager queued for the old address; it will not be sent/);
    await waitFor(async () => (await queued()).length === 0, 'the queue emptied');
    rmSync(tmp.path('refuse')); // the relay is back: nothing of the old machine goes out
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index });
    up.behaviour.status = 503;
    await waitFor(() => alerts().length >= 1, 'the down alert of the new machine');
    expect(alerts()).toEqual(['down web-http/web1 2']);
    const [first] = (await attempts()).filter((a) => a.outage === 1);
    expect(first).toMatchObject({ kind: 'down', target: 'web-http/web1', attempt: 1, ok: false, retryAt: null });
    expect(first!.error).toMatch(new RegExp(`relay refused \\(not retried: web-http/web1 moved to 127\\.0\\.0\\.1:${up.port}, another machine\\)$`));
    const shown = await vigil('alerts', 'log');
    expect(shown.stdout).toContain(`(not retried: web-http/web1 moved to 127.0.0.1:${up.port}, another machine)`);
  });

  it('moved while the daemon was stopped: the down alert the last run left queued is dropped at the start', async () => {
    tmp.write('refuse', '');
    configFile = tmp.write('vigil.yaml', alerting(deadPort, { pager: RETRYING }));
    let daemon = start();
    await daemon.waitForLine(/alert pager \(exec\) down for web-http\/web1 failed: .*relay refused; retry 1 of 20/);
    expect(await daemon.stop()).toBe(0);
    tmp.write('vigil.yaml', alerting(up.port, { pager: RETRYING })); // edited while stopped
    rmSync(tmp.path('refuse'));
    daemon = start();
    const moved = await daemon.waitForLine(/web-http\/web1 moved: dropped the down alert to pager queued for the old address; it will not be sent/);
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index });
    up.behaviour.status = 503;
    await waitFor(() => alerts().length >= 1, 'the down alert of the new machine');
    expect(alerts()).toEqual(['down web-http/web1 2']);
    const [first] = (await attempts()).filter((a) => a.outage === 1);
    expect(first!.error).toMatch(new RegExp(`relay refused \\(not retried: web-http/web1 moved to 127\\.0\\.0\\.1:${up.port}, another machine\\)$`));
  });

  it('an attempt in flight at the move that fails is not retried, nor the up alert of its outage queued behind it', async () => {
    configFile = tmp.write('vigil.yaml', alerting(old.port, { pager: RETRYING }));
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    tmp.write('refuse', '');
    tmp.write('hold', ''); // the relay hangs
    old.behaviour.status = 503;
    await waitFor(() => existsSync(tmp.path('attempted')), 'the down alert\'s first attempt under way');
    old.behaviour.status = 200;
    await daemon.waitForLine(/web-http\/web1: up alert to pager/);
    tmp.write('vigil.yaml', alerting(up.port, { pager: RETRYING }));
    expect((await vigil('reload')).code).toBe(0);
    const moved = await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+: checked afresh/);
    rmSync(tmp.path('hold'));
    await daemon.waitForLine(new RegExp(`alert pager \\(exec\\) down for web-http/web1 failed: .*relay refused; not retried: web-http/web1 moved to 127\\.0\\.0\\.1:${up.port}, another machine`), { from: moved.index });
    await daemon.waitForLine(/web-http\/web1 moved: dropped the up alert to pager queued for the old address/, { from: moved.index });
    rmSync(tmp.path('refuse'));
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/, { from: moved.index });
    up.behaviour.status = 503;
    await waitFor(() => alerts().length >= 1, 'the down alert of the new machine');
    expect(alerts()).toEqual(['down web-http/web1 2']);
    const [upNotSent, first] = (await attempts()).filter((a) => a.outage === 1);
    expect(first).toMatchObject({ kind: 'down', attempt: 1, ok: false, retryAt: null });
    expect(first!.error).toMatch(/\(not retried: web-http\/web1 moved to .*, another machine\)$/);
    // The up alert was never tried: a row of its own says so (test/alerts-not-sent.test.ts).
    expect(upNotSent).toMatchObject({ kind: 'up', attempt: 0, ok: false, retryAt: null, error: `not sent: web-http/web1 moved to 127.0.0.1:${up.port}, another machine` });
  });

  it('in a digest, only the moved target\'s events are taken out: the others still go out', async () => {
    tmp.write('refuse', '');
    const web2 = `    - { name: web2, address: 127.0.0.1, port: ${deadPort} }\n`;
    const pager = `digest: 300ms, ${RETRYING}`;
    configFile = tmp.write('vigil.yaml', alerting(deadPort, { pager, hosts: web2 }));
    const daemon = start();
    await daemon.waitForLine(/alert pager \(exec\) digest for 2 event\(s\) failed: .*relay refused; retry 1 of 20/);
    tmp.write('vigil.yaml', alerting(up.port, { pager, hosts: web2 }));
    expect((await vigil('reload')).code).toBe(0);
    await daemon.waitForLine(/web-http\/web1 moved: took its down alert of the old address out of the digest queued for pager/);
    rmSync(tmp.path('refuse'));
    await waitFor(() => alerts().length >= 1, 'the digest delivered');
    expect(alerts()[0]!.trim()).toBe('digest web-http/web2');
  });

  it('an up alert of the old machine waiting for its retry still goes out when its down alert went out', async () => {
    configFile = tmp.write('vigil.yaml', alerting(old.port, { pager: RETRYING }));
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    old.behaviour.status = 503;
    await waitFor(() => alerts().length === 1, 'the down alert of the old machine');
    tmp.write('refuse', '');
    old.behaviour.status = 200;
    await daemon.waitForLine(/alert pager \(exec\) up for web-http\/web1 failed: .*relay refused; retry 1 of 20/);
    tmp.write('vigil.yaml', alerting(up.port, { pager: RETRYING }));
    expect((await vigil('reload')).code).toBe(0);
    await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+: checked afresh/);
    rmSync(tmp.path('refuse'));
    await waitFor(() => alerts().length === 2, 'the up alert of the old machine'); // it clears the down alert they got
    expect(alerts()).toEqual(['down web-http/web1 1', 'up web-http/web1 1']);
  });

  it('an up alert of the old machine queued behind its down alert is dropped with it: they never heard of that outage', async () => {
    tmp.write('refuse', '');
    configFile = tmp.write('vigil.yaml', alerting(old.port, { pager: RETRYING }));
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    old.behaviour.status = 503;
    await daemon.waitForLine(/alert pager \(exec\) down for web-http\/web1 failed: .*relay refused; retry 1 of 20/);
    old.behaviour.status = 200;
    await daemon.waitForLine(/web-http\/web1: up alert to pager/);
    tmp.write('vigil.yaml', alerting(up.port, { pager: RETRYING }));
    expect((await vigil('reload')).code).toBe(0);
    await daemon.waitForLine(/web-http\/web1 moved: dropped the down alert to pager queued for the old address/);
    await daemon.waitForLine(/web-http\/web1 moved: dropped the up alert to pager queued for the old address/);
    rmSync(tmp.path('refuse'));
    up.behaviour.status = 503;
    await waitFor(() => alerts().length >= 1, 'the down alert of the new machine');
    expect(alerts()).toEqual(['down web-http/web1 2']);
  });

  it('an action that mirrors state (notify hooks) gets none of the old machine\'s queued events, an up included', async () => {
    const hook = tmp.write('hook.sh', `#!/bin/sh\nif [ -e ${tmp.path('refuse')} ]; then echo "pool manager unreachable" >&2; exit 1; fi\necho "$VIGIL_EVENT $VIGIL_PORT" >> ${tmp.path('hooks.log')}\n`);
    chmodSync(hook, 0o755);
    // Retried often: the old machine's up would go out long before the new machine's first verdict replaced it.
    const hooked = (port: number) =>
      config(port).replace('check: { type: http } }', 'check: { type: http }, alerts: [pool] }') +
      `alerts:\n  pool: { type: notify, notify_up: [${hook}], notify_down: [${hook}], retries: 100, backoff: 100ms, max_backoff: 100ms }\n`;
    const hooks = () => (existsSync(tmp.path('hooks.log')) ? readFileSync(tmp.path('hooks.log'), 'utf8').trim().split('\n') : []);
    configFile = tmp.write('vigil.yaml', hooked(old.port));
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    old.behaviour.status = 503;
    await waitFor(() => hooks().length === 1, 'notify_down of the old machine');
    tmp.write('refuse', '');
    old.behaviour.status = 200;
    await daemon.waitForLine(/alert pool \(notify\) up for web-http\/web1 failed: .*pool manager unreachable; retry 1 of 100/);
    up.behaviour.hang = true; // the new machine's first verdict (DOWN) takes two check timeouts
    tmp.write('vigil.yaml', hooked(up.port));
    expect((await vigil('reload')).code).toBe(0);
    await daemon.waitForLine(/web-http\/web1 moved to 127\.0\.0\.1:\d+: checked afresh/);
    rmSync(tmp.path('refuse'));
    await waitFor(() => hooks().length >= 2, 'notify_down of the new machine');
    expect(hooks()).toEqual([`down ${old.port}`, `down ${up.port}`]);
    expect(daemon.output()).toMatch(/web-http\/web1 moved: dropped the up alert to pool queued for the old address|alert pool \(notify\) up for web-http\/web1 failed: .*; not retried: web-http\/web1 moved/);
  });

});
