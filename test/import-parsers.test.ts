// The importers' parsers on the real files Debian ships, and on mon's classic blank-line traps.
import { mkdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { child, parseKeepalivedConf, parseKeepalivedFile } from '../src/import/parse-keepalived-conf.js';
import { tempDir } from './helpers/temp-dir.js';
import { parseLdirectordCf, words } from '../src/import/parse-ldirectord-cf.js';
import { parseMonCf } from '../src/import/parse-mon-cf.js';

const debianMonCf = '/etc/mon/mon.cf';
const exampleCf = '/usr/share/doc/mon/examples/example.cf.gz';
const haveMon = (() => {
  try {
    readFileSync(debianMonCf);
    return true;
  } catch {
    return false;
  }
})();

describe('mon.cf parser', () => {
  it.skipIf(!haveMon)("reads Debian's shipped mon.cf", () => {
    const config = parseMonCf(readFileSync(debianMonCf, 'utf8'));
    expect(config.problems).toEqual([]);
    expect(config.globals.get('maxprocs')).toMatchObject({ value: '20' });
    expect(config.globals.get('dtlogfile')).toMatchObject({ value: 'dtlog' });
    expect(config.hostgroups.get('localhost')?.hosts).toEqual(['localhost']);
    const [watch] = config.watches;
    expect(watch!.services.map((s) => s.name)).toEqual(['trap', 'ping', 'http', 'smtp']);
    const ping = watch!.services[1]!;
    expect(ping.directives.map((d) => d.key)).toEqual(['description', 'interval', 'monitor']);
    expect(ping.periods).toHaveLength(2);
    expect(ping.periods[0]).toMatchObject({ spec: 'wd {Mon-Fri} hr {7am-10pm}' });
    expect(ping.periods[0]!.directives.map((d) => `${d.key} ${d.rest}`)).toEqual(['alert mail.alert root@localhost', 'alertevery 1h']);
    const smtp = watch!.services[3]!;
    expect(smtp.directives.find((d) => d.key === 'monitor')).toMatchObject({ args: ['smtp.monitor', '-t', '60'] });
  });

  it.skipIf(!haveMon)("reads mon's big example.cf with labelled periods and depends", () => {
    const config = parseMonCf(gunzipSync(readFileSync(exampleCf)).toString('utf8'));
    expect(config.hostgroups.get('serversbd2')?.hosts).toEqual(['dns-yp2', 'foo2', 'bar2', 'ola3']);
    const bd1 = config.watches.find((w) => w.group === 'serversbd1')!;
    expect(bd1.services[0]!.periods[1]).toMatchObject({ label: 'NOALERTEVERY', spec: 'wd {Mon-Fri} hr {7am-10pm}' });
    expect(bd1.services[1]!.directives.find((d) => d.key === 'depend')?.rest).toBe('serversbd1:ping');
  });

  it('reports a missing blank line after a hostgroup (mon reads the watch as host names)', () => {
    const config = parseMonCf('hostgroup web www1 www2\nwatch web\n    service http\n');
    expect(config.problems).toEqual([expect.objectContaining({ line: 2, message: expect.stringMatching(/blank line is missing after the hostgroup/) })]);
  });

  it('reports a blank line inside a watch (mon silently ends the watch there)', () => {
    const config = parseMonCf('hostgroup web www1\n\nwatch web\n    service http\n\tinterval 1m\n\n\tmonitor http.monitor\n');
    expect(config.problems).toEqual([expect.objectContaining({ line: 7, message: expect.stringMatching(/follows a blank line inside watch web/) })]);
  });

  it('keeps service variables and continuation lines', () => {
    const config = parseMonCf('hostgroup web a\n\nwatch web\n  service http\n    PORT=8080\n    monitor http.monitor -p 8080 \\\n      -t 10\n');
    const service = config.watches[0]!.services[0]!;
    expect(service.vars).toEqual({ PORT: '8080' });
    expect(service.directives[0]).toMatchObject({ key: 'monitor', args: ['http.monitor', '-p', '8080', '-t', '10'], line: 6 });
  });
});

describe('ldirectord.cf parser', () => {
  it('reads globals and virtual sections with quoted request/receive', () => {
    const config = parseLdirectordCf(`# global
checktimeout=3
checkinterval=5
quiescent=yes

virtual=192.0.2.10:80
\treal=127.0.0.2:80 masq 2
\treal=127.0.0.3:80 masq
\tfallback=127.0.0.1:80 gate
\tservice=http
\trequest="/health check"
\treceive="OK"
\tchecktype=negotiate
\tscheduler=wlc
`);
    expect(config.problems).toEqual([]);
    expect(config.globals.map((g) => g.key)).toEqual(['checktimeout', 'checkinterval', 'quiescent']);
    expect(config.virtuals[0]).toMatchObject({ address: '192.0.2.10:80', line: 6 });
    expect(config.virtuals[0]!.settings.map((s) => s.key)).toEqual(['real', 'real', 'fallback', 'service', 'request', 'receive', 'checktype', 'scheduler']);
    expect(words(config.virtuals[0]!.settings[4]!.value)).toEqual(['/health check']);
  });
});

describe('ldirectord.cf parser: sections', () => {
  it('reads virtual6= sections and reports lines indented by fewer than 4 spaces', () => {
    const config = parseLdirectordCf('virtual6=[2001:db8::10]:80\n\treal6=[2001:db8::11]:80 gate\n  service=http\n');
    expect(config.virtuals[0]).toMatchObject({ address: '[2001:db8::10]:80', ipv6: true });
    expect(config.virtuals[0]!.settings.map((s) => s.key)).toEqual(['real6', 'service']);
    expect(config.problems).toEqual([expect.objectContaining({ line: 3, message: expect.stringMatching(/indented by fewer than 4 spaces/) })]);
  });
});

describe('keepalived.conf parser', () => {
  it('reads nested blocks, braces on their own line, quoted strings and comments', () => {
    const tree = parseKeepalivedConf(`! Configuration File for keepalived
global_defs {
   notification_email { ops@example.com }
}
virtual_server 192.0.2.10 80
{
    delay_loop 6   # seconds
    lb_algo wrr
    sorry_server 127.0.0.9 80
    real_server 127.0.0.2 80 {
        weight 2
        notify_down "/usr/local/bin/rs-down.sh web1"
        HTTP_GET {
            url { path /health
                  status_code 200 }
            connect_timeout 3
        }
    }
}
`);
    expect(tree.map((n) => n.keyword)).toEqual(['global_defs', 'virtual_server']);
    const vs = tree[1]!;
    expect(vs).toMatchObject({ args: ['192.0.2.10', '80'], line: 5 });
    expect(child(vs, 'delay_loop')?.args).toEqual(['6']);
    const real = child(vs, 'real_server')!;
    expect(child(real, 'notify_down')?.args).toEqual(['/usr/local/bin/rs-down.sh web1']);
    const url = child(child(real, 'HTTP_GET')!, 'url')!;
    expect(url.children!.map((n) => `${n.keyword} ${n.args.join(' ')}`)).toEqual(['path /health', 'status_code 200']);
  });

  it('follows include, with globs relative to the including file, keeping each file name', () => {
    const tmp = tempDir('vigil-ka-include-');
    try {
      mkdirSync(tmp.path('conf.d'));
      tmp.write('conf.d/b.conf', 'virtual_server 192.0.2.2 80 {\n  lb_algo rr\n}\n');
      tmp.write('conf.d/a.conf', 'virtual_server 192.0.2.1 80 {\n}\n');
      tmp.write('conf.d/skip.txt', 'virtual_server 192.0.2.3 80 {\n}\n');
      const main = tmp.write('keepalived.conf', 'global_defs {\n}\ninclude conf.d/*.conf\n');
      const tree = parseKeepalivedFile(main);
      expect(tree.map((n) => `${n.keyword} ${n.args.join(' ')} ${n.file.split('/').pop()}:${n.line}`)).toEqual([
        'global_defs  keepalived.conf:1',
        'virtual_server 192.0.2.1 80 a.conf:1',
        'virtual_server 192.0.2.2 80 b.conf:1',
      ]);
      expect(child(tree[2]!, 'lb_algo')).toMatchObject({ args: ['rr'], line: 2 });
    } finally {
      tmp.cleanup();
    }
  });

  it("reads keepalived's shipped samples", () => {
    for (const sample of ['keepalived.conf.HTTP_GET.port', 'keepalived.conf.UDP_CHECK', 'keepalived.conf.fwmark']) {
      let text: string;
      try {
        text = readFileSync(`/usr/share/doc/keepalived/samples/${sample}`, 'utf8');
      } catch {
        continue; // package not installed here
      }
      const tree = parseKeepalivedConf(text, sample);
      expect(tree.some((n) => n.keyword === 'virtual_server' && (n.children?.length ?? 0) > 0)).toBe(true);
    }
  });
});
