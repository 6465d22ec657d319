// Parses a config file's YAML: the Document with its line positions (for errors that point at a
// line), or just the plain value and the syntax errors (what loading a config needs first). A file
// holds one document; a second one is an error, not silently ignored.
import { Composer, LineCounter, Parser, YAMLParseError, type Document } from 'yaml';
import { describeYamlError } from './yaml-error-text.js';

export interface ParsedYaml {
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export interface YamlSyntaxError {
  line: number;
  column: number;
  message: string;
}

/** A file's plain value (undefined when it has syntax errors) and its syntax errors. */
export interface YamlValue {
  value: unknown;
  syntaxErrors: YamlSyntaxError[];
}

/** Reads a config text into its value; where the reading runs is the caller's choice (yaml-worker.ts). */
export type YamlReader = (text: string) => Promise<YamlValue>;

export function parseYaml(source: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const composer = new Composer({ uniqueKeys: true });
  const docs = [...composer.compose(new Parser(lineCounter.addNewLine).parse(source), true, source.length)];
  const doc = docs[0]!; // compose(…, true) makes one, even from an empty source
  if (docs.length > 1) doc.errors.push(new YAMLParseError(docs[1]!.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents; a config file holds one'));
  return { doc, lineCounter };
}

export function readYaml(source: string): YamlValue {
  const { doc, lineCounter } = parseYaml(source);
  const syntaxErrors = doc.errors.map((error): YamlSyntaxError => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return { line, column: col, message: `YAML syntax error: ${describeYamlError(error, source)}` };
  });
  return { value: syntaxErrors.length ? undefined : doc.toJS(), syntaxErrors };
}

/** Reads on the calling thread: the first start and the CLI, where nothing else is waiting. */
export const readYamlHere: YamlReader = async (source) => readYaml(source);
