// Secrets out of the config file: the radius check's shared secret and user password and the ldap
// check's bind password come from an environment variable or a file (as mail's password), shown
// with the real daemon against the real FreeRADIUS and OpenLDAP; and `vigil check-config` and the
// daemon (at start and at each reload) warn about every secret still written in the config, with
// its file, line and key: check passwords, the webhook's credential headers and a URL's password,
// and what a user plugin marks as secret the same way.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LDAP_BASE, MONITOR_DN, MONITOR_PASSWORD, startSlapd, type LdapServer } from './helpers/ldap-server.js';
import { RADIUS_PASSWORD, RADIUS_SECRET, RADIUS_USER, startFreeradius, type RadiusServer } from './helpers/radius-server.js';
import { tempDir } from './helpers/temp-dir.js';
import { closedPort } from './helpers/servers.js';
import { daemonFixture, runVigilAsync, VigilDaemon } from './helpers/vigil-process.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = tempDir();
let radius: RadiusServer;
let ldap: LdapServer;
let daemon: VigilDaemon | undefined;
const daemons = daemonFixture(() => ({ cwd: tmp.dir }));
afterEach(async (context) => daemons.stopAll(context));

beforeAll(async () => {
  [radius, ldap] = await Promise.all([startFreeradius(), startSlapd()]);
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await Promise.all([radius?.stop(), ldap?.stop()]);
  tmp.cleanup();
});

const advice = (key: string) =>
  `a secret written in the config file, where everyone who can read the file can read it: put it in a file only the daemon's user can read (${key}_file) or in the daemon's environment (${key}_env)`;

