// The alert policy, rule by rule, on the real supervisor and engine with scripted check results:
// mon's alertafter / alertevery / numalerts / upalert / startupalert / period, dependencies,
// maintenance, flapping, acknowledgements, and what a restart must not repeat.
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { readTransitions } from './helpers/history-db.js';
import { script, shared, startScripted, type ScriptedRun } from './helpers/scripted-supervisor.js';
import { waitFor } from './helpers/wait-for.js';

let run: ScriptedRun | undefined;
afterEach(async () => {
  await run?.cleanup();
  run = undefined;
});

const TIMING = 'defaults: { interval: 40ms, fast_interval: 20ms, spread: 10ms, rise: 1, fall: 1, timeout: 500ms }';

const oneHost = (service: string, alerts: string) => `${TIMING}
hostgroups: { pool: [a] }
services:
  web:
    group: pool
    check: { type: scripted }
${service}
alerts:
${alerts}
`;

/** Waits until `host` has answered `count` more checks. */
async function checksPass(host: string, count: number): Promise<void> {
  const start = shared.hosts[host]!.runs;
  await waitFor(() => shared.hosts[host]!.runs >= start + count, `${count} more checks of ${host}`);
}

const stateOf = (id: string) => run!.supervisor.states().find((s) => s.target.id === id)?.machine.state;
const decided = (alert: string, kind: string) => run!.logLines.filter((line) => line.includes(`: ${kind} alert to ${alert}`)).length;

/** The failure streak the alert engine last saved for a target (0 when it saved none). */
function savedStreak(dir: string, target: string): number {
  const db = new Database(`${dir}/history.db`, { readonly: true });
  try {
    const row = db.prepare('SELECT memory FROM alert_memory WHERE target = ?').get(target) as { memory: string } | undefined;
    return row ? ((JSON.parse(row.memory) as { facts?: { consecutiveFailures?: number } }).facts?.consecutiveFailures ?? 0) : 0;
  } finally {
    db.close();
  }
}

/** Stops the daemon, puts host `a` at another address (another machine, same name), and starts it again. */
async function moveWhileStopped(): Promise<void> {
  await run!.stop();
  writeFileSync(run!.file, readFileSync(run!.file, 'utf8').replace('hostgroups: { pool: [a] }', 'hostgroups: { pool: [{ name: a, address: a.new }] }'));
  await run!.restart();
  expect(run!.logLines.join('\n')).toMatch(/web\/a moved to a\.new while the daemon was stopped/);
}

async function upFirst(...hosts: string[]): Promise<void> {
  for (const host of hosts) await waitFor(() => stateOf(`${run!.supervisor.select({ host })[0]}`) === 'up', `${host} UP`);
}

