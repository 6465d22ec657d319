// Which targets the reports (history, availability, checks, timeline) mean by --service, --host
// and --group: a host is its name, its address or its address:port, as for the control commands;
// a name the database has never recorded is an error that lists what exists, not "nothing".
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKnownHistory } from './helpers/known-history.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil } from './helpers/vigil-process.js';

const tmp = tempDir();
const dbFile = tmp.path('history.db');
beforeAll(() => {
  writeKnownHistory(dbFile);
  // As the daemon records them: web2 is `{ name: web2, address: 10.0.0.12, port: 80 }`; web1 was
  // recorded before addresses were (NULL), so only its name finds it.
  const db = new Database(dbFile);
  db.prepare("UPDATE targets SET address = '10.0.0.12', port = 80 WHERE key = 'web-http/web2'").run();
  db.prepare("UPDATE targets SET address = '10.0.0.53' WHERE key = 'dns/ns1'").run();
  // One alert delivered: the pager told of ns1 going down.
  db.prepare("INSERT INTO alert_attempts (delivery_id, alert, target, kind, outage_id, attempt, at, duration_ms, ok) VALUES (1, 'pager', 'dns/ns1', 'down', NULL, 1, ?, 12, 1)").run(Date.parse('2025-03-01T06:00:00Z'));
  db.close();
});
afterAll(() => tmp.cleanup());

const DAY = ['--since', '2025-03-01T00:00:00Z', '--until', '2025-03-02T00:00:00Z'];
const REPORTS = ['history', 'availability', 'checks', 'timeline'] as const;
const report = (name: string, ...args: string[]) => runVigil([name, '--db', dbFile, ...DAY, ...(name === 'timeline' ? ['--width', '80'] : []), ...args]);

/** The targets a report lists, from its JSON. */
function targetsOf(name: (typeof REPORTS)[number], ...args: string[]): string[] {
  const result = report(name, '--json', ...args);
  expect(result.stderr).toBe('');
  const answer = JSON.parse(result.stdout);
  if (name === 'history') return [...new Set((answer as Array<{ service: string; host: string }>).map((row) => `${row.service}/${row.host}`))].sort();
  if (name === 'timeline') return (answer.targets as Array<{ target: string }>).map((row) => row.target);
  return (answer.rows as Array<{ name: string }>).map((row) => row.name);
}

describe('reports: --host', () => {
  it.each(REPORTS)('%s: the host by its name, its address, or its address:port', (name) => {
    expect(targetsOf(name, '--host', 'web2')).toEqual(['web-http/web2']);
    expect(targetsOf(name, '--host', '10.0.0.12')).toEqual(['web-http/web2']);
    expect(targetsOf(name, '--host', '10.0.0.12:80')).toEqual(['web-http/web2']);
    expect(targetsOf(name, '--host', '10.0.0.53')).toEqual(['dns/ns1']);
    expect(targetsOf(name, '--host', 'web1')).toEqual(['web-http/web1']); // address unknown: by name
  });
});

