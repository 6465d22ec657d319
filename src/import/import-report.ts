// The human report of an import: what it made, what behaves differently, what was not
// translated, what to fill in, the secrets it wrote inline, and the problems in the source
// (`vigil import … --check`).
import path from 'node:path';
import type { ImportResult, WrittenSecret } from './import-result.js';

const SOURCE_NAMES = { mon: 'mon', ldirectord: 'ldirectord', keepalived: "keepalived's checker" } as const;

/** `mon.cf:75` or `mon.cf:75, 88, 102` when the same thing was found on several lines. */
function where(item: { file?: string; line?: number; lines?: number[] }): string {
  if (!item.file || item.line === undefined) return '';
  return `${path.basename(item.file)}:${(item.lines ?? [item.line]).join(', ')}`;
}

/** An item as two lines: where, then what (indented), so long texts stay readable. */
function entry(place: string, ...texts: string[]): string[] {
  const lines = texts.flatMap((text) => text.split('\n'));
  if (place) return [`  ${place}`, ...lines.map((text) => `      ${text}`)];
  return lines.map((text, index) => (index === 0 ? `  - ${text}` : `      ${text}`));
}

function count(result: ImportResult, section: string): number {
  const value = result.config[section];
  return value && typeof value === 'object' ? Object.keys(value).length : 0;
}

/** Where a secret is in the generated config: `vigil.yaml:30`, or `line 30` when it goes to stdout. */
function secretPlace(secret: WrittenSecret, output?: string): string {
  return output ? `${output}:${secret.line}` : `line ${secret.line}`;
}

/** Each secret written inline, one line each: where, its key, and check-config's advice. */
export function secretLines(secrets: WrittenSecret[], output?: string): string[] {
  return secrets.map((secret) => `${secretPlace(secret, output)}: ${secret.key}: ${secret.message}`);
}

/** One line: what the import made (and, when it wrote any, how many secrets are left to move). */
export function importSummary(result: ImportResult, secrets: WrittenSecret[] = []): string {
  const made = [
    ['services', 'service(s)'],
    ['virtual_servers', 'virtual server(s)'],
    ['alerts', 'alert(s)'],
    ['periods', 'period(s)'],
    ['maintenance', 'maintenance window(s)'],
  ]
    .map(([section, label]) => [count(result, section!), label] as const)
    .filter(([n]) => n > 0)
    .map(([n, label]) => `${n} ${label}`);
  const toMove = secrets.length ? `, ${secrets.length} secret(s) written inline to move` : '';
  return `${result.file}: ${made.join(', ') || 'nothing'} imported; ${result.untranslated.length} directive(s) not translated, ${result.placeholders.length} placeholder(s) to fill in${toMove}, ${result.problems.length} problem(s) in the source`;
}

/** `output`: the file the config is written to, which the secrets' places name. */
export function checkReport(result: ImportResult, secrets: WrittenSecret[] = [], output?: string): string {
  const lines: string[] = [importSummary(result, secrets), ''];
  lines.push(`Behaves differently from ${SOURCE_NAMES[result.format]}:`);
  for (const item of result.behaviour) lines.push(...entry(where(item), item.change));
  if (!result.behaviour.length) lines.push('  (nothing found)');
  lines.push('', `Not translated (${result.untranslated.length}):`);
  for (const item of result.untranslated) lines.push(...entry(where(item), item.text, `  ${item.reason}`));
  if (!result.untranslated.length) lines.push('  (nothing)');
  if (result.placeholders.length) {
    lines.push('', 'To fill in before use:');
    for (const item of result.placeholders) lines.push(`  ${item.path}: ${item.what}`);
  }
  if (secrets.length) {
    lines.push('', `Secrets written into the config as ${SOURCE_NAMES[result.format]} had them (${secrets.length}): move each before deploying`);
    for (const secret of secrets) lines.push(...entry(`${secretPlace(secret, output)}: ${secret.key}`, secret.message));
  }
  if (result.problems.length) {
    lines.push('', `Problems in the source (${result.problems.length}):`);
    for (const item of result.problems) lines.push(...entry(where(item), item.message));
  }
  return `${lines.join('\n')}\n`;
}
