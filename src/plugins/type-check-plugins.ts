// `vigil check-config` type-checks the operator's TypeScript plugins. They run with their types
// stripped (esbuild), so a type error — a status spelled 'upp', an option read as a number that is
// a string — would otherwise show only when the wrong value reaches the daemon. Found here, it is
// a warning before the config is deployed: the plugin still runs as written, as it would have.
// Needs the typescript package (installed with Vigil's development dependencies).
import path from 'node:path';
import type * as Ts from 'typescript';
import { requireCommonJs } from '../require-commonjs.js';
import { pluginApiFiles } from './plugin-api-files.js';

export interface TypeProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type TypeCheckResult = { problems: TypeProblem[] } | { unavailable: string };

function loadTypeScript(): typeof Ts | undefined {
  try {
    return requireCommonJs('typescript') as typeof Ts;
  } catch {
    return undefined;
  }
}

export function typeCheckPlugins(files: string[]): TypeCheckResult {
  const ts = loadTypeScript();
  if (!ts) return { unavailable: 'the typescript package is not installed (npm install in the vigil directory, without --omit=dev)' };
  const vigilModules = path.join(path.dirname(requireCommonJs.resolve('typescript/package.json')), '..');
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    // What a plugin may import without installing anything: the plugin API and Node's modules.
    paths: { 'vigil/plugin': [pluginApiFiles().types] },
    typeRoots: [path.join(vigilModules, '@types')],
    types: ['node'],
  });
  const wanted = new Set(files.map((file) => path.resolve(file)));
  const problems: TypeProblem[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file;
    // Only the plugins' own lines: the API's and Node's types are not the operator's to fix.
    if (!file || !wanted.has(path.resolve(file.fileName)) || diagnostic.start === undefined) continue;
    const { line, character } = file.getLineAndCharacterOfPosition(diagnostic.start);
    problems.push({ file: file.fileName, line: line + 1, column: character + 1, message: innermost(diagnostic.messageText) });
  }
  return { problems };
}

/** The last link of a chained message says what is wrong ("'upp' is not assignable to type 'CheckStatus'"); the links before it, where. */
function innermost(message: string | Ts.DiagnosticMessageChain): string {
  let link = message;
  while (typeof link !== 'string' && link.next?.length) link = link.next[0]!;
  return typeof link === 'string' ? link : link.messageText;
}
