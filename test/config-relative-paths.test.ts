// Relative paths in check and alert options are taken from the config file's directory, as
// history.path is: under systemd the daemon's working directory is /, and an operator writing
// `tls_ca: pki/ca.pem` next to vigil.yaml means the file beside it.
import https from 'node:https';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { makeTestPki } from './helpers/certificates.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync } from './helpers/vigil-process.js';

const tmp = tempDir('vigil-relative-paths-');
let server: https.Server;
let port: number;

beforeAll(async () => {
  mkdirSync(tmp.path('pki'));
  const pki = makeTestPki(tmp.path('pki'));
  server = https.createServer({ cert: pki.serverCert, key: pki.serverKey }, (_req, res) => res.end('ok\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  mkdirSync(tmp.path('work'));
  writeFileSync(tmp.path('smtp-password'), 'secret\n');
  mkdirSync(tmp.path('monitors'));
  writeFileSync(tmp.path('monitors/ok.sh'), '#!/bin/sh\necho "checked from $(pwd)"\n', { mode: 0o755 });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});

const config = () => `history: { path: ./history.db }
hostgroups:
  web: ['127.0.0.1:${port}']
services:
  web-https:
    group: web
    check: { type: http, scheme: https, host_header: www.example.test, tls_ca: pki/ca.pem }
  web-script:
    group: web
    check: { type: script, command: /bin/sh, args: [-c, 'test "$(pwd)" = "$1"', sh, ${tmp.path('work')}], cwd: work }
  web-monitor:
    group: web
    check: { type: script, command: ./monitors/ok.sh }
  web-true:
    group: web
    check: { type: script, command: env, args: [true] }
alerts:
  ops-mail:
    type: mail
    host: 127.0.0.1
    from: vigil@example.test
    to: ops@example.test
    user: vigil
    password_file: ./smtp-password
    ca_file: /etc/ssl/certs/ca-certificates.crt
  ops-script:
    type: exec
    command: /bin/true
    cwd: work
`;

describe('relative paths in plugin options', () => {
  it('are taken from the config file directory; absolute ones are kept', async () => {
    const loaded = await loadConfig(tmp.write('vigil.yaml', config()));
    expect(loaded.checkOptions.get('web-https')).toMatchObject({ tls_ca: tmp.path('pki/ca.pem') });
    expect(loaded.checkOptions.get('web-script')).toMatchObject({ cwd: tmp.path('work') });
    // A command with a slash is a path; a bare name is left for PATH.
    expect(loaded.checkOptions.get('web-monitor')).toMatchObject({ command: tmp.path('monitors/ok.sh') });
    expect(loaded.checkOptions.get('web-true')).toMatchObject({ command: 'env' });
    expect(loaded.alertOptions.get('ops-mail')).toMatchObject({ password_file: tmp.path('smtp-password'), ca_file: '/etc/ssl/certs/ca-certificates.crt' });
    expect(loaded.alertOptions.get('ops-script')).toMatchObject({ cwd: tmp.path('work') });
  });

  it('vigil probe -c, started from another directory, uses the CA and working directory beside the config', async () => {
    const file = tmp.write('vigil.yaml', config());
    const result = await runVigilAsync(['probe', '-c', file], { cwd: '/' });
    expect(result.stdout).toMatch(/^UP\s+web-https\/127\.0\.0\.1:\d+ .*HTTP 200/m);
    expect(result.stdout).toMatch(/^UP\s+web-script\/127\.0\.0\.1:\d+ /m);
    expect(result.stdout).toMatch(/^UP\s+web-monitor\/127\.0\.0\.1:\d+ /m);
    expect(result.stdout).toMatch(/^UP\s+web-true\/127\.0\.0\.1:\d+ /m);
    expect(result.code).toBe(0);
  });
});
