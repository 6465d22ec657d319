// How a YAML syntax error reads in Vigil's messages, for the daemon's config loading and for the
// CLI that reads only a config's paths (which must not load the yaml library's ESM build for it).
import type { YAMLError } from 'yaml';

/**
 * The parser's first line, without the position the caller prints itself; for a key given twice,
 * which key (two `web-http:` services is a common slip).
 */
export function describeYamlError(error: YAMLError, source: string): string {
  const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (error.code !== 'DUPLICATE_KEY') return message;
  const key = /^[^:\n]*/.exec(source.slice(error.pos[0]))![0].trim();
  return `${JSON.stringify(key.replace(/^(["'])(.*)\1$/, '$2'))} is given twice in the same mapping (${message})`;
}
