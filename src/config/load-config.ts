// Reads a config file (and its includes), validates it, loads the plugins it names, and
// validates each check's and alert's options with its plugin. Every problem is collected with
// its file, line and key path; nothing is half-applied.
import { isUtf8 } from 'node:buffer';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { loadBuiltinPlugins, loadPluginDirs } from '../plugins/load-plugins.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { ConfigError, inReadingOrder, type ConfigIssue, type ConfigPath } from './config-error.js';
import { locate, type Position } from './locate.js';
import { parseYaml, readYamlHere, type ParsedYaml, type YamlReader } from './parse-yaml.js';
import { resolveControlSocket, resolveHistoryPath } from './paths.js';
import { configSchema, type Config } from './schema.js';
import { validateReferences } from './validate-references.js';
import { validateVirtualServers } from '../lvs/validate-virtual-servers.js';
import { describeZodIssues, type RawIssue } from './zod-issues.js';

/** Sections whose entries may come from included files. */
const MERGED_SECTIONS = ['hostgroups', 'services', 'alerts', 'virtual_servers'] as const;

interface SourceFile {
  file: string;
  text: string;
  /** The file's plain value. */
  value: unknown;
  /** The document with line positions: parsed again only when there is an error to point at. */
  positions?: ParsedYaml;
}

/** Where `path` is in the file (the key itself with `atKey`). */
function locateIn(source: SourceFile, path: ConfigPath, atKey?: boolean): Position | undefined {
  source.positions ??= parseYaml(source.text);
  return locate(source.positions.doc, source.positions.lineCounter, path, atKey);
}

export interface LoadedConfig {
  /** The validated config, relative paths resolved against the file's directory. */
  config: Config;
  file: string;
  registry: PluginRegistry;
  /** Each service's check options after the plugin's validation and defaults. */
  checkOptions: Map<string, Record<string, unknown>>;
  /** Each alert's options after the plugin's validation and defaults. */
  alertOptions: Map<string, Record<string, unknown>>;
  /** What the config was read from: its files, and the included directories whose *.yaml it read. */
  sources: ConfigSources;
  /** Not errors, but worth changing: secrets written in the config file. */
  warnings: ConfigIssue[];
}

export interface ConfigSources {
  files: string[];
  directories: string[];
}

class SourceMap {
  readonly files: SourceFile[] = [];
  readonly directories: string[] = [];
  /** `section.entry` → the file that defined it. */
  readonly owners = new Map<string, SourceFile>();

  issue(raw: RawIssue): ConfigIssue {
    const owner = this.owners.get(`${raw.path[0]}.${raw.path[1]}`) ?? this.files[0]!;
    const position = locateIn(owner, raw.path, raw.atKey);
    return { file: owner.file, line: position?.line, column: position?.column, path: raw.path, message: raw.message };
  }
}

/** A file that is not UTF-8 (a UTF-16 export, Latin-1 bytes) would be read as replacement characters. */
function encodingProblem(bytes: Buffer, text: string): { line: number; message: string } | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return { line: 1, message: 'the file is UTF-16: save it as UTF-8' };
  const bad = text.indexOf('\uFFFD');
  if (bad < 0 || isUtf8(bytes)) return undefined; // a replacement character written on purpose is fine
  const line = text.slice(0, bad).split('\n').length;
  return { line, message: 'bytes that are not UTF-8 (a file saved as Latin-1?): save it as UTF-8' };
}

async function parseFile(file: string, readYaml: YamlReader, issues: ConfigIssue[]): Promise<SourceFile | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    issues.push({ file, path: [], message: `cannot read config file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}` });
    return undefined;
  }
  const text = bytes.toString('utf8');
  const encoding = encodingProblem(bytes, text);
  if (encoding) {
    issues.push({ file, line: encoding.line, path: [], message: encoding.message });
    return undefined;
  }
  const { value, syntaxErrors } = await readYaml(text);
  for (const { line, column, message } of syntaxErrors) issues.push({ file, line, column, path: [], message });
  return syntaxErrors.length ? undefined : { file, text, value };
}

/** The files an included directory contributes. */
export const INCLUDED_FILE = /\.ya?ml$/;

async function expandInclude(entry: string, baseDir: string, issues: ConfigIssue[], from: SourceFile, index: number, sources: SourceMap): Promise<string[]> {
  const target = path.resolve(baseDir, entry);
  try {
    if ((await stat(target)).isDirectory()) {
      sources.directories.push(target);
      return (await readdir(target))
        .filter((name) => INCLUDED_FILE.test(name))
        .sort()
        .map((name) => path.join(target, name));
    }
    return [target];
  } catch {
    const position = locateIn(from, ['include', index]);
    issues.push({ file: from.file, line: position?.line, column: position?.column, path: ['include', index], message: `included path not found: ${target}` });
    return [];
  }
}

