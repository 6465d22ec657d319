// User plugins dropped into a configured directory: loaded (.js and .ts), validated at config
// load like everything else, and run by the daemon; a throwing plugin costs results, not the daemon.
import { mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';
import { startTcpServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { daemonFixture, runVigil, runVigilAsync } from './helpers/vigil-process.js';

const tmp = tempDir();
mkdirSync(tmp.path('plugins'));
const daemons = daemonFixture(() => ({ cwd: tmp.dir }));
afterAll(async () => {
  await daemons.stopAll();
  tmp.cleanup();
});

// A JavaScript check that sends a line and expects a reply prefix.
tmp.write(
  'plugins/line-reply.js',
  `import net from 'node:net';
import { defineCheck, describeError, z } from 'vigil/plugin';

export default defineCheck({
  type: 'line-reply',
  options: z.strictObject({ send: z.string(), expect: z.string(), port: z.int().optional() }),
  async run(target, options, ctx) {
    return new Promise((resolve) => {
      const socket = net.connect({ host: target.address, port: target.port ?? options.port });
      ctx.signal.addEventListener('abort', () => socket.destroy());
      let reply = '';
      socket.on('connect', () => socket.write(options.send + '\\n'));
      socket.on('data', (chunk) => {
        reply += chunk;
        if (reply.includes('\\n')) {
          socket.destroy();
          resolve(reply.startsWith(options.expect) ? { status: 'up', message: reply.trim() } : { status: 'down', message: 'unexpected reply: ' + reply.trim() });
        }
      });
      socket.on('error', (err) => resolve({ status: 'down', message: describeError(err) }));
    });
  },
});
`,
);

// A TypeScript check whose run always throws.
tmp.write(
  'plugins/always-throws.ts',
  `import { defineCheck, z, type Target } from 'vigil/plugin';

const options = z.strictObject({ reason: z.string().default('not implemented') });

export default defineCheck({
  type: 'always-throws',
  options,
  async run(target: Target, opts: z.output<typeof options>): Promise<never> {
    throw new Error(\`\${opts.reason} for \${target.name}\`);
  },
});
`,
);

const config = (port: number, extra = '') => `plugin_dirs: [./plugins]
history: { path: ./history.db, flush_interval: 50ms }
defaults: { interval: 200ms, timeout: 500ms, fall: 2, rise: 1, fast_interval: 100ms, spread: 50ms }
hostgroups:
  echo: [127.0.0.1:${port}]
services:
  echo-ping:
    group: echo
    check: { type: line-reply, send: PING, expect: PONG }
  broken:
    group: echo
    check: { type: always-throws, reason: redis client not ready }
${extra}`;

describe('user plugins', () => {
  it('validates plugin options at config load, with file and line', async () => {
    const file = tmp.write('bad-options.yaml', config(1).replace('expect: PONG', 'expct: PONG'));
    const error = await loadConfig(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    const messages = (error as ConfigError).issues.map(formatIssue);
    expect(messages).toContainEqual(expect.stringMatching(/bad-options\.yaml:9:44: services\.echo-ping\.check\.expct: unknown key 'expct' \(did you mean 'expect'\?\)/));
    expect(messages).toContainEqual(expect.stringMatching(/bad-options\.yaml:\d+:\d+: services\.echo-ping\.check\.expect: is required/));
  });

  it('reports a file that is not a plugin, naming the file', async () => {
    const dir = tmp.path('not-plugins');
    mkdirSync(dir);
    tmp.write('not-plugins/helper.js', 'export default { hello: "world" };\n');
    tmp.write('not-plugins/syntax.js', 'export default {{;\n');
    tmp.write('not-plugins/syntax.ts', "import { defineCheck, z } from 'vigil/plugin';\nexport default defineCheck({\n  type: 'half',\n  options: z.strictObject({}),\n  async run() { return { status: 'up' } \n});\n");
    const file = tmp.write('not-plugins.yaml', 'plugin_dirs: [./not-plugins]\nhostgroups: {}\nservices: {}\n');
    const error = (await loadConfig(file).catch((err: unknown) => err)) as ConfigError;
    const messages = error.issues.map(formatIssue);
    expect(messages).toContainEqual(expect.stringMatching(/not-plugins\/helper\.js: the default export is not a plugin: wrap it in defineCheck/));
    expect(messages).toContainEqual(expect.stringMatching(/not-plugins\/syntax\.js: cannot load plugin: /));
    // A TypeScript plugin's syntax error, with its line and column (esbuild's, not only "Transform
    // failed"), as the real CLI loads it (inside vitest, vite compiles plugins instead).
    const checked = runVigil(['check-config', '-c', file]);
    expect(checked.stdout + checked.stderr).toMatch(/not-plugins\/syntax\.ts: cannot load plugin: line 6:1: Expected "\}" but found "\)"\n/);
  });

  it('the daemon loads .js and .ts plugins, runs them, and survives one that throws', async () => {
    const server = await startTcpServer();
    await server.stop();
    const net = await import('node:net');
    const echo = net.createServer((socket) => socket.on('data', () => socket.end('PONG from test\n')));
    await new Promise<void>((resolve) => echo.listen(server.port, '127.0.0.1', resolve));
    try {
      const file = tmp.write('vigil.yaml', config(server.port));
      const daemon = daemons.start(file);
      await daemon.waitForLine(/echo-ping\/127\.0\.0\.1:\d+ UNKNOWN → UP after 1 success/);
      await daemon.waitForLine(/broken\/127\.0\.0\.1:\d+ UNKNOWN → DOWN after 2 failures: check failed: redis client not ready for 127\.0\.0\.1:\d+/);
      // Still checking: the PING service notices its server going away.
      await new Promise<void>((resolve) => echo.close(() => resolve()));
      await daemon.waitForLine(/echo-ping\/127\.0\.0\.1:\d+ UP → DOWN after 2 failures: connection refused/);
    } finally {
      echo.close();
    }
  });

  it('vigil probe runs a plugin ad hoc with --plugin-dir', async () => {
    const net = await import('node:net');
    const echo = net.createServer((socket) => socket.on('data', () => socket.end('PONG\n')));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const port = (echo.address() as import('node:net').AddressInfo).port;
    try {
      const result = await runVigilAsync(['probe', '--plugin-dir', tmp.path('plugins'), '--type', 'line-reply', '--host', '127.0.0.1', '--port', String(port), '-o', 'send=PING', '-o', 'expect=PONG']);
      expect(result.stdout).toMatch(/^UP\s+127\.0\.0\.1:\d+\s+[\d.]+ms\s+PONG$/m);
      expect(result.code).toBe(0);
    } finally {
      echo.close();
    }
  });
});
