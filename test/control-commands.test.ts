// The control commands change the live daemon's behaviour, through its unix socket: a disabled
// host is not probed (real servers count the requests), an acknowledgement is recorded and kept,
// maintenance is recorded as a period and ends by itself, check-now checks at once, reload reloads.
import Database from 'better-sqlite3';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { controlCommands, daemonFixture } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

type Server = Awaited<ReturnType<typeof startHttpServer>>;

let tmp: ReturnType<typeof tempDir>;
let web1: Server;
let web2: Server;
let slow: Server;
let configFile: string;
const daemons = daemonFixture(() => ({ cwd: tmp.dir }));

function config(interval = '100ms') {
  return `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: ${interval}, timeout: 500ms, rise: 1, fall: 2, fast_interval: 100ms, spread: 50ms }
hostgroups:
  web:
    - { name: web1, address: 127.0.0.1, port: ${web1.port} }
    - { name: web2, address: 127.0.0.1, port: ${web2.port} }
  rare: ['127.0.0.1:${slow.port}']
services:
  web-http: { group: web, check: { type: http } }
  rare-http: { group: rare, interval: 1h, spread: 10ms, check: { type: http } }
`;
}

const start = () => daemons.start(configFile);
const { vigil, statusOf } = controlCommands(() => configFile);

/** Lets `checks` more requests reach `server` — time for any check in flight elsewhere to land. */
/**
 * An exec alert `pager` whose script appends `line` (shell words: $VIGIL_KIND, …) per delivery:
 * `yaml` declares it, `lines()` reads what it wrote.
 */
function recordingAlert(line: string) {
  const log = tmp.path('alerts.log');
  tmp.write('alert.sh', `#!/bin/sh\necho "${line}" >> ${log}\n`);
  chmodSync(tmp.path('alert.sh'), 0o755);
  return {
    yaml: `alerts:\n  pager: { type: exec, convention: plain, command: ${tmp.path('alert.sh')} }\n`,
    lines: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
  };
}

async function letChecksRun(server: Server, checks: number) {
  const from = server.requests.length;
  await waitFor(() => server.requests.length >= from + checks, `${checks} more checks of port ${server.port}`);
}

beforeEach(async () => {
  tmp = tempDir();
  [web1, web2, slow] = await Promise.all([startHttpServer(), startHttpServer(), startHttpServer()]);
  configFile = tmp.write('vigil.yaml', config());
});

afterEach(async () => {
  await daemons.stopAll();
  await Promise.all([web1.stop(), web2.stop(), slow.stop()]);
  tmp.cleanup();
});

