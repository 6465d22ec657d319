// The reports are started afresh for every question an operator asks, so what they load before
// answering is part of the answer's time (issue 5: 200 ms). Importing one of Node's built-ins from
// an ES module builds a module over all its exports, and for fs and v8 that reads lazily loaded
// parts of Node: about 5 ms each. The reports' modules take those two by require instead
// (src/require-commonjs.ts); this keeps a new import from putting the time back unnoticed.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runVigil } from './helpers/vigil-process.js';

const HOOK = fileURLToPath(new URL('./helpers/builtin-imports/register.mjs', import.meta.url));
const COSTLY = ['fs', 'v8'];

describe('history reports start lean', () => {
  it.each([['history'], ['availability'], ['timeline'], ['checks'], ['alerts', 'log']])('vigil %s imports neither fs nor v8 as an ES module', (...command) => {
    const run = runVigil([...command, '--db', '/nonexistent/vigil-startup-test.db'], { env: { NODE_OPTIONS: `--import "${HOOK}"` } });
    const imports = run.stderr.split('\n').filter((line) => line.startsWith('builtin-import '));
    expect(imports.length, `the hook reported nothing: ${run.stderr}`).toBeGreaterThan(0); // it did run
    expect(imports.filter((line) => COSTLY.includes(line.split(' ')[1]!))).toEqual([]);
  });
});
