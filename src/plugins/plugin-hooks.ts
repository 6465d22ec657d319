// Module hooks (node:module `register`) for user plugins:
// - `import ... from 'vigil/plugin'` resolves to the daemon's own API module, from any directory;
// - TypeScript plugins (.ts/.mts) are compiled with esbuild as ES modules, whatever the nearest
//   package.json says, so a plugin is one file dropped into a directory.
import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';

interface HookData {
  pluginApiUrl: string;
}

let pluginApiUrl = '';

export async function initialize(data: HookData): Promise<void> {
  pluginApiUrl = data.pluginApiUrl;
}

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>;
type Loaded = { format: string; source?: string | ArrayBuffer | null; shortCircuit?: boolean };
type NextLoad = (url: string, context: unknown) => Promise<Loaded>;

const isTypeScript = (url: string) => /\.m?ts$/.test(new URL(url).pathname) && url.startsWith('file:');

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<Resolved> {
  if (specifier === 'vigil/plugin' || specifier === 'vigil') return { url: pluginApiUrl, shortCircuit: true };
  return nextResolve(specifier, context);
}

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<Loaded> {
  if (!isTypeScript(url) || url.includes('/node_modules/')) return nextLoad(url, context);
  const path = new URL(url).pathname;
  const source = await readFile(decodeURIComponent(path), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', sourcefile: path, sourcemap: 'inline', target: 'node20' });
  return { format: 'module', source: code, shortCircuit: true };
}
