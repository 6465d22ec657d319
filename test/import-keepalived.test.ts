// `vigil import keepalived`: a keepalived.conf with HTTP_GET, TCP_CHECK, MISC_CHECK (misc_dynamic)
// and a sorry_server, validated by the real `keepalived -t`, translated, and run against real
// servers on loopback and the ipvsadm double — removal (or weight 0 with inhibit_on_failure) on
// failure, re-added on recovery, the sorry server while all are down, weights from misc_dynamic.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importConfig, importReport, importValidConfig, lvsTrialEdits } from './helpers/import-config.js';
import { changes, doubleEnv, waitForPool, type DoubleEnv } from './helpers/ipvsadm-double.js';
import { startHttpServer, startTcpServer, type HttpTestServer, type TestServer } from './helpers/servers.js';
import { startSmtpServer, type ArrivedMail } from './helpers/smtp-server.js';
import { tempDir } from './helpers/temp-dir.js';
import { daemonFixture, runVigil } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const VRRP_INTERFACE = Object.keys(os.networkInterfaces()).find((name) => name !== 'lo');
const KEEPALIVED = ['/usr/sbin/keepalived', '/sbin/keepalived'].find((file) => existsSync(file));
/** keepalived's own check of a config file (`keepalived -t -f`); only where KEEPALIVED is installed. */
const keepalivedTest = (file: string) => spawnSync(KEEPALIVED!, ['-t', '-f', file], { encoding: 'utf8' });
const WEB = '192.0.2.40:80';
const SMTP = '192.0.2.41:25';
const APP = '192.0.2.42:8000';
const SORRY = '127.0.0.98:8098';
const MISC_PORTS = [9101, 9102];

let tmp: ReturnType<typeof tempDir>;
let env: DoubleEnv;
let web: HttpTestServer[];
let smtp: TestServer[];
const daemons = daemonFixture(() => ({ cwd: tmp.dir, env }));
const stops: Array<() => Promise<void>> = [];

beforeEach(async () => {
  tmp = tempDir('vigil-import-ka-');
  env = doubleEnv(tmp.dir);
  web = await Promise.all([startHttpServer(), startHttpServer()]);
  smtp = await Promise.all([startTcpServer('127.0.0.1', '220 mail ESMTP\r\n'), startTcpServer('127.0.0.1', '220 mail ESMTP\r\n')]);
});

afterEach(async (context) => {
  await daemons.stopAll(context);
  for (const stop of stops.splice(0)) await stop();
  await Promise.all([...web, ...smtp].map((server) => server.stop()));
  tmp.cleanup();
});

/** The MISC_CHECK script: exits with the number in weight-PORT (keepalived misc_dynamic: 0 up, 1 down, N up with weight N-2). */
function weightScript(): string {
  const script = tmp.write('misc-weight.sh', `#!/bin/sh\n# $1 real server address, $2 its port\nexit "$(cat "${tmp.dir}/weight-$2")"\n`);
  chmodSync(script, 0o755);
  return script;
}

function setWeightExit(port: number, code: number): void {
  writeFileSync(tmp.path(`weight-${port}`), `${code}\n`);
}

