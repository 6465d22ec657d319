// The plugin example shipped in docs/examples/redis-ping.ts, copied as is into a plugin
// directory: loaded and validated by check-config, run by the daemon and by `vigil probe`,
// against a small Redis speaking RESP on loopback.
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRedis, type FakeRedis } from './helpers/fake-redis.js';
import { tempDir } from './helpers/temp-dir.js';
import { daemonFixture, runVigilAsync } from './helpers/vigil-process.js';

const EXAMPLE = fileURLToPath(new URL('../docs/examples/redis-ping.ts', import.meta.url));
const tmp = tempDir();
let redis: FakeRedis;
const daemons = daemonFixture(() => ({ cwd: tmp.dir }));

beforeAll(async () => {
  mkdirSync(tmp.path('plugins'));
  copyFileSync(EXAMPLE, tmp.path('plugins', 'redis-ping.ts'));
  tmp.write('redis.pass', 's3cret\n');
  redis = await startFakeRedis({ role: 'master', password: 's3cret' });
});
afterAll(async () => {
  await daemons.stopAll();
  await redis.stop();
  tmp.cleanup();
});

const config = (check: string) => `plugin_dirs: [./plugins]
history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 200ms, timeout: 1s, fall: 1, rise: 1, fast_interval: 100ms, spread: 50ms }
hostgroups:
  redis: [127.0.0.1:${redis.port}]
services:
  cache:
    group: redis
    check: ${check}
`;

describe('the redis-ping plugin example', () => {
  it('check-config loads it and reports a bad option with file, line and the allowed values', async () => {
    const file = tmp.write('bad.yaml', config(`{ type: redis-ping, role: primary, password_file: ${tmp.path('redis.pass')} }`));
    const result = await runVigilAsync(['check-config', '-c', file]);
    expect(result.stderr).toMatch(/bad\.yaml:9:\d+: services\.cache\.check\.role: expected one of master, slave, got "primary"/);
    expect(result.code).toBe(1);
    const good = tmp.write('good.yaml', config(`{ type: redis-ping, role: master, password_file: ${tmp.path('redis.pass')} }`));
    const clean = await runVigilAsync(['check-config', '-c', good]);
    expect(clean.code).toBe(0);
    expect(clean.stderr).toBe(''); // the example type-checks clean: no warning
  });

  it('check-config type-checks a TypeScript plugin: its type errors are warnings with file, line and column; the config is still OK', async () => {
    const dir = tmp.path('typed');
    mkdirSync(dir, { recursive: true });
    copyFileSync(EXAMPLE, `${dir}/redis-ping.ts`);
    tmp.write('typed/sloppy.ts', `import { defineCheck, z } from 'vigil/plugin';

export default defineCheck({
  type: 'sloppy',
  options: z.strictObject({ greeting: z.string().default('hi') }),
  async run(target, options) {
    const length: number = options.greeting;
    return { status: 'upp', message: \`\${target.address} \${length}\` };
  },
});
`);
    const file = tmp.write('typed.yaml', `${config('{ type: sloppy }')}`.replace('plugin_dirs: [./plugins]', 'plugin_dirs: [./typed]'));
    const result = await runVigilAsync(['check-config', '-c', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/typed\.yaml: OK/);
    expect(result.stderr.trim().split('\n')).toEqual([
      `warning: ${dir}/sloppy.ts:6:9: Type '"upp"' is not assignable to type 'CheckStatus'. (a type error; the plugin runs as written)`,
      `warning: ${dir}/sloppy.ts:7:11: Type 'string' is not assignable to type 'number'. (a type error; the plugin runs as written)`,
    ]);
    const json = JSON.parse((await runVigilAsync(['check-config', '-c', file, '--json'])).stdout) as { ok: boolean; warnings: string[] };
    expect(json.ok).toBe(true);
    expect(json.warnings).toHaveLength(2);
  });

  it('the daemon runs it: AUTH with the password file, PING, role; a role change is a failure with its reason', async () => {
    const file = tmp.write('vigil.yaml', config(`{ type: redis-ping, role: master, password_file: ${tmp.path('redis.pass')} }`));
    const daemon = daemons.start(file);
    const up = await daemon.waitForLine(/cache\/127\.0\.0\.1:\d+ UNKNOWN → UP after 1 success/);
    expect(redis.commands).toContainEqual(['AUTH', 's3cret']);
    redis.state.role = 'slave';
    try {
      await daemon.waitForLine(/cache\/127\.0\.0\.1:\d+ UP → DOWN after 1 failure: role is slave, expected master/, { from: up.index });
    } finally {
      redis.state.role = 'master';
    }
  });

  it('vigil probe runs it ad hoc from a redis:// URL; a wrong password is DOWN with the server\'s answer', async () => {
    const url = `redis://127.0.0.1:${redis.port}?role=master&password_env=REDIS_PASSWORD`;
    const up = await runVigilAsync(['probe', '--plugin-dir', tmp.path('plugins'), url], { env: { REDIS_PASSWORD: 's3cret' } });
    expect(up.stdout).toMatch(/^UP\s+redis:\/\/\S+\s+[\d.]+ms\s+PONG, role master$/m);
    expect(up.code).toBe(0);
    const wrong = await runVigilAsync(['probe', '--plugin-dir', tmp.path('plugins'), url], { env: { REDIS_PASSWORD: 'guess' } });
    expect(wrong.stdout).toMatch(/^DOWN\s+.*AUTH refused: WRONGPASS/m);
    expect(wrong.code).toBe(2);
  });
});
