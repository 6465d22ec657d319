// `check: [ ... ]`: several checks that must all pass (keepalived's real server with several
// checkers). The config says exactly what is wrong with a list; the answer names the failing parts.
// The daemon taking a real server out when one of its checks fails is in test/lvs.test.ts.
import { writeFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync } from './helpers/vigil-process.js';

const tmp = tempDir();
let web: TestServer;
beforeAll(async () => (web = await startHttpServer()));
afterAll(async () => {
  await web.stop();
  tmp.cleanup();
});

describe('a list of checks', () => {
  it('is up only while every check passes; the message names each part, or only the failing ones', async () => {
    const flag = tmp.path('maintenance-flag');
    const config = tmp.write(
      'vigil.yaml',
      `hostgroups: { web: ['127.0.0.1:${web.port}'] }
services:
  web:
    group: web
    check:
      - { type: http, path: /health }
      - { type: tcp }
      - { type: script, command: /bin/sh, args: [-c, 'if test -e "$1"; then echo "flagged for maintenance"; exit 2; fi; echo ready', sh, '${flag}'] }
`,
    );
    const up = await runVigilAsync(['probe', '-c', config]);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`^UP\\s+web/127\\.0\\.0\\.1:${web.port} .*http: HTTP 200 from http://127\\.0\\.0\\.1:${web.port}/health.*; tcp: connected to 127\\.0\\.0\\.1:${web.port}; script: ready$`, 'm'));

    writeFileSync(flag, '');
    const down = await runVigilAsync(['probe', '-c', config]);
    rmSync(flag);
    expect(down.code).toBe(2);
    expect(down.stdout).toMatch(new RegExp(`^DOWN\\s+web/127\\.0\\.0\\.1:${web.port} .*  script: exit 2: flagged for maintenance$`, 'm'));
    expect(down.stdout).not.toMatch(/http: HTTP 200/);
  });

  it('configuration mistakes in a list are reported per item, with file, line and path', async () => {
    const file = tmp.write(
      'bad.yaml',
      `hostgroups: { web: ['127.0.0.1:1'] }
services:
  a: { group: web, check: [{ type: tcp }, { type: htp }] }
  b: { group: web, check: [{ path: /x }] }
  c: { group: web, check: 5 }
  d: { group: web, check: [{ type: tcp }, { type: script, command: /bin/true }], batch: true }
  e: { group: web, check: [] }
`,
    );
    const result = await runVigilAsync(['check-config', '-c', file]);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean).sort()).toEqual(
      [
        `${file}:3:51: services.a.check[1].type: unknown check type 'htp' (did you mean 'http'?); available: dns, http, icmp, ldap, mysql, pgsql, radius, script, sip, tcp, udp`,
        `${file}:4:28: services.b.check[0].type: is required (expected the plugin type name)`,
        `${file}:5:27: services.c.check: expected a check ({type: ..., options}) or a list of checks, got 5`,
        `${file}:6:89: services.d.batch: a list of checks runs per target: batch needs a single check`,
        `${file}:7:27: services.e.check: needs at least 1 item(s)`,
        '5 error(s)',
      ].sort(),
    );
  });
});
