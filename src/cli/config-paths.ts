// The two paths CLI commands need from the config — the history database and the control socket —
// read without loading plugins or validating the rest (the daemon does that), so commands start fast.
// A config with a YAML syntax error (the usual state of one half-way through an edit) still gives
// what could be read of these two keys, with a warning: `vigil reload` must be able to reach the
// daemon to hear it refuse the file, and `vigil status` must work meanwhile.
import path from 'node:path';
import type * as Yaml from 'yaml';
import { resolveControlSocket, resolveHistoryPath } from '../config/paths.js';
import { describeYamlError } from '../config/yaml-error-text.js';
import { fs, requireCommonJs } from '../require-commonjs.js';

export interface ConfigPaths {
  historyPath: string;
  controlSocket: string;
  controlEnabled: boolean;
  /** Set when the file has a syntax error: the paths are what could be read around it, or the defaults. */
  warning?: string;
}

/** Per file: a command that needs both paths reads (and warns) once. */
const read = new Map<string, ConfigPaths>();

export async function readConfigPaths(configFile: string): Promise<ConfigPaths> {
  const file = path.resolve(configFile);
  const known = read.get(file);
  if (known) return known;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new Error(`cannot read config ${file}: ${reason} (give -c FILE, or set VIGIL_CONFIG)`);
  }
  const yaml = requireCommonJs('yaml') as typeof Yaml; // only when there is a config to read
  const doc = yaml.parseDocument(text);
  const [error] = doc.errors;
  if (!error && doc.contents !== null && !yaml.isMap(doc.contents)) {
    throw new Error(`cannot read config ${file}: expected a mapping at the top level`);
  }
  const value = (keys: string[]) => {
    const found = doc.getIn(keys);
    return typeof found === 'string' ? found : undefined;
  };
  const dir = path.dirname(file);
  const historyPath = resolveHistoryPath(dir, value(['history', 'path']));
  const paths: ConfigPaths = {
    historyPath,
    controlSocket: resolveControlSocket(dir, value(['control', 'socket']), historyPath),
    controlEnabled: doc.getIn(['control', 'enabled']) !== false,
  };
  if (error) {
    const at = error.linePos?.[0];
    paths.warning = `${file}${at ? `:${at.line}:${at.col}` : ''}: YAML syntax error: ${describeYamlError(error, text)}; history.path and control.socket read around it`;
    console.error(`vigil: warning: ${paths.warning}`);
  }
  read.set(file, paths);
  return paths;
}
