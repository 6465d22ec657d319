// Parses a config file's YAML a slice at a time, giving the event loop a turn between slices.
// A director's config of 10,000 real servers takes about half a second to parse; on SIGHUP the
// daemon parses it while checks are in flight, and a check whose answer has arrived but waits
// behind one long parse would be timed out by its timer, which runs first. In slices, answers are
// read between them. The result is parseDocument's, built from the same Lexer, Parser and
// Composer the yaml library documents for this.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Composer, Lexer, LineCounter, Parser, YAMLParseError, type Document } from 'yaml';

/** Lexical tokens per slice: a few milliseconds of work. */
const TOKENS_PER_SLICE = 2_000;

export interface ParsedYaml {
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export async function parseYaml(source: string): Promise<ParsedYaml> {
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer({ uniqueKeys: true });
  const docs: Document.Parsed[] = [];
  lineCounter.addNewLine(0); // as Parser.parse does for the first line
  let tokens = 0;
  for (const lexeme of new Lexer().lex(source)) {
    for (const token of parser.next(lexeme)) docs.push(...composer.next(token));
    if (++tokens % TOKENS_PER_SLICE === 0) await nextTurn();
  }
  for (const token of parser.end()) docs.push(...composer.next(token));
  docs.push(...composer.end(true, source.length));
  const doc = docs[0]!; // end(true) makes one, even from an empty source
  if (docs.length > 1) doc.errors.push(new YAMLParseError(docs[1]!.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents; a config file holds one'));
  return { doc, lineCounter };
}
