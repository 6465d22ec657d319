// Every kind of bad config must name the file, the line and the key, and say what was expected.
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { configErrors } from './helpers/config-errors.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil } from './helpers/vigil-process.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const VALID = `history:
  path: ./h.db
hostgroups:
  web:
    - 127.0.0.1:8080
    - 127.0.0.2:8080
services:
  web-http:
    group: web
    interval: 2s
    check:
      type: http
      path: /health
`;

const errorsOf = (name: string, text: string) => configErrors(tmp.write(name, text));

describe('config errors name file, line, key and expectation', () => {
  it('accepts the valid base config', async () => {
    const loaded = await loadConfig(tmp.write('valid.yaml', VALID));
    expect(Object.keys(loaded.config.services)).toEqual(['web-http']);
    expect(loaded.checkOptions.get('web-http')).toMatchObject({ path: '/health', scheme: 'http' });
  });

  it('YAML syntax error', async () => {
    const errors = await errorsOf('syntax.yaml', VALID.replace('    interval: 2s', '    interval: [2s'));
    expect(errors[0]).toMatch(/syntax\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('durations that drive timers have bounds: 0s would spin, too long would overflow', async () => {
    const errors = await errorsOf('bounds.yaml', VALID.replace('    interval: 2s', '    interval: 0s\n    timeout: 2h').replace('  path: ./h.db', '  path: ./h.db\n  flush_interval: 30d'));
    expect(errors).toEqual([
      expect.stringMatching(/bounds\.yaml:3:19: history\.flush_interval: expected at most 1m, got "30d"$/),
      expect.stringMatching(/bounds\.yaml:\d+:15: services\.web-http\.interval: expected at least 10ms, got "0s"$/),
      expect.stringMatching(/bounds\.yaml:\d+:14: services\.web-http\.timeout: expected at most 1h, got "2h"$/),
    ]);
  });

  it('an empty file, and a config with nothing to watch', async () => {
    expect(await errorsOf('empty.yaml', '')).toEqual([expect.stringMatching(/empty\.yaml:1: the file is empty \(expected services, virtual_servers and other settings\)$/)]);
    expect(await errorsOf('nothing.yaml', 'history: { path: ./h.db }\n')).toEqual([expect.stringMatching(/nothing\.yaml:1: nothing to watch: no services and no virtual_servers/)]);
  });

  it('unknown key, with did-you-mean', async () => {
    const errors = await errorsOf('unknown-key.yaml', VALID.replace('    interval: 2s', '    intervall: 2s'));
    expect(errors).toEqual([expect.stringMatching(/unknown-key\.yaml:10:5: services\.web-http\.intervall: unknown key 'intervall' \(did you mean 'interval'\?\)/)]);
  });

  it('wrong type and bad duration', async () => {
    const errors = await errorsOf('wrong-type.yaml', VALID.replace('    interval: 2s', '    interval: fast\n    rise: many'));
    expect(errors).toContainEqual(expect.stringMatching(/wrong-type\.yaml:10:15: services\.web-http\.interval: expected a duration such as 500ms, 5s, 2m, 1h or 1d, got "fast"/));
    expect(errors).toContainEqual(expect.stringMatching(/wrong-type\.yaml:11:11: services\.web-http\.rise: expected a number, got "many"/));
  });

  it('unknown check type, with did-you-mean and the list of types', async () => {
    const errors = await errorsOf('unknown-type.yaml', VALID.replace('type: http', 'type: htpp'));
    expect(errors).toEqual([expect.stringMatching(/unknown-type\.yaml:12:13: services\.web-http\.check\.type: unknown check type 'htpp' \(did you mean 'http'\?\); available: .*http.*tcp/)]);
  });

  it('missing host group', async () => {
    const errors = await errorsOf('missing-group.yaml', VALID.replace('group: web', 'group: wbe'));
    expect(errors).toEqual([expect.stringMatching(/missing-group\.yaml:9:12: services\.web-http\.group: no host group named 'wbe' \(did you mean 'web'\?\); defined: web/)]);
  });

  it("a check option the plugin rejects is reported at the option's line", async () => {
    const errors = await errorsOf('bad-option.yaml', VALID.replace('path: /health', 'path: /health\n      expect_status: "2xx"\n      pth: /x'));
    expect(errors).toContainEqual(expect.stringMatching(/bad-option\.yaml:14:22: services\.web-http\.check\.expect_status: expected status codes like "200-299 301", got "2xx"/));
    expect(errors).toContainEqual(expect.stringMatching(/bad-option\.yaml:15:7: services\.web-http\.check\.pth: unknown key 'pth' \(did you mean 'path'\?\)/));    const reversed = await errorsOf('reversed.yaml', VALID.replace('path: /health', 'path: /health\n      expect_status: "299-200"'));
    expect(reversed).toEqual([expect.stringMatching(/reversed\.yaml:14:22: services\.web-http\.check\.expect_status: "299-200" is an empty range: write the lower code first \(200-299\)$/)]);
  });

  it('a missing required key and a bad host entry', async () => {
    const errors = await errorsOf('missing-key.yaml', VALID.replace('    group: web\n', '').replace('127.0.0.2:8080', '127.0.0.2:99999'));
    expect(errors).toContainEqual(expect.stringMatching(/missing-key\.yaml:8:3: services\.web-http\.group: is required/));
    expect(errors).toContainEqual(expect.stringMatching(/missing-key\.yaml:6:7: hostgroups\.web\[1\]: port must be 1-65535, got 99999/));
  });

  it('an address that is not one: four numbers past 255, as a string or an object', async () => {
    const errors = await errorsOf('bad-address.yaml', VALID.replace('    - 127.0.0.2:8080', '    - 999.1.1.1:80\n    - { name: db, address: 300.300.300.300 }'));
    expect(errors).toEqual([
      expect.stringMatching(/bad-address\.yaml:6:7: hostgroups\.web\[1\]: "999\.1\.1\.1" is not an IPv4 address \(each part is 0-255\)$/),
      expect.stringMatching(/bad-address\.yaml:7:\d+: hostgroups\.web\[2\]\.address: "300\.300\.300\.300" is not an IPv4 address/),
    ]);
  });

  it('several errors come in reading order: by line, whichever check found them', async () => {
    const errors = await errorsOf('order.yaml', VALID.replace('    group: web\n', '    group: web\n    fall: none\n').replace('127.0.0.2:8080', '127.0.0.2:99999').replace('      path: /health', '      path: health'));
    const lines = errors.map((error) => Number(/order\.yaml:(\d+):/.exec(error)![1]));
    expect(lines).toHaveLength(3);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('an unknown alert route', async () => {
    const errors = await errorsOf('route.yaml', VALID.replace('    interval: 2s', '    interval: 2s\n    alerts: [pager]'));
    expect(errors).toEqual([expect.stringMatching(/route\.yaml:11:14: services\.web-http\.alerts\[0\]: no alert named 'pager'/)]);
  });

  it('errors in an included file name that file', async () => {
    tmp.write('conf-extra.yaml', 'services:\n  api:\n    group: nowhere\n    check: { type: tcp }\n');
    const errors = await errorsOf('with-include.yaml', `include: [conf-extra.yaml]\n${VALID}`);
    expect(errors).toEqual([expect.stringMatching(/conf-extra\.yaml:3:12: services\.api\.group: no host group named 'nowhere'/)]);
  });

  it('a word that may also be a list (expect_rcode) is answered with the words allowed', async () => {
    const errors = await errorsOf('rcode.yaml', VALID.replace('      type: http\n      path: /health', '      type: dns\n      name: www.example\n      expect_rcode: WHATEVER'));
    expect(errors).toEqual([expect.stringMatching(/rcode\.yaml:14:21: services\.web-http\.check\.expect_rcode: expected one of NOERROR, FORMERR, SERVFAIL, NXDOMAIN, .*, got "WHATEVER"$/)]);
  });

  it('a file that is not UTF-8 says so, with the line', async () => {
    const latin1 = Buffer.from(VALID.replace('  web:', '  lo\u00e9cal:').replace('group: web', 'group: lo\u00e9cal'), 'latin1');
    expect(await configErrors(tmp.write('latin1.yaml', latin1))).toEqual([expect.stringMatching(/latin1\.yaml:4: bytes that are not UTF-8 \(a file saved as Latin-1\?\): save it as UTF-8$/)]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID, 'utf16le')]);
    expect(await configErrors(tmp.write('utf16.yaml', utf16))).toEqual([expect.stringMatching(/utf16\.yaml:1: the file is UTF-16: save it as UTF-8$/)]);
  });

  it('an include that is not there, and a service given twice, point at their lines', async () => {
    tmp.write('conf-ok.yaml', 'hostgroups: { extra: [127.0.0.9] }\n');
    const missing = await errorsOf('missing-include.yaml', `include:\n  - conf-ok.yaml\n  - conf.d/nothing-here\n${VALID}`);
    expect(missing).toEqual([expect.stringMatching(/missing-include\.yaml:3:5: include\[1\]: included path not found: .*conf\.d\/nothing-here$/)]);
    const twice = await errorsOf('twice.yaml', `${VALID}  "web-http":\n    group: web\n    check: { type: tcp }\n`);
    expect(twice).toEqual([expect.stringMatching(/twice\.yaml:14:3: YAML syntax error: "web-http" is given twice in the same mapping/)]);
  });

  it('a missing file says so', async () => {
    await expect(loadConfig(tmp.path('nope.yaml'))).rejects.toThrow(/nope\.yaml: cannot read config file: no such file/);
  });
});

describe('vigil check-config', () => {
  it('exits 0 and summarises a valid file', () => {
    const result = runVigil(['check-config', '-c', tmp.write('ok.yaml', VALID)]);
    expect(result.stdout).toMatch(/ok\.yaml: OK \(1 service\(s\), 2 target\(s\), 0 alert\(s\)\)/);
    expect(result.code).toBe(0);
  });

  it('prints every error and exits 1', () => {
    const file = tmp.write('many.yaml', VALID.replace('group: web', 'group: wbe').replace('    interval: 2s', '    interval: 2'));
    const result = runVigil(['check-config', '-c', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/many\.yaml:10:15: services\.web-http\.interval: expected a duration/);
    expect(result.stderr).toMatch(/many\.yaml:9:12: services\.web-http\.group: no host group named 'wbe'/);
    expect(result.stderr).toMatch(/^2 error\(s\)$/m);
  });
});