describe('control commands on the live daemon', () => {
  it('ack stops the repeat alerts of that outage; the recovery is still announced, with the ack', async () => {
    // "<kind> <target> <acknowledged>" per delivery; repeats every 200ms.
    const { yaml, lines } = recordingAlert('$VIGIL_KIND $VIGIL_TARGET ack=$VIGIL_ACK');
    writeFileSync(
      configFile,
      config().replace('  web-http: { group: web, check: { type: http } }', '  web-http: { group: web, check: { type: http }, alerts: [{ alert: pager, every: 200ms }] }') + yaml,
    );
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await web1.stop();
    await waitFor(() => lines().filter((line) => line.startsWith('repeat web-http/web1')).length >= 2, 'two repeat alerts');
    const acked = await vigil('ack', 'web-http/web1', '--comment', 'disk replaced tonight');
    expect(acked.stderr).toBe('');
    const afterAck = lines().length;
    await letChecksRun(web2, 10); // about a second: five repeat intervals
    const more = lines().slice(afterAck);
    // At most one repeat already on its way when the ack came; none after.
    expect(more.filter((line) => line.startsWith('repeat')).length).toBeLessThanOrEqual(1);
    const settled = lines().length;
    await letChecksRun(web2, 6);
    expect(lines().length).toBe(settled);
    await web1.start();
    await waitFor(() => lines().find((line) => line.startsWith('up web-http/web1')), 'the up alert');
    expect(lines().find((line) => line.startsWith('up web-http/web1'))).toBe('up web-http/web1 ack=disk replaced tonight');
  });

  it('every: 0s alerts at each failed check and at nothing else: disable, enable, maintenance and ack send no repeat of their own', async () => {
    const { yaml, lines } = recordingAlert('$VIGIL_KIND $VIGIL_TARGET $VIGIL_COUNT'); // "<kind> <target> <count>" per delivery
    writeFileSync(
      configFile,
      config().replace('rare-http: { group: rare, interval: 1h, spread: 10ms, check: { type: http } }', 'rare-http: { group: rare, interval: 1h, spread: 10ms, fall: 1, check: { type: http }, alerts: [{ alert: pager, every: 0s }] }') + yaml,
    );
    slow.behaviour.status = 503; // rare-http is DOWN at its first check, then checked again in an hour
    const rare = `rare-http/127.0.0.1:${slow.port}`;
    const daemon = start();
    const down = await daemon.waitForLine(/rare-http\/\S+ UNKNOWN → DOWN/);
    const lastCheckAt = async () => (JSON.parse((await vigil('status', '--json')).stdout).targets as Array<{ id: string; lastCheckAt: number }>).find((t) => t.id === rare)!.lastCheckAt;
    expect((await vigil('disable', rare)).code).toBe(0);
    const checkedBefore = await lastCheckAt();
    expect((await vigil('enable', rare)).code).toBe(0); // checks it again soon: a failed check, a repeat
    await waitFor(async () => (await lastCheckAt()) > checkedBefore, 'the check that enable scheduled');
    expect((await vigil('maintenance', 'start', rare)).code).toBe(0);
    expect((await vigil('maintenance', 'stop', rare)).code).toBe(0);
    expect((await vigil('check-now', rare)).code).toBe(0); // a failed check: a repeat
    expect((await vigil('ack', rare, '-m', 'known')).code).toBe(0);
    expect((await vigil('check-now', rare)).code).toBe(0); // acknowledged: no repeat
    // Whatever was decided before the reload is logged before its end.
    expect((await vigil('reload')).code).toBe(0);
    const done = await daemon.waitForLine(/reload done/, { from: down.index });
    const decided = daemon.lines.slice(down.index, done.index).flatMap((line) => /rare-http\/\S+: (\w+) alert to pager/.exec(line)?.[1] ?? []);
    expect(decided).toEqual(['down', 'repeat', 'repeat']);
    await waitFor(() => lines().length >= 3, 'three alerts delivered');
    expect(lines()).toEqual([`down ${rare} 1`, `repeat ${rare} 2`, `repeat ${rare} 3`]);
  });

  it('disable: the host is not probed any more, also after a restart; enable: it is again', async () => {
    let daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    const disabled = await vigil('disable', 'web-http/web1', '--reason', 'swapping a disk');
    expect(disabled.stderr).toBe('');
    expect(disabled.stdout).toBe('disabled: web-http/web1\n');
    await letChecksRun(web2, 3); // a check of web1 in flight when the command came has landed
    const probesWhenDisabled = web1.requests.length;
    await letChecksRun(web2, 10);
    expect(web1.requests.length).toBe(probesWhenDisabled);
    expect((await statusOf('web-http/web1')).target.flags.disabled).toMatchObject({ reason: 'swapping a disk' });
    expect((await vigil('disable', 'web-http/web1')).stdout).toBe('already disabled: web-http/web1\n');

    await daemon.stop();
    daemon = start();
    await daemon.waitForLine(/running/);
    await letChecksRun(web2, 10);
    expect(web1.requests.length).toBe(probesWhenDisabled);
    expect((await statusOf('web-http/web1')).target.flags.disabled).toMatchObject({ reason: 'swapping a disk' });

    expect((await vigil('enable', '--host', 'web1')).stdout).toBe('enabled: web-http/web1\n');
    await letChecksRun(web1, 3);
    expect((await statusOf('web-http/web1')).target.flags).toEqual({});
  });

  it('ack: recorded on the outage, shown by status, kept across a restart, ended by the recovery', async () => {
    let daemon = start();
    await daemon.waitForLine(/web-http\/web2 UNKNOWN → UP/);
    await web2.stop();
    await daemon.waitForLine(/web-http\/web2 UP → DOWN/);
    const ack = await vigil('ack', 'web-http/web2', '-m', 'disk swap, back at 14:00', '--by', 'alice');
    expect(ack.stderr).toBe('');
    expect(ack.stdout).toMatch(/^acknowledged web-http\/web2 \(outage #1\)\n$/);
    expect((await statusOf('web-http/web2')).target.flags.acknowledged).toMatchObject({ by: 'alice', comment: 'disk swap, back at 14:00', outageId: 1 });
    const ackOf = async () => (JSON.parse((await vigil('history', '--json', '--open')).stdout) as Array<{ ack: unknown }>)[0]?.ack;
    await waitFor(ackOf, 'the acknowledgement to be written on the outage');
    expect(await ackOf()).toMatchObject({ by: 'alice', comment: 'disk swap, back at 14:00' });

    // Nothing to acknowledge on a target that is up.
    const notDown = await vigil('ack', 'web-http/web1', '-m', 'x');
    expect(notDown.code).toBe(1);
    expect(notDown.stderr).toMatch(/vigil ack: nothing to acknowledge: web-http\/web1 is not DOWN/);

    await daemon.stop();
    daemon = start();
    await daemon.waitForLine(/resumed 1 target\(s\) DOWN/);
    expect((await statusOf('web-http/web2')).target).toMatchObject({ state: 'down', flags: { acknowledged: { by: 'alice' } } });

    await web2.start();
    await daemon.waitForLine(/web-http\/web2 DOWN → UP/);
    await waitFor(async () => Object.keys((await statusOf('web-http/web2')).target.flags).length === 0, 'the acknowledgement to end with the outage');
    const [closed] = JSON.parse((await vigil('history', '--json', '--host', 'web2')).stdout);
    expect(closed).toMatchObject({ id: 1, open: false, ack: { by: 'alice', comment: 'disk swap, back at 14:00' } });
  });

  it('ack by outage number', async () => {
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await web1.stop();
    await daemon.waitForLine(/web-http\/web1 UP → DOWN/);
    const [open] = JSON.parse((await vigil('history', '--json', '--open')).stdout);
    expect((await vigil('ack', '--outage', String(open.id), '-m', 'vendor ticket 5521', '--by', 'alice')).stdout).toBe(`acknowledged web-http/web1 (outage #${open.id})\n`);
    // A second acknowledgement takes the first one's place, and says whose.
    expect((await vigil('ack', 'web-http/web1', '-m', 'vendor on site', '--by', 'bob')).stdout).toBe(
      `acknowledged web-http/web1 (outage #${open.id}), replacing the acknowledgement by alice: "vendor ticket 5521"\n`,
    );
    const unknown = await vigil('ack', '--outage', '999', '-m', 'x');
    expect(unknown.stderr).toMatch(/outage #999 is not open: only a current outage can be acknowledged/);
  });

  it('maintenance: recorded as a period, ended by itself after --for, or by stop', async () => {
    const daemon = start();
    await daemon.waitForLine(/web-http\/web2 UNKNOWN → UP/);
    // Long enough for the status below to find it in maintenance on a busy machine.
    const started = await vigil('maintenance', 'start', 'web-http', '--for', '3s', '--reason', 'kernel upgrade');
    expect(started.stdout).toBe('in maintenance: web-http/web1, web-http/web2\n');
    expect((await statusOf('web-http/web1')).target.flags.maintenance).toMatchObject({ reason: 'kernel upgrade' });
    await daemon.waitForLine(/maintenance ended as planned \(kernel upgrade\): web-http\/web1, web-http\/web2/);
    expect((await statusOf('web-http/web1')).target.flags).toEqual({});

    expect((await vigil('maintenance', 'start', '--host', 'web2')).stdout).toBe('in maintenance: web-http/web2\n');
    expect((await vigil('maintenance', 'stop', '--host', 'web2')).stdout).toBe('maintenance ended: web-http/web2\n');
    expect((await vigil('maintenance', 'stop', '--host', 'web2')).stdout).toBe('not in maintenance: web-http/web2\n');
    await daemon.stop();

    const db = new Database(tmp.path('history.db'), { readonly: true });
    const periods = db
      .prepare('SELECT t.key, m.started_at AS startedAt, m.ended_at AS endedAt, m.planned_until AS plannedUntil, m.reason FROM maintenance_periods m JOIN targets t ON t.id = m.target_id ORDER BY m.id')
      .all() as Array<{ key: string; startedAt: number; endedAt: number; plannedUntil: number | null; reason: string | null }>;
    db.close();
    expect(periods.map((p) => [p.key, p.reason, p.plannedUntil === null])).toEqual([
      ['web-http/web1', 'kernel upgrade', false],
      ['web-http/web2', 'kernel upgrade', false],
      ['web-http/web2', null, true],
    ]);
    for (const period of periods.slice(0, 2)) expect(period.endedAt).toBe(period.plannedUntil); // ended when planned
    expect(periods[2]!.endedAt).toBeGreaterThanOrEqual(periods[2]!.startedAt);
  });

  it('maintenance start again: with nothing new it changes nothing; a new --for or --reason changes only that, and says so', async () => {
    const daemon = start();
    await daemon.waitForLine(/web-http\/web2 UNKNOWN → UP/);
    const maintenance = async () => (await statusOf('web-http/web2')).target.flags.maintenance as { until: number; reason: string };
    expect((await vigil('maintenance', 'start', 'web-http/web2', '--for', '1h', '--reason', 'kernel upgrade')).stdout).toBe('in maintenance: web-http/web2\n');
    const first = await maintenance();
    const repeat = await vigil('maintenance', 'start', '--host', 'web2');
    expect(repeat.stdout).toMatch(/^already in maintenance: web-http\/web2 until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(kernel upgrade\)\n$/);
    expect(await maintenance()).toEqual(first);

    const longer = await vigil('maintenance', 'start', 'web-http/web2', '--for', '2h');
    expect(longer.stdout).toMatch(/^maintenance of web-http\/web2 now until \S+ \S+ \(kernel upgrade\)\n$/);
    const extended = await maintenance();
    expect(extended.reason).toBe('kernel upgrade');
    expect(extended.until).toBeGreaterThan(first.until);
    const reworded = await vigil('maintenance', 'start', 'web-http/web2', '--reason', 'and firmware');
    expect(reworded.stdout).toMatch(/^maintenance of web-http\/web2 now until \S+ \S+ \(and firmware\)\n$/);
    expect(await maintenance()).toMatchObject({ until: extended.until, reason: 'and firmware' });
    await daemon.stop();

    const db = new Database(tmp.path('history.db'), { readonly: true });
    const periods = db.prepare('SELECT planned_until AS plannedUntil, reason, ended_at AS endedAt FROM maintenance_periods').all();
    db.close();
    expect(periods).toEqual([{ plannedUntil: extended.until, reason: 'and firmware', endedAt: null }]);
  });

  it('check-now: the check runs at once and its result is printed', async () => {
    const daemon = start();
    await daemon.waitForLine(/rare-http\/127\.0\.0\.1:\d+ UNKNOWN → UP/);
    const before = slow.requests.length; // the next scheduled check is an hour away
    const result = await vigil('check-now', 'rare-http');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^TARGET\\s+RESULT\\s+STATE\\s+LATENCY\\s+MESSAGE\\nrare-http/127\\.0\\.0\\.1:${slow.port}\\s+up\\s+UP\\s+\\S+ms\\s+HTTP 200 from http://127\\.0\\.0\\.1:${slow.port}/\\n$`));
    expect(slow.requests.length).toBe(before + 1);
    // The same target named twice is checked once.
    const twice = await vigil('check-now', 'rare-http', 'rare-http');
    expect(twice.stdout.trim().split('\n')).toHaveLength(2);
    expect(slow.requests.length).toBe(before + 2);
    const unknown = await vigil('check-now', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no target matches service nope \(services: rare-http, web-http\)/);
  });

  it('--json answers: the shapes docs/cli.md gives; a refusal prints no JSON', async () => {
    const json = async (...args: string[]) => {
      const result = await vigil(...args, '--json');
      expect(result.stderr).toBe('');
      return { code: result.code, answer: JSON.parse(result.stdout) };
    };
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await web2.stop();
    await daemon.waitForLine(/web-http\/web2 \S+ → DOWN/);
    const [web1Id, web2Id] = ['web-http/web1', 'web-http/web2'];

    expect(await json('disable', web1Id, '--reason', 'disk')).toEqual({ code: 0, answer: { matched: [web1Id], changed: [web1Id] } });
    expect(await json('disable', web1Id)).toEqual({ code: 0, answer: { matched: [web1Id], changed: [] } });
    expect(await json('enable', 'web-http')).toEqual({ code: 0, answer: { matched: [web1Id, web2Id], changed: [web1Id] } });

    const acked = await json('ack', 'web-http', '-m', 'disk', '--by', 'alice');
    expect(acked).toEqual({ code: 0, answer: { acknowledged: [{ target: web2Id, outageId: expect.any(Number) }], notDown: [web1Id] } });
    const again = await json('ack', web2Id, '-m', 'again');
    expect(again.answer.acknowledged[0].replaced).toEqual({ at: expect.any(Number), by: 'alice', comment: 'disk' });
    const nothing = await vigil('ack', web1Id, '-m', 'x', '--json');
    expect([nothing.code, nothing.stdout, nothing.stderr]).toEqual([1, '', `vigil ack: nothing to acknowledge: ${web1Id} is not DOWN\n`]);

    const started = await json('maintenance', 'start', web2Id, '--for', '2h', '--reason', 'kernel');
    expect(started).toEqual({ code: 0, answer: { matched: [web2Id], changed: [web2Id], updated: [], maintenance: { [web2Id]: { until: expect.any(Number), reason: 'kernel' } } } });
    expect(await json('maintenance', 'start', 'web-http')).toEqual({
      code: 0,
      answer: { matched: [web1Id, web2Id], changed: [web1Id], updated: [], maintenance: { [web1Id]: {}, [web2Id]: started.answer.maintenance[web2Id] } },
    });
    const reworded = await json('maintenance', 'start', web2Id, '--reason', 'firmware');
    expect(reworded.answer).toMatchObject({ changed: [web2Id], updated: [web2Id], maintenance: { [web2Id]: { reason: 'firmware' } } });
    expect(await json('maintenance', 'stop', 'web-http')).toEqual({ code: 0, answer: { matched: [web1Id, web2Id], changed: [web1Id, web2Id] } });

    const checked = await json('check-now', 'web-http');
    expect(checked.code).toBe(0);
    expect(checked.answer.scheduled.sort()).toEqual([web1Id, web2Id]);
    expect(checked.answer.pending).toEqual([]);
    expect(checked.answer.results.sort((a: { target: string }, b: { target: string }) => a.target.localeCompare(b.target))).toEqual([
      { target: web1Id, status: 'up', message: `HTTP 200 from http://127.0.0.1:${web1.port}/`, latencyMs: expect.any(Number), state: 'up' },
      { target: web2Id, status: 'down', message: expect.stringMatching(/^connection refused/), latencyMs: expect.any(Number), state: 'down' },
    ]);
    expect((await json('check-now', web1Id, '--no-wait')).answer).toEqual({ scheduled: [web1Id], results: [], pending: [] });
    await vigil('disable', web1Id);
    expect(await json('check-now', web1Id)).toEqual({ code: 1, answer: { scheduled: [], results: [], pending: [] } }); // nothing checked: exit 1 as without --json

    writeFileSync(configFile, config('300ms'));
    expect(await json('reload')).toEqual({
      code: 0,
      answer: { ok: true, changes: ['~ service web-http: interval 100ms → 300ms; down_interval 100ms → 300ms', '1 target(s) unchanged'], errors: [], restartNeeded: [], warnings: [] },
    });
    const unknown = await vigil('disable', 'nosuch', '--json');
    expect([unknown.code, unknown.stdout]).toEqual([1, '']);
    expect(unknown.stderr).toMatch(/^vigil disable: no target matches service nosuch/);
  });

  it('reload: a changed config is applied and the changes listed; a broken one is refused with its errors', async () => {
    const daemon = start();
    await daemon.waitForLine(/running/);
    writeFileSync(configFile, config('300ms'));
    const reloaded = await vigil('reload');
    expect(reloaded.stderr).toBe('');
    expect(reloaded.stdout).toBe('reloaded:\n  ~ service web-http: interval 100ms → 300ms; down_interval 100ms → 300ms\n  1 target(s) unchanged\n');
    writeFileSync(configFile, `${config('300ms')}  broken: { group: nowhere, check: { type: http } }\n`);
    const refused = await vigil('reload');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/reload rejected, the running configuration stays:\n {2}.*vigil\.yaml:\d+:\d+: services\.broken\.group: .*nowhere/);
    await daemon.waitForLine(/reload rejected: keeping the running configuration/);
  });

  it('--host is a name, an address or address:port: on the live daemon, and in the reports of what it recorded', async () => {
    const daemon = start();
    await daemon.waitForLine(/web-http\/web2 UNKNOWN → UP/);
    await web2.stop();
    await daemon.waitForLine(/web-http\/web2 UP → DOWN/);
    const live = async (host: string) => (JSON.parse((await vigil('status', '--json', '--host', host)).stdout).targets as Array<{ id: string }>).map((t) => t.id);
    expect(await live('web2')).toEqual(['web-http/web2']);
    expect(await live(`127.0.0.1:${web2.port}`)).toEqual(['web-http/web2']);
    expect(await live('127.0.0.1')).toEqual([`rare-http/127.0.0.1:${slow.port}`, 'web-http/web1', 'web-http/web2']);
    const outages = async (host: string) => (JSON.parse((await vigil('history', '--json', '--host', host)).stdout) as Array<{ service: string; host: string }>).map((o) => `${o.service}/${o.host}`);
    await waitFor(async () => (await outages('web2')).length, 'the outage to be written');
    expect(await outages(`127.0.0.1:${web2.port}`)).toEqual(['web-http/web2']);
    expect(await outages('127.0.0.1')).toEqual(['web-http/web2']);
    expect((await vigil('availability', '--host', `127.0.0.1:${web2.port}`)).stdout).toMatch(/\nweb-http\/web2 .*\n$/);
  });

  it('a service with disabled: true in the config shows as disabled, and enable says where to undo it', async () => {
    writeFileSync(configFile, `${config()}  off-http: { group: rare, disabled: true, check: { type: http } }\n`);
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    const off = await statusOf('off-http/127.0.0.1:' + slow.port);
    expect(off.target.flags.disabled).toMatchObject({ reason: 'disabled: true in the config' });
    expect((await vigil('status')).stdout).toMatch(/off-http\/\S+\s+UNKNOWN.*disabled \(disabled: true in the config\)/);
    const enable = await vigil('enable', 'off-http');
    expect(enable.code).not.toBe(0);
    expect(enable.stderr).toMatch(/off-http: disabled: true in the config; remove that and reload to check it again/);
  });

  it('a config with a YAML syntax error (half-way through an edit): the commands still reach the daemon, and reload shows its refusal', async () => {
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    writeFileSync(configFile, `${config()}  web-http: { group: rare, check: { type: tcp } }\n`); // a key defined twice
    const line = config().split('\n').length;
    const warning = `vigil: warning: ${configFile}:${line}:3: YAML syntax error: "web-http" is given twice in the same mapping (Map keys must be unique); history.path and control.socket read around it\n`;

    const status = await vigil('status');
    expect([status.code, status.stderr]).toEqual([0, warning]);
    expect(status.stdout).toMatch(/web-http\/web1\s+UP/);
    const history = await vigil('history');
    expect([history.code, history.stderr, history.stdout]).toEqual([0, warning, 'no outages match\n']);

    const refused = await vigil('reload');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `${warning}reload rejected, the running configuration stays:\n  ${configFile}:${line}:3: YAML syntax error: "web-http" is given twice in the same mapping (Map keys must be unique)\n`,
    );
    const json = await vigil('reload', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, errors: [expect.stringMatching(/YAML syntax error: "web-http" is given twice in the same mapping \(Map keys must be unique\)/)] });
    await daemon.waitForLine(/reload rejected: keeping the running configuration/);
  });

  it('track --service: OK while enough targets are UP, FAIL below, for an unknown service, and without a daemon', async () => {
    const daemon = start();
    await daemon.waitForLine(/web-http\/web1 UNKNOWN → UP/);
    await daemon.waitForLine(/web-http\/web2 UNKNOWN → UP/);
    const track = async (...args: string[]) => {
      const result = await vigil('track', ...args);
      return [result.code, result.stdout];
    };
    expect(await track('--service', 'web-http')).toEqual([0, 'OK   web-http: 2/2 targets up\n']);
    await web2.stop();
    await daemon.waitForLine(/web-http\/web2 UP → DOWN/);
    expect(await track('--service', 'web-http')).toEqual([0, 'OK   web-http: 1/2 targets up\n']);
    expect(await track('--service', 'web-http', '--min-up', '2')).toEqual([1, 'FAIL web-http: 1/2 targets up, need 2\n']);
    expect(await track('--service', 'web-http', 'nosuch')).toEqual([1, 'OK   web-http: 1/2 targets up\nFAIL nosuch: no target matches service nosuch (services: rare-http, web-http)\n']);
    await daemon.stop();
    const [code, stdout] = await track('--service', 'web-http');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL the vigil daemon is not running/);
  });
});