/** Parses the main file and its includes into one plain object, remembering who defined what. */
async function readSources(file: string, readYaml: YamlReader, issues: ConfigIssue[]): Promise<{ merged: Record<string, unknown>; sources: SourceMap } | undefined> {
  const sources = new SourceMap();
  const main = await parseFile(file, readYaml, issues);
  if (!main) return undefined;
  sources.files.push(main);
  // An empty file is what a save to a full disk or a stray `>` leaves: loaded as "no services",
  // a reload would take every real server out of the IPVS table.
  if (main.value === null || main.value === undefined) {
    issues.push({ file, line: 1, path: [], message: 'the file is empty (expected services, virtual_servers and other settings)' });
    return undefined;
  }
  const merged = main.value as Record<string, unknown>;
  if (typeof merged !== 'object' || Array.isArray(merged)) {
    issues.push({ file, line: 1, path: [], message: 'expected a mapping of settings at the top level' });
    return undefined;
  }
  for (const section of MERGED_SECTIONS) {
    for (const key of Object.keys((merged[section] as object) ?? {})) sources.owners.set(`${section}.${key}`, main);
  }
  const includes = Array.isArray(merged.include) ? (merged.include as unknown[]) : [];
  for (const [index, entry] of includes.entries()) {
    if (typeof entry !== 'string') continue; // the schema reports it
    for (const included of await expandInclude(entry, path.dirname(file), issues, main, index, sources)) {
      const source = await parseFile(included, readYaml, issues);
      if (!source) continue;
      sources.files.push(source);
      const content = (source.value ?? {}) as Record<string, unknown>;
      for (const [section, value] of Object.entries(content)) {
        if (!(MERGED_SECTIONS as readonly string[]).includes(section)) {
          const position = locateIn(source, [section], true);
          issues.push({ file: included, line: position?.line, column: position?.column, path: [section], message: `an included file may only hold ${MERGED_SECTIONS.join(', ')}` });
          continue;
        }
        const target = ((merged[section] ??= {}) as Record<string, unknown>);
        for (const [key, entryValue] of Object.entries((value as Record<string, unknown>) ?? {})) {
          const previous = sources.owners.get(`${section}.${key}`);
          if (previous) {
            const position = locateIn(source, [section, key], true);
            issues.push({ file: included, line: position?.line, column: position?.column, path: [section, key], message: `already defined in ${previous.file}` });
            continue;
          }
          target[key] = entryValue;
          sources.owners.set(`${section}.${key}`, source);
        }
      }
    }
  }
  return { merged, sources };
}

/**
 * The config as written, its includes merged in, without validating it or loading plugins (for
 * the CLI's hints); undefined when the file cannot be read or parsed.
 */
export async function readMergedConfig(file: string): Promise<Record<string, unknown> | undefined> {
  return (await readSources(path.resolve(file), readYamlHere, []))?.merged;
}

/**
 * Loads and validates a config file. Throws ConfigError listing every problem found. `readYaml`
 * reads each file's text: here by default; the daemon's reloads pass a YamlWorker's.
 */
export async function loadConfig(file: string, readYaml: YamlReader = readYamlHere): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  const issues: ConfigIssue[] = [];
  const read = await readSources(absolute, readYaml, issues);
  if (!read) throw new ConfigError(issues);
  const { merged, sources } = read;
  // Each step below takes tens of milliseconds at 10,000 targets: the daemon's checks get a turn
  // between them while it reloads (see yaml-worker.ts).
  await nextTurn();
  const parsed = configSchema.safeParse(merged);
  await nextTurn();
  if (!parsed.success) issues.push(...describeZodIssues(parsed.error.issues, configSchema, merged).map((raw) => sources.issue(raw)));

  // Plugins come from the directories the config names; load them even if other parts are bad,
  // so their option errors are reported in the same run.
  const pluginDirs = parsed.success
    ? parsed.data.plugin_dirs
    : Array.isArray(merged.plugin_dirs) ? merged.plugin_dirs.filter((dir): dir is string => typeof dir === 'string') : [];
  const { registry, issues: pluginIssues } = await loadPluginDirs(
    pluginDirs.map((dir) => path.resolve(path.dirname(absolute), dir)),
    await loadBuiltinPlugins(),
  );
  issues.push(...pluginIssues);

  const checked = validateReferences(merged, registry, path.dirname(absolute));
  await nextTurn();
  issues.push(...checked.issues.map((raw) => sources.issue(raw)));
  issues.push(...validateVirtualServers(merged, registry, checked, path.dirname(absolute)).map((raw) => sources.issue(raw)));
  if (parsed.success && !Object.keys(parsed.data.services).length && !Object.keys(parsed.data.virtual_servers).length) {
    issues.push({ file: absolute, line: 1, path: [], message: 'nothing to watch: no services and no virtual_servers (in this file or its includes)' });
  }
  if (issues.length || !parsed.success) throw new ConfigError(issues);
  const config = resolvePaths(parsed.data, path.dirname(absolute));
  const configSources = { files: sources.files.map((source) => source.file), directories: sources.directories };
  const warnings = inReadingOrder(checked.warnings.map((raw) => sources.issue(raw)));
  return { config, file: absolute, registry, checkOptions: checked.checkOptions, alertOptions: checked.alertOptions, sources: configSources, warnings };
}

function resolvePaths(config: Config, dir: string): Config {
  const historyPath = resolveHistoryPath(dir, config.history.path);
  return {
    ...config,
    plugin_dirs: config.plugin_dirs.map((entry) => path.resolve(dir, entry)),
    history: { ...config.history, path: historyPath },
    control: { ...config.control, socket: resolveControlSocket(dir, config.control.socket, historyPath) },
  };
}

export type { ConfigPath };
