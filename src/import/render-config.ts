// Writes an import as commented YAML with the `yaml` library's Document API: a header that says
// where it came from and what to read before running it, a comment on each translated block
// (source file:line and what changed), short mappings on one line, and the directives that were
// not translated listed at the end.
import { Document, isCollection, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Annotation, ConfigPath, ImportResult } from './import-result.js';

const FLOW_MAX = 110;

function pathKey(path: ConfigPath): string {
  return JSON.stringify(path);
}

function addComment(existing: string | null | undefined, text: string): string {
  const lines = text
    .split('\n')
    .map((line) => ` ${line}`)
    .join('\n');
  return existing ? `${existing}\n${lines}` : lines;
}

function pairAt(doc: Document, path: ConfigPath): Pair | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const last = path[path.length - 1];
  return (parent as YAMLMap).items.find((pair) => isScalar(pair.key) && pair.key.value === last) as Pair | undefined;
}

/** Short leaf-ish collections (a check, an alert route, a real server) go on one line. */
function setFlow(node: unknown, depth: number, path: ConfigPath, annotated: Set<string>): void {
  if (!isCollection(node)) return;
  const deeperComment = [...annotated].some((key) => key.startsWith(pathKey(path).slice(0, -1) + ',') && key !== pathKey(path));
  const json = JSON.stringify(node.toJSON());
  const nesting = (function depthOf(value: unknown): number {
    if (value === null || typeof value !== 'object') return 0;
    return 1 + Math.max(0, ...Object.values(value as object).map(depthOf));
  })(node.toJSON());
  // Lists from the second level (a host group's hosts), mappings from the third (a check, a route).
  if (depth >= (isMap(node) ? 3 : 2) && !deeperComment && json.length <= FLOW_MAX && nesting <= 2 && json !== '{}' && json !== '[]') {
    node.flow = true;
    return;
  }
  if (isMap(node)) for (const pair of node.items) setFlow(pair.value, depth + 1, [...path, (pair.key as { value: string }).value], annotated);
  if (isSeq(node)) node.items.forEach((item, index) => setFlow(item, depth + 1, [...path, index], annotated));
}

function annotate(doc: Document, annotation: Annotation): void {
  const { path, text } = annotation;
  const node = doc.getIn(path, true) as Node | undefined;
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const inlineFits = node && (isScalar(node) || (isCollection(node) && node.flow));
  if (annotation.inline && inlineFits) {
    node.comment = node.comment ? `${node.comment}; ${text}` : ` ${text}`;
    return;
  }
  if (isSeq(parent) && node) {
    node.commentBefore = addComment(node.commentBefore, text);
    return;
  }
  const pair = pairAt(doc, path);
  if (pair && isScalar(pair.key)) pair.key.commentBefore = addComment(pair.key.commentBefore, text);
}

function header(result: ImportResult): string {
  const lines = [
    `Imported from ${result.file} by \`vigil import ${result.format}\`.`,
    'Each block says which source lines it came from; notes say what changed.',
    `Before running it: \`vigil import ${result.format} ${result.file} --check\` lists what behaves`,
    `differently from ${result.format}, then \`vigil check-config -c THIS_FILE\`.`,
  ];
  if (result.untranslated.length) lines.push(`${result.untranslated.length} source directive(s) were not translated: listed at the end of this file.`);
  if (result.placeholders.length) {
    lines.push('To fill in before use:');
    for (const placeholder of result.placeholders) lines.push(`  ${placeholder.path}: ${placeholder.what}`);
  }
  if (result.problems.length) {
    lines.push('Problems found in the source:');
    for (const problem of result.problems) lines.push(`  ${cite(problem.file, problem.line)}${problem.lines ? ` (and line ${problem.lines.slice(1).join(', ')})` : ''}: ${problem.message}`);
  }
  return lines.map((line) => ` ${line}`).join('\n');
}

function cite(file: string, line: number): string {
  return `${file.split('/').pop()}:${line}`;
}

function footer(result: ImportResult): string | undefined {
  if (!result.untranslated.length) return undefined;
  const lines = ['Not translated:'];
  for (const item of result.untranslated) lines.push(`  ${cite(item.file, item.line)}  ${item.text}`, `      ${item.reason}`);
  return lines.map((line) => ` ${line}`).join('\n');
}

export function renderConfig(result: ImportResult): string {
  const doc = new Document(result.config, { aliasDuplicateObjects: false });
  const annotated = new Set(result.annotations.map((annotation) => pathKey(annotation.path)));
  setFlow(doc.contents, 0, [], annotated);
  for (const annotation of result.annotations) annotate(doc, annotation);
  if (isMap(doc.contents)) {
    doc.contents.items.forEach((pair, index) => {
      if (index > 0 && isScalar(pair.key)) pair.key.spaceBefore = true;
    });
  }
  doc.commentBefore = header(result);
  const end = footer(result);
  if (end) doc.comment = end;
  return doc.toString({ lineWidth: 0 });
}
