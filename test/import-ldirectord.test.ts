// `vigil import ldirectord`: an ldirectord.cf with quiescent, a fallback and an HTTP negotiate
// check, translated and then run against real HTTP servers on loopback and the ipvsadm double —
// failed servers quiesced, restored on recovery, the fallback in while all are down.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importConfig, importReport, importValidConfig, lvsTrialEdits, probeImported } from './helpers/import-config.js';
import { changes, doubleEnv, pool, waitForPool, type DoubleEnv } from './helpers/ipvsadm-double.js';
import { MONITOR_PASSWORD, MONITOR_USER, startMariadb } from './helpers/database-servers.js';
import { LDAP_BASE, MONITOR_DN, MONITOR_PASSWORD as LDAP_MONITOR_PASSWORD, startSlapd } from './helpers/ldap-server.js';
import { RADIUS_PASSWORD, RADIUS_SECRET, RADIUS_USER, startFreeradius } from './helpers/radius-server.js';
import { startKamailio } from './helpers/sip-server.js';
import { closedPort, startHttpServer, type HttpTestServer } from './helpers/servers.js';
import { startSmtpServer, type ArrivedMail } from './helpers/smtp-server.js';
import { tempDir } from './helpers/temp-dir.js';
import { daemonFixture, runVigil, runVigilAsync } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let tmp: ReturnType<typeof tempDir>;
let env: DoubleEnv;
let servers: HttpTestServer[];
const daemons = daemonFixture(() => ({ cwd: tmp.dir, env }));
const stops: Array<() => Promise<void>> = [];
const VIP = '192.0.2.30:80';
const FALLBACK = '127.0.0.99:8099';

beforeEach(async () => {
  tmp = tempDir('vigil-import-ld-');
  env = doubleEnv(tmp.dir);
  servers = await Promise.all([startHttpServer(), startHttpServer(), startHttpServer()]);
});

afterEach(async (context) => {
  await daemons.stopAll(context);
  for (const stop of stops.splice(0)) await stop();
  await Promise.all(servers.map((server) => server.stop()));
  tmp.cleanup();
});

/** A realistic ldirectord.cf for the three local servers (the layout of Debian's example). */
function ldirectordCf(moreGlobals = ''): string {
  return `# Global Directives
checktimeout=3
negotiatetimeout=4
checkinterval=3
autoreload=yes
logfile="local0"
quiescent=yes
emailalert="ops@example.com"
${moreGlobals}
# Web site: HTTP negotiate check, quiescent, and a fallback server
virtual=${VIP}
\tservicename=www
\treal=127.0.0.1:${servers[0]!.port} masq 2
\treal=127.0.0.1:${servers[1]!.port} masq
\treal=127.0.0.1:${servers[2]!.port} masq
\tfallback=${FALLBACK} masq
\tservice=http
\trequest="health"
\treceive="ok"
\tvirtualhost=www.example.com
\tscheduler=wrr
\tprotocol=tcp
\tchecktype=negotiate
\tmonitorfile="/var/log/ldirectord-www.log"
`;
}

