// Reads a source config, translates it, and checks that what it wrote is a valid Vigil config
// (the same loader `vigil check-config` uses), so an importer bug shows up at import time.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, formatIssue, formatPath } from '../config/config-error.js';
import { ImportError } from './import-error.js';
import { loadConfig } from '../config/load-config.js';
import type { ImportOptions, ImportResult, SourceFormat, WrittenSecret } from './import-result.js';
import { renderConfig } from './render-config.js';
import { translateKeepalived } from './translate-keepalived.js';
import { translateLdirectord } from './translate-ldirectord.js';
import { translateMon } from './translate-mon.js';

export const FORMATS: readonly SourceFormat[] = ['mon', 'ldirectord', 'keepalived'];

export { ImportError };

function readSource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new ImportError(`cannot read ${file}: ${why}`);
  }
}

export async function translate(format: SourceFormat, file: string, options: ImportOptions): Promise<ImportResult> {
  const text = readSource(file);
  if (format === 'mon') return translateMon(text, file, options);
  if (format === 'ldirectord') return translateLdirectord(text, file, options);
  return translateKeepalived(text, file, options);
}

/**
 * The YAML of an import, or the loader's errors when it is not a valid config; and the secrets it
 * writes inline, where check-config will find them.
 */
export async function renderAndValidate(result: ImportResult): Promise<{ yaml: string; errors: string[]; secrets: WrittenSecret[] }> {
  const yaml = renderConfig(result);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-import-'));
  try {
    const file = path.join(dir, 'imported.yaml');
    writeFileSync(file, yaml);
    const loaded = await loadConfig(file);
    const secrets = loaded.warnings.map((issue) => ({ line: issue.line, column: issue.column, key: formatPath(issue.path), message: issue.message }));
    return { yaml, errors: [], secrets };
  } catch (err) {
    const errors = err instanceof ConfigError ? err.issues.map((issue) => formatIssue(issue)) : [(err as Error).message];
    return { yaml, errors, secrets: [] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
