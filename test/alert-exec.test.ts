// The exec alert, run by the real daemon: a mon alert script receives exactly mon's arguments,
// environment and stdin; Debian's own file.alert runs unchanged; the plain convention gets
// VIGIL_* variables and JSON; an alert script that never exits is killed at its timeout and
// recorded as a failed attempt, while checks and other alerts carry on.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startTcpServer } from './helpers/servers.js';
import { startSmtpServer, type ArrivedMail } from './helpers/smtp-server.js';
import { runVigilAsync, VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';
import { workspace } from './helpers/workspace.js';

const FILE_ALERT = '/usr/lib/mon/alert.d/file.alert';
const MAIL_ALERT = '/usr/lib/mon/alert.d/mail.alert';
const TCP_MONITOR = '/usr/lib/mon/mon.d/tcp.monitor';
/** Where mail.alert pipes its mail (msmtp-mta's sendmail here, postfix's or exim's on a director). */
const SENDMAIL = '/usr/lib/sendmail';

const { tmp, daemons, closers } = workspace();

interface Recording {
  argv: string[];
  env: Record<string, string>;
  envKeys: string[];
  stdin: string;
}

/** An alert script that writes what it was given — argv, environment, stdin — to a JSON file. */
function recorder(name: string): string {
  const file = tmp.write(
    name,
    `#!${process.execPath}
const fs = require('node:fs');
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => /^(MON_|VIGIL_|EXTRA_)/.test(key)));
  const out = process.env.RECORD_DIR + '/' + Date.now() + '-' + process.pid + '.json';
  fs.writeFileSync(out, JSON.stringify({ argv: process.argv.slice(2), env, envKeys: Object.keys(process.env), stdin: input }));
});
`,
  );
  chmodSync(file, 0o755);
  return file;
}

function recordings(dir: string): Recording[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(`${dir}/${name}`, 'utf8')) as Recording);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('exec alert', () => {
  it('runs mon alert scripts with mon’s convention, plain scripts with VIGIL_*, and kills one that hangs', async (context) => {
    if (!existsSync(FILE_ALERT)) context.skip(`${FILE_ALERT} is missing: install the Debian package mon (test/install-system-packages.sh)`);
    const down = await startTcpServer();
    const steady = await startTcpServer();
    closers.push(() => down.stop(), () => steady.stop());
    mkdirSync(tmp.path('mon-records'));
    mkdirSync(tmp.path('plain-records'));
    const script = recorder('record.alert');
    const hang = tmp.write('hang.alert', '#!/bin/sh\necho $$ > "$1"\nsleep 600 &\necho $! >> "$1"\nwait\n');
    chmodSync(hang, 0o755);
    const fileLog = tmp.path('file.alert.log');
    const pids = tmp.path('hang.pids');
    const A = `127.0.0.1:${down.port}`;
    const B = `127.0.0.1:${steady.port}`;
    const file = tmp.write(
      'vigil.yaml',
      `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 100ms, fast_interval: 50ms, spread: 50ms, rise: 1, fall: 1, timeout: 500ms }
hostgroups: { web: [${A}, ${B}] }
services:
  web-tcp:
    description: public web servers
    group: web
    check: { type: tcp }
    alerts: [mon-script, debian-file, plain-script, { alert: stuck, up: false }, { alert: missing, up: false }]
alerts:
  mon-script:
    type: exec
    command: ${script}
    args: [ops@example.com, "second arg"]
    env: { RECORD_DIR: ${tmp.path('mon-records')}, EXTRA_VAR: from-config }
  debian-file:
    type: exec
    command: ${FILE_ALERT}
    args: [${fileLog}]
  plain-script:
    type: exec
    convention: plain
    command: ${script}
    args: ["{{kind}}", "{{target}} is {{state}}"]
    env: { RECORD_DIR: ${tmp.path('plain-records')} }
  stuck:
    type: exec
    command: ${hang}
    convention: plain
    args: [${pids}]
    timeout: 2s
    retries: 0
  missing:
    type: exec
    command: ${tmp.path('no-such.alert')}
    retries: 0
`,
    );
    const daemon = VigilDaemon.run(file, [], { cwd: tmp.dir, env: { EXTRA_SECRET: 'must not leak' } });
    daemons.push(daemon);
    await daemon.waitForLine(new RegExp(`web-tcp/${A.replace(/\./g, '\\.')} UNKNOWN → UP`));
    const before = Math.floor(Date.now() / 1000);
    await down.stop();
    await waitFor(() => recordings(tmp.path('mon-records')).length === 1 && recordings(tmp.path('plain-records')).length === 1, 'down alerts');
    await waitFor(() => existsSync(pids) && readFileSync(pids, 'utf8').trim().split('\n').length === 2, 'the hung script to start');
    await down.start();
    const up = await daemon.waitForLine(/web-tcp\/\S+ DOWN → UP/);
    const cut = await daemon.waitForLine(/alert stuck \(exec\) down for \S+ failed: timed out after 2s; gave up after 1 attempt\(s\)/);
    expect(up.index).toBeLessThan(cut.index); // checks went on while the alert hung
    await waitFor(() => recordings(tmp.path('mon-records')).length === 2, 'up alert');
    const after = Math.ceil(Date.now() / 1000);

    // mon's convention, exactly: flags, all hosts of the group in one argument, then the configured args.
    const [monDown, monUp] = recordings(tmp.path('mon-records'));
    const time = Number(monDown!.argv[7]);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(after);
    expect(monDown!.argv).toEqual(['-s', 'web-tcp', '-g', 'web', '-h', `${A} ${B}`, '-t', String(time), 'ops@example.com', 'second arg']);
    expect(monUp!.argv).toEqual(['-s', 'web-tcp', '-g', 'web', '-h', `${A} ${B}`, '-t', monUp!.argv[7], '-u', 'ops@example.com', 'second arg']);
    const failingOutput = expect.stringMatching(new RegExp(`^${A.replace(/\./g, '\\.')}\\n\\n${A.replace(/\./g, '\\.')} connection refused`));
    expect(monDown!.stdin).toEqual(failingOutput);
    expect(monUp!.stdin).toEqual(failingOutput); // mon gives an up alert the last failing output
    expect(monDown!.env).toMatchObject({
      MON_ALERTTYPE: 'failure',
      MON_RETVAL: '1',
      MON_OPSTATUS: '0',
      MON_GROUP: 'web',
      MON_SERVICE: 'web-tcp',
      MON_DESCRIPTION: 'public web servers',
      MON_LAST_SUMMARY: A,
      MON_LAST_OUTPUT: monDown!.stdin,
      MON_FIRST_FAILURE: expect.stringMatching(/^\d{10}$/),
      MON_LAST_FAILURE: expect.stringMatching(/^\d{10}$/),
      MON_LAST_SUCCESS: expect.stringMatching(/^\d{10}$/),
      EXTRA_VAR: 'from-config',
    });
    expect(monUp!.env).toMatchObject({ MON_ALERTTYPE: 'up', MON_RETVAL: '0', MON_OPSTATUS: '1' });
    expect(monDown!.envKeys).not.toContain('EXTRA_SECRET'); // only PATH and what the config names

    // Plain: templated args, VIGIL_* variables, the event as JSON on stdin.
    const [plainDown, plainUp] = recordings(tmp.path('plain-records'));
    expect(plainDown!.argv).toEqual(['down', `web-tcp/${A} is DOWN`]);
    expect(plainUp!.argv).toEqual(['up', `web-tcp/${A} is UP`]);
    expect(plainDown!.env).toMatchObject({ VIGIL_KIND: 'down', VIGIL_TARGET: `web-tcp/${A}`, VIGIL_HOST: A, VIGIL_PORT: String(down.port), VIGIL_STATE: 'DOWN', VIGIL_OUTAGE_ID: '1', VIGIL_ALERT: 'plain-script', VIGIL_ATTEMPT: '1' });
    expect(JSON.parse(plainDown!.stdin)).toMatchObject({ alert: 'plain-script', kind: 'down', target: { id: `web-tcp/${A}` }, outage: { id: 1 } });

    // Debian's file.alert, unchanged, wrote its usual record of both alerts.
    await waitFor(() => existsSync(fileLog) && readFileSync(fileLog, 'utf8').includes('\nup '), 'file.alert up record');
    const written = readFileSync(fileLog, 'utf8');
    expect(written).toMatch(new RegExp(`^failure web web-tcp \\d{10} \\(\\w{3} \\w{3} +\\d+ [\\d:]+\\) ${A.replace(/\./g, '\\.')}\\nDESCR=public web servers\\nOPSTATUS=0\\n\\n${A.replace(/\./g, '\\.')} connection refused.*\\n\\.\\n`));
    expect(written).toMatch(new RegExp(`\\nup web web-tcp \\d{10} \\(.*\\) ${A.replace(/\./g, '\\.')}\\nDESCR=public web servers\\nOPSTATUS=1\\n`));

    // The hung script and the child it started are gone, and the attempt is on record as failed.
    const [shellPid, sleepPid] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    await waitFor(() => !alive(shellPid!) && !alive(sleepPid!), 'the hung alert script and its child to be killed');
    expect(await daemon.stop()).toBe(0);
    const log = JSON.parse((await runVigilAsync(['alerts', 'log', '--db', tmp.path('history.db'), '--json', '--alert', 'stuck'])).stdout);
    expect(log).toEqual([expect.objectContaining({ alert: 'stuck', kind: 'down', attempt: 1, ok: false, error: 'timed out after 2s; gave up after 1 attempt(s)', retryAt: null })]);
    const missing = JSON.parse((await runVigilAsync(['alerts', 'log', '--db', tmp.path('history.db'), '--json', '--alert', 'missing'])).stdout);
    expect(missing[0].error).toBe(`cannot run ${tmp.path('no-such.alert')}: no such file; gave up after 1 attempt(s)`);
    expect(daemon.output()).toMatch(/exec alert: \S+no-such\.alert is not executable \(no such file\); its alerts will fail until it is/);
    const delivered = JSON.parse((await runVigilAsync(['alerts', 'log', '--db', tmp.path('history.db'), '--json', '--alert', 'debian-file'])).stdout);
    expect(delivered.map((a: { kind: string; ok: boolean }) => [a.kind, a.ok])).toEqual([['up', true], ['down', true]]);
  });

  it("runs Debian's mail.alert unchanged: its mails, down and up, reach an SMTP server through sendmail", async (context) => {
    if (!existsSync(MAIL_ALERT)) context.skip(`${MAIL_ALERT} is missing: install the Debian package mon (test/install-system-packages.sh)`);
    if (!existsSync(SENDMAIL)) context.skip(`${SENDMAIL} is missing: install msmtp-mta (test/install-system-packages.sh)`);
    const arrived: ArrivedMail[] = [];
    const smtp = await startSmtpServer('mta', arrived);
    const target = await startTcpServer();
    closers.push(() => smtp.stop(), () => target.stop());
    // msmtp as sendmail reads ~/.msmtprc: HOME is the alert's, set in its env.
    const home = tmp.path('mail-home');
    mkdirSync(home);
    writeFileSync(`${home}/.msmtprc`, `account default\nhost 127.0.0.1\nport ${smtp.port}\nauth off\ntls off\nfrom vigil@example.org\n`, { mode: 0o600 });
    const A = `127.0.0.1:${target.port}`;
    const file = tmp.write(
      'mail-alert.yaml',
      `history: { path: ./mail-history.db, flush_interval: 50ms }
control: { enabled: false }
defaults: { interval: 100ms, fast_interval: 50ms, spread: 50ms, rise: 1, fall: 1, timeout: 500ms }
hostgroups: { mailweb: [${A}] }
services:
  web-tcp: { group: mailweb, check: { type: tcp }, alerts: [mon-mail] }
alerts:
  mon-mail:
    type: exec
    command: ${MAIL_ALERT}
    args: [-f, monitor@example.org, ops@example.com]
    env: { HOME: ${home} }
`,
    );
    const daemon = VigilDaemon.run(file, [], { cwd: tmp.dir });
    daemons.push(daemon);
    await daemon.waitForLine(/web-tcp\/\S+ UNKNOWN → UP/);
    await target.stop();
    await waitFor(() => arrived.length === 1, 'the down mail');
    await target.start();
    await waitFor(() => arrived.length === 2, 'the up mail');
    await daemon.stop();

    const host = A.replace(/\./g, '\\.');
    const [down, up] = arrived;
    expect(down).toMatchObject({ mailFrom: 'monitor@example.org', rcptTo: ['ops@example.com'] });
    expect(down!.headers.to).toBe('ops@example.com');
    expect(down!.headers.subject).toMatch(new RegExp(`^ALERT mailweb/web-tcp: ${host} \\(\\w{3} \\w{3} +\\d+ [\\d:]+\\)$`));
    // Its body as mon's mail has it (mon never passes -l either: "Secs until next alert" stays empty).
    expect(down!.body).toMatch(new RegExp(`^\\nGroup +: mailweb\\nService +: web-tcp\\nTime noticed +: .+\\nSecs until next alert : \\nMembers\\s+: ${host}\\n\\nDetailed text \\(if any\\) follows:\\n-+\\n\\n${host} connection refused`));
    expect(up!.headers.subject).toMatch(new RegExp(`^UPALERT mailweb/web-tcp: ${host} `));
  });

  it('with digest: one run per service and kind with every failing host, as mon runs an alert once per monitor run; plain gets the digest as JSON', async () => {
    const servers = await Promise.all([startTcpServer(), startTcpServer(), startTcpServer()]);
    closers.push(...servers.map((server) => () => server.stop()));
    const [A, B, C] = servers.map((server) => `127.0.0.1:${server.port}`);
    mkdirSync(tmp.path('digest-mon'));
    mkdirSync(tmp.path('digest-plain'));
    const script = recorder('digest.alert');
    const file = tmp.write(
      'digest.yaml',
      `history: { path: ./digest.db, flush_interval: 50ms }
defaults: { interval: 100ms, fast_interval: 50ms, spread: 50ms, rise: 1, fall: 1, timeout: 500ms }
hostgroups: { web: [${A}, ${B}, ${C}] }
services:
  web-tcp:
    group: web
    check: { type: tcp }
    alerts: [mon-digest, plain-digest]
alerts:
  mon-digest:
    type: exec
    command: ${script}
    args: [ops@example.com]
    digest: 1s
    env: { RECORD_DIR: ${tmp.path('digest-mon')} }
  plain-digest:
    type: exec
    convention: plain
    command: ${script}
    args: ["{{events}} events: {{targets}}"]
    digest: 1s
    env: { RECORD_DIR: ${tmp.path('digest-plain')} }
`,
    );
    const daemon = VigilDaemon.run(file, [], { cwd: tmp.dir });
    daemons.push(daemon);
    await waitFor(() => (daemon.output().match(/UNKNOWN → UP/g) ?? []).length === 3, 'the three servers up');
    // Two of the three fail together.
    await Promise.all([servers[0]!.stop(), servers[1]!.stop()]);
    await waitFor(() => recordings(tmp.path('digest-mon')).length === 1 && recordings(tmp.path('digest-plain')).length === 1, 'one digest run each');

    const [monRun] = recordings(tmp.path('digest-mon'));
    expect(monRun!.argv).toEqual(['-s', 'web-tcp', '-g', 'web', '-h', `${A} ${B} ${C}`, '-t', monRun!.argv[7], 'ops@example.com']);
    const failing = monRun!.env.MON_LAST_SUMMARY!.split(' ').sort();
    expect(failing).toEqual([A, B].sort()); // both failing hosts in one summary line, as mon's monitor output
    expect(monRun!.stdin).toMatch(new RegExp(`^\\S+ \\S+\\n\\n(${A}|${B}) connection refused[^\\n]*\\n(${A}|${B}) connection refused`));
    expect(monRun!.env).toMatchObject({ MON_ALERTTYPE: 'failure', MON_SERVICE: 'web-tcp', MON_GROUP: 'web', MON_LAST_OUTPUT: monRun!.stdin });
    // mon's epoch seconds, as a script doing `now - MON_FIRST_FAILURE` needs them (not NaN).
    for (const name of ['MON_FIRST_FAILURE', 'MON_LAST_FAILURE', 'MON_LAST_SUCCESS']) expect(monRun!.env[name]).toMatch(/^[1-9]\d{9}$/);
    expect(Number(monRun!.env.MON_FIRST_FAILURE)).toBeLessThanOrEqual(Number(monRun!.env.MON_LAST_FAILURE));

    const [plainRun] = recordings(tmp.path('digest-plain'));
    expect(plainRun!.argv[0]).toMatch(/^2 events: web-tcp\/\S+ web-tcp\/\S+$/);
    expect(plainRun!.env).toMatchObject({ VIGIL_KIND: 'digest', VIGIL_EVENTS: '2', VIGIL_DOWN: '2', VIGIL_UP: '0', VIGIL_ALERT: 'plain-digest' });
    const digest = JSON.parse(plainRun!.stdin) as { alert: string; kind: string; events: Array<{ kind: string; target: { id: string } }> };
    expect(digest).toMatchObject({ alert: 'plain-digest', kind: 'digest' });
    expect(digest.events.map((event) => event.target.id).sort()).toEqual([`web-tcp/${A}`, `web-tcp/${B}`].sort());

    // Back together: one up run with -u.
    await Promise.all([servers[0]!.start(), servers[1]!.start()]);
    await waitFor(() => recordings(tmp.path('digest-mon')).length === 2, 'one up digest run');
    const [, upRun] = recordings(tmp.path('digest-mon'));
    expect(upRun!.argv).toContain('-u');
    expect(upRun!.env.MON_ALERTTYPE).toBe('up');
  });

  it('a mon monitor’s output reaches a mon alert script as the monitor wrote it, as mon hands it on', async (context) => {
    if (!existsSync(TCP_MONITOR)) context.skip(`${TCP_MONITOR} is missing: install the Debian package mon (test/install-system-packages.sh)`);
    const server = await startTcpServer();
    const port = server.port;
    await server.stop(); // a closed port on both hosts
    mkdirSync(tmp.path('monitor-records'));
    const script = recorder('monitor.alert');
    const file = tmp.write(
      'monitor.yaml',
      `history: { path: ./monitor.db, flush_interval: 50ms }
control: { socket: ./monitor.sock }
defaults: { interval: 200ms, spread: 50ms, rise: 1, fall: 1, timeout: 2s }
hostgroups: { web: [127.0.0.1, 127.0.0.2] }
services:
  tcp:
    group: web
    batch: true
    check: { type: script, convention: mon, command: ${TCP_MONITOR}, args: [-p, "${port}"] }
    alerts: [{ alert: mon-monitor, up: false }]
alerts:
  mon-monitor:
    type: exec
    command: ${script}
    digest: 1s
    env: { RECORD_DIR: ${tmp.path('monitor-records')} }
`,
    );
    const daemon = VigilDaemon.run(file, [], { cwd: tmp.dir });
    daemons.push(daemon);
    await waitFor(() => recordings(tmp.path('monitor-records')).length >= 1, () => `the down alert; the daemon said:\n${daemon.output()}`);
    const [run] = recordings(tmp.path('monitor-records'));
    // tcp.monitor's own words: line 1 the failing hosts, a blank line, a line per host; once each.
    const refused = (host: string) => `${host} could not connect: Connection refused`;
    expect(run!.stdin).toBe(`127.0.0.1 127.0.0.2\n\n${refused('127.0.0.1')}\n${refused('127.0.0.2')}\n`);
    expect(run!.env).toMatchObject({ MON_LAST_SUMMARY: '127.0.0.1 127.0.0.2', MON_LAST_OUTPUT: run!.stdin });
  });
});
