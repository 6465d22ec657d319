// CommonJS packages on the short commands' path (commander, better-sqlite3, yaml) are loaded with
// require, not import: the first CommonJS package an ES module imports makes Node start its scanner
// of CommonJS exports (cjs-module-lexer, compiled from WebAssembly), 10-15 ms of every `vigil
// history` that an operator waits for.
import { createRequire } from 'node:module';

export const requireCommonJs = createRequire(import.meta.url);
