// Reloads that edit targets in place, against the real `bin/vigil` and HTTP servers on loopback:
// what an operator's edit does to a target's state, its outage and its operator flags.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOutages } from './helpers/history-db.js';
import { closedPort, startHttpServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { controlCommands, daemonFixture } from './helpers/vigil-process.js';
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

describe('reload: the alerts of a target that moved', () => {
  /** A config whose service alerts through a plain exec script appending "<kind> <target> <outage>" per alert. */
  function alerting(web1Port: number): string {
    const script = tmp.write('alert.sh', `#!/bin/sh\necho "$VIGIL_KIND $VIGIL_TARGET $VIGIL_OUTAGE_ID" >> ${tmp.path('alerts.log')}\n`);
    chmodSync(script, 0o755);
    return config(web1Port).replace('check: { type: http } }', 'check: { type: http }, alerts: [pager] }') + `alerts:\n  pager: { type: exec, convention: plain, command: ${script} }\n`;
  }
  const alerts = () => (existsSync(tmp.path('alerts.log')) ? readFileSync(tmp.path('alerts.log'), 'utf8').trim().split('\n') : []);

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
});
