// The two paths CLI commands need from the config — the history database and the control socket —
// read without loading plugins or validating the rest (the daemon does that), so commands start fast.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as Yaml from 'yaml';
import { resolveControlSocket, resolveHistoryPath } from '../config/paths.js';
import { requireCommonJs } from '../require-commonjs.js';

export interface ConfigPaths {
  historyPath: string;
  controlSocket: string;
  controlEnabled: boolean;
}

function section(config: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = config[name];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export async function readConfigPaths(configFile: string): Promise<ConfigPaths> {
  const file = path.resolve(configFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new Error(`cannot read config ${file}: ${reason} (give -c FILE, or set VIGIL_CONFIG)`);
  }
  const { parse } = requireCommonJs('yaml') as typeof Yaml; // only when there is a config to read
  let config: unknown;
  try {
    config = parse(text) ?? {};
  } catch (err) {
    throw new Error(`cannot read config ${file}: ${(err as Error).message.split('\n')[0]} (vigil check-config -c ${configFile} says more)`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`cannot read config ${file}: expected a mapping at the top level`);
  const history = section(config as Record<string, unknown>, 'history');
  const control = section(config as Record<string, unknown>, 'control');
  const dir = path.dirname(file);
  const historyPath = resolveHistoryPath(dir, typeof history.path === 'string' ? history.path : undefined);
  return {
    historyPath,
    controlSocket: resolveControlSocket(dir, typeof control.socket === 'string' ? control.socket : undefined, historyPath),
    controlEnabled: control.enabled !== false,
  };
}
