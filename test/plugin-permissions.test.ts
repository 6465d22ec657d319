// Plugins run inside the daemon, often as root: a plugin file or directory that another user can
// write (or owns) would hand that user the daemon's privileges, so it is refused, not loaded.
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyRegistry } from '../src/plugins/registry.js';
import { loadPluginDirs } from '../src/plugins/load-plugins.js';
import { tempDir } from './helpers/temp-dir.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A plugin file that tells when it was run (imported). */
function plugin(dir: string, name: string): string {
  mkdirSync(tmp.path(dir), { recursive: true });
  return tmp.write(`${dir}/${name}.js`, `globalThis.vigilPluginsRun = [...(globalThis.vigilPluginsRun ?? []), ${JSON.stringify(name)}];\nexport default {};\n`);
}
const ran = () => ((globalThis as { vigilPluginsRun?: string[] }).vigilPluginsRun ?? []);

describe('plugin directories', () => {
  it('a plugin file every user can write is not loaded', async () => {
    chmodSync(plugin('a', 'world-writable'), 0o666);
    const { issues } = await loadPluginDirs([tmp.path('a')], emptyRegistry());
    expect(ran()).not.toContain('world-writable');
    expect(issues.map((issue) => issue.message)).toEqual([expect.stringMatching(/writable by every user.*not loaded/)]);
  });

  it('nor is any plugin of a directory every user can write', async () => {
    plugin('b', 'in-open-dir');
    chmodSync(tmp.path('b'), 0o777);
    const { issues } = await loadPluginDirs([tmp.path('b')], emptyRegistry());
    expect(ran()).not.toContain('in-open-dir');
    expect(issues.map((issue) => issue.message)).toEqual([expect.stringMatching(/writable by every user.*not loaded/)]);
  });

  it.skipIf(process.getuid?.() !== 0)('run as root: a plugin file another user owns is not loaded (needs root to chown)', async () => {
    chownSync(plugin('c', 'owned-by-nobody'), 65534, 65534);
    const { issues } = await loadPluginDirs([tmp.path('c')], emptyRegistry());
    expect(ran()).not.toContain('owned-by-nobody');
    expect(issues.map((issue) => issue.message)).toEqual([expect.stringMatching(/owned by uid 65534.*not loaded/)]);
  });

  it('a plugin owned by this user, not writable by others, is loaded', async () => {
    chmodSync(plugin('d', 'fine'), 0o644);
    await loadPluginDirs([tmp.path('d')], emptyRegistry());
    expect(ran()).toContain('fine');
  });
});
