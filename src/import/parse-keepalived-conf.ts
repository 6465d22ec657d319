// Parses keepalived.conf into a tree of blocks: `keyword args... { children }` with line numbers.
// Comments start with `#` or `!`; "quoted strings" are one argument; `include` is followed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface KeepalivedNode {
  keyword: string;
  args: string[];
  line: number;
  file: string;
  /** Present for blocks (`{ ... }`), absent for plain statements. */
  children?: KeepalivedNode[];
}

interface Token {
  text: string;
  line: number;
  quoted: boolean;
}

function tokenize(text: string): Token[][] {
  // One array of tokens per line; braces are tokens of their own.
  return text.split(/\r?\n/).map((raw, index) => {
    const tokens: Token[] = [];
    const pattern = /"([^"]*)"|([{}])|([#!].*$)|([^\s{}"]+)/g;
    for (const match of raw.matchAll(pattern)) {
      if (match[3] !== undefined) break; // comment to the end of the line
      tokens.push({ text: match[1] ?? match[2] ?? match[4]!, line: index + 1, quoted: match[1] !== undefined });
    }
    return tokens;
  });
}

/** Reads what an `include` names: one file's text, or each file a glob matched. */
export type IncludeReader = (name: string) => string | Array<{ file: string; text: string }>;

export function parseKeepalivedConf(text: string, file = 'keepalived.conf', readInclude?: IncludeReader): KeepalivedNode[] {
  const lines = tokenize(text);
  const root: KeepalivedNode[] = [];
  const stack: KeepalivedNode[][] = [root];
  for (const tokens of lines) {
    let i = 0;
    while (i < tokens.length) {
      const token = tokens[i]!;
      if (token.text === '}' && !token.quoted) {
        if (stack.length > 1) stack.pop();
        i++;
        continue;
      }
      if (token.text === '{' && !token.quoted) {
        // The brace opening a block may stand on the line after its keyword.
        const current = stack[stack.length - 1]!;
        const owner = current[current.length - 1];
        const children: KeepalivedNode[] = [];
        if (owner && !owner.children) owner.children = children;
        stack.push(owner?.children === children ? children : []);
        i++;
        continue;
      }
      const statement: KeepalivedNode = { keyword: token.text, args: [], line: token.line, file };
      i++;
      while (i < tokens.length && !(['{', '}'].includes(tokens[i]!.text) && !tokens[i]!.quoted)) statement.args.push(tokens[i++]!.text);
      const current = stack[stack.length - 1]!;
      if (statement.keyword === 'include' && readInclude) {
        for (const name of statement.args) {
          const read = readInclude(name);
          for (const included of typeof read === 'string' ? [{ file: name, text: read }] : read) {
            current.push(...parseKeepalivedConf(included.text, included.file, readInclude));
          }
        }
        continue;
      }
      current.push(statement);
      if (tokens[i]?.text === '{' && !tokens[i]!.quoted) {
        statement.children = [];
        stack.push(statement.children);
        i++;
      }
    }
  }
  return root;
}

/** keepalived's include: a path relative to the including file's directory, with shell globs in the file name. */
export function includeReader(dir: string): IncludeReader {
  return (name) => {
    const target = path.resolve(dir, name);
    if (!/[*?[]/.test(path.basename(target))) return [{ file: target, text: readFileSync(target, 'utf8') }];
    const pattern = new RegExp(`^${path.basename(target).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return readdirSync(path.dirname(target))
      .filter((entry) => pattern.test(entry))
      .sort()
      .map((entry) => path.join(path.dirname(target), entry))
      .map((included) => ({ file: included, text: readFileSync(included, 'utf8') }));
  };
}

export function parseKeepalivedFile(file: string): KeepalivedNode[] {
  return parseKeepalivedConf(readFileSync(file, 'utf8'), file, includeReader(path.dirname(file)));
}

/** The first child statement with this keyword. */
export function child(node: KeepalivedNode, keyword: string): KeepalivedNode | undefined {
  return node.children?.find((c) => c.keyword === keyword);
}
