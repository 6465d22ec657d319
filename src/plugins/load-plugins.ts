// Loads the built-in checks/alerts and the user's plugin directories into a registry.
import { readdir, stat } from 'node:fs/promises';
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConfigIssue } from '../config/config-error.js';
import { unsafePluginPath, type DirectoryVerdicts } from './plugin-path-safety.js';
import { copyRegistry, emptyRegistry, type PluginRegistry } from './registry.js';
import { pluginProblem, type AnyPlugin } from './validate-plugin.js';
import { pluginApiFiles, runningFromSource } from './plugin-api-files.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** User plugins may be JavaScript or TypeScript (.js, .mjs, .ts, .mts); declaration files are skipped. */
function isModuleFile(file: string): boolean {
  return /\.m?[jt]s$/.test(file) && !/\.d\.m?ts$/.test(file);
}

let builtins: Promise<PluginRegistry> | undefined;

/** The built-in plugins from checks/ and alerts/ (loaded once per process). */
export function loadBuiltinPlugins(): Promise<PluginRegistry> {
  builtins ??= (async () => {
    const registry = emptyRegistry();
    for (const dir of ['checks', 'alerts']) {
      const folder = path.join(packageRoot, dir);
      const files = (await readdir(folder).catch(() => [] as string[])).filter((file) =>
        runningFromSource ? file.endsWith('.ts') && !file.endsWith('.d.ts') : file.endsWith('.js'),
      );
      for (const file of files.sort()) {
        const source = path.join(folder, file);
        const plugin = (await import(pathToFileURL(source).href)).default as AnyPlugin;
        const problem = pluginProblem(plugin);
        if (problem) throw new Error(`built-in plugin ${source}: ${problem}`);
        addPlugin(registry, plugin, source, true);
      }
    }
    return registry;
  })();
  return builtins;
}

function addPlugin(registry: PluginRegistry, plugin: AnyPlugin, source: string, builtin: boolean): string | undefined {
  const table = (plugin.kind === 'check' ? registry.checks : registry.alerts) as Map<string, { source: string; plugin: AnyPlugin; builtin: boolean }>;
  const existing = table.get(plugin.type);
  if (existing) {
    return `${plugin.kind} type '${plugin.type}' is already defined by ${existing.builtin ? 'the built-in ' : ''}${existing.source}`;
  }
  table.set(plugin.type, { plugin, source, builtin });
  return undefined;
}

let hookRegistered = false;

/** Lets user plugins import 'vigil/plugin' and be written in TypeScript (see plugin-hooks.ts). */
function registerPluginHooks(): void {
  if (hookRegistered || runningFromSource) return; // under vitest, an alias and Vite do this job
  hookRegistered = true;
  register(new URL('./plugin-hooks.js', import.meta.url), {
    data: { pluginApiUrl: pathToFileURL(pluginApiFiles().module).href },
  });
}

async function importPlugin(file: string): Promise<unknown> {
  // The mtime in the URL makes a reload pick up an edited plugin instead of the cached module.
  const version = (await stat(file, { bigint: true })).mtimeNs;
  return import(`${pathToFileURL(file).href}?v=${version}`);
}

/**
 * The line of a load error worth printing. esbuild's "Transform failed with 1 error:" has the
 * error itself, with its line and column, on the next line.
 */
function loadFailure(err: Error): string {
  const lines = err.message.split('\n').filter((line) => line.trim());
  if (/^Transform failed with \d+ errors?:$/.test(lines[0] ?? '') && lines[1]) return lines[1].replace(/^.*?:(\d+:\d+): ERROR: /, 'line $1: ');
  return lines[0] ?? String(err);
}

/** Adds the plugins found in `dirs` to a copy of `base`; problems come back as config issues. */
export async function loadPluginDirs(
  dirs: string[],
  base: PluginRegistry,
): Promise<{ registry: PluginRegistry; issues: ConfigIssue[] }> {
  const registry = copyRegistry(base);
  const issues: ConfigIssue[] = [];
  if (dirs.length) registerPluginHooks();
  const verdicts: DirectoryVerdicts = new Map();
  for (const dir of dirs) {
    let files: string[];
    let dirProblem: string | undefined;
    try {
      files = (await readdir(dir)).filter(isModuleFile).sort();
      dirProblem = await unsafePluginPath(dir, verdicts);
    } catch (err) {
      issues.push({ file: dir, path: [], message: `cannot read plugin directory: ${(err as Error).message}` });
      continue;
    }
    if (dirProblem) {
      issues.push({ file: dir, path: [], message: dirProblem });
      continue;
    }
    for (const name of files) {
      const file = path.join(dir, name);
      try {
        const unsafe = await unsafePluginPath(file, verdicts);
        if (unsafe) {
          issues.push({ file, path: [], message: unsafe });
          continue;
        }
        const module = (await importPlugin(file)) as { default?: unknown };
        const plugin = module.default;
        const problem = pluginProblem(plugin) ?? addPlugin(registry, plugin as AnyPlugin, file, false);
        if (problem) issues.push({ file, path: [], message: problem });
      } catch (err) {
        issues.push({ file, path: [], message: `cannot load plugin: ${loadFailure(err as Error)}` });
      }
    }
  }
  return { registry, issues };
}
