// `auto_reload`: reloads the daemon when its config files change, as ldirectord's autoreload does.
// It looks at the files' inode, size and modification time (and the *.yaml names in included
// directories) every interval. A change is reloaded once the files have stayed the same for one
// look, so a save in several writes, or a few files copied in one after another, is read once,
// whole. A reload the config refuses is not tried again until the files change again.
import { readdir, stat } from 'node:fs/promises';
import { INCLUDED_FILE, type ConfigSources } from './load-config.js';

export interface ConfigWatcherOptions {
  /** Called when the files changed and have settled; the reload it starts is the daemon's usual one. */
  onChange(changed: string[]): void;
}

/** What each watched path looks like now: `ino:size:mtime` of a file, the *.yaml names of a directory. */
async function lookAt(sources: ConfigSources): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  await Promise.all([
    ...sources.files.map(async (file) => {
      try {
        const info = await stat(file);
        seen.set(file, `${info.ino}:${info.size}:${info.mtimeMs}`);
      } catch (err) {
        seen.set(file, (err as NodeJS.ErrnoException).code ?? 'unreadable');
      }
    }),
    ...sources.directories.map(async (directory) => {
      try {
        seen.set(directory, (await readdir(directory)).filter((name) => INCLUDED_FILE.test(name)).sort().join('\n'));
      } catch (err) {
        seen.set(directory, (err as NodeJS.ErrnoException).code ?? 'unreadable');
      }
    }),
  ]);
  return seen;
}

function changedPaths(before: Map<string, string>, now: Map<string, string>): string[] {
  return [...now].filter(([file, look]) => before.get(file) !== look).map(([file]) => file);
}

const same = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && changedPaths(a, b).length === 0;

export class ConfigWatcher {
  private timer: NodeJS.Timeout | undefined;
  private sources: ConfigSources = { files: [], directories: [] };
  /** How the files looked when the running config (or the last refused one) was read. */
  private baseline = new Map<string, string>();
  /** A change seen at the last look, waiting to stay the same for one more. */
  private pending: Map<string, string> | undefined;
  /** How the files looked as the reload under way started reading them. */
  private readLook: Map<string, string> | undefined;
  /** Bumped by follow(): a look begun before it is stale. */
  private generation = 0;
  private looking = false;
  private closed = false;

  constructor(private readonly options: ConfigWatcherOptions) {}

  /** Called as a reload (whatever asked for it) starts reading: how the files look now is what it reads. */
  async reading(): Promise<void> {
    this.readLook = await lookAt(this.sources);
  }

  /**
   * Watches these sources every `intervalMs` (undefined: stops watching). Called at start and after
   * every reload, refused or not: a file changed while the reload read it is reloaded again.
   */
  async follow(intervalMs: number | undefined, sources: ConfigSources): Promise<void> {
    this.stop();
    const read = this.readLook;
    this.readLook = undefined;
    if (intervalMs === undefined || this.closed) return;
    const generation = this.generation;
    const now = await lookAt(sources);
    if (generation !== this.generation) return; // followed again, or closed, meanwhile
    this.sources = sources;
    this.baseline = new Map([...now].map(([path, look]) => [path, read?.get(path) ?? look]));
    this.pending = undefined;
    this.timer = setInterval(() => void this.look(generation), intervalMs);
    this.timer.unref();
  }

  /** Stops for good: a reload finishing during the daemon's stop does not start watching again. */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private stop(): void {
    this.generation++;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async look(generation: number): Promise<void> {
    if (this.looking) return; // a slow disk: one look at a time
    this.looking = true;
    try {
      const now = await lookAt(this.sources);
      if (generation !== this.generation) return;
      if (same(now, this.baseline)) {
        this.pending = undefined; // changed and changed back
      } else if (this.pending && same(now, this.pending)) {
        const changed = changedPaths(this.baseline, now);
        this.baseline = now;
        this.pending = undefined;
        this.options.onChange(changed);
      } else {
        this.pending = now;
      }
    } finally {
      this.looking = false;
    }
  }
}
