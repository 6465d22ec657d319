// Arguments the CLI refuses or reads differently from what one might guess, each with a clear word:
// two formats at once, options where a subcommand's parent is given them, an empty VIGIL_CONFIG,
// keepalived's notify states, action kinds, the same target named twice.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, symlinkSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKnownHistory } from './helpers/known-history.js';
import { tempDir } from './helpers/temp-dir.js';
import { VERSION } from '../src/version.js';
import { runVigil, VIGIL_BIN } from './helpers/vigil-process.js';

const tmp = tempDir();
const dbFile = tmp.path('history.db');
beforeAll(() => writeKnownHistory(dbFile));
afterAll(() => tmp.cleanup());

describe('CLI arguments', () => {
  it('history: --json with --format csv is refused; --open with dtlog says why nothing is listed', () => {
    const both = runVigil(['history', '--db', dbFile, '--json', '--format', 'csv']);
    expect([both.code, both.stdout, both.stderr]).toEqual([1, '', 'vigil history: --json and --format csv ask for two formats: give one\n']);
    const open = runVigil(['history', '--db', dbFile, '--open', '--format', 'dtlog']);
    expect(open.code).toBe(0);
    expect(open.stderr).toBe("(dtlog lists ended outages only, as mon's downtime log: --open leaves none)\n");
  });

  it('maintenance and alerts take -c before their subcommand too', () => {
    const config = tmp.write('vigil.yaml', `history: { path: ${dbFile} }\n`);
    const maintenance = runVigil(['maintenance', '-c', config, 'start', 'web-http']);
    expect([maintenance.code, maintenance.stderr]).toEqual([3, `vigil maintenance start: the vigil daemon is not running (no control socket at ${tmp.path('vigil.sock')})\n`]);
    const alerts = runVigil(['alerts', '-c', config, 'log']);
    expect([alerts.code, alerts.stdout, alerts.stderr]).toEqual([0, 'no alert attempts match\n', '']);
  });

  it('an empty VIGIL_CONFIG is as good as unset', () => {
    const status = runVigil(['status', '--db', dbFile], { env: { VIGIL_CONFIG: '' } });
    expect(status.stderr).toMatch(/^vigil status: no config at \/etc\/vigil\/vigil\.yaml to find the daemon/);
  });

  it("vrrp-notify records keepalived's states only; actions --kind refuses a kind never recorded", () => {
    const bogus = runVigil(['vrrp-notify', '--db', dbFile, 'INSTANCE', 'VI_1', 'BOGUS', '150']);
    expect([bogus.code, bogus.stderr]).toEqual([1, 'vigil vrrp-notify: expected the VRRP state MASTER, BACKUP, FAULT or STOP, got "BOGUS"\n']);
    expect(runVigil(['vrrp-notify', '--db', dbFile, 'INSTANCE', 'VI_1', 'backup', '150']).code).toBe(0);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare('SELECT name, state FROM vrrp_transitions').all()).toEqual([{ name: 'VI_1', state: 'BACKUP' }]);
    db.close();
    const kind = runVigil(['actions', '--db', dbFile, '--kind', 'foo']);
    expect([kind.code, kind.stderr]).toEqual([1, 'vigil actions: no action of kind "foo" was ever recorded (kinds: command, drift, dry-run, hook, panic)\n']);
    expect(runVigil(['actions', '--db', dbFile, '--kind', 'drift']).stdout).toBe('no actions recorded\n');
  });

  it('the launcher linked onto the PATH runs; copied away from its directory, it says to link it', () => {
    symlinkSync(VIGIL_BIN, tmp.path('vigil-link'));
    copyFileSync(VIGIL_BIN, tmp.path('vigil-copy'));
    const linked = spawnSync(process.execPath, [tmp.path('vigil-link'), '--version'], { encoding: 'utf8' });
    expect([linked.status, linked.stdout.trim()]).toEqual([0, VERSION]);
    const copied = spawnSync(process.execPath, [tmp.path('vigil-copy'), '--version'], { encoding: 'utf8' });
    expect(copied.status).toBe(1);
    expect(copied.stderr).toMatch(/^vigil: no compiled CLI at .*: run `npm install` .*link this launcher \(ln -s \/opt\/vigil\/bin\/vigil \/usr\/local\/bin\/vigil\) rather than copy it\n$/);
  });

  it('vigil schema read only in part (| head) ends quietly, exit 0, as the reports do', async () => {
    // 120 KB in one write, more than a pipe holds: the reader goes away while it is still written.
    const child = spawn(process.execPath, [VIGIL_BIN, 'schema'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const firstChunk = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    child.stdout.destroy();
    const code = await exited;
    expect(firstChunk).toMatch(/^\{/);
    expect([code, stderr]).toEqual([0, '']);
  });
});