describe('alert policy', () => {
  it('the simple form alerts: [name] sends a down alert on DOWN and an up alert on recovery', async () => {
    run = await startScripted(oneHost('    alerts: [rec]\n    description: public web', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    script('a', 'up');
    await waitFor(() => run!.kinds('rec').length === 2, 'up alert');
    expect(run.kinds('rec')).toEqual(['down', 'up']);
    const [down, up] = run.events('rec');
    expect(down).toMatchObject({ from: 'up', to: 'down', target: { id: 'web/a', service: 'web', group: 'pool' }, groupHosts: ['a'], description: 'public web', count: 1 });
    expect(down!.result.message).toBe('failure #1 (total 1)');
    expect(down!.outage).toMatchObject({ id: expect.any(Number), cause: 'failure #1 (total 1)' });
    expect(up).toMatchObject({ from: 'down', to: 'up' });
    expect(up!.outage!.endedAt).toBeInstanceOf(Date);
    expect(up!.lastFailure?.message).toMatch(/^failure #\d+/); // mon gives the last failing output to up alerts
  });

  it('after: N (mon alertafter N) alerts on the Nth consecutive failure', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, after: 3 }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    expect(run.events('rec')[0]!.result.message).toBe('failure #3 (total 3)');
    expect(readTransitions(`${run.dir}/history.db`).length).toBeGreaterThan(0); // DOWN (and its outage) came at failure #1
  });

  it('after: {failures: N, within: T} (mon alertafter N T) counts failures that are not consecutive', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, after: { failures: 3, within: 10s } }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down', 'up', 'down', 'up', 'down');
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    expect(run.kinds('rec')).toEqual(['down']); // the first two short outages were not alerted, so no up alerts either
    expect(run.events('rec')[0]!.result.message).toBe('failure #1 (total 3)');
  });

  it('after: T (mon alertafter T) alerts once the target has been failing that long', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, after: 300ms }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    const event = run.events('rec')[0]!;
    expect(event.at.getTime() - event.firstFailureAt!.getTime()).toBeGreaterThanOrEqual(300);
    expect(shared.hosts.a!.consecutive).toBeGreaterThan(2);
  });

  it('every + numalerts (mon alertevery, numalerts) repeat while DOWN, capped per outage', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, every: 100ms, numalerts: 3 }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').length === 3, 'three alerts');
    await checksPass('a', 12); // well past another 100ms
    expect(run.kinds('rec')).toEqual(['down', 'repeat', 'repeat']);
    const [first, second, third] = run.events('rec');
    expect(second!.at.getTime() - first!.at.getTime()).toBeGreaterThanOrEqual(100);
    expect(third!.at.getTime() - second!.at.getTime()).toBeGreaterThanOrEqual(100);
    expect(run.events('rec').map((event) => event.count)).toEqual([1, 2, 3]);
    expect(new Set(run.events('rec').map((event) => event.outage!.id)).size).toBe(1);
  });

  it('repeat_on_change (mon alertevery without strict): a changed failure message is alerted at once, an unchanged one waits', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, every: 1h, repeat_on_change: true }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    shared.hosts.a!.failureMessage = 'a b';
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    await checksPass('a', 5);
    expect(run.kinds('rec')).toEqual(['down']); // the same summary: every 1h holds
    shared.hosts.a!.failureMessage = 'a b c';
    await waitFor(() => run!.kinds('rec').length === 2, 'a repeat for the new summary');
    await checksPass('a', 5);
    expect(run.kinds('rec')).toEqual(['down', 'repeat']);
    expect(run.events('rec').map((event) => event.result.message)).toEqual(['a b', 'a b c']);
  });

  it('repeat_on_change: detail (mon observe_detail): a changed detail under the same message is alerted at once', async () => {
    const routes = '    alerts: [{ alert: detail, every: 1h, repeat_on_change: detail }, { alert: summary, every: 1h, repeat_on_change: true }]';
    run = await startScripted(oneHost(routes, '  detail: { type: record }\n  summary: { type: record }'), ['a']);
    await upFirst('a');
    Object.assign(shared.hosts.a!, { failureMessage: 'disk full', failureDetail: '/dev/sda1 100%' });
    script('a', 'down');
    await waitFor(() => run!.kinds('detail').length === 1 && run!.kinds('summary').length === 1, 'down alerts');
    await checksPass('a', 5);
    expect(run.kinds('detail')).toEqual(['down']); // nothing changed: every 1h holds
    shared.hosts.a!.failureDetail = '/dev/sda1 100%\n/dev/sdb1 100%';
    await waitFor(() => run!.kinds('detail').length === 2, 'a repeat for the new detail');
    await checksPass('a', 5);
    expect(run.kinds('detail')).toEqual(['down', 'repeat']);
    expect(run.events('detail').map((event) => event.result.detail)).toEqual(['/dev/sda1 100%', '/dev/sda1 100%\n/dev/sdb1 100%']);
    expect(run.kinds('summary')).toEqual(['down']); // the same message: no repeat where only the summary counts
  });

  it('an acknowledged outage gets no more repeat alerts; its recovery is still announced', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, every: 60ms }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').filter((kind) => kind === 'repeat').length >= 2, 'repeats');
    expect(run.supervisor.acknowledge('web/a', { by: 'alice', comment: 'disk replaced at 10:00' })).toBe(true);
    const repeats = decided('rec', 'repeat');
    await checksPass('a', 10);
    expect(decided('rec', 'repeat')).toBe(repeats);
    script('a', 'up');
    await waitFor(() => run!.kinds('rec').at(-1) === 'up', 'up alert');
    expect(run.events('rec').at(-1)!.acknowledged).toEqual({ by: 'alice', comment: 'disk replaced at 10:00' }); // mon's MON_ACK
    expect(run.supervisor.flagsOf('web/a')?.acknowledged).toBeUndefined(); // it covered one outage
  });

  it('up alerts go out only for outages whose down alert went out (mon); up: false sends none', async () => {
    run = await startScripted(
      oneHost('    alerts: [{ alert: late, after: 1000 }, { alert: quiet, up: false }, rec]', '  rec: { type: record }\n  late: { type: record }\n  quiet: { type: record }'),
      ['a'],
    );
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    await checksPass('a', 3);
    script('a', 'up');
    await waitFor(() => run!.kinds('rec').length === 2, 'up alert');
    await checksPass('a', 3);
    expect(run.kinds('rec')).toEqual(['down', 'up']);
    expect(run.kinds('late')).toEqual([]);
    expect(run.kinds('quiet')).toEqual(['down']);
  });

  it('startup: true sends one startup alert per target when the daemon starts, with the resumed state', async () => {
    const config = `${TIMING}
hostgroups: { pool: [a, b] }
services: { web: { group: pool, check: { type: scripted }, alerts: [rec] } }
alerts: { rec: { type: record, startup: true } }
`;
    run = await startScripted(config, ['a', 'b']);
    await waitFor(() => run!.kinds('rec').length === 2, 'startup alerts');
    expect(run.events('rec').map((e) => [e.kind, e.target.id, e.to]).sort()).toEqual([
      ['startup', 'web/a', 'unknown'],
      ['startup', 'web/b', 'unknown'],
    ]);
    await upFirst('a', 'b');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec', 'web/a').length === 2, 'down alert');
    await run.restart();
    await waitFor(() => run!.kinds('rec').length === 5, 'startup alerts after the restart');
    const startups = run.events('rec').slice(3);
    expect(startups.map((e) => [e.kind, e.target.id, e.to]).sort()).toEqual([
      ['startup', 'web/a', 'down'],
      ['startup', 'web/b', 'up'],
    ]);
  });
});

