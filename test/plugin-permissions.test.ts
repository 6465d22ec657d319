// Plugins run inside the daemon, often as root: a plugin file or directory that another user can
// write (or owns) would hand that user the daemon's privileges, so it is refused, not loaded.
import { chmodSync, chownSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyRegistry } from '../src/plugins/registry.js';
import { loadPluginDirs } from '../src/plugins/load-plugins.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil } from './helpers/vigil-process.js';

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

// Every directory above a plugin counts too (sshd's StrictModes): whoever can write one can rename
// the plugin's directory away and put their own in its place.
describe('directories above a plugin', () => {
  const asRoot = process.getuid?.() === 0;
  /** The refusals (the test plugins are not real plugins: that is another issue, once one is run). */
  const issuesOf = async (dir: string) =>
    (await loadPluginDirs([tmp.path(dir)], emptyRegistry())).issues.filter(({ message }) => message.endsWith('not loaded')).map(({ file, message }) => ({ file, message }));
  const below = (dir: string, plugins: string) => `, and the plugin ${tmp.path(plugins)} is below it: another user could put their own in its place: not loaded`;

  it('a parent directory every user can write, without the sticky bit: nothing in it is loaded', async () => {
    plugin('e/plugins', 'under-open-parent');
    chmodSync(tmp.path('e'), 0o777);
    expect(await issuesOf('e/plugins')).toEqual([{ file: tmp.path('e/plugins'), message: `${tmp.path('e')} is writable by every user (mode 777)${below('e', 'e/plugins')}` }]);
    expect(ran()).not.toContain('under-open-parent');
  });

  it('a directory its group can write, two levels up, is refused as well', async () => {
    plugin('f/x/plugins', 'under-group-writable');
    chmodSync(tmp.path('f'), 0o775);
    const gid = statSync(tmp.path('f')).gid;
    expect(await issuesOf('f/x/plugins')).toEqual([
      { file: tmp.path('f/x/plugins'), message: `${tmp.path('f')} is writable by its group (gid ${gid}, mode 775)${below('f', 'f/x/plugins')}` },
    ]);
    expect(ran()).not.toContain('under-group-writable');
  });

  it('a world-writable parent with the sticky bit (as /tmp) is fine; the plugin directory itself may not be one', async () => {
    plugin('g/plugins', 'under-sticky');
    chmodSync(tmp.path('g'), 0o1777);
    expect(await issuesOf('g/plugins')).toEqual([]);
    expect(ran()).toContain('under-sticky');

    plugin('g2', 'in-sticky-dir');
    chmodSync(tmp.path('g2'), 0o1777); // anyone could add a plugin to it
    expect(await issuesOf('g2')).toEqual([{ file: tmp.path('g2'), message: `${tmp.path('g2')} is writable by every user (mode 1777): not loaded` }]);
    expect(ran()).not.toContain('in-sticky-dir');
  });

  it('a plugin file its group can write is not loaded', async () => {
    chmodSync(plugin('h', 'group-writable-file'), 0o664);
    const gid = statSync(tmp.path('h/group-writable-file.js')).gid;
    expect(await issuesOf('h')).toEqual([
      { file: tmp.path('h/group-writable-file.js'), message: `${tmp.path('h/group-writable-file.js')} is writable by its group (gid ${gid}, mode 664): not loaded` },
    ]);
    expect(ran()).not.toContain('group-writable-file');
  });

  it('a plugin directory reached through a symbolic link: the directories above where it really is count too', async () => {
    plugin('i/real', 'behind-link');
    chmodSync(tmp.path('i'), 0o777);
    symlinkSync(tmp.path('i/real'), tmp.path('link'));
    expect(await issuesOf('link')).toEqual([{ file: tmp.path('link'), message: `${tmp.path('i')} is writable by every user (mode 777)${below('i', 'link')}` }]);
    expect(ran()).not.toContain('behind-link');
  });

  it.skipIf(!asRoot)('run as root: a parent directory another user owns is refused, sticky or not (needs root to chown)', async () => {
    plugin('j/plugins', 'under-nobody');
    chownSync(tmp.path('j'), 65534, 65534);
    expect(await issuesOf('j/plugins')).toEqual([{ file: tmp.path('j/plugins'), message: `${tmp.path('j')} is owned by uid 65534, neither root nor this user${below('j', 'j/plugins')}` }]);

    plugin('k/plugins', 'under-sticky-nobody');
    chmodSync(tmp.path('k'), 0o1777);
    chownSync(tmp.path('k'), 65534, 65534); // its owner may rename anything in it
    expect(await issuesOf('k/plugins')).toEqual([{ file: tmp.path('k/plugins'), message: `${tmp.path('k')} is owned by uid 65534, neither root nor this user${below('k', 'k/plugins')}` }]);
    expect(ran()).not.toContain('under-nobody');
    expect(ran()).not.toContain('under-sticky-nobody');
  });

  it('vigil check-config names the plugin directory and the directory above it that is unsafe', () => {
    plugin('l/plugins', 'seen-by-check-config');
    chmodSync(tmp.path('l'), 0o777);
    const config = tmp.write('l.yaml', `plugin_dirs: [./l/plugins]\nhostgroups: { web: [{ name: web1, address: 127.0.0.1, port: 80 }] }\nservices: { web: { group: web, check: { type: tcp } } }\n`);
    const result = runVigil(['check-config', '-c', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${tmp.path('l/plugins')}: ${tmp.path('l')} is writable by every user (mode 777)${below('l', 'l/plugins')}\n1 error(s)\n`);
  });
});
