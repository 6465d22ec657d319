// Check options in a config file are validated at load, like the rest of the config: a bad regex,
// a bad hex string, a malformed step or an unknown placeholder is an error with file, line and key.
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';
import { tempDir } from './helpers/temp-dir.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('built-in check options in a config file', () => {
  it('every mistake is reported with its file, line and key path', async () => {
    const file = tmp.write(
      'vigil.yaml',
      `hostgroups:
  web: [127.0.0.1:80]
services:
  web-http:
    group: web
    check: { type: http, expect_body: '(unclosed', digest: xyz }
  web-tcp:
    group: web
    check: { type: tcp, steps: [{ send: PING, expect: PONG }, { send_hex: '0g' }] }
  web-udp:
    group: web
    check: { type: udp, expect_hex: 'ca fe zz' }
  web-dns:
    group: web
    check: { type: dns, query_type: MXX, expect_rcode: [NOERROR, NODOMAIN] }
  web-script:
    group: web
    check: { type: script, command: check_http, args: [-H, '{adress}'], convention: nagio }
`,
    );
    const error = await loadConfig(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    const messages = (error as ConfigError).issues.map(formatIssue).join('\n');
    expect(messages).toMatch(/vigil\.yaml:6:\d+: services\.web-http\.check\.expect_body: not a valid regular expression: \/\(unclosed\/: Unterminated group$/m);
    expect(messages).toMatch(/vigil\.yaml:6:\d+: services\.web-http\.check\.digest: expected an MD5 digest/);
    expect(messages).toMatch(/vigil\.yaml:9:\d+: services\.web-tcp\.check\.steps\[0\]: a step has exactly one of send, send_hex, expect, expect_hex \(got send, expect\)/);
    expect(messages).toMatch(/vigil\.yaml:9:\d+: services\.web-tcp\.check\.steps\[1\]\.send_hex: expected hex digits, got "g" in "0g"/);
    expect(messages).toMatch(/vigil\.yaml:12:\d+: services\.web-udp\.check\.expect_hex: expected hex digits, X or \? as a wildcard, got "z" in "zz"/);
    expect(messages).toMatch(/vigil\.yaml:15:\d+: services\.web-dns\.check\.query_type: expected one of A, AAAA, SOA/);
    expect(messages).toMatch(/vigil\.yaml:15:\d+: services\.web-dns\.check\.expect_rcode\[1\]: expected one of NOERROR, .*got "NODOMAIN" \(did you mean 'NXDOMAIN'\?\)/);
    expect(messages).toMatch(/vigil\.yaml:18:\d+: services\.web-script\.check\.args\[1\]: unknown placeholder \{adress\}/);
    expect(messages).toMatch(/vigil\.yaml:18:\d+: services\.web-script\.check\.convention: expected one of exit_code, nagios, mon, misc_dynamic, got "nagio"/);
  });
});