describe('alert policy: periods', () => {
  const pad = (value: number) => String(value).padStart(2, '0');
  const clock = (ms: number) => `${pad(new Date(ms).getHours())}:${pad(new Date(ms).getMinutes())}`;
  const HOUR = 3_600_000;

  it('an alert outside its period does not fire (mon period); inside it does', async () => {
    const now = Date.now();
    const today = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(now).getDay()];
    const config = oneHost(
      '    alerts: [open, closed, { alert: inline, period: { hours: "' + `${clock(now + 2 * HOUR)}-${clock(now + 3 * HOUR)}` + '" } }]',
      '  open: { type: record, period: now }\n  closed: { type: record, period: later }\n  inline: { type: record }',
    ).concat(`periods:
  now: { days: ${today}, hours: "${clock(now - HOUR)}-${clock(now + HOUR)}" }
  later: "wd {Sun-Sat} hr {${clock(now + 2 * HOUR)}-${clock(now + 3 * HOUR)}}"
`);
    run = await startScripted(config, ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('open').length === 1, 'down alert inside the period');
    await checksPass('a', 3);
    script('a', 'up');
    await waitFor(() => run!.kinds('open').length === 2, 'up alert inside the period');
    await checksPass('a', 3);
    expect(run.kinds('open')).toEqual(['down', 'up']);
    expect(run.kinds('closed')).toEqual([]);
    expect(run.kinds('inline')).toEqual([]);
  });
});

