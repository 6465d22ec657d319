// Under systemd the daemon's stdout is the journal: each line then carries its priority (so
// `journalctl -p warning` shows outages) and no timestamp of its own (journald stamps it).
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { tempDir } from './helpers/temp-dir.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const LOG_MODULE = fileURLToPath(new URL('../dist/src/log.js', import.meta.url));

/** Runs a Node child whose stdout is a file, logging one line per level, as systemd would see it. */
function logToFile(env: Record<string, string>): string {
  const file = tmp.path(`out-${Object.keys(env).length}.log`);
  const fd = openSync(file, 'w');
  const { dev, ino } = fstatSync(fd);
  const script = `const { createLogger } = await import(${JSON.stringify(LOG_MODULE)});
const log = createLogger({ format: 'text', level: 'debug' });
log.debug('d'); log.info('web/a DOWN → UP'); log.warn('web/a UP → DOWN'); log.error('ipvsadm failed');`;
  const journal = env.JOURNAL_STREAM === 'match' ? { JOURNAL_STREAM: `${dev}:${ino}` } : env;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', fd, 'pipe'], env: { PATH: process.env.PATH, ...journal } });
  closeSync(fd);
  expect(run.status, run.stderr?.toString()).toBe(0);
  return readFileSync(file, 'utf8');
}

describe('logging to journald', () => {
  it('with stdout the journal (JOURNAL_STREAM names it): priority prefixes, no timestamps', () => {
    expect(logToFile({ JOURNAL_STREAM: 'match' })).toBe('<7>DEBUG d\n<6>INFO  web/a DOWN → UP\n<4>WARN  web/a UP → DOWN\n<3>ERROR ipvsadm failed\n');
  });

  it('anywhere else (a terminal, a file, a JOURNAL_STREAM inherited by a child whose stdout moved): timestamps, no prefixes', () => {
    for (const env of [{}, { JOURNAL_STREAM: '8:12345' }] as Array<Record<string, string>>) {
      const lines = logToFile(env).trim().split('\n');
      expect(lines).toHaveLength(4);
      for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (DEBUG|INFO |WARN |ERROR) /);
    }
  });

  it('can be asked for directly', () => {
    const lines: string[] = [];
    createLogger({ format: 'text', level: 'info', journald: true, write: (line) => lines.push(line) }).warn('x');
    expect(lines).toEqual(['<4>WARN  x\n']);
  });

  it("a message's line breaks and control characters (a probed server's answer) cannot forge an entry or drive a terminal", () => {
    const hostile = 'HTTP 500: oops\n2024-01-01T00:00:00.000Z INFO  web/a DOWN → UP\r\n<6>INFO  forged\x1b]0;owned\x07\x1b[2J\n';
    for (const journald of [true, false]) {
      const lines: string[] = [];
      createLogger({ format: 'text', level: 'info', journald, write: (line) => lines.push(line) }).error(hostile);
      const written = lines.join('').split('\n').slice(0, -1);
      expect(written).toHaveLength(3);
      for (const line of written) expect(line).toMatch(journald ? /^<3>/ : /^\d{4}-\d\d-\d\dT[\d:.]+Z ERROR |^ {4}/);
      expect(written.slice(1).every((line) => line.startsWith(journald ? '<3>    ' : '    '))).toBe(true);
      expect(lines.join('')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
      expect(lines.join('')).toContain('forged\\x1b]0;owned\\x07\\x1b[2J');
    }
  });
});