/** keepalived.conf; with `mailPort`, real server changes are mailed through an SMTP server there. */
function keepalivedConf(script: string, mailPort?: number): string {
  const http = (port: number, weight: number) => `    real_server 127.0.0.1 ${port} {
        weight ${weight}
        notify_down "${tmp.path('hook.sh')} down ${port}"
        HTTP_GET {
            url {
                path /health
                status_code 200
            }
            connect_timeout 2
            retry 1
            delay_before_retry 1
        }
    }`;
  const tcp = (port: number) => `    real_server 127.0.0.1 ${port} {
        TCP_CHECK {
            connect_timeout 2
        }
    }`;
  const misc = (port: number) => `    real_server 127.0.0.1 ${port} {
        MISC_CHECK {
            misc_path "${script} 127.0.0.1 ${port}"
            misc_timeout 2
            misc_dynamic
        }
    }`;
  return `! keepalived.conf of director lb1: VRRP plus the checker
global_defs {
    router_id lb1
    script_user root
    enable_script_security${
      mailPort === undefined
        ? ''
        : `
    notification_email {
        ops@example.com
    }
    notification_email_from lvs@example.com
    smtp_server 127.0.0.1 ${mailPort}`
    }
}

vrrp_script chk_backend {
    script "/bin/true"
    interval 2
}
${
  // keepalived -t wants a real (non-loopback) interface for an instance.
  VRRP_INTERFACE
    ? `
vrrp_instance VI_1 {
    state MASTER
    interface ${VRRP_INTERFACE}
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.40/32
    }
    track_script {
        chk_backend
    }
}
`
    : ''
}
virtual_server 192.0.2.40 80 {
    delay_loop 3
    lb_algo wrr
    lb_kind NAT
    persistence_timeout 300
    protocol TCP
    sorry_server 127.0.0.98 8098
${http(web[0]!.port, 2)}
${http(web[1]!.port, 1)}
}

virtual_server 192.0.2.41 25 {
    delay_loop 3
    lb_algo rr
    lb_kind NAT
    protocol TCP
    inhibit_on_failure
${tcp(smtp[0]!.port)}
${tcp(smtp[1]!.port)}
}

virtual_server 192.0.2.42 8000 {
    delay_loop 3
    lb_algo wrr
    lb_kind NAT
    protocol TCP
${misc(MISC_PORTS[0]!)}
${misc(MISC_PORTS[1]!)}
}
`;
}

