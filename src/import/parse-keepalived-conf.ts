// Parses keepalived.conf into a tree of blocks: `keyword args... { children }` with line numbers.
// Comments start with `#` or `!`; "quoted strings" are one argument; `include` is followed.
import { readFileSync } from 'node:fs';
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

export function parseKeepalivedConf(text: string, file = 'keepalived.conf', readInclude?: (name: string) => string): KeepalivedNode[] {
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
        for (const name of statement.args) current.push(...parseKeepalivedConf(readInclude(name), name, readInclude));
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

export function parseKeepalivedFile(file: string): KeepalivedNode[] {
  const dir = path.dirname(file);
  return parseKeepalivedConf(readFileSync(file, 'utf8'), file, (name) => readFileSync(path.resolve(dir, name), 'utf8'));
}

/** The first child statement with this keyword. */
export function child(node: KeepalivedNode, keyword: string): KeepalivedNode | undefined {
  return node.children?.find((c) => c.keyword === keyword);
}