describe('alert policy: dependencies', () => {
  it('a service whose parent is DOWN does not alert; once the parent is back, it does', async () => {
    const config = `${TIMING}
hostgroups: { core: [g], pool: [w] }
services:
  gw: { group: core, check: { type: scripted }, alerts: [rec] }
  web: { group: pool, check: { type: scripted }, alerts: [rec], depends_on: [gw] }
alerts: { rec: { type: record } }
`;
    run = await startScripted(config, ['g', 'w']);
    await upFirst('g', 'w');
    script('g', 'down');
    await waitFor(() => run!.kinds('rec', 'gw/g').length === 1, 'gateway down alert');
    script('w', 'down');
    await waitFor(() => stateOf('web/w') === 'down', 'web DOWN');
    await checksPass('w', 5);
    expect(run.kinds('rec', 'web/w')).toEqual([]);
    script('g', 'up');
    await waitFor(() => run!.kinds('rec', 'gw/g').length === 2, 'gateway up alert');
    await waitFor(() => run!.kinds('rec', 'web/w').length === 1, 'web down alert once the gateway is back');
    expect(run.kinds('rec', 'web/w')).toEqual(['down']);
  });

  // mon's race: the gateway is checked once an hour, the servers behind it every 40 ms. Both fail
  // at once; without asking the gateway first, the server's alert would go out an hour early.
  const slowParent = `${TIMING}
hostgroups: { core: [g], pool: [w] }
services:
  gw: { group: core, check: { type: scripted }, interval: 1h, alerts: [rec] }
  web: { group: pool, check: { type: scripted }, alerts: [rec], depends_on: [gw] }
alerts: { rec: { type: record } }
`;

  it('a child failing before its parent was checked again waits for the parent, checked at once: a failed parent holds the child\'s alert', async () => {
    run = await startScripted(slowParent, ['g', 'w']);
    await upFirst('g', 'w');
    const gatewayChecks = shared.hosts['g']!.runs;
    script('g', 'down');
    script('w', 'down');
    await waitFor(() => run!.kinds('rec', 'gw/g').length === 1, 'gateway down alert, long before its hourly check');
    expect(shared.hosts['g']!.runs).toBe(gatewayChecks + 1);
    await waitFor(() => stateOf('web/w') === 'down', 'web DOWN');
    await checksPass('w', 5);
    expect(run.kinds('rec', 'web/w')).toEqual([]);
  });

  it('a child failing alone waits only for its parent\'s answer: the parent is UP, the child\'s alert goes out', async () => {
    run = await startScripted(slowParent, ['g', 'w']);
    await upFirst('g', 'w');
    const gatewayChecks = shared.hosts['g']!.runs;
    script('w', 'down');
    await waitFor(() => run!.kinds('rec', 'web/w').length === 1, 'web down alert');
    expect(shared.hosts['g']!.runs).toBe(gatewayChecks + 1); // asked once, not at every failure of web
    await checksPass('w', 5);
    expect(shared.hosts['g']!.runs).toBe(gatewayChecks + 1);
    expect(run.kinds('rec', 'gw/g')).toEqual([]);
    expect(run.kinds('rec', 'web/w')).toEqual(['down']);
  });
});

describe('alert policy: targets that leave the configuration', () => {
  it('a target removed after its down alert and added back later owes no up alert: its removal closed that outage', async () => {
    const both = oneHost('    alerts: [rec]', '  rec: { type: record }').replace('pool: [a]', 'pool: [a, b]');
    run = await startScripted(both, ['a', 'b']);
    await upFirst('a', 'b');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec', 'web/a').length === 1, 'down alert');
    await run.reload(both.replace('pool: [a, b]', 'pool: [b]'));
    script('a', 'up');
    await run.reload(both);
    await waitFor(() => stateOf('web/a') === 'up', 'a UP after it is added back');
    await checksPass('a', 5);
    expect(run.kinds('rec', 'web/a')).toEqual(['down']);
  });
});

