// Config errors in `virtual_servers:` name the file, line and key, like every other config error.
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';
import { buildPlan } from '../src/plan.js';
import { tempDir } from './helpers/temp-dir.js';

async function errorsOf(text: string): Promise<string[]> {
  const tmp = tempDir();
  try {
    await loadConfig(tmp.write('vigil.yaml', text));
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((issue) => formatIssue(issue).replace(/^.*vigil\.yaml/, 'vigil.yaml'));
  } finally {
    tmp.cleanup();
  }
}

/** The plan of a config that loads. */
async function planOf(text: string) {
  const tmp = tempDir();
  try {
    return buildPlan(await loadConfig(tmp.write('vigil.yaml', text)));
  } finally {
    tmp.cleanup();
  }
}

const base = (body: string) => `virtual_servers:
  web:
    virtual: 192.0.2.10:80
    real_servers: [10.0.0.1:80, 10.0.0.2:80]
    check: { type: tcp }
${body}`;

describe('virtual_servers config', () => {
  it('expands into a service and an ipvs alert routed from it', async () => {
    const plan = await planOf(base('    forwarding: masq\n    persistent: 5m\n    sorry_server: 10.0.0.99:8080\n    alerts: [ops]\nalerts:\n  ops: { type: notify, notify_up: "/bin/true" }\n'));
    expect(plan.services.get('web')).toMatchObject({ group: 'web', checkType: 'tcp', alerts: ['virtual_servers.web', 'ops'] });
    expect([...plan.targets.keys()]).toEqual(['web/10.0.0.1:80', 'web/10.0.0.2:80']);
    expect(plan.alerts.get('virtual_servers.web')).toMatchObject({
      type: 'ipvs',
      routedTargets: ['web/10.0.0.1:80', 'web/10.0.0.2:80'],
      options: { service: { protocol: 'tcp', address: '192.0.2.10', port: 80 }, forwarding: 'nat', persistent: 300_000, sorry_server: { address: '10.0.0.99', port: 8080 }, panic_guard: { keep: 1, window: 11000 } },
    });
  });

  it.each([
    ['    forwarding: masquerad\n', /vigil\.yaml:6:17: virtual_servers\.web\.forwarding: expected one of .*got "masquerad" \(did you mean 'masquerade'\?\)/],
    ['    panic_guard: { policy: sorry }\n', /vigil\.yaml:6:28: virtual_servers\.web\.panic_guard\.policy: policy 'sorry' needs a sorry_server/],
    ['    fwmark: 7\n', /vigil\.yaml:6:13: virtual_servers\.web\.fwmark: give either virtual \(address:port\) or fwmark, not both/],
    ['    netmask: 255.255.255.0\n', /virtual_servers\.web\.netmask: netmask only applies to a persistent service/],
    ['    quorum_up: "/bin/echo \\"unclosed"\n', /virtual_servers\.web\.quorum_up: unclosed " quote/],
    ['    on_down: drain\n', /virtual_servers\.web\.on_down: expected one of quiesce, remove, got "drain"/],
  ])('%j is reported with file, line and key', async (body, pattern) => {
    expect(await errorsOf(base(body))).toContainEqual(expect.stringMatching(pattern));
  });

  it('reports real servers IPVS would store as one, names taken by a service, bad checks and unknown alerts', async () => {
    const errors = await errorsOf(`hostgroups: { g: [10.0.0.1] }
services:
  web: { group: g, check: { type: tcp } }
virtual_servers:
  web:
    virtual: 192.0.2.10:80
    real_servers: [10.0.0.1:8080, 10.0.0.1:9090, web.example.com]
    check: { type: tpc }
    alerts: [pager]
`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/vigil\.yaml:7:50: virtual_servers\.web\.real_servers\[2\]: expected "address" or "address:port" with an IP address/),
        expect.stringMatching(/vigil\.yaml:5:3: virtual_servers\.web: a service named 'web' exists too/),
        expect.stringMatching(/vigil\.yaml:8:20: virtual_servers\.web\.check\.type: unknown check type 'tpc' \(did you mean 'tcp'\?\)/),
        expect.stringMatching(/vigil\.yaml:9:14: virtual_servers\.web\.alerts\[0\]: no alert named 'pager'/),
      ]),
    );
    const same = await errorsOf(base('').replace('[10.0.0.1:80, 10.0.0.2:80]', '[10.0.0.1:8080, 10.0.0.1:9090]'));
    expect(same).toContainEqual(expect.stringMatching(/real_servers\[1\]: same IPVS destination 10\.0\.0\.1:80 as real_servers\[0\] \(with dr forwarding IPVS uses the virtual port for every real server\)/));
  });

  it('refuses two entries for one virtual service: they would undo each other at every resync', async () => {
    const errors = await errorsOf(
      base(`  web2:
    virtual: 192.0.2.10:80
    real_servers: [10.0.0.3:80]
    check: { type: tcp }
  dns:
    virtual: 192.0.2.10:80
    protocol: udp
    real_servers: [10.0.0.3:80]
    check: { type: udp }
alerts:
  raw: { type: ipvs, service: "tcp 192.0.2.10:80" }
`),
    );
    expect(errors).toEqual([
      "vigil.yaml:6:3: virtual_servers.web2: drives the same virtual service (tcp 192.0.2.10:80) as virtual_servers.web: IPVS keeps one table entry for it, so the two would undo each other's changes; put all its real servers in one entry",
      "vigil.yaml:16:3: alerts.raw: drives the same virtual service (tcp 192.0.2.10:80) as virtual_servers.web: IPVS keeps one table entry for it, so the two would undo each other's changes; put all its real servers in one entry",
    ]);
  });

  it('one IPv6 virtual service however it is spelled: capitals and written-out zeros are the same table entry', async () => {
    const errors = await errorsOf(
      base(`  web6:
    virtual: "[2001:db8::a]:80"
    real_servers: ["[2001:db8::5]:80"]
    check: { type: tcp }
  web6b:
    virtual: "[2001:DB8:0:0::A]:80"
    real_servers: ["[2001:db8::6]:80", "[2001:DB8::5]:80"]
    check: { type: tcp }
`),
    );
    expect(errors).toEqual([expect.stringMatching(/virtual_servers\.web6b: drives the same virtual service \(tcp \[2001:db8::a\]:80\) as virtual_servers\.web6:/)]);
    const twice = await errorsOf(base('').replace('[10.0.0.1:80, 10.0.0.2:80]', '["[2001:db8::5]:80", "[2001:DB8:0::5]:80"]'));
    expect(twice).toContainEqual(expect.stringMatching(/real_servers\[1\]: same IPVS destination \[2001:db8::5\]:80 as real_servers\[0\]/));
  });

  it('takes only what IPVS takes: its schedulers, persistence from 1s to 31d', async () => {
    expect(await errorsOf(base('    scheduler: loadbalance\n    persistent: 0s\n'))).toEqual([
      'vigil.yaml:6:16: virtual_servers.web.scheduler: expected one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos, got "loadbalance"',
      'vigil.yaml:7:17: virtual_servers.web.persistent: persistence takes 1s to 31d (ipvsadm -p); for a service without persistence leave persistent out or set it to false',
    ]);
    expect(await errorsOf(base('    persistent: 32d\n'))).toHaveLength(1);
    expect(await errorsOf(base('    scheduler: mh\n    persistent: 31d\n'))).toEqual([]);
  });

  it('a real server with a check of its own: planned with it, its options checked like a service check', async () => {
    const text = base('').replace(
      '[10.0.0.1:80, 10.0.0.2:80]',
      '\n      - 10.0.0.1:80\n      - { address: 10.0.0.2, port: 80, check: { type: http, path: /ping, expect_status: [204] } }',
    );
    const plan = await planOf(text);
    expect(plan.targets.get('web/10.0.0.1:80')!.check).toMatchObject({ checkType: 'tcp' });
    expect(plan.targets.get('web/10.0.0.2:80')!.check).toMatchObject({ checkType: 'http', options: { path: '/ping', expect_status: [204] } });
    expect(plan.services.get('web')).toMatchObject({ checkType: 'tcp' });
    const errors = await errorsOf(base('').replace('[10.0.0.1:80, 10.0.0.2:80]', '\n      - 10.0.0.1:80\n      - { address: 10.0.0.2, port: 80, check: { type: http, pth: /ping } }'));
    expect(errors).toContainEqual(expect.stringMatching(/vigil\.yaml:6:61: virtual_servers\.web\.real_servers\[1\]\.check\.pth: unknown key 'pth' \(did you mean 'path'\?\)/));
  });

  it('a real server with timing of its own: its keys over the virtual server\'s; re-checks and DOWN follow its interval where left to defaults', async () => {
    const text = base('    interval: 4s\n    timeout: 2s\n    fall: 3\n').replace(
      '[10.0.0.1:80, 10.0.0.2:80]',
      '\n      - 10.0.0.1:80\n      - { address: 10.0.0.2, port: 80, interval: 500ms, timeout: 300ms, rise: 4 }',
    );
    const plan = await planOf(text);
    expect(plan.targets.get('web/10.0.0.1:80')!.timing).toEqual({ intervalMs: 4_000, timeoutMs: 2_000, rise: 2, fall: 3, fastIntervalMs: 1_000, downIntervalMs: 4_000 });
    expect(plan.targets.get('web/10.0.0.2:80')!.timing).toEqual({ intervalMs: 500, timeoutMs: 300, rise: 4, fall: 3, fastIntervalMs: 500, downIntervalMs: 500 });
    const errors = await errorsOf(base('').replace('[10.0.0.1:80, 10.0.0.2:80]', '\n      - 10.0.0.1:80\n      - { address: 10.0.0.2, port: 80, fall: 0, interval: soon }'));
    expect(errors).toContainEqual(expect.stringMatching(/virtual_servers\.web\.real_servers\[1\]\.fall: /));
    expect(errors).toContainEqual(expect.stringMatching(/virtual_servers\.web\.real_servers\[1\]\.interval: /));
  });
});
