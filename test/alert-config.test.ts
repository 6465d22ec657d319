// Bad alert policy config is rejected at load with file, line, key and what was expected —
// and a good one is accepted in both the simple and the route form.
import { mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { buildPlan } from '../src/plan.js';
import { configErrors } from './helpers/config-errors.js';
import { tempDir } from './helpers/temp-dir.js';

const tmp = tempDir();
mkdirSync(tmp.path('plugins'));
tmp.write(
  'plugins/pool.js',
  `import { defineAlert, z } from 'vigil/plugin';
export default defineAlert({ type: 'pool', mode: 'state', options: z.strictObject({}), async fire() {} });
`,
);
// An alert type that sends one event at a time only (no fireDigest).
tmp.write(
  'plugins/pager.js',
  `import { defineAlert, z } from 'vigil/plugin';
export default defineAlert({ type: 'pager', options: z.strictObject({}), async fire() {} });
`,
);
afterAll(() => tmp.cleanup());

const BASE = `plugin_dirs: [./plugins]
history: { path: ./h.db }
hostgroups:
  web: [127.0.0.1:8080, 127.0.0.2:8080]
  core: [10.0.0.1]
periods:
  office-hours: { days: Mon-Fri, hours: 7am-10pm }
services:
  gw: { group: core, check: { type: tcp, port: 22 } }
  web:
    group: web
    check: { type: tcp }
    depends_on: [gw]
    alerts:
      - ops
      - { alert: pager, after: 3, every: 1h, numalerts: 5, period: office-hours }
      - lvs
alerts:
  ops: { type: exec, command: /bin/true, after: 5m, up: false }
  pager: { type: webhook, url: "http://127.0.0.1:9/hook", retries: 3, backoff: 30s, timeout: 5s }
  lvs: { type: pool }
`;

const errorsOf = (name: string, text: string) => configErrors(tmp.write(name, text));

describe('alert policy config', () => {
  it('accepts routes with policy, alert-level defaults, periods and dependencies', async () => {
    const plan = buildPlan(await loadConfig(tmp.write('valid.yaml', BASE)));
    const routes = plan.services.get('web')!.routes;
    expect(routes.map((route) => [route.alert, route.mode])).toEqual([['ops', 'notify'], ['pager', 'notify'], ['lvs', 'state']]);
    expect(routes[0]!.policy).toMatchObject({ after: { failingForMs: 300_000 }, up: false, startup: false });
    expect(routes[1]!.policy).toMatchObject({ after: { consecutive: 3 }, everyMs: 3_600_000, numalerts: 5, periodName: 'office-hours', up: true });
    expect(routes[2]!.policy).toEqual({ up: true, startup: false }); // a state action: every transition, at once
    expect(plan.alerts.get('pager')!.delivery).toEqual({ timeoutMs: 5_000, retries: 3, backoffMs: 30_000, maxBackoffMs: 600_000, inMaintenance: 'hold' });
    expect(plan.alerts.get('pager')!.options).toEqual({ url: 'http://127.0.0.1:9/hook', method: 'POST', headers: {}, headers_env: {}, tls_verify: true });
    expect(plan.services.get('web')!.dependsOn).toEqual(['gw']);
  });

  it('a state-mirroring alert refuses rules that would delay or drop a transition', async () => {
    const errors = await errorsOf('state.yaml', BASE.replace('      - lvs', '      - { alert: lvs, after: 2, period: office-hours }').replace('  lvs: { type: pool }', '  lvs: { type: pool, every: 5m }'));
    expect(errors.sort()).toEqual([
      expect.stringMatching(/state\.yaml:17:23: services\.web\.alerts\[2\]\.after: alert 'lvs' \(type pool\) mirrors target state: it gets every transition at once, so 'after' does not apply/),
      expect.stringMatching(/state\.yaml:17:33: services\.web\.alerts\[2\]\.period: alert 'lvs' .* so 'period' does not apply/),
      expect.stringMatching(/state\.yaml:21:22: alerts\.lvs\.every: alert 'lvs' .* so 'every' does not apply/),
    ]);
  });

  it('unknown alert, period and dependency names, with did-you-mean', async () => {
    const text = BASE.replace('period: office-hours', 'period: ofice-hours').replace('      - ops', '      - opss').replace('depends_on: [gw]', 'depends_on: [gww, gw/10.0.0.2]');
    const errors = await errorsOf('names.yaml', text);
    expect(errors).toContainEqual(expect.stringMatching(/names\.yaml:15:9: services\.web\.alerts\[0\]: no alert named 'opss' \(did you mean 'ops'\?\)/));
    expect(errors).toContainEqual(expect.stringMatching(/names\.yaml:16:\d+: services\.web\.alerts\[1\]\.period: no period named 'ofice-hours' \(did you mean 'office-hours'\?\)/));
    expect(errors).toContainEqual(expect.stringMatching(/names\.yaml:13:\d+: services\.web\.depends_on\[0\]: no service named 'gww' \(did you mean 'gw'\?\)/));
    expect(errors).toContainEqual(expect.stringMatching(/services\.web\.depends_on\[1\]: service 'gw' has no host '10\.0\.0\.2'; its hosts: 10\.0\.0\.1/));
  });

  it('dependency cycles and routes given twice', async () => {
    const text = BASE.replace('  gw: { group: core, check: { type: tcp, port: 22 } }', '  gw: { group: core, check: { type: tcp, port: 22 }, depends_on: [web] }').replace('      - lvs', '      - lvs\n      - ops');
    const errors = await errorsOf('cycle.yaml', text);
    expect(errors).toContainEqual(expect.stringMatching(/services\.gw\.depends_on: dependency cycle: gw → web → gw/));
    expect(errors).toContainEqual(expect.stringMatching(/services\.web\.alerts\[3\]: alert 'ops' is routed twice/));
  });

  it('bad periods, after, flapping, cron and templates say what they expect', async () => {
    const text = BASE.replace('hours: 7am-10pm', 'hours: 7am-25pm')
      .replace('after: 3,', 'after: three, repeat_on_change: sometimes,')
      .replace('    depends_on: [gw]', '    depends_on: [gw]\n    flapping: { changes: 4 }')
      .concat(`maintenance:
  nightly: { cron: "0 25 * * *", duration: 1h, services: [web], time_zone: Mars/Olympus }
  empty: { cron: "0 2 * * Sun", duration: 1h }
`)
      .replace('  ops: { type: exec, command: /bin/true, after: 5m, up: false }', '  ops: { type: exec, command: /bin/true, convention: plain, args: ["{{target}}", "{{hostname}}"] }');
    const errors = await errorsOf('bad.yaml', text);
    expect(errors).toContainEqual(expect.stringMatching(/bad\.yaml:7:\d+: periods\.office-hours: hours: '25pm': with am\/pm the hour is 1 to 12/));
    expect(errors).toContainEqual(expect.stringMatching(/services\.web\.alerts\[1\]\.after: expected a number of failures \(3\), a duration \(5m\) or \{failures: 3, within: 10m\}, got "three"/));
    expect(errors).toContainEqual(expect.stringMatching(/services\.web\.alerts\[1\]\.repeat_on_change: expected true, false or detail/));
    expect(errors).toContainEqual(expect.stringMatching(/services\.web\.flapping: changes and within go together/));
    expect(errors).toContainEqual(expect.stringMatching(/maintenance\.nightly\.cron: '0 25 \* \* \*' is not a cron expression/));
    expect(errors).toContainEqual(expect.stringMatching(/maintenance\.nightly\.time_zone: unknown time zone "Mars\/Olympus"/));
    expect(errors).toContainEqual(expect.stringMatching(/maintenance\.empty: name the targets: services, groups and\/or hosts/));
    expect(errors).toContainEqual(expect.stringMatching(/alerts\.ops\.args\[1\]: unknown template field \{\{hostname\}\}; available: kind, KIND, target/));
  });

  it('a mail password is never written inline; digests only where the alert type supports them', async () => {
    const text = BASE.replace(
      '  lvs: { type: pool }',
      '  lvs: { type: pool }\n  mail: { type: mail, host: smtp.example.com, from: vigil@example.com, to: ops@example.com, user: vigil, password: hunter2 }\n  page: { type: pager, digest: 10m }',
    );
    const errors = await errorsOf('secrets.yaml', text);
    expect(errors).toContainEqual(expect.stringMatching(/alerts\.mail\.password: unknown key 'password'; expected one of: .*password_env, password_file/));
    expect(errors).toContainEqual(expect.stringMatching(/alerts\.mail\.user: a user needs password_env or password_file/));
    expect(errors).toContainEqual(expect.stringMatching(/alerts\.page\.digest: alert type 'pager' cannot send digests/));
  });

  it('a plugin whose options take a policy key is refused, naming the key', async () => {
    mkdirSync(tmp.path('clash'));
    tmp.write('clash/clash.js', `import { defineAlert, z } from 'vigil/plugin';
export default defineAlert({ type: 'clash', options: z.strictObject({ timeout: z.number() }), async fire() {} });
`);
    const errors = await errorsOf('clash.yaml', BASE.replace('plugin_dirs: [./plugins]', 'plugin_dirs: [./plugins, ./clash]'));
    expect(errors).toContainEqual(expect.stringMatching(/clash\/clash\.js: alert 'clash': option name\(s\) timeout belong to the alert policy; choose other names/));
  });
});
