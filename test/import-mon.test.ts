// `vigil import mon`: Debian's own mon.cf files translated and validated, the traps and unknown
// directives reported with their lines, and a director run by the imported config — mon's own
// http.monitor, tcp.monitor and file.alert from the Debian package executed unchanged, and an LVS
// alert script written for mon keeping the ipvsadm double's table.
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { translateMon } from '../src/import/translate-mon.js';
import { importConfig, importReport, importValidConfig, probeImported } from './helpers/import-config.js';
import { changes, doubleEnv, IPVSADM_DOUBLE, runDouble, waitForPool } from './helpers/ipvsadm-double.js';
import { readOutages } from './helpers/history-db.js';
import { MONITOR_PASSWORD, MONITOR_USER, startMariadb } from './helpers/database-servers.js';
import { LDAP_BASE, startSlapd } from './helpers/ldap-server.js';
import { RADIUS_PASSWORD, RADIUS_SECRET, RADIUS_USER, startFreeradius } from './helpers/radius-server.js';
import { startHttpServer, type HttpTestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil, VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

const DEBIAN_MON_CF = '/etc/mon/mon.cf';
const EXAMPLE_CF = '/usr/share/doc/mon/examples/example.cf.gz';
const MON_D = '/usr/lib/mon/mon.d';
const haveMon = existsSync(DEBIAN_MON_CF) && existsSync(`${MON_D}/http.monitor`) && existsSync('/usr/lib/mon/alert.d/file.alert');
const skipReason = 'the Debian mon package is not installed (test/install-system-packages.sh installs it)';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('vigil-import-mon-');
});
afterAll(() => tmp.cleanup());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function checkConfig(file: string) {
  return runVigil(['check-config', '-c', file]);
}

/** A mon.cf that watches one host group, 127.0.0.1, with one service: its interval and its monitor. */
function oneServiceCf(group: string, service: string, interval: string, monitor: string): string {
  return [`hostgroup ${group} 127.0.0.1`, '', `watch ${group}`, `    service ${service}`, `        interval ${interval}`, `        monitor ${monitor}`, ''].join('\n');
}

