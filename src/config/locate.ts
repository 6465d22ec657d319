// Finds the line and column of a key path inside a parsed YAML document, for error messages.
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ConfigPath } from './config-error.js';

export interface Position {
  line: number;
  column: number;
}

/**
 * The position of `path` in `doc`. With `atKey`, points at the last key rather than its value
 * (right for "unknown key"). A path that does not exist points at the deepest part that does.
 */
export function locate(doc: Document, lineCounter: LineCounter, path: ConfigPath, atKey = false): Position | undefined {
  let node: unknown = doc.contents;
  let lastKey: Node | undefined;
  let resolved = 0;
  for (let i = 0; i < path.length; i++, resolved++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      if (atKey && i === path.length - 1 && isScalar(pair.key)) return position(pair.key, lineCounter);
      lastKey = isScalar(pair.key) ? pair.key : lastKey;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      lastKey = undefined;
    } else {
      break;
    }
  }
  // A key that is missing is best shown at the key of the mapping that should hold it.
  const missing = resolved < path.length;
  const target = missing && lastKey ? lastKey : (node as Node | null | undefined)?.range ? (node as Node) : lastKey;
  return target ? position(target, lineCounter) : undefined;
}

function position(node: Node, lineCounter: LineCounter): Position | undefined {
  if (!node.range) return undefined;
  const { line, col } = lineCounter.linePos(node.range[0]);
  return { line, column: col };
}