describe('reports: a name that matches nothing', () => {
  it.each(REPORTS)('%s: an error listing what exists, exit 1', (name) => {
    const service = report(name, '--service', 'nosuch');
    expect([service.code, service.stdout]).toEqual([1, '']);
    expect(service.stderr).toBe(`vigil ${name}: no target matches service nosuch (services: dns, web-http)\n`);
    const combined = report(name, '--group', 'resolvers', '--host', 'web2');
    expect(combined.code).toBe(1);
    expect(combined.stderr).toMatch(/^vigil \S+: no target matches group resolvers, host web2 \(groups: resolvers, web; hosts: ns1, ns2, web1, web2\); some targets were recorded before Vigil kept addresses/);
    expect(report(name, '--host', '10.0.0.12:81').stderr).toMatch(/no target matches host 10\.0\.0\.12:81 \(hosts: /);
  });

  it('alerts log: a --service or --host never recorded is the same error; a known one with no attempt is an answer', () => {
    const service = runVigil(['alerts', 'log', '--db', dbFile, '--service', 'nosuch', '--json']);
    expect([service.code, service.stdout, service.stderr]).toEqual([1, '', 'vigil alerts log: no target matches service nosuch (services: dns, web-http)\n']);
    expect(runVigil(['alerts', 'log', '--db', dbFile, '--host', 'web9']).stderr).toMatch(/^vigil alerts log: no target matches host web9 \(hosts: ns1, ns2, web1, web2\)/);
    const known = runVigil(['alerts', 'log', '--db', dbFile, '--host', '10.0.0.12', '--json']);
    expect([known.code, known.stdout, known.stderr]).toEqual([0, '[]\n', '']);
  });

  it('alerts log: an --alert the config does not define and the database never recorded is an error listing the names', () => {
    // No config at hand (only --db): the names the database recorded.
    const noConfig = { env: { VIGIL_CONFIG: tmp.path('no-such-config.yaml') } };
    const unknown = runVigil(['alerts', 'log', '--db', dbFile, '--alert', 'pagr'], noConfig);
    expect([unknown.code, unknown.stdout, unknown.stderr]).toEqual([1, '', 'vigil alerts log: no alert named pagr has ever been recorded; recorded: pager\n']);
    expect(JSON.parse(runVigil(['alerts', 'log', '--db', dbFile, '--alert', 'pager', '--json'], noConfig).stdout)).toMatchObject([{ alert: 'pager', target: 'dns/ns1' }]);
    // With a config: the alerts it defines, virtual servers' own included.
    const config = tmp.write(
      'alerts-config.yaml',
      `history: { path: ${dbFile} }
alerts:
  ops-mail: { type: exec, command: /bin/true }
virtual_servers:
  web: { address: 192.0.2.10, port: 80, protocol: tcp, check: { type: tcp }, notify_up: [/bin/true], real_servers: ['10.0.0.11:80'] }
`,
    );
    const configured = runVigil(['alerts', 'log', '-c', config, '--alert', 'nosuch']);
    expect([configured.code, configured.stdout, configured.stderr]).toEqual([
      1,
      '',
      `vigil alerts log: no alert named nosuch in ${config} (alerts: ops-mail, virtual_servers.web, virtual_servers.web.notify)\n`,
    ]);
    // Defined but never sent, or sent but since removed from the config: nothing matches, no error.
    for (const alert of ['ops-mail', 'virtual_servers.web.notify', 'pager']) {
      const quiet = runVigil(['alerts', 'log', '-c', config, '--alert', alert, '--kind', 'up']);
      expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, 'no alert attempts match\n', '']);
    }
  });

  it('vrrp: a --node or --instance never recorded is an error listing the recorded ones', () => {
    const vrrpDb = tmp.path('vrrp.db');
    for (const node of ['lb1', 'lb2']) expect(runVigil(['vrrp-notify', '--db', vrrpDb, '--node', node, 'INSTANCE', 'VI_1', 'BACKUP', '100']).code).toBe(0);
    const node = runVigil(['vrrp', '--db', vrrpDb, '--node', 'lb3']);
    expect([node.code, node.stdout, node.stderr]).toEqual([1, '', 'vigil vrrp: no node named lb3 has ever been recorded; recorded: lb1, lb2\n']);
    const instance = runVigil(['vrrp', '--db', vrrpDb, '--node', 'lb1', '--instance', 'VI_2']);
    expect([instance.code, instance.stdout, instance.stderr]).toEqual([1, '', 'vigil vrrp: no VRRP instance or group named VI_2 has ever been recorded; recorded: VI_1\n']);
    expect(JSON.parse(runVigil(['vrrp', '--db', vrrpDb, '--node', 'lb2', '--json']).stdout)).toMatchObject([{ node: 'lb2', name: 'VI_1', state: 'BACKUP' }]);
  });

  it('alerts log: --until before --since is refused, as in the other reports', () => {
    const inverted = runVigil(['alerts', 'log', '--db', dbFile, '--since', '1d', '--until', '2d']);
    expect([inverted.code, inverted.stdout, inverted.stderr]).toEqual([1, '', 'vigil alerts log: --until (2d) must be after --since (1d)\n']);
  });

  it('a known name with nothing in the window is still an answer, not an error', () => {
    const quiet = runVigil(['history', '--db', dbFile, '--service', 'dns', '--since', '2025-03-01T00:00:00Z', '--until', '2025-03-01T01:00:00Z']);
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, 'no outages match\n', '']);
  });
});
