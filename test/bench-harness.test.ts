// The benchmark is not run in CI (it takes minutes and measures the machine). This runs one tiny
// scenario for a few seconds so the harness keeps working, and asserts only that figures came out.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp-dir.js';

const runner = fileURLToPath(new URL('../dist/bench/run.js', import.meta.url));

describe('npm run bench (harness)', () => {
  it('runs a tiny scale scenario end to end and writes its figures with the machine', () => {
    const tmp = tempDir();
    try {
      const out = tmp.path('figures.json');
      const printed = execFileSync(process.execPath, [runner, 'scale-tcp', '--quick', '--out', out], { encoding: 'utf8', timeout: 120_000 });
      expect(printed).toMatch(/== scale-tcp/);
      const figures = JSON.parse(readFileSync(out, 'utf8'));
      expect(figures.machine).toMatchObject({ cores: expect.any(Number), node: process.version });
      const [row] = figures.results['scale-tcp'];
      for (const key of ['checksRun', 'checksScheduled', 'lagP99Ms', 'cpuSecondsPer1000', 'peakRssMb']) expect(row[key]).toEqual(expect.any(Number));
      expect(row.checksRun).toBeGreaterThan(0);
    } finally {
      tmp.cleanup();
    }
  });

  it('names the scenarios when asked for one that does not exist', () => {
    let message = '';
    try {
      execFileSync(process.execPath, [runner, 'no-such-scenario'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      message = String((err as { stderr?: string }).stderr);
    }
    expect(message).toMatch(/unknown scenario\(s\): no-such-scenario; available: scale-http, scale-tcp, scale-dns, scale-icmp, scale-script, scale-mysql, scale-pgsql, failover, vs-mon, history/);
  });
});
