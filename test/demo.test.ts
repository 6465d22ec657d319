// The README's first command runs `vigil demo`: it must show transitions and leave history to read.
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync } from './helpers/vigil-process.js';

describe('vigil demo', () => {
  it('starts backends and the daemon, breaks and mends backends, and records outages', async () => {
    const tmp = tempDir();
    try {
      const demo = await runVigilAsync(['demo', '--dir', tmp.path('demo'), '--interval', '300ms', '--chaos-every', '1200ms', '--duration', '6s']);
      expect(demo.stdout).toMatch(/demo: 5 backends on 127\.0\.0\.1/);
      expect(demo.stdout).toMatch(/vigil [\d.]+ running: 2 service\(s\), 5 target\(s\)/);
      // Under load the first break can come before the first check: UNKNOWN → DOWN is right then.
      expect(demo.stdout).toMatch(/web-http\/web1 (UP|UNKNOWN) → DOWN after 2 failures: connection refused/);
      expect(demo.stdout).toMatch(/web-http\/web1 DOWN → UP after 2 successes/);
      expect(demo.code).toBe(0);
      const history = await runVigilAsync(['history', '-c', tmp.path('demo', 'vigil.yaml'), '--json']);
      const outages = JSON.parse(history.stdout) as Array<{ host: string; open: boolean }>;
      expect(outages.find((o) => o.host === 'web1')).toMatchObject({ open: false });
    } finally {
      tmp.cleanup();
    }
  });
});