describe('vigil import ldirectord', () => {
  it('translates virtual=, real=, negotiate, quiescent, fallback and emailalert, and --check says quiescent is kept', () => {
    const source = tmp.write('ldirectord.cf', ldirectordCf());
    const result = runVigil(['import', 'ldirectord', source, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Json;
    const www = report.config.virtual_servers.www;
    expect(www).toEqual({
      description: 'www',
      virtual: VIP,
      scheduler: 'wrr',
      forwarding: 'nat',
      on_down: 'quiesce',
      cleanstop: true,
      sorry_server: FALLBACK,
      interval: '3s',
      timeout: '4s',
      rise: 1,
      fall: 1,
      initial_state: 'down',
      real_servers: [{ address: '127.0.0.1', port: servers[0]!.port, weight: 2 }, `127.0.0.1:${servers[1]!.port}`, `127.0.0.1:${servers[2]!.port}`],
      check: { type: 'http', path: '/health', host_header: 'www.example.com', expect_status: '200-299', follow_redirects: true, expect_body: 'ok' },
      alerts: ['ldirectord-mail'],
    });
    expect(report.config.alerts['ldirectord-mail']).toMatchObject({ type: 'mail', to: ['ops@example.com'] });
    expect(report.placeholders.map((p: Json) => p.path)).toEqual(['alerts.ldirectord-mail.host', 'alerts.ldirectord-mail.from']);
    expect(report.config.auto_reload).toBe('3s'); // autoreload=yes: looked at every checkinterval, as ldirectord does
    expect(report.untranslated.map((item: Json) => [item.line, item.text])).toEqual([
      [6, 'logfile="local0"'],
      [24, 'monitorfile="/var/log/ldirectord-www.log"'],
    ]);

    const check = runVigil(['import', 'ldirectord', source, '--check']);
    expect(check.stdout).toMatch(/ldirectord\.cf:11\n {6}virtual=192\.0\.2\.30:80: quiescent=yes is kept: a failed real server stays in the table with weight 0 \(on_down: quiesce\)/);
    expect(check.stdout).toMatch(/To fill in before use:\n {2}alerts\.ldirectord-mail\.host: the SMTP server/);
    importValidConfig('ldirectord', source, tmp.path('vigil.yaml'));
  });

  it('reports a blank line inside a virtual section (ldirectord refuses the lines after it) and unknown settings, with lines', () => {
    const source = tmp.write('broken.cf', `checkinterval=5\nfrobnicate=1\n\nvirtual=${VIP}\n\treal=127.0.0.1:8080 masq\n\n\tservice=http\n\twobble=yes\n`);
    const report = importReport('ldirectord', source);
    expect(report.problems).toEqual([expect.objectContaining({ line: 7, message: expect.stringMatching(/"service=http" follows a blank line \(line 6\) inside the virtual=192\.0\.2\.30:80 section \(line 4\): ldirectord ends the section at the blank line/) })]);
    expect(report.untranslated.map((item: Json) => [item.line, item.text, item.reason])).toEqual([
      [2, 'frobnicate=1', expect.stringMatching(/not an ldirectord setting/)],
      [8, 'wobble=yes', expect.stringMatching(/not an ldirectord virtual setting/)],
    ]);
  });

  it('a real= with its own "request", "receive" (or none, where others have one) gets a check of its own', () => {
    const source = tmp.write(
      'per-real.cf',
      `virtual=192.0.2.80:80\n\treal=10.0.0.1:80 masq 1 "status", "up"\n\treal=10.0.0.2:80 masq 2\n\treal=10.0.0.3:80 masq 1 "status", "up"\n\tservice=http\n\tchecktype=negotiate\n\trequest="health"\n\treceive="ok"\n`,
    );
    const report = importReport('ldirectord', source);
    expect(report.untranslated).toEqual([]);
    const server = report.config.virtual_servers['tcp-192.0.2.80-80'];
    expect(server.check).toMatchObject({ type: 'http', path: '/status', expect_body: 'up' });
    // 10.0.0.2 has no pair of its own: ldirectord checks it with the virtual's request= and receive=.
    expect(server.real_servers).toEqual([
      '10.0.0.1:80',
      { address: '10.0.0.2', port: 80, weight: 2, check: { ...server.check, path: '/health', expect_body: 'ok' } },
      '10.0.0.3:80',
    ]);
    importValidConfig('ldirectord', source, tmp.path('per-real.yaml'));
  });

  it('a second virtual= for the same service is a problem in the source (ldirectord refuses it), not a second virtual server', () => {
    // ldirectord.cf's sample sections, enabled as they are shipped: two of them are 192.168.6.240:80.
    const section = (reals: string) => `virtual=192.168.6.240:80\n${reals}\tfallback=127.0.0.1:80 gate\n\tservice=http\n\tscheduler=rr\n\tprotocol=tcp\n\tchecktype=negotiate\n\trequest="index.html"\n\treceive="Test Page"\n`;
    const source = tmp.write(
      'dup.cf',
      'checktimeout=3\ncheckinterval=1\n' +
        section('\treal=192.168.6.2:80 gate\n\treal=192.168.6.3:80 gate\n') +
        '\n' +
        section('\treal=192.168.6.2->192.168.6.7:80 gate\n\treal=192.168.6.32:80 gate\n') +
        '\nvirtual=1\n\treal=192.168.6.2 gate\n\tprotocol=fwm\n\tchecktype=connect\n\tcheckport=80\n' +
        '\nvirtual=1\n\treal=192.168.6.3 gate\n\tprotocol=fwm\n\tchecktype=connect\n\tcheckport=80\n',
    );
    const report = importReport('ldirectord', source);
    expect(Object.keys(report.config.virtual_servers)).toEqual(['tcp-192.168.6.240-80', 'fwmark-1']);
    expect(report.config.virtual_servers['tcp-192.168.6.240-80'].real_servers).toEqual(['192.168.6.2:80', '192.168.6.3:80']);
    expect(report.problems.map((item: Json) => [item.line, item.message])).toEqual([
      [14, 'virtual=192.168.6.240:80 is tcp 192.168.6.240:80 again (first at line 3): ldirectord refuses this config ("duplicate virtual server"); only the first is imported'],
      [31, 'virtual=1 is fwmark 1 again (first at line 25): ldirectord refuses this config ("duplicate virtual server"); only the first is imported'],
    ]);
    expect(report.untranslated.map((item: Json) => [item.line, item.text, item.reason])).toEqual([
      [14, 'virtual=192.168.6.240:80', 'a second section for tcp 192.168.6.240:80: not imported, and its real servers (192.168.6.2->192.168.6.7:80 gate; 192.168.6.32:80 gate) are not merged into the first; move the ones you want to line 3'],
      [31, 'virtual=1', 'a second section for fwmark 1: not imported, and its real servers (192.168.6.3 gate) are not merged into the first; move the ones you want to line 25'],
    ]);
    expect(runVigil(['import', 'ldirectord', source, '--check']).stdout).toMatch(/2 problem\(s\) in the source/);
  });

  it('persistent=0 (ipvsadm refuses -p 0) is a problem in the source and imported not persistent, its netmask= listed', () => {
    const source = tmp.write(
      'persistent0.cf',
      'virtual=192.168.6.240:25\n\treal=192.168.16.3:25 masq\n\treal=192.168.16.5:25 masq\n\tservice=smtp\n\tscheduler=wlc\n\tprotocol=tcp\n\tpersistent=0\n\tnetmask=255.255.255.0\n\tchecktype=negotiate\n',
    );
    const report = importReport('ldirectord', source);
    expect(report.config.virtual_servers['tcp-192.168.6.240-25']).not.toHaveProperty('persistent');
    expect(report.config.virtual_servers['tcp-192.168.6.240-25']).not.toHaveProperty('netmask');
    expect(report.problems.map((item: Json) => [item.line, item.message])).toEqual([
      [7, 'persistent=0: ldirectord runs ipvsadm with -p 0, which ipvsadm refuses (it takes 1 to 2678400 seconds), so virtual=192.168.6.240:25 is not set up; imported not persistent'],
    ]);
    expect(report.untranslated.map((item: Json) => [item.line, item.text])).toEqual([[8, 'netmask=255.255.255.0']]);
  });

  it('checkport= is the check\'s port whatever the forwarding (ld_checkport), not written where it is the real servers\' own', () => {
    // Sections of ldirectord.cf's samples, enabled.
    const source = tmp.write(
      'checkport.cf',
      'virtual=192.168.84.5:389\n\treal=10.0.1.4:389 masq\n\treal=10.0.1.6:389 masq\n\tservice=ldap\n\tscheduler=wlc\n\tprotocol=tcp\n\tchecktype=negotiate\n\tcheckport=369\n' +
        'virtual=1\n\treal=192.168.6.2 gate\n\treal=192.168.6.3 gate\n\tservice=http\n\tscheduler=rr\n\tprotocol=fwm\n\tchecktype=negotiate\n\tcheckport=80\n\trequest="index.html"\n\treceive="Test Page"\n' +
        'virtual=192.168.6.240:80\n\treal=192.168.6.2:80 gate\n\treal=192.168.6.3:80 gate\n\tservice=http\n\tscheduler=rr\n\tprotocol=tcp\n\tchecktype=negotiate\n\tcheckport=80\n\trequest="index.html"\n\treceive="Test Page"\n',
    );
    const report = importReport('ldirectord', source);
    const servers = report.config.virtual_servers;
    expect(servers['tcp-192.168.84.5-389']).toMatchObject({ forwarding: 'nat', real_servers: ['10.0.1.4:389', '10.0.1.6:389'], check: { type: 'ldap', port: 369 } });
    expect(servers['fwmark-1']).toMatchObject({ real_servers: ['192.168.6.2', '192.168.6.3'], check: { type: 'http', port: 80, path: '/index.html' } });
    expect(servers['tcp-192.168.6.240-80'].real_servers).toEqual(['192.168.6.2:80', '192.168.6.3:80']);
    expect(servers['tcp-192.168.6.240-80'].check).not.toHaveProperty('port');
    expect(report.untranslated).toEqual([]);
  });

  it('scheduler= that is not an IPVS scheduler is a problem in the source (ipvsadm cannot create the service) and imported without scheduler', () => {
    const source = tmp.write('scheduler.cf', 'virtual=192.168.6.240:80\n\treal=192.168.6.2:80 gate\n\tservice=http\n\tscheduler=roundrobin\n\tchecktype=negotiate\n');
    const report = importReport('ldirectord', source);
    expect(report.config.virtual_servers['tcp-192.168.6.240-80']).not.toHaveProperty('scheduler');
    expect(report.problems.map((item: Json) => [item.line, item.message])).toEqual([
      [4, "scheduler=roundrobin is not an IPVS scheduler (rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos): ipvsadm cannot create virtual=192.168.6.240:80 with it; imported without scheduler, so Vigil's default, wlc"],
    ]);
  });

  it('service=ftp: request= and receive= (the file ldirectord downloads, what it wants in it) are listed as not translated', () => {
    const source = tmp.write(
      'ftp.cf',
      'virtual=192.168.6.240:21\n\treal=192.168.16.3:21 masq\n\treal=192.168.16.5:21 masq\n\tservice=ftp\n\tscheduler=rr\n\tprotocol=tcp\n\tchecktype=negotiate\n\tlogin="anonymous"\n\tpasswd="ldirectord@localhost"\n\trequest="welcome.msg"\n\treceive="test"\n',
    );
    const report = importReport('ldirectord', source);
    expect(report.config.virtual_servers['tcp-192.168.6.240-21'].check).toEqual({ type: 'tcp', banner: 'ftp' });
    const download = "ldirectord's ftp check logs in, downloads the request= file and looks for receive= in it; Vigil's tcp check reads the FTP greeting only (a script check can do the download)";
    expect(report.untranslated.map((item: Json) => [item.line, item.text, item.reason])).toEqual([
      [8, 'login="anonymous"', expect.any(String)],
      [9, 'passwd="ldirectord@localhost"', expect.any(String)],
      [10, 'request="welcome.msg"', download],
      [11, 'receive="test"', download],
    ]);
  });

  it('checkcommand= with arguments becomes command and args (before ldirectord\'s four), and --check says ldirectord could not run it', () => {
    const source = tmp.write(
      'external.cf',
      'virtual=192.168.6.240:8080\n\treal=192.168.16.3:8080 masq\n\treal=192.168.16.5:8080 masq\n\tchecktype=external\n\tcheckcommand="/usr/local/bin/check-app --strict"\n',
    );
    const report = importReport('ldirectord', source);
    expect(report.config.virtual_servers['tcp-192.168.6.240-8080'].check).toEqual({
      type: 'script',
      convention: 'exit_code',
      command: '/usr/local/bin/check-app',
      args: ['--strict', '192.168.6.240', '8080', '{address}', '{port}'],
    });
    expect(report.behaviour).toContainEqual(
      expect.objectContaining({
        line: 4,
        change: 'virtual=192.168.6.240:8080: checkcommand="/usr/local/bin/check-app --strict": ldirectord execs the whole string as one program name (with its four arguments), which fails, so its check always failed; Vigil runs /usr/local/bin/check-app with --strict before the four arguments',
      }),
    );
    importValidConfig('ldirectord', source, tmp.path('external.yaml'));
  });

  it('httpmethod=HEAD with receive= (a HEAD answer has no body) keeps HEAD without expect_body, and --check says so', () => {
    const source = tmp.write(
      'head.cf',
      'virtual=192.168.6.240:80\n\treal=192.168.6.2:80 gate\n\treal=192.168.6.3:80 gate\n\tservice=http\n\tchecktype=negotiate\n\thttpmethod=HEAD\n\trequest="index.html"\n\treceive="Test Page"\n',
    );
    const report = importReport('ldirectord', source);
    expect(report.config.virtual_servers['tcp-192.168.6.240-80'].check).toEqual({ type: 'http', path: '/index.html', method: 'HEAD', expect_status: '200-299', follow_redirects: true });
    expect(report.behaviour.map((item: Json) => item.change)).toContain(
      'virtual=192.168.6.240:80: httpmethod=HEAD with receive="Test Page": a HEAD answer has no body, so ldirectord\'s check never matched and every real server stayed down; Vigil keeps HEAD without expect_body (up on a 2xx)',
    );
  });

  it('checktype=ping, and connect on a UDP service (ldirectord pings), become the icmp check with checkcount requests, valid and up on loopback', async (context) => {
    const source = tmp.write(
      'ping.cf',
      'checktimeout=2\ncheckcount=3\nvirtual=192.0.2.70:80\n\treal=127.0.0.1:80 gate\n\tchecktype=ping\nvirtual=192.0.2.71:53\n\tprotocol=udp\n\treal=127.0.0.1:53 gate\n\tchecktype=connect\n',
    );
    const report = importReport('ldirectord', source);
    // checktimeout for each of the three requests, and a second more.
    expect(report.config.virtual_servers['tcp-192.0.2.70-80']).toMatchObject({ timeout: '7s', check: { type: 'icmp', count: 3 } });
    expect(report.config.virtual_servers['udp-192.0.2.71-53']).toMatchObject({ timeout: '7s', check: { type: 'icmp', count: 3 } });
    expect(report.untranslated).toEqual([]);
    expect(report.behaviour.map((item: Json) => item.change)).not.toContainEqual(expect.stringMatching(/icmp|checkcount/)); // nothing differs from ldirectord's ping
    const { file, text } = importConfig('ldirectord', source, tmp.path('ping.yaml'));
    expect(text).toMatch(/# checktype=ping: an icmp check, 3 echo requests from Vigil's own raw socket \(up when any reply comes back\)/);
    expect(text).toMatch(/# checktype=connect on UDP \(ldirectord pings\): an icmp check/);
    expect(runVigil(['check-config', '-c', file]).code).toBe(0);

    // More requests than the icmp check sends: it sends its most, and says so.
    const many = importReport('ldirectord', tmp.write('many.cf', 'checkcount=150\nvirtual=192.0.2.72:80\n\treal=127.0.0.1:80 gate\n\tchecktype=ping\n'));
    expect(many.config.virtual_servers['tcp-192.0.2.72-80'].check).toEqual({ type: 'icmp', count: 100 });
    expect(JSON.stringify(many.behaviour)).toContain('checkcount=150: the icmp check sends 1 to 100 echo requests; it sends 100');

    if (process.getuid?.() !== 0) return context.skip('needs root (or CAP_NET_RAW) for a raw ICMP socket');
    const probe = await runVigilAsync(['probe', '-c', file]);
    expect(probe.stdout).toMatch(/^UP\s+tcp-192\.0\.2\.70-80\/127\.0\.0\.1:80\s+[\d.]+ms\s+3\/3 replies, rtt /m);
    expect(probe.stdout).toMatch(/^UP\s+udp-192\.0\.2\.71-53\/127\.0\.0\.1:53\s+[\d.]+ms\s+3\/3 replies, rtt /m);
    expect(probe.code).toBe(0);
  });

  it('service=ldap: login, passwd, request and receive become an ldap check (bind, base search, DN match), run against a real slapd', async () => {
    const slapd = await startSlapd();
    stops.push(slapd.stop);
    const source = tmp.write(
      'ldap.cf',
      `checktimeout=4
negotiatetimeout=10

virtual=192.0.2.40:389
\treal=127.0.0.1:${slapd.port} masq
\tservice=ldap
\tlogin="${MONITOR_DN}"
\tpasswd="${LDAP_MONITOR_PASSWORD}"
\trequest="ou=private,${LDAP_BASE}"
\treceive="^ou=private,"
\tdatabase="unused"

virtual=192.0.2.41:389
\treal=127.0.0.1:${slapd.port} masq
\tlogin="${MONITOR_DN}"

virtual=192.0.2.42:636
\treal=10.0.0.1 gate
`,
    );
    const report = importReport('ldirectord', source);
    const servers = report.config.virtual_servers;
    expect(servers['tcp-192.0.2.40-389']).toMatchObject({
      timeout: '4s', // ldirectord's alarm around the whole LDAP check is checktimeout
      check: { type: 'ldap', bind_dn: MONITOR_DN, password: LDAP_MONITOR_PASSWORD, base: `ou=private,${LDAP_BASE}`, expect: '^ou=private,' },
    });
    // Port 389 is service=ldap by default; login= without passwd= binds anonymously in ldirectord too.
    expect(servers['tcp-192.0.2.41-389'].check).toEqual({ type: 'ldap' });
    // ldirectord has no ldaps: port 636 defaults to service=none, every real server up.
    expect(servers['tcp-192.0.2.42-636'].check).toEqual({ type: 'script', convention: 'exit_code', command: 'true' });
    expect(report.untranslated.map((item: Json) => [item.line, item.text])).toEqual([[11, 'database="unused"']]);
    const behaviour = JSON.stringify(report.behaviour);
    expect(behaviour).toContain('service=ldap: passwd= is written into the config as ldirectord.cf had it');
    expect(behaviour).toContain('service=ldap with login= but no passwd=: ldirectord binds anonymously, and so does Vigil');

    // The imported checks, run once against the slapd: cn=monitor reads ou=private, anonymous the root DSE.
    const probe = await probeImported('ldirectord', source, tmp.path('ldap.yaml'), ['--host', '127.0.0.1']);
    expect(probe.stdout).toMatch(new RegExp(`^UP\\s+tcp-192\\.0\\.2\\.40-389/\\S+\\s+[\\d.]+ms\\s+ldap 127\\.0\\.0\\.1:${slapd.port}: search of ou=private,dc=example,dc=test returned 1 entry$`, 'm'));
    expect(probe.stdout).toMatch(new RegExp(`^UP\\s+tcp-192\\.0\\.2\\.41-389/\\S+\\s+[\\d.]+ms\\s+ldap 127\\.0\\.0\\.1:${slapd.port}: search of the root DSE returned 1 entry$`, 'm'));
    expect(probe.code).toBe(0);
  });

  it('service=radius: login, passwd and secret become a radius check (Access-Accept only, as check_radius), run against a real FreeRADIUS', async () => {
    const radiusd = await startFreeradius();
    stops.push(radiusd.stop);
    const source = tmp.write(
      'radius.cf',
      `checktimeout=4
negotiatetimeout=10

virtual=192.0.2.50:1812
\tprotocol=udp
\treal=127.0.0.1:${radiusd.port} masq
\tservice=radius
\tlogin="${RADIUS_USER}"
\tpasswd="${RADIUS_PASSWORD}"
\tsecret="${RADIUS_SECRET}"
\tdatabase="unused"

virtual=192.0.2.51:1812
\tprotocol=udp
\treal=127.0.0.1:${radiusd.port} masq
\tlogin="${RADIUS_USER}"
\tpasswd="not-the-password"
\tsecret="${RADIUS_SECRET}"

virtual=192.0.2.52:1812
\tprotocol=udp
\treal=10.0.0.1 gate
\tservice=radius
\tlogin="${RADIUS_USER}"

virtual=192.0.2.53:80
\treal=10.0.0.2 gate
\tservice=http
\tsecret="${RADIUS_SECRET}"
`,
    );
    const report = importReport('ldirectord', source);
    const servers = report.config.virtual_servers;
    expect(servers['udp-192.0.2.50-1812']).toMatchObject({
      timeout: '4s', // the shorter of checktimeout (ldirectord's alarm) and negotiatetimeout (Authen::Radius's wait)
      check: { type: 'radius', user: RADIUS_USER, password: RADIUS_PASSWORD, secret: RADIUS_SECRET },
    });
    // Port 1812 is service=radius by default.
    expect(servers['udp-192.0.2.51-1812'].check).toEqual({ type: 'radius', user: RADIUS_USER, password: 'not-the-password', secret: RADIUS_SECRET });
    // Without secret= ldirectord's request cannot be accepted: a UDP probe stands in.
    expect(servers['udp-192.0.2.52-1812'].check).toEqual({ type: 'udp', no_reply_ok: true });
    expect(report.untranslated.map((item: Json) => [item.line, item.text, item.reason])).toEqual([
      [11, 'database="unused"', 'only the mysql and pgsql checks use a database'],
      [29, `secret="${RADIUS_SECRET}"`, 'only the radius check (service=radius) uses a shared secret'],
    ]);
    const behaviour = JSON.stringify(report.behaviour);
    expect(behaviour).toContain('service=radius: secret= and passwd= are written into the config as ldirectord.cf had them; move them to files only Vigil can read (secret_file, password_file)');
    expect(behaviour).toContain('service=radius without secret=: ldirectord sends an empty shared secret, which no RADIUS server accepts; a UDP probe stands in');

    // The imported checks, run once against FreeRADIUS: the monitor user is accepted, a wrong password rejected (down, as ldirectord).
    const probe = await probeImported('ldirectord', source, tmp.path('radius.yaml'), ['--host', '127.0.0.1']);
    expect(probe.stdout).toMatch(new RegExp(`^UP\\s+udp-192\\.0\\.2\\.50-1812/\\S+\\s+[\\d.]+ms\\s+radius 127\\.0\\.0\\.1:${radiusd.port}: Access-Accept$`, 'm'));
    expect(probe.stdout).toMatch(new RegExp(`^DOWN\\s+udp-192\\.0\\.2\\.51-1812/\\S+\\s+[\\d.]+ms\\s+radius 127\\.0\\.0\\.1:${radiusd.port}: Access-Reject \\(Reply-Message "Login incorrect"\\), expected Access-Accept$`, 'm'));
    expect(probe.code).toBe(2);
  });

  it('service=sip: an OPTIONS check (login as its address; TCP on protocol=tcp, as check_sip), run against a real Kamailio', async () => {
    const kamailio = await startKamailio();
    stops.push(kamailio.stop);
    const source = tmp.write(
      'sip.cf',
      `checktimeout=4
negotiatetimeout=3

virtual=192.0.2.60:5060
\tprotocol=udp
\treal=127.0.0.1:${kamailio.port} masq
\tservice=sip
\tlogin="monitor@example.org"

virtual=192.0.2.61:5060
\tprotocol=tcp
\treal=127.0.0.1:${kamailio.port} masq
`,
    );
    const report = importReport('ldirectord', source);
    const servers = report.config.virtual_servers;
    expect(servers['udp-192.0.2.60-5060']).toMatchObject({ timeout: '3s', check: { type: 'sip', user: 'monitor@example.org' } });
    // Port 5060 is service=sip by default; protocol=tcp sends the OPTIONS over TCP; no login: the check's default, as ldirectord's.
    expect(servers['tcp-192.0.2.61-5060'].check).toEqual({ type: 'sip', transport: 'tcp' });
    expect(report.untranslated).toEqual([]);
    expect(JSON.stringify(report.behaviour)).toContain('service=sip: ldirectord wants the status line \\"SIP/2.0 200 OK\\" to the letter');

    const probe = await probeImported('ldirectord', source, tmp.path('sip.yaml'), ['--host', '127.0.0.1']);
    expect(probe.stdout).toMatch(new RegExp(`^UP\\s+udp-192\\.0\\.2\\.60-5060/\\S+\\s+[\\d.]+ms\\s+sip 127\\.0\\.0\\.1:${kamailio.port}: SIP/2\\.0 200 OK$`, 'm'));
    expect(probe.stdout).toMatch(new RegExp(`^UP\\s+tcp-192\\.0\\.2\\.61-5060/\\S+\\s+[\\d.]+ms\\s+sip 127\\.0\\.0\\.1:${kamailio.port} \\(tcp\\): SIP/2\\.0 200 OK$`, 'm'));
    expect(probe.code).toBe(0);
  });

  it('runs the import against real servers: quiesce on a failed negotiate (mailed through smtp=), restore, the fallback while all are down', async () => {
    const mails: ArrivedMail[] = [];
    const relay = await startSmtpServer('relay', mails);
    stops.push(relay.stop);
    const source = tmp.write('ldirectord.cf', ldirectordCf(`smtp=127.0.0.1:${relay.port}\nemailalertfrom="lvs@example.com"\n`));
    const imported = importConfig('ldirectord', source, tmp.path('vigil.yaml'), ['--interval-scale', '0.1'], lvsTrialEdits(tmp.path('history.db')));
    expect(imported.text).toMatch(/interval: 300ms/);
    const daemon = daemons.start(imported.file);
    const rs = (i: number, weight: number) => `127.0.0.1:${servers[i]!.port}=${weight}`;
    const full = [rs(0, 2), rs(1, 1), rs(2, 1)];
    await waitForPool(env, VIP, full, 'every real server in at its weight');

    // negotiate: the answer is 200 but the body no longer matches receive="ok".
    servers[1]!.behaviour.body = 'maintenance\n';
    await waitForPool(env, VIP, [rs(0, 2), rs(1, 0), rs(2, 1)], 'www2 quiesced (weight 0), not removed');
    const quiesce = changes(env).findIndex((argv) => argv.join(' ') === `-e -t ${VIP} -r 127.0.0.1:${servers[1]!.port} -m -w 0`);
    expect(quiesce).toBeGreaterThan(0);
    const subject = `[vigil] DOWN: real server 127.0.0.1:${servers[1]!.port} of www is DOWN`;
    await waitFor(() => mails.some((mail) => mail.headers.subject === subject), `a mail with the subject ${subject}`);
    expect(mails.find((mail) => mail.headers.subject === subject)).toMatchObject({ mailFrom: 'lvs@example.com', rcptTo: ['ops@example.com'] });
    servers[1]!.behaviour.body = 'ok\n';
    await waitForPool(env, VIP, full, 'www2 back at weight 1');

    await Promise.all(servers.map((server) => server.stop()));
    await waitForPool(env, VIP, [rs(0, 0), rs(1, 0), rs(2, 0), `${FALLBACK}=1`], 'every real server quiesced and the fallback in');
    await servers[2]!.start();
    await waitForPool(env, VIP, [rs(0, 0), rs(1, 0), rs(2, 1)], 'www3 back and the fallback out');
    const tail = changes(env).slice(-2);
    expect(tail).toEqual([
      ['-e', '-t', VIP, '-r', `127.0.0.1:${servers[2]!.port}`, '-m', '-w', '1'],
      ['-d', '-t', VIP, '-r', FALLBACK],
    ]);

    // cleanstop=yes (ldirectord's default) is kept: a clean stop takes the real servers out.
    expect(await daemon.stop()).toBe(0);
    expect(pool(env, VIP)).toBeUndefined();
  });

  it('passwd= and secret= written inline into the config are named where it wrote them (line, key, _file/_env), on stderr, in --check and --json', () => {
    const source = tmp.write(
      'ldirectord.cf',
      `checktimeout=3
checkinterval=5

# Orders database
virtual=192.0.2.50:3306
\treal=10.0.0.31:3306 gate
\treal=10.0.0.32:3306 gate
\tservice=mysql
\tlogin="monitor"
\tpasswd="db-pass-1"
\tdatabase="orders"
\trequest="SELECT 1"
\tscheduler=wlc
\tprotocol=tcp
\tchecktype=negotiate

# RADIUS
virtual=192.0.2.51:1812
\treal=10.0.0.41:1812 gate
\tservice=radius
\tprotocol=udp
\tchecktype=negotiate
\tlogin="probe"
\tpasswd="radius-pass-2"
\tsecret="shared-secret-3"
`,
    );
    const out = tmp.path('vigil.yaml');
    const imported = runVigil(['import', 'ldirectord', source, '-o', out]);
    expect(imported.code).toBe(0);
    const written = readFileSync(out, 'utf8').split('\n');
    const lineOf = (text: string) => written.findIndex((line) => line.includes(text)) + 1;
    const advice = (key: string) =>
      `a secret written in the config file, where everyone who can read the file can read it: put it in a file only the daemon's user can read (${key}_file) or in the daemon's environment (${key}_env)`;
    const secrets = [
      { line: lineOf('password: db-pass-1'), key: 'virtual_servers.tcp-192.0.2.50-3306.check.password', message: advice('password') },
      { line: lineOf('password: radius-pass-2'), key: 'virtual_servers.udp-192.0.2.51-1812.check.password', message: advice('password') },
      { line: lineOf('secret: shared-secret-3'), key: 'virtual_servers.udp-192.0.2.51-1812.check.secret', message: advice('secret') },
    ];
    expect(secrets.map((secret) => secret.line).every((line) => line > 0)).toBe(true);
    expect(imported.stderr).toBe(
      `${source}: 2 virtual server(s) imported; 0 directive(s) not translated, 0 placeholder(s) to fill in, 3 secret(s) written inline to move, 0 problem(s) in the source\n` +
        secrets.map(({ line, key, message }) => `  ${out}:${line}: ${key}: ${message}\n`).join('') +
        `  (vigil import ldirectord ${source} --check: what behaves differently, what was not translated)\n`,
    );
    // The same places check-config warns about in the file written.
    const checked = runVigil(['check-config', '-c', out]);
    expect(checked.code).toBe(0);
    expect(checked.stderr.replace(/^(warning: [^:]+:\d+):\d+/gm, '$1')).toBe(secrets.map(({ line, key, message }) => `warning: ${out}:${line}: ${key}: ${message}\n`).join(''));

    const report = runVigil(['import', 'ldirectord', source, '-o', out, '--check']);
    expect(report.stdout).toContain(
      [
        'Secrets written into the config as ldirectord had them (3): move each before deploying',
        ...secrets.flatMap(({ line, key, message }) => [`  ${out}:${line}: ${key}`, `      ${message}`]),
      ].join('\n'),
    );
    // Printed to stdout, the lines are the printed config's.
    expect(runVigil(['import', 'ldirectord', source, '--check']).stdout).toContain(`  line ${secrets[0]!.line}: ${secrets[0]!.key}\n`);
    expect(importReport('ldirectord', source).secrets).toEqual(secrets.map((secret) => ({ ...secret, column: expect.any(Number) })));
  });

  it('service=mysql: login, passwd, database and request become a mysql check, run against a real MariaDB', async () => {
    const db = await startMariadb();
    stops.push(db.stop);
    const down = await closedPort();
    const vip = '192.0.2.31:3306';
    const source = tmp.write(
      'ldirectord.cf',
      `checkinterval=3
negotiatetimeout=4
quiescent=yes

virtual=${vip}
\treal=127.0.0.1:${db.port} masq
\treal=127.0.0.1:${down} masq
\tservice=mysql
\tlogin="${MONITOR_USER}"
\tpasswd="${MONITOR_PASSWORD}"
\tdatabase="app"
\trequest="SELECT status FROM health WHERE status = 'ok'"
\tscheduler=wlc
`,
    );
    const report = importReport('ldirectord', source);
    expect(report.untranslated).toEqual([]);
    expect(report.config.virtual_servers['tcp-192.0.2.31-3306'].check).toEqual({
      type: 'mysql',
      user: MONITOR_USER,
      password: MONITOR_PASSWORD,
      database: 'app',
      query: "SELECT status FROM health WHERE status = 'ok'",
    });
    expect(JSON.stringify(report.behaviour)).toContain('passwd= is written into the config as ldirectord.cf had it');
    const imported = importConfig('ldirectord', source, tmp.path('vigil.yaml'), ['--interval-scale', '0.1'], lvsTrialEdits(tmp.path('history.db')));

    daemons.start(imported.file);
    await waitForPool(env, vip, [`127.0.0.1:${db.port}=1`, `127.0.0.1:${down}=0`], 'the database in, the closed port quiesced');
    // The query stops returning a row: the database server is quiesced, as ldirectord would. (After
    // the panic guard's window — about a second here — from the closed port's failure: two
    // failures within it would look like this director's own network failing.)
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await db.admin("UPDATE health SET status = 'draining'");
    await waitForPool(env, vip, [`127.0.0.1:${db.port}=0`, `127.0.0.1:${down}=0`], 'the draining database quiesced');
    await db.admin("UPDATE health SET status = 'ok'");
    await waitForPool(env, vip, [`127.0.0.1:${db.port}=1`, `127.0.0.1:${down}=0`], 'the database back in');
  });
});
