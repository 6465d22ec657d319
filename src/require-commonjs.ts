// CommonJS packages on the short commands' path (commander, better-sqlite3, yaml) are loaded with
// require, not import: the first CommonJS package an ES module imports makes Node start its scanner
// of CommonJS exports (cjs-module-lexer, compiled from WebAssembly), 10-15 ms of every `vigil
// history` that an operator waits for. Node's fs and v8 are required on that path too: importing a
// built-in builds an ES module over every one of its exports, which for these two reads lazily
// loaded parts of Node (about 5 ms each).
import { createRequire } from 'node:module';

export const requireCommonJs = createRequire(import.meta.url);

export const fs = requireCommonJs('node:fs') as typeof import('node:fs');
