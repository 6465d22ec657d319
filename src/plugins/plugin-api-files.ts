// Where the running Vigil's plugin API is, for what hands it to plugins: src/plugin.ts when Vigil
// runs from source (vitest), dist/src/plugin.js with its plugin.d.ts when built.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

/** Vigil runs from its TypeScript source (under vitest), not from the built dist/. */
export const runningFromSource = here.endsWith('.ts');

/** The plugin API's module (what 'vigil/plugin' resolves to) and its types (what plugins are type-checked against). */
export function pluginApiFiles(): { module: string; types: string } {
  const dir = path.join(path.dirname(here), '..');
  return runningFromSource
    ? { module: path.join(dir, 'plugin.ts'), types: path.join(dir, 'plugin.ts') }
    : { module: path.join(dir, 'plugin.js'), types: path.join(dir, 'plugin.d.ts') };
}