describe('vigil import keepalived', () => {
  it('a config keepalived -t accepts becomes virtual servers with the same checks, timing and LVS settings', (context) => {
    if (!KEEPALIVED) return context.skip('keepalived is not installed (test/install-system-packages.sh installs it)');
    const source = tmp.write('keepalived.conf', keepalivedConf(weightScript()));
    const validated = keepalivedTest(source);
    expect(validated.stderr + validated.stdout).toBe('');
    expect(validated.status).toBe(0);

    const result = runVigil(['import', 'keepalived', source, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Json;
    const servers = report.config.virtual_servers;
    expect(servers['tcp-192.0.2.40-80']).toEqual({
      virtual: WEB,
      scheduler: 'wrr',
      persistent: '5m',
      forwarding: 'nat',
      on_down: 'remove',
      sorry_server: SORRY,
      real_servers: [
        { address: '127.0.0.1', port: web[0]!.port, weight: 2, notify_down: `${tmp.path('hook.sh')} down ${web[0]!.port}` },
        { address: '127.0.0.1', port: web[1]!.port, notify_down: `${tmp.path('hook.sh')} down ${web[1]!.port}` },
      ],
      interval: '3s',
      timeout: '2s',
      rise: 1,
      fall: 2, // retry 1: the first failure and one more
      fast_interval: '1s',
      spread: '3s',
      check: { type: 'http', path: '/health', expect_status: '200' },
    });
    expect(servers['tcp-192.0.2.41-25']).toMatchObject({ scheduler: 'rr', on_down: 'quiesce', fall: 2, check: { type: 'tcp' } });
    expect(servers['tcp-192.0.2.42-8000']).toMatchObject({
      fall: 1, // MISC_CHECK retries 0 times by default
      timeout: '2s',
      check: { type: 'script', convention: 'misc_dynamic', command: tmp.path('misc-weight.sh'), args: ['{address}', '{port}'] },
    });
    expect(report.config.lvs).toEqual({ cleanstop: true });
    expect(report.untranslated.map((item: Json) => [item.line, item.text])).toEqual([
      [2, 'global_defs'],
      [8, 'vrrp_script chk_backend'],
      ...(VRRP_INTERFACE ? [[13, 'vrrp_instance VI_1']] : []),
    ]);
    const check = runVigil(['import', 'keepalived', source, '--check']);
    expect(check.stdout).toMatch(/VRRP stays with keepalived \(this file has VRRP blocks\)[\s\S]*vrrp_script vigil \{\n\s+script "\/usr\/local\/bin\/vigil track --db \/var\/lib\/vigil\/history\.db --quiet"/);
    importValidConfig('keepalived', source, tmp.path('vigil.yaml'));
  });

  it('unknown keywords are listed with their lines; a missing protocol is reported as keepalived 2.2 reads it', () => {
    const source = tmp.write('odd.conf', `virtual_server 192.0.2.50 80 {\n    lb_algo rr\n    frobnicate 7\n    real_server 127.0.0.1 8080 {\n        wobble 1\n        TCP_CHECK {\n            squeak yes\n        }\n    }\n}\n`);
    const report = importReport('keepalived', source);
    expect(report.untranslated.map((item: Json) => [item.line, item.text])).toEqual([
      [3, 'frobnicate 7'],
      [5, 'wobble 1'],
      [7, 'squeak yes'],
    ]);
    expect(report.problems).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/has no protocol: keepalived 2\.2 defaults to UDP/) })]);
    expect(report.config.virtual_servers['udp-192.0.2.50-80'].protocol).toBe('udp');
  });

  it('a second virtual_server for the same service is a problem in the source, not a second virtual server', () => {
    // keepalived.conf.sample's virtual server, copied to add a real server (a new block instead of a real_server in the first).
    const block = (real: string) =>
      `virtual_server 10.10.10.2 1358 {\n    delay_loop 6\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n\n    real_server ${real} 1358 {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n}\n`;
    const source = tmp.write('dup.conf', block('192.168.200.2') + block('192.168.200.3'));
    if (KEEPALIVED) expect(keepalivedTest(source).status).toBe(0); // keepalived -t does not see it
    const report = importReport('keepalived', source);
    expect(Object.keys(report.config.virtual_servers)).toEqual(['tcp-10.10.10.2-1358']);
    expect(report.config.virtual_servers['tcp-10.10.10.2-1358'].real_servers).toEqual(['192.168.200.2:1358']);
    expect(report.problems.map((item: Json) => [item.line, item.message])).toEqual([
      [14, 'virtual_server 10.10.10.2 1358 is tcp 10.10.10.2:1358 again (first at dup.conf:1): keepalived -t accepts it, but both blocks would set up and change that one IPVS service; only the first is imported'],
    ]);
    expect(report.untranslated.map((item: Json) => [item.line, item.text, item.reason])).toEqual([
      [14, 'virtual_server 10.10.10.2 1358', 'a second virtual_server for tcp 10.10.10.2:1358: not imported, and its real servers (192.168.200.3 1358) are not merged into the first; move the ones you want to dup.conf:1'],
    ]);
  });

  it('persistence_timeout 0 (keepalived: not persistent) is imported without persistent, and reported as keepalived -t does', () => {
    const source = tmp.write(
      'persistence0.conf',
      'virtual_server 10.10.10.2 1358 {\n    delay_loop 6\n    lb_algo rr\n    lb_kind NAT\n    persistence_timeout 0\n    protocol TCP\n\n    real_server 192.168.200.2 1358 {\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n}\n',
    );
    if (KEEPALIVED) expect(keepalivedTest(source).stderr).toContain('persistence_timeout invalid');
    const report = importReport('keepalived', source);
    expect(report.config.virtual_servers['tcp-10.10.10.2-1358']).not.toHaveProperty('persistent');
    expect(report.problems.map((item: Json) => [item.line, item.message])).toEqual([
      [5, 'persistence_timeout 0: keepalived -t reports it (outside 1 to 2678400) and keepalived ignores it, so virtual_server 10.10.10.2 1358 is not persistent; imported that way'],
    ]);
  });

  it('lb_algo that is not an IPVS scheduler is a problem in the source and imported without scheduler (keepalived uses wlc too)', () => {
    // A kubernetes API server pool as published (xusxlinux/Document).
    const real = (address: string) =>
      `    real_server ${address} 6443 {\n        weight 1\n        SSL_GET {\n            url {\n              path /healthz\n              status_code 200\n            }\n            connect_timeout 3\n            nb_get_retry 3\n            delay_before_retry 3\n        }\n    }\n`;
    const source = tmp.write(
      'k8s.conf',
      `virtual_server 10.4.7.10 6443 {\n    delay_loop 6\n    lb_algo loadbalance\n    lb_kind DR\n    protocol TCP\n${real('10.4.7.11')}${real('10.4.7.12')}}\n`,
    );
    if (KEEPALIVED) expect(keepalivedTest(source).stderr).toContain("Invalid lvs_scheduler 'loadbalance'");
    const report = importReport('keepalived', source);
    expect(report.config.virtual_servers['tcp-10.4.7.10-6443']).not.toHaveProperty('scheduler');
    expect(report.problems.map((item: Json) => [item.line, item.message])).toEqual([
      [3, "lb_algo loadbalance is not an IPVS scheduler (rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos): keepalived -t reports it and keepalived uses wlc instead; imported without scheduler, so Vigil's default, wlc"],
    ]);
  });

  it('HTTP_GET / SSL_GET with several url blocks become a list of checks, every url to pass as keepalived needs (keepalived.conf.SSL_GET)', () => {
    const checker = (type: string, more = '') =>
      `        ${type} {\n            url {\n              path /\n              digest ff20ad2481f97b1754ef3e12ecd3a9cc\n            }\n            url {\n              path /mrtg/\n              digest 9b3a0c85a887a256d6939da88aabd8cd\n            }\n${more}            connect_timeout 3\n            retry 3\n            delay_before_retry 3\n        }\n`;
    const vs = (port: number, real: string) => `virtual_server 192.168.200.100 ${port} {\n    delay_loop 6\n    lb_algo rr\n    lb_kind NAT\n    persistence_timeout 50\n    protocol TCP\n\n${real}}\n`;
    const source = tmp.write(
      'keepalived.conf.SSL_GET',
      vs(443, `    real_server 192.168.201.100 443 {\n        weight 1\n${checker('SSL_GET')}    }\n`) +
        vs(80, `    real_server 192.168.201.100 80 {\n${checker('HTTP_GET', '            connect_port 8080\n')}    }\n    real_server 192.168.201.101 80 {\n${checker('HTTP_GET', '            connect_port 8080\n')}    }\n`),
    );
    const report = importReport('keepalived', source);
    expect(report.untranslated).toEqual([]);
    const servers = report.config.virtual_servers;
    expect(servers['tcp-192.168.200.100-443'].check).toEqual([
      { type: 'http', scheme: 'https', tls_verify: false, path: '/', expect_status: '200-299', digest: 'ff20ad2481f97b1754ef3e12ecd3a9cc' },
      { type: 'http', scheme: 'https', tls_verify: false, path: '/mrtg/', expect_status: '200-299', digest: '9b3a0c85a887a256d6939da88aabd8cd' },
    ]);
    // Every url is requested on connect_port, and both real servers have the same list: no check of their own.
    expect(servers['tcp-192.168.200.100-80'].check).toEqual([
      { type: 'http', path: '/', expect_status: '200-299', digest: 'ff20ad2481f97b1754ef3e12ecd3a9cc', port: 8080 },
      { type: 'http', path: '/mrtg/', expect_status: '200-299', digest: '9b3a0c85a887a256d6939da88aabd8cd', port: 8080 },
    ]);
    expect(servers['tcp-192.168.200.100-80'].real_servers).toEqual(['192.168.201.100:80', '192.168.201.101:80']);
    expect(importValidConfig('keepalived', source, tmp.path('ssl-get.yaml'))).toMatch(/# every one must pass: SSL_GET: HTTPS GET of \/, status in 200-299, body MD5 as digest \+ SSL_GET: HTTPS GET of \/mrtg\/, status in 200-299, body MD5 as digest/);
  });

  it('SMTP_CHECK: greeting, HELO and QUIT (221); a host block on the real server is its check, one on another host is listed once (keepalived.conf.SMTP_CHECK)', () => {
    const host = (ip: string, more = '') => `            host {\n                connect_ip ${ip}\n${more}            }\n`;
    const real = (address: string, hosts: string) =>
      `    real_server ${address} 25 {\n        weight 1\n        SMTP_CHECK {\n            connect_timeout 10\n            retry 2\n            delay_before_retry 5\n            helo_name "foo.bar.com"\n${hosts}        }\n    }\n`;
    const source = tmp.write(
      'keepalived.conf.SMTP_CHECK',
      `virtual_server 192.168.200.100 25 {\n    delay_loop 60\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n\n` +
        real('172.16.1.10', '') +
        real('172.16.1.11', host('172.16.1.11') + host('192.168.155.10')) +
        real('172.16.1.12', host('172.16.1.12', '                connect_port 25\n                bindto 172.16.1.2\n') + host('64.233.167.100', '                connect_port 587\n')) +
        '}\n',
    );
    const report = importReport('keepalived', source);
    const steps = [{ expect: '^220 ' }, { send: 'HELO foo.bar.com\r\n' }, { expect: '^250 ' }, { send: 'QUIT\r\n' }, { expect: '^221 ' }];
    const server = report.config.virtual_servers['tcp-192.168.200.100-25'];
    expect(server.check).toEqual({ type: 'tcp', steps });
    expect(server.real_servers).toEqual([
      '172.16.1.10:25',
      '172.16.1.11:25', // its host block is the real server itself: the same check
      { address: '172.16.1.12', port: 25, check: { type: 'tcp', steps, source_address: '172.16.1.2' } },
    ]);
    expect(report.untranslated.map((item: Json) => [item.line, item.text, item.reason])).toEqual([
      [26, 'host { connect_ip 192.168.155.10 }', 'keepalived also checks SMTP on 192.168.155.10:25 for this real server (each host block is a checker of its own, and all must pass); Vigil checks the real server itself, not other hosts'],
      [43, 'host { connect_ip 64.233.167.100 connect_port 587 }', 'keepalived also checks SMTP on 64.233.167.100:587 for this real server (each host block is a checker of its own, and all must pass); Vigil checks the real server itself, not other hosts'],
    ]);
  });

  it('a real server with several checkers becomes a list of checks that must all pass; omega is kept', () => {
    const source = tmp.write(
      'checkers.conf',
      `virtual_server 192.0.2.60 80 {\n    delay_loop 5\n    lb_algo rr\n    protocol TCP\n    omega\n    real_server 127.0.0.1 8080 {\n        HTTP_GET {\n            url {\n                path /health\n                status_code 200\n            }\n            connect_timeout 2\n        }\n        TCP_CHECK {\n            connect_port 8443\n            connect_timeout 2\n        }\n        MISC_CHECK {\n            misc_path "/usr/local/bin/db-ok"\n            misc_timeout 2\n        }\n    }\n}\n`,
    );
    const report = importReport('keepalived', source);
    expect(report.untranslated).toEqual([]);
    expect(report.config.virtual_servers['tcp-192.0.2.60-80'].omega).toBe(true);
    expect(report.config.virtual_servers['tcp-192.0.2.60-80'].check).toEqual([
      { type: 'http', path: '/health', expect_status: '200' },
      { type: 'tcp', port: 8443 }, // connect_port: the check's port wins over the real server's
      { type: 'script', convention: 'exit_code', command: '/usr/local/bin/db-ok' },
    ]);
    importValidConfig('keepalived', source, tmp.path('checkers.yaml'));
  });

  it('a real server whose checker differs from the first one\'s gets a check of its own, and its checker\'s timing', () => {
    const source = tmp.write(
      'per-server.conf',
      `virtual_server 192.0.2.61 80 {\n    delay_loop 5\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n` +
        `    real_server 10.0.0.1 8080 {\n        HTTP_GET {\n            url {\n                path /health\n                status_code 200\n            }\n            connect_timeout 2\n        }\n    }\n` +
        `    real_server 10.0.0.2 8080 {\n        HTTP_GET {\n            url {\n                path /status\n                status_code 200\n            }\n            connect_timeout 2\n        }\n    }\n` +
        `    real_server 10.0.0.3 8080 {\n        TCP_CHECK {\n            connect_timeout 5\n        }\n    }\n` +
        `    real_server 10.0.0.4 8080 {\n        HTTP_GET {\n            url {\n                path /health\n                status_code 200\n            }\n            connect_timeout 2\n        }\n    }\n}\n`,
    );
    const report = importReport('keepalived', source);
    expect(report.untranslated).toEqual([]);
    const server = report.config.virtual_servers['tcp-192.0.2.61-80'];
    expect(server.check).toEqual({ type: 'http', path: '/health', expect_status: '200' });
    expect(server.real_servers).toEqual([
      '10.0.0.1:8080',
      { address: '10.0.0.2', port: 8080, check: { type: 'http', path: '/status', expect_status: '200' } },
      // TCP_CHECK: connect_timeout 5 and keepalived's 1 s delay_before_retry (HTTP_GET's is 3 s).
      { address: '10.0.0.3', port: 8080, check: { type: 'tcp' }, timeout: '5s', fast_interval: '1s' },
      '10.0.0.4:8080',
    ]);
    expect(server).toMatchObject({ timeout: '2s', fast_interval: '3s' });
    expect(report.behaviour.map((item: Json) => item.change)).not.toContainEqual(expect.stringMatching(/10\.0\.0\.3/));
    expect(importValidConfig('keepalived', source, tmp.path('per-server.yaml'))).toMatch(/check: \{ type: tcp \} # per-server\.conf:25 its own checker: TCP_CHECK/);

    // A checker's connect_port is the check's port: the real server on another one gets a check of its own.
    const tcp = (address: string, port: number) => `    real_server ${address} 80 {\n        TCP_CHECK {\n            connect_port ${port}\n        }\n    }\n`;
    const dr = tmp.write('dr.conf', `virtual_server 192.0.2.62 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n${tcp('10.0.0.1', 8080)}${tcp('10.0.0.2', 8081)}${tcp('10.0.0.3', 8080)}${tcp('10.0.0.4', 80)}}\n`);
    const drServer = importReport('keepalived', dr).config.virtual_servers['tcp-192.0.2.62-80'];
    expect(drServer.check).toEqual({ type: 'tcp', port: 8080 });
    expect(drServer.real_servers).toEqual([
      '10.0.0.1:80',
      { address: '10.0.0.2', port: 80, check: { type: 'tcp', port: 8081 } },
      '10.0.0.3:80',
      { address: '10.0.0.4', port: 80, check: { type: 'tcp' } }, // connect_port 80 is its own port: no port written
    ]);
  });

  it('connect_port is the check\'s port on every real server (keepalived.conf.quorum: ten real servers on 8080, TCP_CHECK connect_port 80)', () => {
    const real = (n: number) => `  real_server 10.0.0.${n} 8080 {\n    weight 1\n    TCP_CHECK {\n      connect_port    80\n      connect_timeout 3\n    }\n  }\n`;
    const source = tmp.write(
      'keepalived.conf.quorum',
      `virtual_server 10.0.1.1 80 {\n  delay_loop 6\n  lb_algo wrr\n  lb_kind NAT\n  persistence_timeout 900\n  protocol TCP\n  alpha\n  omega\n  quorum 7\n  hysteresis 2\n` +
        `  quorum_up /usr/local/sbin/quorum-up.sh\n  quorum_down /usr/local/sbin/quorum-down.sh\n${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(real).join('')}}\n`,
    );
    const report = importReport('keepalived', source);
    const server = report.config.virtual_servers['tcp-10.0.1.1-80'];
    expect(server.check).toEqual({ type: 'tcp', port: 80 });
    expect(server.real_servers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => `10.0.0.${n}:8080`));
    expect(report.untranslated).toEqual([]);
  });

  it('PING_CHECK becomes the icmp check (one echo request, the checker\'s timing), valid and up on loopback; bindto is listed', (context) => {
    const source = tmp.write(
      'ping.conf',
      `virtual_server 192.0.2.63 80 {\n    delay_loop 5\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    real_server 127.0.0.1 80 {\n        PING_CHECK {\n            connect_timeout 2\n            retry 2\n            bindto 127.0.0.1\n        }\n    }\n}\n`,
    );
    if (KEEPALIVED) expect(keepalivedTest(source).status).toBe(0);
    const report = importReport('keepalived', source);
    expect(report.config.virtual_servers['tcp-192.0.2.63-80']).toMatchObject({ timeout: '2s', fall: 3, fast_interval: '1s', check: { type: 'icmp' } });
    expect(report.untranslated.map((item: Json) => [item.line, item.text, item.reason])).toEqual([[10, 'bindto 127.0.0.1', expect.stringMatching(/no source_address/)]]);
    const out = tmp.path('ping.yaml');
    expect(importValidConfig('keepalived', source, out)).toMatch(/# PING_CHECK: an icmp check, one echo request/);
    if (process.getuid?.() !== 0) return context.skip('needs root (or CAP_NET_RAW) for a raw ICMP socket');
    const probe = runVigil(['probe', '-c', out]);
    expect(probe.stdout).toMatch(/^UP\s+tcp-192\.0\.2\.63-80\/127\.0\.0\.1:80\s+[\d.]+ms\s+1\/1 replies, rtt /m);
    expect(probe.code).toBe(0);
  });

  it('runs the import: HTTP_GET removes and re-adds, the sorry server stands in, inhibit_on_failure quiesces, misc_dynamic sets weights', async () => {
    const script = weightScript();
    setWeightExit(MISC_PORTS[0]!, 5); // weight 3
    setWeightExit(MISC_PORTS[1]!, 0); // up, weight unchanged
    const hook = tmp.write('hook.sh', `#!/bin/sh\necho "$*" >> "${tmp.path('hooks.log')}"\n`);
    chmodSync(hook, 0o755);
    const mails: ArrivedMail[] = [];
    const relay = await startSmtpServer('relay', mails);
    stops.push(relay.stop);
    const source = tmp.write('keepalived.conf', keepalivedConf(script, relay.port));
    const imported = importConfig('keepalived', source, tmp.path('vigil.yaml'), ['--interval-scale', '0.1'], [
      ...lvsTrialEdits(tmp.path('history.db')),
      [['lvs', 'cleanstop'], false],
    ]);
    expect(imported.text).toMatch(/interval: 300ms/);
    const daemon = daemons.start(imported.file);
    const at = (port: number, weight: number) => `127.0.0.1:${port}=${weight}`;

    await waitForPool(env, WEB, [at(web[0]!.port, 2), at(web[1]!.port, 1)], 'the web pool');
    await waitForPool(env, SMTP, [at(smtp[0]!.port, 1), at(smtp[1]!.port, 1)], 'the smtp pool');
    await waitForPool(env, APP, [at(MISC_PORTS[0]!, 3), at(MISC_PORTS[1]!, 1)], 'the app pool with the misc_dynamic weight');

    // HTTP_GET: removed (keepalived's default), its notify_down run with its own arguments, re-added.
    web[1]!.behaviour.status = 503;
    await waitForPool(env, WEB, [at(web[0]!.port, 2)], 'web2 removed');
    expect(changes(env)).toContainEqual(['-d', '-t', WEB, '-r', `127.0.0.1:${web[1]!.port}`]);
    await waitFor(() => existsSync(tmp.path('hooks.log')), 'notify_down ran');
    // notification_email + smtp_server: the change is mailed, as keepalived mails it.
    const down = new RegExp(`^\\[vigil\\] DOWN: real server 127\\.0\\.0\\.1:${web[1]!.port} of \\S+ is DOWN$`);
    await waitFor(() => mails.some((mail) => down.test(mail.headers.subject ?? '')), `a mail with a subject like ${down}`);
    expect(mails.find((mail) => down.test(mail.headers.subject ?? ''))).toMatchObject({ mailFrom: 'lvs@example.com', rcptTo: ['ops@example.com'] });
    web[1]!.behaviour.status = 200;
    await waitForPool(env, WEB, [at(web[0]!.port, 2), at(web[1]!.port, 1)], 'web2 re-added');

    // Every web server down: the sorry server replaces them; one back: it goes.
    await Promise.all(web.map((server) => server.stop()));
    await waitForPool(env, WEB, [`${SORRY}=1`], 'only the sorry server');
    await web[0]!.start();
    await waitForPool(env, WEB, [at(web[0]!.port, 2)], 'web1 back, sorry server out');

    // TCP_CHECK with inhibit_on_failure: weight 0, then back.
    await smtp[0]!.stop();
    await waitForPool(env, SMTP, [at(smtp[0]!.port, 0), at(smtp[1]!.port, 1)], 'smtp1 quiesced');
    await smtp[0]!.start();
    await waitForPool(env, SMTP, [at(smtp[0]!.port, 1), at(smtp[1]!.port, 1)], 'smtp1 back');

    // MISC_CHECK misc_dynamic: exit 1 is down (removed), exit 9 is up with weight 7.
    setWeightExit(MISC_PORTS[1]!, 1);
    await waitForPool(env, APP, [at(MISC_PORTS[0]!, 3)], 'app2 removed');
    setWeightExit(MISC_PORTS[1]!, 9);
    await waitForPool(env, APP, [at(MISC_PORTS[0]!, 3), at(MISC_PORTS[1]!, 7)], 'app2 back at weight 7');
    expect(await daemon.stop()).toBe(0);
  });
});