describe('secrets of the radius and ldap checks', () => {
  it('come from a file or the environment: the real daemon authenticates with them, and check-config has nothing to say', async () => {
    const secretFile = tmp.write('radius-secret', `${RADIUS_SECRET}\n`);
    chmodSync(secretFile, 0o600);
    tmp.write('ldap-password', `${MONITOR_PASSWORD}\n`);
    const config = tmp.write(
      'from-elsewhere.yaml',
      `history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 300ms, timeout: 2s, rise: 1, fall: 1, spread: 50ms }
hostgroups:
  radius: [{ name: radius1, address: 127.0.0.1, port: ${radius.port} }]
  ldap: [{ name: ldap1, address: 127.0.0.1, port: ${ldap.port} }]
services:
  radius-auth:
    group: radius
    check: { type: radius, user: ${RADIUS_USER}, password_env: VIGIL_TEST_RADIUS_PASSWORD, secret_file: ./radius-secret }
  ldap-bind:
    group: ldap
    check: { type: ldap, bind_dn: '${MONITOR_DN}', password_file: ./ldap-password, base: '${LDAP_BASE}' }
  ldap-bind-env:
    group: ldap
    check: { type: ldap, bind_dn: '${MONITOR_DN}', password_env: VIGIL_TEST_LDAP_PASSWORD, base: '${LDAP_BASE}' }
`,
    );
    const env = { VIGIL_TEST_RADIUS_PASSWORD: RADIUS_PASSWORD, VIGIL_TEST_LDAP_PASSWORD: MONITOR_PASSWORD };
    const checked = await runVigilAsync(['check-config', '-c', config], { env });
    expect(checked).toEqual({ code: 0, stdout: `${config}: OK (3 service(s), 3 target(s), 0 alert(s))\n`, stderr: '' });

    daemon = VigilDaemon.run(config, [], { cwd: tmp.dir, env });
    await daemon.waitForLine(/running:/);
    await waitFor(async () => {
      const status = await runVigilAsync(['status', '-c', config, '--json']);
      const states = (JSON.parse(status.stdout) as { targets: Array<{ state: string }> }).targets.map((target) => target.state);
      return states.length === 3 && states.every((state) => state === 'up');
    }, () => `every target UP; daemon output:\n${daemon!.output()}\nFreeRADIUS:\n${radius.log()}`);
    expect(radius.log()).toMatch(/Login OK: \[monitor/);
    await daemon.stop();
  });

  it('check-config warns about each secret written inline, with file, line and key, and the config stays valid', async () => {
    tmp.write(
      'lvs.yaml',
      `virtual_servers:
  db:
    virtual: 192.0.2.20:5432
    check: { type: tcp }
    real_servers:
      - name: db1
        address: 10.0.0.21
        check: { type: pgsql, user: monitor, password: inline-too }
`,
    );
    const config = tmp.write(
      'inline.yaml',
      `include: [lvs.yaml]
hostgroups: { servers: [{ name: s1, address: 127.0.0.1 }] }
services:
  radius-auth:
    group: servers
    check: { type: radius, user: monitor, password: check-me, secret: s3cret }
  ldap-and-port:
    group: servers
    check:
      - { type: tcp, port: 389 }
      - type: ldap
        bind_dn: cn=monitor,dc=example,dc=test
        password: check-me
  radius-from-file:
    group: servers
    check: { type: radius, user: monitor, password_env: RADIUS_PASSWORD, secret_file: /etc/vigil/radius-secret }
`,
    );
    const lvs = tmp.path('lvs.yaml');
    const expected = [
      `${config}:6:43: services.radius-auth.check.password: ${advice('password')}`,
      `${config}:6:63: services.radius-auth.check.secret: ${advice('secret')}`,
      `${config}:13:9: services.ldap-and-port.check[1].password: ${advice('password')}`,
      `${lvs}:8:46: virtual_servers.db.real_servers[0].check.password: ${advice('password')}`,
    ];
    const text = await runVigilAsync(['check-config', '-c', config]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`${config}: OK (4 service(s), 4 target(s), 1 alert(s))\n`);
    expect(text.stderr).toBe(expected.map((line) => `warning: ${line}\n`).join(''));

    const json = await runVigilAsync(['check-config', '-c', config, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, warnings: expected });
  });
});

const credential = (header: string) =>
  `a credential written in the config file, where everyone who can read the file can read it: put it in the daemon's environment (headers_env: { ${header}: VARIABLE })`;

const URL_ELSEWHERE = "put the URL in a file only the daemon's user can read (url_file) or in the daemon's environment (url_env)";

describe("the webhook's headers and URL, and a plugin's options marked as holding secrets", () => {
  it('check-config warns about each credential header and each URL password written inline, and about nothing else', async () => {
    mkdirSync(tmp.path('plugins'), { recursive: true });
    // A user plugin that marks its options through vigil/plugin, as the built-in webhook does.
    tmp.write(
      'plugins/inventory.js',
      `import { credentialHeaders, defineAlert, holdsSecrets, passwordInUrl, z } from 'vigil/plugin';

export default defineAlert({
  type: 'inventory',
  options: z.strictObject({
    endpoint: holdsSecrets(z.url().describe('Where to report'), passwordInUrl()),
    headers: holdsSecrets(z.record(z.string(), z.string()).default({}), credentialHeaders('headers_env')),
    headers_env: z.record(z.string(), z.string()).default({}),
  }),
  async fire() {},
});
`,
    );
    const config = tmp.write(
      'webhooks.yaml',
      `plugin_dirs: [./plugins]
hostgroups: { servers: [{ name: s1, address: 127.0.0.1 }] }
services:
  web: { group: servers, check: { type: tcp, port: 80 }, alerts: [pager, chat, inventory] }
alerts:
  pager:
    type: webhook
    url: https://vigil:hunter2@hooks.example.test/alerts
    headers:
      Authorization: Bearer abc123
      Proxy-Authorization: Basic dmlnaWw6aHVudGVyMg==
      Cookie: session=42
      X-API-Key: k-1
      X-Vault-Token: t-1
      X-Team: ops
      Accept-Language: en
  chat:
    type: webhook
    url: https://vigil@hooks.example.test/chat?channel=ops
    headers: { X-Team: ops, Authorization: '' }
    headers_env: { Authorization: CHAT_TOKEN }
  inventory:
    type: inventory
    endpoint: https://svc:pw@inventory.example.test/
    headers: { X-Service-Secret: abc, X-Team: ops }
`,
    );
    const checked = await runVigilAsync(['check-config', '-c', config]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toBe(`${config}: OK (1 service(s), 1 target(s), 3 alert(s))\n`);
    const inUrl = 'a password in the URL (user:password@) written in the config file, where everyone who can read the file can read it';
    expect(checked.stderr).toBe(
      [
        `${config}:8:5: alerts.pager.url: ${inUrl}: ${URL_ELSEWHERE}, or send the user and password in an Authorization header from the daemon's environment (headers_env: { Authorization: VARIABLE }, VARIABLE holding 'Basic ' and the base64 of user:password)`,
        `${config}:10:7: alerts.pager.headers.Authorization: ${credential('Authorization')}`,
        `${config}:11:7: alerts.pager.headers.Proxy-Authorization: ${credential('Proxy-Authorization')}`,
        `${config}:12:7: alerts.pager.headers.Cookie: ${credential('Cookie')}`,
        `${config}:13:7: alerts.pager.headers.X-API-Key: ${credential('X-API-Key')}`,
        `${config}:14:7: alerts.pager.headers.X-Vault-Token: ${credential('X-Vault-Token')}`,
        `${config}:24:5: alerts.inventory.endpoint: ${inUrl}: nothing else can hold it: make the config file readable only by the daemon's user (chmod 600)`,
        `${config}:25:16: alerts.inventory.headers.X-Service-Secret: ${credential('X-Service-Secret')}`,
      ]
        .map((line) => `warning: ${line}\n`)
        .join(''),
    );
  });
});

describe('a webhook URL that is itself the secret', () => {
  it("check-config warns about the known services' webhook URLs written inline, pointing to url_file and url_env, and about no other URL", async () => {
    tmp.write('chat-url', 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX\n');
    const config = tmp.write(
      'chat-hooks.yaml',
      `hostgroups: { servers: [{ name: s1, address: 127.0.0.1 }] }
services:
  web: { group: servers, check: { type: tcp, port: 80 }, alerts: [slack, discord, teams, workflow, mattermost, gchat, keyed, plain, from-file, from-env, webex, rocket] }
alerts:
  slack: { type: webhook, url: https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX }
  discord: { type: webhook, url: https://discord.com/api/webhooks/112233445566778899/aBcD-eFgH_iJkL }
  teams: { type: webhook, url: https://contoso.webhook.office.com/webhookb2/0000@1111/IncomingWebhook/2222/3333/V2sig }
  workflow: { type: webhook, url: 'https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sv=1.0&sig=SiGnAtUrE' }
  mattermost: { type: webhook, url: https://chat.example.com/hooks/xi1a9h3e5pgs8m4g1hx8ip5oeh }
  gchat: { type: webhook, url: 'https://chat.googleapis.com/v1/spaces/AAAA/messages?key=KEY&token=TOKEN' }
  keyed: { type: webhook, url: 'https://alerts.example.com/in?api_key=abc&team=ops' }
  plain: { type: webhook, url: https://hooks.example.com/vigil/services/T0000/B0000/xyz }
  from-file: { type: webhook, url_file: ./chat-url }
  from-env: { type: webhook, url_env: CHAT_URL }
  webex: { type: webhook, url: https://webexapis.com/v1/webhooks/incoming/Y2lzY29zcGFyazovL3VzL1dFQkhPT0sv }
  rocket: { type: webhook, url: https://chat.example.com/hooks/AbCdEfGhJkMnPqRsT/abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXY }
`,
    );
    const checked = await runVigilAsync(['check-config', '-c', config]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toBe(`${config}: OK (1 service(s), 1 target(s), 12 alert(s))\n`);
    const inline = (what: string) => `${what} written in the config file, where everyone who can read the file can read it: ${URL_ELSEWHERE}`;
    expect(checked.stderr).toBe(
      [
        `${config}:5:27: alerts.slack.url: ${inline('a Slack webhook URL (its path is its token)')}`,
        `${config}:6:29: alerts.discord.url: ${inline('a Discord webhook URL (its path holds its token)')}`,
        `${config}:7:27: alerts.teams.url: ${inline('a Microsoft Teams webhook URL (its path is its token)')}`,
        `${config}:8:30: alerts.workflow.url: ${inline('a Power Automate workflow URL (sig= in its query is its key)')}`,
        `${config}:9:32: alerts.mattermost.url: ${inline('a Mattermost webhook URL (its path is its token)')}`,
        `${config}:10:27: alerts.gchat.url: ${inline('a Google Chat webhook URL (key= and token= in its query are its credentials)')}`,
        `${config}:11:27: alerts.keyed.url: ${inline("a credential in the URL's query (api_key=)")}`,
        `${config}:15:27: alerts.webex.url: ${inline('a Webex webhook URL (its path is its token)')}`,
        `${config}:16:28: alerts.rocket.url: ${inline('a Rocket.Chat webhook URL (its path holds its token)')}`,
      ]
        .map((line) => `warning: ${line}\n`)
        .join(''),
    );
  });

  it('one source of the URL: url, url_file or url_env', async () => {
    const config = tmp.write(
      'url-sources.yaml',
      `hostgroups: { servers: [{ name: s1, address: 127.0.0.1 }] }
services:
  web: { group: servers, check: { type: tcp, port: 80 }, alerts: [both, none] }
alerts:
  both: { type: webhook, url: https://hooks.example.com/vigil, url_file: ./chat-url }
  none: { type: webhook, method: PUT }
`,
    );
    const checked = await runVigilAsync(['check-config', '-c', config]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/url-sources\.yaml:5:\d+: alerts\.both\.url: give one of url, url_file, not both/);
    expect(checked.stderr).toMatch(/url-sources\.yaml:6:\d+: alerts\.none\.url: give url, url_file or url_env: where to send the event/);
  });
});

describe("the http check's headers", () => {
  it('check-config warns about a credential header written inline, pointing to headers_env, and not about one from headers_env', async () => {
    const config = tmp.write(
      'http-headers.yaml',
      `hostgroups: { web: [{ name: w1, address: 127.0.0.1 }] }
services:
  api:
    group: web
    check: { type: http, path: /health, headers: { Authorization: Bearer abc123, X-Team: ops } }
  admin:
    group: web
    check: { type: http, path: /admin/health, headers_env: { Authorization: ADMIN_HEALTH_TOKEN } }
`,
    );
    const checked = await runVigilAsync(['check-config', '-c', config]);
    expect(checked.code).toBe(0);
    expect(checked.stderr).toBe(`warning: ${config}:5:52: services.api.check.headers.Authorization: ${credential('Authorization')}\n`);
  });
});

describe('the daemon', () => {
  it('logs each secret written inline at start and again at each reload that still has it, and says nothing once they are gone', async () => {
    const port = await closedPort();
    const withSecrets = `history: { path: ./daemon-history.db, flush_interval: 50ms }
defaults: { interval: 300ms, timeout: 1s, rise: 1, fall: 1, spread: 50ms }
hostgroups: { db: [{ name: db1, address: 127.0.0.1, port: ${port} }] }
services:
  db:
    group: db
    check: { type: pgsql, user: monitor, password: inline-pw }
alerts:
  hook:
    type: webhook
    url: http://127.0.0.1:${port}/hook
    headers: { Authorization: Bearer abc123 }
`;
    const config = tmp.write('daemon.yaml', withSecrets);
    const expected = [
      `${config}:7:42: services.db.check.password: ${advice('password')}`,
      `${config}:12:16: alerts.hook.headers.Authorization: ${credential('Authorization')}`,
    ];
    /** The log's secret warnings from line `from` on, without their timestamps. */
    const warnings = (daemon: VigilDaemon, from: number, to = Infinity) =>
      daemon.lines
        .slice(from, to)
        .filter((line) => line.includes('written in the config file'))
        .map((line) => line.replace(/^\S+ /, ''));

    const running = daemons.start(config);
    const started = await running.waitForLine(/running:/);
    expect(warnings(running, 0, started.index)).toEqual(expected.map((line) => `WARN  ${line}`));

    // A reload that still has them: in its summary in the log, and in what `vigil reload` prints.
    let from = running.lines.length;
    const reloaded = await runVigilAsync(['reload', '-c', config]);
    expect(reloaded.code).toBe(0);
    expect(reloaded.stdout).toBe('reloaded:\n  1 target(s) unchanged\n');
    expect(reloaded.stderr).toBe(expected.map((line) => `warning: ${line}\n`).join(''));
    const done = await running.waitForLine(/reload done/, { from });
    expect(warnings(running, from, done.index)).toEqual(expected.map((line) => `WARN  reload: ${line}`));

    // Moved out of the config: the next reload has nothing to say.
    writeFileSync(config, withSecrets.replace('password: inline-pw', 'password_env: DB_PASSWORD').replace('headers: {', 'headers_env: {'));
    from = running.lines.length;
    const cleaned = await runVigilAsync(['reload', '-c', config]);
    expect([cleaned.code, cleaned.stderr]).toEqual([0, '']);
    await running.waitForLine(/reload done/, { from });
    expect(warnings(running, from)).toEqual([]);

    // Nor does a start on that config.
    await running.stop();
    const clean = daemons.start(config);
    await clean.waitForLine(/running:/);
    expect(warnings(clean, 0)).toEqual([]);
  });
});