describe("vigil import mon on Debian's mon.cf files", () => {
  it("translates /etc/mon/mon.cf into a config that passes check-config, with what mon does kept", (context) => {
    if (!haveMon) return context.skip(skipReason);
    const out = tmp.path('debian-mon.yaml');
    const imported = runVigil(['import', 'mon', DEBIAN_MON_CF, '-o', out]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/3 service\(s\), 2 alert\(s\), 2 period\(s\) imported/);
    const check = checkConfig(out);
    expect(check.stdout).toMatch(/OK \(3 service\(s\), 3 target\(s\), 2 alert\(s\)\)/);
    expect(check.code).toBe(0);

    const report = importReport('mon', DEBIAN_MON_CF);
    const config = report.config as Json;
    expect(config.scheduler).toEqual({ max_concurrent: 20 }); // maxprocs = 20
    expect(config.defaults).toEqual({ rise: 1, fall: 1, spread: '1m' }); // randstart = 60s
    expect(config.hostgroups).toEqual({ localhost: ['localhost'] });
    expect(config.periods).toEqual({ 'mon-fri-7am-10pm': 'wd {Mon-Fri} hr {7am-10pm}', 'sat-sun': 'wd {Sat-Sun}' });
    // fping.monitor (fping -r 3 -t 2000) becomes the built-in icmp check per host: four echo
    // requests, up on any reply within fping's whole wait (2 + 3 + 4.5 + 6.75 s).
    expect(config.services.ping).toMatchObject({
      description: 'Responses to ping',
      interval: '5m',
      timeout: '16s250ms',
      check: { type: 'icmp', count: 4 },
      alerts: [
        { alert: 'mail-root-localhost', period: 'mon-fri-7am-10pm', every: '1h', up: false },
        { alert: 'mail-root-localhost-2', period: 'sat-sun', every: '0s', up: false },
      ],
    });
    expect(config.services.ping.batch).toBeUndefined();
    // http.monitor and smtp.monitor -t 60 become built-in checks with the monitors' own success rules.
    expect(config.services.http).toMatchObject({ timeout: '30s', check: { type: 'http', port: 80, path: '/', expect_status: '200 301 302 401' } });
    expect(config.services.http.alerts).toEqual([{ alert: 'mail-root-localhost', every: '0s', numalerts: 10 }]);
    expect(config.services.smtp).toMatchObject({ timeout: '1m', check: { type: 'tcp', port: 25 } });
    expect(config.alerts['mail-root-localhost']).toEqual({ type: 'exec', convention: 'mon', command: '/usr/lib/mon/alert.d/mail.alert', args: ['root@localhost'], digest: '1s', retries: 0 });

    // The trap service and mon's client-server settings are listed, not dropped silently.
    const untranslated = (report.untranslated as Json[]).map((item) => `${item.line} ${item.text}`);
    expect(untranslated).toEqual(expect.arrayContaining(['41 watch localhost / service trap', '17 authfile = /etc/mon/auth.cf', '26 serverbind = 127.0.0.1']));
    expect(report.problems).toEqual([]);
    // The file itself carries the source lines and the list.
    const yaml = readFileSync(out, 'utf8');
    expect(yaml).toMatch(/# mon\.cf:51 monitor fping\.monitor\n\s+# replaced by the built-in icmp check/);
    expect(yaml).toMatch(/# Not translated:\n#   mon\.cf:13  logdir = \/var\/log\/mon/);
  });

  it('config/migrated-mon.yaml is the import of /etc/mon/mon.cf', (context) => {
    if (!haveMon) return context.skip(skipReason);
    const out = tmp.path('migrated.yaml');
    expect(runVigil(['import', 'mon', DEBIAN_MON_CF, '-o', out]).code).toBe(0);
    expect(readFileSync(new URL('../config/migrated-mon.yaml', import.meta.url), 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it("translates mon's big example.cf: labelled periods, depend, ';;', upalert alone, a watch without hostgroup", (context) => {
    if (!haveMon) return context.skip(skipReason);
    const source = tmp.write('example.cf', gunzipSync(readFileSync(EXAMPLE_CF)).toString('utf8'));
    importValidConfig('mon', source, tmp.path('example.yaml'));
    const report = importReport('mon', source);
    const { services, hostgroups, periods } = report.config as Json;
    expect(Object.keys(services)).toHaveLength(22);
    // The labelled period NOALERTEVERY has the same times as the first one: one period, two routes with their own rules.
    expect(periods).toEqual({ 'mon-fri-7am-10pm': 'wd {Mon-Fri} hr {7am-10pm}', 'sat-sun': 'wd {Sat-Sun}', 'sun-sat': 'wd {Sun-Sat}' });
    expect(services['serversbd1-ping'].alerts.map((route: Json) => [route.alert, route.period, route.every])).toEqual([
      ['mail-mis-domain.com', 'mon-fri-7am-10pm', '1h'],
      ['page-mis-pagers-domain.com', 'mon-fri-7am-10pm', '1h'],
      ['mail-mis-domain.com-2', 'mon-fri-7am-10pm', '0s'],
      ['page-mis-pagers-domain.com-2', 'mon-fri-7am-10pm', '0s'],
      ['mail-bofh-domain.com', 'sat-sun', '0s'],
      ['page-bofh-domain.com', 'sat-sun', '0s'],
    ]);
    expect(services['serversbd1-ping']).toMatchObject({ timeout: '16s250ms', check: { type: 'icmp', count: 4 } });
    expect(services['serversbd2-telnet'].depends_on).toEqual(['routers-ping', 'serversbd2-ping']); // depend routers:ping serversbd2:ping
    expect(services['serversbd1-telnet'].alerts[0]).toMatchObject({ after: { failures: 2, within: '30m' }, every: '1h' }); // alertafter 2 30m
    expect(services['555-1212'].check).toMatchObject({ command: `${MON_D}/dialin.monitor.wrap`, args: ['-n', '555-1212', '-t', '80'], append_hosts: false });
    expect(hostgroups.mailhost).toEqual(['mailhost']); // watch mailhost has no hostgroup: mon uses the name as the host
    // upalert mail.alert -S "web server is back up" mis, with qpage.alert as the period's alert.
    expect(services.http.alerts).toEqual([
      { alert: 'qpage-mis-pagers', period: 'sun-sat', every: '45m', repeat_on_change: true, up: false }, // alertevery 45m, not strict
      { alert: 'mail-S-web-server-is-back-up-mis', period: 'sun-sat', down: false },
    ]);
    expect(report.config.alerts['mail-S-web-server-is-back-up-mis'].args).toEqual(['-S', 'web server is back up', 'mis']);
    expect(services['wwwservers-telnet'].disabled).toBe(true); // no interval: mon never runs it
    const untranslated = (report.untranslated as Json[]).map((item) => `${item.line} ${item.text}`);
    expect(untranslated).toEqual(expect.arrayContaining(['118 watch mailhost / service fping', '157 allow_empty_group']));
    expect((report.problems as Json[]).map((p) => [p.lines ?? [p.line], p.message])).toEqual([
      [[74, 78, 81], expect.stringMatching(/^alert page\.alert is not in alertdir \(\/usr\/lib\/mon\/alert\.d\)/)],
      [[221], expect.stringMatching(/^monitor freespace\.monitor is not in mondir/)],
    ]);
  });
});

describe('vigil import mon: what goes wrong', () => {
  it('an unreadable or missing file is a clear error, exit 1, and nothing is written', () => {
    const out = tmp.path('never.yaml');
    const missing = runVigil(['import', 'mon', tmp.path('no-such-mon.cf'), '-o', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`vigil import: cannot read ${tmp.path('no-such-mon.cf')}: no such file\n`);
    expect(existsSync(out)).toBe(false);
    const directory = runVigil(['import', 'mon', tmp.dir]);
    expect(directory.code).toBe(1);
    expect(directory.stderr).toMatch(/cannot read .*: it is a directory/);
    const json = runVigil(['import', 'ldirectord', tmp.path('nope.cf'), '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ ok: false, error: `cannot read ${tmp.path('nope.cf')}: no such file` });
    const format = runVigil(['import', 'nagios', tmp.path('x')]);
    expect(format.code).toBe(1);
    expect(format.stderr).toMatch(/unknown format 'nagios'; expected one of: mon, ldirectord, keepalived/);
  });

  it("reports mon's blank-line traps with their line numbers, and imports what was meant", () => {
    const source = tmp.write(
      'traps.cf',
      [
        'hostgroup web 192.0.2.11 192.0.2.12', // 1
        'watch web', // 2: no blank line after the hostgroup: mon reads this as host names
        '    service http', // 3
        '        interval 1m', // 4
        '        monitor http.monitor', // 5
        '', // 6: a blank line inside the watch: mon ends it here
        '        period wd {Mon-Fri}', // 7
        '            alert mail.alert ops@example.com', // 8
        '',
      ].join('\n'),
    );
    const report = importReport('mon', source);
    expect((report.problems as Json[]).map((p) => [p.line, p.message])).toEqual([
      [2, expect.stringMatching(/a blank line is missing after the hostgroup line of web \(line 1\): mon would read "watch web" and the lines after it as host names/)],
      [7, expect.stringMatching(/"period wd \{Mon-Fri\}" follows a blank line inside watch web \(line 2\); mon ends a watch at a blank line and ignores this/)],
      [8, expect.stringMatching(/"alert mail\.alert ops@example\.com" follows a blank line inside watch web/)],
    ]);
    expect(report.config.services.http).toMatchObject({ group: 'web', check: { type: 'http' } });
    // The summary on stderr names them too.
    const plain = runVigil(['import', 'mon', source]);
    expect(plain.stderr).toMatch(/traps\.cf:2: a blank line is missing after the hostgroup line/);
    expect(plain.stdout).toMatch(/# Problems found in the source:\n#   traps\.cf:2: a blank line is missing/);
  });

  it('lists untranslatable directives as "not translated" and unknown ones (mon rejects them) as problems in the source, each with its line', () => {
    const source = tmp.write(
      'unknown.cf',
      ['frobnicate = 3', 'trapport = 2583', '', 'hostgroup web 192.0.2.11', '', 'watch web', '    service http', '        interval 1m', '        monitor tcp.monitor -p 80', '        randskew 10s', '        wobble yes', '        period', '            alert mail.alert ops', '            upalertafter 5m', '            whatever 1', ''].join('\n'),
    );
    const report = importReport('mon', source);
    expect((report.untranslated as Json[]).map((item) => [item.line, item.text, item.reason])).toEqual([
      [2, 'trapport = 2583', expect.stringMatching(/mon's client\/trap server/)],
      [10, 'randskew 10s', expect.stringMatching(/spread/)],
      [14, 'upalertafter 5m', expect.stringMatching(/no minimum outage length for up alerts/)],
    ]);
    expect((report.problems as Json[]).map((item) => [item.line, item.message])).toEqual([
      [1, 'frobnicate = 3: not a mon global; mon rejects this config (unknown variable); not imported'],
      [11, 'wobble yes: not a mon service directive; mon rejects this config (unknown syntax); not imported'],
      [15, 'whatever 1: not a mon period directive; mon rejects this config (unknown syntax); not imported'],
    ]);
    const check = runVigil(['import', 'mon', source, '--check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/3 directive\(s\) not translated, 0 placeholder\(s\) to fill in, 3 problem\(s\) in the source/);
    expect(check.stdout).toMatch(/Not translated \(3\):\n {2}unknown\.cf:2\n {6}trapport = 2583\n/);
    expect(check.stdout).toMatch(/Behaves differently from mon:\n {2}- mon alerts once per service run/);
  });

  it('names an alert after its program and arguments, cut between arguments, never inside an address (mon.formal.sh LVS alerts)', () => {
    // What a mon.formal.sh generator writes for a VIP with three real servers, one of them at weight 2.
    const watch = (host: string, weight: number) => [
      `watch ${host}`,
      '  service tcp443',
      '       interval 5s',
      '       monitor tcp.monitor -p 443',
      '       period wd {Sun-Sat}',
      `           alert lvs.alert -P tcp -V 172.26.132.114:443 -R ${host} -W ${weight} -F g`,
      `           upalert lvs.alert -P tcp -V 172.26.132.114:443 -R ${host} -W ${weight} -F g`,
      '',
    ];
    const source = tmp.write(
      'mon-lvs-formal.cf',
      ['hostgroup 172.26.132.101 172.26.132.101', 'hostgroup 172.26.132.102 172.26.132.102', '', ...watch('172.26.132.101', 1), ...watch('172.26.132.102', 1), ...watch('172.26.132.101', 2)].join('\n'),
    );
    const config = importReport('mon', source).config as Json;
    expect(Object.keys(config.alerts)).toEqual([
      'lvs-P-tcp-V-172.26.132.114-443-R-172.26.132.101',
      'lvs-P-tcp-V-172.26.132.114-443-R-172.26.132.102',
      'lvs-P-tcp-V-172.26.132.114-443-R-172.26.132.101-W-2-F-g', // the cut name is taken: in full
    ]);
    expect(config.alerts['lvs-P-tcp-V-172.26.132.114-443-R-172.26.132.102'].args).toEqual(['-P', 'tcp', '-V', '172.26.132.114:443', '-R', '172.26.132.102', '-W', '1', '-F', 'g']);
  });

  it('a typo in a period (alertevry) counts as a problem in the source, as mon refuses the file', () => {
    const source = tmp.write(
      'typo.cf',
      ['hostgroup web 127.0.0.1', '', 'watch web', '    service http', '        interval 30s', '        monitor http.monitor', '        period wd {Mon-Sun}', '            alert mail.alert ops@example.com', '            alertevry 10m', ''].join('\n'),
    );
    const check = runVigil(['import', 'mon', source, '--check']);
    expect(check.stdout).toMatch(/1 problem\(s\) in the source/);
    expect(check.stdout).toMatch(/Problems in the source \(1\):\n {2}typo\.cf:9\n {6}alertevry 10m: not a mon period directive; mon rejects this config \(unknown syntax\); not imported\n/);
  });

  it('alertevery: re-alerts on a changed summary, with observe_detail on a changed detail too, with strict only on time', () => {
    const watch = (flag: string) => ['    service http', '        monitor tcp.monitor -p 80', '        period', '            alert mail.alert ops', `            alertevery 1h${flag}`];
    const lines = ['hostgroup a 192.0.2.11', 'hostgroup b 192.0.2.12', 'hostgroup c 192.0.2.13'];
    const source = tmp.write('alertevery.cf', [...lines, '', 'watch a', ...watch(''), '', 'watch b', ...watch(' observe_detail'), '', 'watch c', ...watch(' strict'), ''].join('\n'));
    const routes = Object.values((importReport('mon', source).config as Json).services as Record<string, Json>).map((service) => service.alerts[0]);
    expect(routes.map((route: Json) => route.repeat_on_change)).toEqual([true, 'detail', undefined]);
  });

  it("a monitor that reads MON_STATEDIR gets mon's default when mon.cf sets none; one that does not, nothing", (context) => {
    if (!haveMon) context.skip(skipReason);
    const source = tmp.write(
      'statedir.cf',
      ['hostgroup files 127.0.0.1', '', 'watch files', '    service passwd', '        monitor file_change.monitor /etc/passwd', '    service ping', '        monitor fping.monitor -a', ''].join('\n'),
    );
    const services = (importReport('mon', source).config as Json).services as Record<string, Json>;
    // mon takes /var/state/mon or /var/lib/mon (Debian's package makes the latter), else basedir/state.d.
    expect(services.passwd!.check.env).toEqual({ MON_STATEDIR: existsSync('/var/state/mon') ? '/var/state/mon' : '/var/lib/mon' });
    expect(services.ping!.check).toMatchObject({ type: 'script', convention: 'mon' }); // -a keeps the monitor
    expect(services.ping!.check.env).toBeUndefined(); // fping.monitor reads none of them
    const own = tmp.write('own-statedir.cf', `statedir = state\nbasedir = /srv/mon\n${readFileSync(source, 'utf8')}`);
    expect(((importReport('mon', own).config as Json).services as Record<string, Json>).passwd!.check.env).toEqual({ MON_STATEDIR: '/srv/mon/state' });
  });

  it('exclude_period becomes maintenance windows; --interval-scale scales timings, not periods', () => {
    const source = tmp.write('exclude.cf', ['hostgroup db 192.0.2.21', '', 'watch db', '    service mysql', '        interval 2m', '        exclude_period wd {Sat} hr {1am-3am}, wd {Sun}', '        monitor msql-mysql.monitor --mode mysql', '        period wd {Mon-Fri} hr {9am-5pm}', '            alert mail.alert dba', '            alertevery 1h', ''].join('\n'));
    const result = translateMon(readFileSync(source, 'utf8'), source, { intervalScale: 0.1 });
    expect(result.config.maintenance).toEqual({
      'mysql-exclude': { cron: '0 1 * * 6', duration: '3h', services: ['mysql'], reason: 'mon exclude_period wd {Sat} hr {1am-3am}, wd {Sun}' },
      'mysql-exclude-2': { cron: '0 0 * * 0', duration: '1d', services: ['mysql'], reason: 'mon exclude_period wd {Sat} hr {1am-3am}, wd {Sun}' },
    });
    const service = (result.config.services as Json).mysql;
    expect(service).toMatchObject({ interval: '12s', timeout: '12s', alerts: [{ period: 'mon-fri-9am-5pm', every: '6m' }] });
    expect(result.config.periods).toEqual({ 'mon-fri-9am-5pm': 'wd {Mon-Fri} hr {9am-5pm}' });
  });
});

describe("mon's msql-mysql.monitor becomes the built-in mysql check", () => {
  it('--mode mysql with a password file: the same login and database, SHOW TABLES, run against a real MariaDB; --mode msql stays the monitor', async () => {
    const db = await startMariadb();
    try {
      const passwordFile = tmp.write('mysql.pw', `${MONITOR_PASSWORD}\n`);
      const cf = (mode: string) =>
        oneServiceCf('db', 'mysql', '30s', `msql-mysql.monitor --mode ${mode} --username ${MONITOR_USER} --password ${passwordFile} --database app --port ${db.port}`);
      const source = tmp.write('mysql-mon.cf', cf('mysql'));
      const report = importReport('mon', source);
      expect(report.config.services.mysql.check).toEqual({ type: 'mysql', port: db.port, user: MONITOR_USER, database: 'app', query: 'SHOW TABLES', password_file: passwordFile });
      expect(report.config.services.mysql.timeout).toBe('1m'); // the monitor's default --timeout
      const probe = await probeImported('mon', source, tmp.path('mysql-mon.yaml'));
      expect(probe.stdout).toMatch(new RegExp(`UP\\s+mysql/127\\.0\\.0\\.1\\s+[\\d.]+ms\\s+mysql 127\\.0\\.0\\.1:${db.port}: SHOW TABLES returned 1 row`));
      expect(probe.code).toBe(0);
      const msql = importReport('mon', tmp.write('msql-mon.cf', cf('msql')));
      expect(msql.config.services.mysql.check).toMatchObject({ type: 'script', convention: 'mon' });
    } finally {
      await db.stop();
    }
  });
});

describe("mon's ldap.monitor becomes the built-in ldap check", () => {
  it('--basedn, --filter, --attribute, --value: an anonymous subtree search, every entry with that value; run against a real slapd', async () => {
    const slapd = await startSlapd();
    try {
      const cf = (attribute: string, value: string) =>
        oneServiceCf('directory', 'ldap', '30s', `ldap.monitor --port ${slapd.port} --basedn ou=people,${LDAP_BASE} --filter uid=alice --attribute ${attribute} --value ${value}`);
      const source = tmp.write('ldap-mon.cf', cf('cn', 'Alice'));
      expect((importReport('mon', source).config as Json).services.ldap.check).toEqual({
        type: 'ldap',
        port: slapd.port,
        base: `ou=people,${LDAP_BASE}`,
        scope: 'sub',
        filter: '(uid=alice)',
        expect_attribute: { name: 'cn', value: 'Alice' },
      });
      const up = await probeImported('mon', source, tmp.path('ldap-mon.yaml'));
      expect(up.stdout).toMatch(/^UP\s+ldap\/127\.0\.0\.1\s/m);
      expect(up.code).toBe(0);
      const wrong = await probeImported('mon', tmp.write('ldap-mon-wrong.cf', cf('cn', 'Bob')), tmp.path('ldap-mon-wrong.yaml'));
      expect(wrong.stdout).toMatch(/^DOWN\s+ldap\/127\.0\.0\.1\s.*has cn: "Alice", expected "Bob"$/m);
      expect(wrong.code).toBe(2);
    } finally {
      await slapd.stop();
    }
  });
});

describe("mon's radius.monitor becomes the built-in radius check", () => {
  it('--username, --password, --secret, --port, --attempts: an Access-Request run against a real FreeRADIUS; the defaults kept, an abbreviation stays the monitor', async () => {
    const radiusd = await startFreeradius();
    try {
      const watch = (monitor: string) => oneServiceCf('radius', 'radius', '1m', monitor);
      const source = tmp.write(
        'radius-mon.cf',
        watch(`radius.monitor --username ${RADIUS_USER} --password=${RADIUS_PASSWORD} --secret ${RADIUS_SECRET} --port ${radiusd.port} --attempts 2 --dictionary /etc/radius/dictionary`),
      );
      const report = importReport('mon', source);
      expect(report.config.services.radius.check).toEqual({
        type: 'radius',
        port: radiusd.port,
        user: RADIUS_USER,
        password: RADIUS_PASSWORD,
        secret: RADIUS_SECRET,
        expect: ['accept', 'challenge'],
        retries: 2,
      });
      expect(report.config.services.radius.timeout).toBe('15s'); // three tries of Authen::Radius's 5 seconds
      const behaviour = JSON.stringify(report.behaviour);
      expect(behaviour).toContain('--secret and --password are written into the config as mon.cf had them');
      expect(behaviour).toContain('--dictionary is not needed');
      const probe = await probeImported('mon', source, tmp.path('radius-mon.yaml'));
      expect(probe.stdout).toMatch(new RegExp(`UP\\s+radius/127\\.0\\.0\\.1\\s+[\\d.]+ms\\s+radius 127\\.0\\.0\\.1:${radiusd.port}: Access-Accept`));
      expect(probe.code).toBe(0);

      // No options: the monitor's own defaults (port 1645, 9 attempts, username/password/radius-secret); --attempts=0 is 9 too (Perl's ||=).
      const defaults = importReport('mon', tmp.write('radius-defaults.cf', watch('radius.monitor --attempts=0')));
      expect(defaults.config.services.radius.check).toEqual({
        type: 'radius',
        port: 1645,
        user: 'username',
        password: 'password',
        secret: 'radius-secret',
        expect: ['accept', 'challenge'],
        retries: 9,
      });
      expect(JSON.stringify(defaults.behaviour)).toContain('without --username, --password, --secret the monitor sends its built-in defaults');
      const abbreviated = importReport('mon', tmp.write('radius-abbreviated.cf', watch(`radius.monitor --user ${RADIUS_USER} --secret ${RADIUS_SECRET}`)));
      expect(abbreviated.config.services.radius.check).toMatchObject({ type: 'script', convention: 'mon' });
    } finally {
      await radiusd.stop();
    }
  });
});

describe("mon's fping.monitor and ping.monitor become the built-in icmp check", () => {
  /** A watch of 127.0.0.1 with a service per monitor line: ping1, ping2, … */
  const monCf = (...monitors: string[]) =>
    ['hostgroup lo 127.0.0.1', '', 'watch lo', ...monitors.flatMap((monitor, i) => [`    service ping${i + 1}`, '        interval 1m', `        monitor ${monitor}`]), ''].join('\n');
  const translated = [
    'fping.monitor -r 1 -t 500 -T', // two requests; fping waits 500 ms, then 750 ms
    'fping.monitor -t 1000', // fping's 3 retries: 1 + 1.5 + 2.25 + 3.375 s
    'fping.monitor -r 0', // Perl's ||: -r 0 is the default 3
    'ping.monitor', // ping -c 1: 10 s without a reply
    'ping.monitor -c 3',
  ];

  it('-r retries become requests and fping\'s whole wait the timeout, -T is listed; ping.monitor -c likewise; what the check cannot judge stays the monitor', () => {
    const source = tmp.write('icmp-mon.cf', monCf(...translated));
    const report = importReport('mon', source);
    const services = report.config.services as Record<string, Json>;
    expect(Object.values(services).map((service) => [service.timeout, service.check, service.batch])).toEqual([
      ['1s250ms', { type: 'icmp', count: 2 }, undefined],
      ['8s125ms', { type: 'icmp', count: 4 }, undefined],
      ['16s250ms', { type: 'icmp', count: 4 }, undefined],
      ['10s', { type: 'icmp', count: 1 }, undefined],
      ['12s', { type: 'icmp', count: 3 }, undefined],
    ]);
    const behaviour = JSON.stringify(report.behaviour);
    expect(behaviour).toContain('-T: the monitor adds a traceroute of each unreachable host to the alert');
    expect(behaviour).toContain('the icmp check sends all 2, 200 ms apart, and takes a reply to any of them');
    expect(report.untranslated).toEqual([]);
    expect(importValidConfig('mon', source, tmp.path('icmp-mon.yaml'))).toMatch(/# icmp-mon\.cf:6 monitor fping\.monitor -r 1 -t 500 -T\n\s+# replaced by the built-in icmp check/);

    // -a judges the group, -s fails slow hosts (warn_latency only warns), -h prints the usage, -6
    // pings IPv6 addresses; a flag the monitor does not know, a host of its own, a count out of range.
    const kept = ['fping.monitor -a', 'fping.monitor -s 500', 'fping.monitor -h', 'fping.monitor -r x', 'fping.monitor -x', 'fping.monitor 192.0.2.1', 'ping.monitor -6', 'ping.monitor -c 0', 'up_rtt.monitor -T 2'];
    const stays = importReport('mon', tmp.write('icmp-kept.cf', monCf(...kept)));
    expect(Object.values(stays.config.services as Record<string, Json>).map((service) => [service.check.type, service.check.convention, service.batch])).toEqual(kept.map(() => ['script', 'mon', true]));
    // The comment says which flag kept it.
    const keptYaml = tmp.path('icmp-kept.yaml');
    expect(runVigil(['import', 'mon', tmp.path('icmp-kept.cf'), '-o', keptYaml]).code).toBe(0);
    const keptText = readFileSync(keptYaml, 'utf8');
    expect(keptText).toMatch(/monitor fping\.monitor -a\n.*\(-a: the group fails only when every host does/);
    expect(keptText).toMatch(/monitor fping\.monitor -s 500\n.*\(-s: a slow reply is a failure/);
    expect(keptText).toMatch(/monitor ping\.monitor -6\n.*\(-6: ping6 checks a name's IPv6 address/);
    expect(keptText).toMatch(/monitor ping\.monitor -c 0\n.*\(-c 0: the icmp check sends 1 to 100 echo requests\)/);
    // --keep-monitors keeps every monitor as it is.
    const keep = importReport('mon', source, ['--keep-monitors']);
    expect(Object.values(keep.config.services as Record<string, Json>).map((service) => [service.check.command, service.check.args, service.batch])).toEqual(
      translated.map((line) => {
        const [monitor, ...args] = line.split(' ');
        return [`${MON_D}/${monitor}`, args.length ? args : undefined, true];
      }),
    );
  });

  it.skipIf(process.getuid?.() !== 0)('the imported icmp checks are up on loopback (vigil probe; needs root for a raw socket)', async () => {
    const probe = await probeImported('mon', tmp.write('icmp-probe.cf', monCf(...translated)), tmp.path('icmp-probe.yaml'));
    for (const [i, replies] of [2, 4, 4, 1, 3].entries()) {
      expect(probe.stdout).toMatch(new RegExp(`^UP\\s+ping${i + 1}/127\\.0\\.0\\.1\\s+[\\d.]+ms\\s+${replies}/${replies} replies, rtt `, 'm'));
    }
    expect(probe.code).toBe(0);
  });
});

describe('a director run by an imported mon.cf, with mon\'s own monitors and alerts', () => {
  const octet = 60 + (process.pid % 150);
  const hosts = [`127.${octet}.7.1`, `127.${octet}.7.2`];
  const VIP = '192.0.2.20:80';
  let servers: HttpTestServer[] = [];
  let daemon: VigilDaemon | undefined;

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && daemon) console.log(daemon.output());
    await daemon?.stop();
    await Promise.all(servers.map((server) => server.stop()));
    servers = [];
  });

  async function startServers(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const first = await startHttpServer({}, hosts[0]!);
      try {
        servers = [first, await startHttpServer({}, hosts[1]!, first.port)];
        return first.port;
      } catch (err) {
        await first.stop();
        if (attempt > 5) throw err;
      }
    }
  }

  it('removes a failing real server with an LVS alert written for mon, re-adds it on recovery, and file.alert logs both', async (context) => {
    if (!haveMon) return context.skip(skipReason);
    const dir = tempDir('vigil-import-mon-run-');
    try {
      const port = await startServers();
      const env = doubleEnv(dir.dir);
      // The operator's own alert script, as LVS directors run with mon have them: -h names the real
      // server (one host group per real server), -u marks the up alert, the argument is the VIP.
      mkdirSync(dir.path('alert.d'));
      const lvsAlert = dir.write(
        'alert.d/lvs.alert',
        `#!/bin/sh
up=
while getopts s:g:h:t:u opt; do
  case $opt in h) host=$OPTARG ;; u) up=1 ;; esac
done
shift $((OPTIND - 1))
if [ -n "$up" ]; then exec "$IPVSADM" -a -t "$1" -r "$host:$RSPORT" -m -w 1; fi
exec "$IPVSADM" -d -t "$1" -r "$host:$RSPORT"
`,
      );
      chmodSync(lvsAlert, 0o755);
      const service = (group: string) => `watch ${group}
    service http
        description web via mon's http.monitor
        IPVSADM=${IPVSADM_DOUBLE}
        RSPORT=${port}
        IPVSADM_DOUBLE_STATE=${env.IPVSADM_DOUBLE_STATE}
        IPVSADM_DOUBLE_LOG=${env.IPVSADM_DOUBLE_LOG}
        interval 4s
        monitor http.monitor -p ${port} -u /health -t 2
        period wd {Sun-Sat}
            alert file.alert -d ${dir.dir} alerts.log
            upalert file.alert -d ${dir.dir} alerts.log
            alertevery 10m
        period LVS: wd {Sun-Sat}
            alert lvs.alert ${VIP}
            upalert lvs.alert ${VIP}
            numalerts 1
    service tcp
        interval 4s
        monitor tcp.monitor -p ${port} -t 2
        period
            alert file.alert -d ${dir.dir} alerts.log
            upalert file.alert -d ${dir.dir} alerts.log
            alertevery 10m
`;
      const monCf = dir.write(
        'mon.cf',
        `alertdir = /usr/lib/mon/alert.d:${dir.path('alert.d')}
mondir = ${MON_D}
maxprocs = 20
dtlogfile = dtlog

hostgroup rs1 ${hosts[0]}

hostgroup rs2 ${hosts[1]}

${service('rs1')}
${service('rs2')}`,
      );
      const imported = importConfig('mon', monCf, dir.path('vigil.yaml'), ['--keep-monitors', '--interval-scale', '0.1'], [
        [['history', 'path'], dir.path('history.db')],
        [['history', 'flush_interval'], '50ms'],
        [['defaults', 'spread'], '50ms'],
        // The scaled timeout (400ms) is too tight for a perl monitor on a loaded test machine: a
        // healthy rs1 would time out and be pulled from the pool.
        ...['rs1-http', 'rs1-tcp', 'rs2-http', 'rs2-tcp'].map((name): [string[], string] => [['services', name, 'timeout'], '3s']),
      ]);
      expect(imported.text).toMatch(/command: \/usr\/lib\/mon\/mon\.d\/http\.monitor/);
      expect(imported.text).toMatch(new RegExp(`command: ${dir.path('alert.d')}/lvs\\.alert`));
      expect(checkConfig(imported.file).code).toBe(0);
      expect(runVigil(['import', 'mon', monCf, '--check']).stdout).toMatch(/mon alert scripts get -s and MON_SERVICE with that name where mon passed the bare service name \(http\)/);

      // The virtual service as the operator set it up, both real servers in.
      for (const argv of [['-A', '-t', VIP, '-s', 'wlc'], ...hosts.map((host) => ['-a', '-t', VIP, '-r', `${host}:${port}`, '-m', '-w', '1'])]) {
        expect(runDouble({ ...env, IPVSADM_DOUBLE_LOG: '' }, argv).code).toBe(0);
      }
      const full = hosts.map((host) => `${host}:${port}=1`).sort();
      daemon = VigilDaemon.run(imported.file, [], { cwd: dir.dir });
      await daemon.waitForLine(/rs2-http\/\S+ UNKNOWN → UP/);
      expect(servers[1]!.requests.some((request) => request.headers['user-agent'] === 'mon.d/http.monitor')).toBe(true);

      await servers[1]!.stop();
      await waitForPool(env, VIP, [`${hosts[0]}:${port}=1`], 'rs2 removed');
      expect(changes(env)).toEqual([['-d', '-t', VIP, '-r', `${hosts[1]}:${port}`]]);
      await waitFor(() => existsSync(dir.path('alerts.log')) && /^failure rs2 rs2-tcp /m.test(readFileSync(dir.path('alerts.log'), 'utf8')), 'file.alert logged the tcp failure');
      const log = readFileSync(dir.path('alerts.log'), 'utf8');
      // file.alert's own format: type, group, service, time, summary; then DESCR= and OPSTATUS=.
      expect(log).toMatch(new RegExp(`^failure rs2 rs2-http \\d+ \\(.*\\) ${hosts[1]!.replace(/\./g, '\\.')}\\nDESCR=web via mon's http\\.monitor\\nOPSTATUS=0\\n`, 'm'));
      await waitFor(() => readOutages(dir.path('history.db')).some((o) => o.key === `rs2-tcp/${hosts[1]}` && /could not connect/.test(o.cause)), "tcp.monitor's failure recorded");

      await servers[1]!.start();
      await waitForPool(env, VIP, full, 'rs2 back');
      expect(changes(env)).toEqual([
        ['-d', '-t', VIP, '-r', `${hosts[1]}:${port}`],
        ['-a', '-t', VIP, '-r', `${hosts[1]}:${port}`, '-m', '-w', '1'],
      ]);
      await waitFor(() => /^up rs2 rs2-http \d+/m.test(readFileSync(dir.path('alerts.log'), 'utf8')), 'file.alert logged the up alert');
      expect(readFileSync(dir.path('alerts.log'), 'utf8')).not.toMatch(/ rs1 /); // rs1 never failed
      expect(await daemon.stop()).toBe(0);
    } finally {
      dir.cleanup();
    }
  });
});