describe('alert policy: maintenance', () => {
  it('manual maintenance: checks and history go on, no alert fires; at the end what is still true goes out', async () => {
    run = await startScripted(
      oneHost('    alerts: [rec, pool]', '  rec: { type: record }\n  pool: { type: record-state, in_maintenance: deliver }'),
      ['a'],
    );
    await upFirst('a');
    expect(run.supervisor.setMaintenance(['web/a'], { reason: 'disk swap' })).toEqual(['web/a']);
    script('a', 'down');
    await waitFor(() => stateOf('web/a') === 'down', 'DOWN during maintenance');
    await checksPass('a', 5);
    expect(run.kinds('rec')).toEqual([]);
    expect(run.kinds('pool')).toEqual(['up', 'down']); // in_maintenance: deliver
    run.history.flush();
    expect(readTransitions(`${run.dir}/history.db`).map((t) => t.to_state)).toContain('down');
    run.supervisor.setMaintenance(['web/a'], undefined);
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert after maintenance');
    expect(run.events('rec')[0]).toMatchObject({ kind: 'down', to: 'down' });

    // Down and back up inside maintenance: nothing is owed afterwards.
    script('a', 'up');
    await waitFor(() => run!.kinds('rec').length === 2, 'up alert');
    run.supervisor.setMaintenance(['web/a'], { reason: 'again' });
    script('a', 'down');
    await waitFor(() => stateOf('web/a') === 'down', 'DOWN');
    script('a', 'up');
    await waitFor(() => stateOf('web/a') === 'up', 'UP');
    run.supervisor.setMaintenance(['web/a'], undefined);
    await checksPass('a', 5);
    expect(run.kinds('rec')).toEqual(['down', 'up']);
  });

  it('maintenance with an end time ends by itself', async () => {
    run = await startScripted(oneHost('    alerts: [rec]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    run.supervisor.setMaintenance(['web/a'], { until: Date.now() + 1_500, reason: 'reboot' });
    script('a', 'down');
    await waitFor(() => stateOf('web/a') === 'down', 'DOWN');
    expect(run.kinds('rec')).toEqual([]);
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert once the maintenance ran out');
    expect(run.supervisor.flagsOf('web/a')?.maintenance).toBeUndefined();
  });

  it('a cron maintenance window puts its targets in maintenance for its duration', async () => {
    const start = new Date(Math.ceil((Date.now() + 1_200) / 1000) * 1000);
    const cron = `${start.getSeconds()} ${start.getMinutes()} ${start.getHours()} * * *`;
    const config = oneHost('    alerts: [rec]', '  rec: { type: record }').concat(`maintenance:
  patching: { cron: "${cron}", duration: 2s, services: [web], reason: kernel update }
`);
    run = await startScripted(config, ['a']);
    await upFirst('a');
    await waitFor(() => run!.supervisor.flagsOf('web/a')?.maintenance, 'the window to open');
    expect(run.supervisor.flagsOf('web/a')!.maintenance).toMatchObject({ reason: 'maintenance window patching: kernel update', until: start.getTime() + 2_000 });
    script('a', 'down');
    await waitFor(() => stateOf('web/a') === 'down', 'DOWN inside the window');
    expect(run.kinds('rec')).toEqual([]);
    await waitFor(() => !run!.supervisor.flagsOf('web/a')?.maintenance, 'the window to close');
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert after the window');
    expect(run.kinds('rec')).toEqual(['down']);
  });
});

describe('alert policy: flapping', () => {
  it('state changes within a window: one flapping alert instead of a storm, then the settled state', async () => {
    const service = '    alerts: [rec, pool]\n    flapping: { changes: 3, within: 1s }';
    run = await startScripted(oneHost(service, '  rec: { type: record }\n  pool: { type: record-state }'), ['a']);
    const flags: boolean[] = [];
    run.supervisor.on('flags', ({ targetId, flags: f }) => targetId === 'web/a' && flags.push(!!f.flapping));
    await upFirst('a');
    script('a', 'down', 'up', 'down', 'up', 'down', 'up', 'down', 'up', 'down', 'up');
    await waitFor(() => run!.kinds('rec').includes('flapping'), 'flapping alert');
    await waitFor(() => run!.kinds('rec').length === 4, 'the settled state after flapping');
    expect(run.kinds('rec')).toEqual(['down', 'up', 'flapping', 'up']);
    expect(run.kinds('pool')).toEqual(['up', 'down', 'up', 'flapping', 'up']); // out of the pool while flapping, back after
    expect(flags).toEqual([true, false]);
    expect(run.logLines.join('\n')).toMatch(/web\/a is flapping \(3 state changes within 1s\)/);
    const transitions = readTransitions(`${run.dir}/history.db`).filter((t) => t.key === 'web/a');
    expect(transitions.length).toBeGreaterThanOrEqual(10); // history still has every change
  });

  it("Nagios' percent state change: flapping results without transitions still raise one alert", async () => {
    const config = oneHost('    alerts: [rec]\n    rise: 2\n    fall: 2\n    flapping: { high: 40, low: 20, results: 10 }', '  rec: { type: record }');
    run = await startScripted(config, ['a']);
    await upFirst('a');
    script('a', 'down', 'up', 'down', 'up', 'down', 'up', 'down', 'up', 'down', 'up', 'down', 'up', 'up');
    await waitFor(() => run!.kinds('rec').length === 2, 'flapping alert and its end');
    expect(run.kinds('rec')).toEqual(['flapping', 'up']);
    expect(run.logLines.join('\n')).toMatch(/web\/a is flapping \(\d+\.\d% state change over the last 10 results\)/);
  });
});

describe('alert delivery', () => {
  it('a failed attempt is retried with backoff, and every attempt is recorded', async () => {
    run = await startScripted(oneHost('    alerts: [rec, hopeless]', '  rec: { type: record, retries: 3, backoff: 50ms }\n  hopeless: { type: record, retries: 1, backoff: 50ms }'), ['a']);
    shared.failures.rec = 2;
    shared.failures.hopeless = -1;
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').length === 1, 'delivered on the third attempt');
    expect(shared.recorded.find((r) => r.alert === 'rec')!.attempt).toBe(3);
    await waitFor(() => run!.attempts().filter((a) => a.alert === 'hopeless').length === 2, 'hopeless attempts');
    const attempts = run.attempts();
    expect(attempts.filter((a) => a.alert === 'rec').map((a) => [a.kind, a.attempt, a.ok, a.error, a.next_at === null])).toEqual([
      ['down', 1, 0, 'scripted delivery failure', false],
      ['down', 2, 0, 'scripted delivery failure', false],
      ['down', 3, 1, null, true],
    ]);
    expect(attempts.filter((a) => a.alert === 'hopeless').map((a) => [a.attempt, a.ok, a.error, a.next_at])).toEqual([
      [1, 0, 'scripted delivery failure', expect.any(Number)],
      [2, 0, 'scripted delivery failure; gave up after 2 attempt(s)', null],
    ]);
  });

  it('a hung action is cut at its timeout and blocks neither checks nor other alerts', async () => {
    run = await startScripted(oneHost('    alerts: [stuck, rec]', '  stuck: { type: record, timeout: 200ms, retries: 0 }\n  rec: { type: record }'), ['a']);
    shared.hang.add('stuck');
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').length === 1, 'the other alert');
    await checksPass('a', 3);
    await waitFor(() => run!.attempts().some((a) => a.alert === 'stuck'), 'the hung attempt to be cut');
    expect(run.attempts().find((a) => a.alert === 'stuck')).toMatchObject({ ok: 0, error: 'timed out after 200ms; gave up after 1 attempt(s)' });
  });

  it('a state-mirroring action gets events in order, and a newer event replaces one still waiting', async () => {
    run = await startScripted(oneHost('    alerts: [pool]', '  pool: { type: record-state, backoff: 1h }'), ['a']);
    await waitFor(() => run!.kinds('pool').length === 1, 'up at start');
    shared.failures.pool = -1;
    script('a', 'down');
    await waitFor(() => run!.attempts().some((a) => a.alert === 'pool' && a.ok === 0), 'the failed down');
    shared.failures.pool = 0;
    script('a', 'up');
    await waitFor(() => run!.kinds('pool').length === 2, 'the up');
    expect(run.events('pool').map((e) => [e.kind, e.from])).toEqual([['up', 'unknown'], ['up', 'down']]);
    const attempts = run.attempts();
    expect(attempts.map((a) => [a.kind, a.ok, a.next_at])).toEqual([['up', 1, null], ['down', 0, null], ['up', 1, null]]);
    expect(attempts[1]!.error).toBe('scripted delivery failure (not retried: superseded by a newer event)');
  });

  it('a digest collects the events of its window into one delivery', async () => {
    const config = `${TIMING}
hostgroups: { pool: [a, b] }
services: { web: { group: pool, check: { type: scripted }, alerts: [rec] } }
alerts: { rec: { type: record, digest: 400ms } }
`;
    run = await startScripted(config, ['a', 'b']);
    await upFirst('a', 'b');
    script('a', 'down');
    script('b', 'down');
    await waitFor(() => run!.kinds('rec').length === 2, 'the digest');
    expect(shared.recorded.map((r) => (r.event as unknown as { digest: number }).digest)).toEqual([2, 2]);
    expect(run.attempts()).toEqual([expect.objectContaining({ kind: 'digest', target: expect.stringMatching(/^web\/[ab] web\/[ab]$/), ok: 1 })]);
  });
});

describe('alert policy across a restart', () => {
  it('an outage already alerted is not alerted again, and its up alert still goes out', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, every: 1h }, pool]', '  rec: { type: record }\n  pool: { type: record-state }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.kinds('rec').length === 1 && run!.kinds('pool').length === 2, 'down alerts');
    await run.restart();
    await checksPass('a', 6);
    expect(stateOf('web/a')).toBe('down');
    expect(run.kinds('rec')).toEqual(['down']);
    expect(run.kinds('pool')).toEqual(['up', 'down']);
    script('a', 'up');
    await waitFor(() => run!.kinds('rec').length === 2 && run!.kinds('pool').length === 3, 'up alerts after the restart');
    expect(run.kinds('rec')).toEqual(['down', 'up']);
    expect(run.kinds('pool')).toEqual(['up', 'down', 'up']);
  });

  it('a target flapping when the daemon stopped stays held, and settles by its rule after the restart', async () => {
    const service = '    alerts: [rec, pool]\n    flapping: { changes: 3, within: 2s }';
    run = await startScripted(oneHost(service, '  rec: { type: record }\n  pool: { type: record-state }'), ['a']);
    await upFirst('a');
    script('a', 'down', 'up', 'down', 'up', 'down', 'up');
    await waitFor(() => run!.kinds('rec').includes('flapping'), 'flapping alert');
    // Every scripted change made before the stop: one left for after it would be a change of its own.
    await waitFor(() => shared.hosts.a!.sequence.length === 1, 'the scripted changes made');
    await run.restart();
    expect(run.supervisor.flagsOf('web/a')?.flapping).toBeTruthy();
    // A whole window without a change ends it: the settled state goes out, and the pool takes it back.
    await waitFor(() => !run!.supervisor.flagsOf('web/a')?.flapping, 'flapping to end after the restart');
    await waitFor(() => run!.kinds('rec').at(-1) === 'up', 'the settled state');
    expect(run.kinds('rec')).toEqual(['down', 'up', 'flapping', 'up']);
    expect(run.kinds('pool').at(-1)).toBe('up');
    expect(run.logLines.join('\n')).toMatch(/web\/a stopped flapping/);
  });

  it('state changes before a restart count toward flapping after it', async () => {
    run = await startScripted(oneHost('    alerts: [rec]\n    flapping: { changes: 3, within: 10s }', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down', 'up');
    await waitFor(() => run!.kinds('rec').length === 2, 'down and up alerts');
    await run.restart();
    script('a', 'down'); // the third change within 10 s
    await waitFor(() => run!.kinds('rec').length === 3, 'an alert after the restart');
    expect(run.kinds('rec')).toEqual(['down', 'up', 'flapping']);
  });

  it('after: N counts the failures before a restart too', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, after: 10 }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => shared.hosts.a!.consecutive >= 3, 'three failures');
    await run.restart();
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    expect(run.events('rec')[0]!.result.message).toBe('failure #10 (total 10)');
  });

  it('after: N counts the failures before a crash too (saved as they change, not only at a clean stop)', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, after: 10 }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    // Until the periodic save has written a streak of three, a crash would lose it.
    await waitFor(() => savedStreak(run!.dir, 'web/a') >= 3, 'a streak of three saved');
    let before = 0;
    await run.crashAndRestart(() => (before = shared.hosts.a!.consecutive));
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    // The check numbers its failures itself, across the restart: the tenth failure the engine counts
    // is at most the seventh after the crash (without the saved streak it would be the tenth).
    const numbered = Number(/^failure #(\d+)/.exec(run.events('rec')[0]!.result.message!)![1]);
    expect(numbered - before).toBeGreaterThan(0);
    expect(numbered - before).toBeLessThanOrEqual(7);
  });

  it('a target back up has its saved failure counts forgotten, so a crash does not bring them back', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, after: 10 }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => savedStreak(run!.dir, 'web/a') >= 2, 'a streak saved');
    script('a', 'up');
    await waitFor(() => savedStreak(run!.dir, 'web/a') === 0, 'the saved streak forgotten once the target passes again');
  });

  /** Host a alerting after 10 failures, UP, then failing three times or more, and the daemon stopped: its failures so far. */
  async function failingThenStopped(): Promise<number> {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, after: 10 }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => shared.hosts.a!.consecutive >= 3, 'three failures');
    await run.stop();
    return shared.hosts.a!.consecutive;
  }

  it('after a long stop the failure streak starts over: the target may have changed meanwhile', async () => {
    const before = await failingThenStopped();
    const db = new Database(`${run!.dir}/history.db`);
    db.prepare('UPDATE alert_memory SET saved_at = saved_at - 3600000').run(); // stopped an hour ago
    db.close();
    await run!.restart();
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    expect(run!.events('rec')[0]!.result.message).toBe(`failure #${before + 10} (total ${before + 10})`);
  });

  it('after: {failures, within} counts the failures before a restart too', async () => {
    run = await startScripted(oneHost('    alerts: [{ alert: rec, after: { failures: 3, within: 10s } }]', '  rec: { type: record }'), ['a']);
    await upFirst('a');
    script('a', 'down', 'up');
    await waitFor(() => shared.hosts.a!.failures === 1 && stateOf('web/a') === 'up', 'one failure, then UP');
    await run.restart();
    script('a', 'down', 'up', 'down');
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    expect(run.events('rec')[0]!.result.message).toBe('failure #1 (total 3)');
  });

  it("Nagios' percent flapping counts the results before a restart too", async () => {
    const config = oneHost('    alerts: [rec]\n    rise: 3\n    fall: 3\n    flapping: { high: 40, low: 20, results: 10 }', '  rec: { type: record }');
    run = await startScripted(config, ['a']);
    await upFirst('a');
    script('a', 'down', 'up', 'down', 'up', 'down', 'up', 'up');
    await waitFor(() => shared.hosts.a!.sequence.length === 1, 'six alternating results');
    await run.restart();
    script('a', 'down', 'up', 'down', 'up', 'up');
    await waitFor(() => run!.kinds('rec').includes('flapping'), 'a flapping alert');
    expect(run.kinds('rec')[0]).toBe('flapping');
  });

  it('a target moved while the daemon was stopped: the failure streak of the old machine does not count toward after: N', async () => {
    const before = await failingThenStopped();
    await moveWhileStopped();
    await waitFor(() => run!.kinds('rec').length === 1, 'down alert');
    expect(run!.events('rec')[0]!.result.message).toBe(`failure #${before + 10} (total ${before + 10})`);
  });

  it("a target moved while the daemon was stopped: the old machine's results do not count toward percent flapping", async () => {
    const config = oneHost('    alerts: [rec]\n    rise: 3\n    fall: 3\n    flapping: { high: 40, low: 20, results: 10 }', '  rec: { type: record }');
    run = await startScripted(config, ['a']);
    await upFirst('a');
    script('a', 'down', 'up', 'down', 'up', 'down', 'up', 'up');
    await waitFor(() => shared.hosts.a!.sequence.length === 1, 'six alternating results');
    await moveWhileStopped();
    script('a', 'down', 'up');
    await waitFor(() => shared.hosts.a!.sequence.length === 1, "the new machine's one failure");
    await checksPass('a', 12); // a whole window of the new machine's results: 2 changes in 10, below `high`
    expect(run.kinds('rec')).toEqual([]);
    expect(run.supervisor.flagsOf('web/a')?.flapping).toBeUndefined();
  });

  it('a delivery still failing at stop is retried after the restart', async () => {
    run = await startScripted(oneHost('    alerts: [rec]', '  rec: { type: record, backoff: 300ms }'), ['a']);
    shared.failures.rec = -1;
    await upFirst('a');
    script('a', 'down');
    await waitFor(() => run!.attempts().length === 1, 'the first attempt');
    await run.stop();
    shared.failures.rec = 0;
    await run.restart();
    await waitFor(() => run!.kinds('rec').length === 1, 'delivered after the restart');
    expect(shared.recorded[0]!.attempt).toBe(2);
    expect(run.attempts().map((a) => [a.kind, a.attempt, a.ok])).toEqual([['down', 1, 0], ['down', 2, 1]]);
  });
});
