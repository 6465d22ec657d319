// The daemon's reloads read config YAML on a worker thread (YamlWorker), so checks keep running
// while a large config is composed. The thread must answer exactly what reading here answers; when
// no thread can be started, the text is read on the calling thread and the operator is told why.
import { describe, expect, it } from 'vitest';
import { readYaml } from '../src/config/parse-yaml.js';

type YamlWorkerModule = typeof import('../src/config/yaml-worker.js');

const GOOD = 'services:\n  web:\n    group: pool\n    check: { type: http, path: /health }\n    hosts: &pool [a, b]\n  cache:\n    hosts: *pool\n';
const BROKEN = 'services:\n  web:\n    group: [pool\n  cache: {}\n';

describe('YamlWorker', () => {
  it('answers from its thread what reading here answers: the value, or the syntax errors with their lines', async () => {
    // The compiled module (global-setup builds dist/): its thread runs the compiled thread module.
    const { YamlWorker } = (await import(new URL('../dist/src/config/yaml-worker.js', import.meta.url).href)) as YamlWorkerModule;
    const fallbacks: string[] = [];
    const worker = new YamlWorker((reason) => fallbacks.push(reason));
    try {
      const good = await worker.read(GOOD);
      expect(good).toEqual(readYaml(GOOD));
      expect(good.value).toMatchObject({ services: { cache: { hosts: ['a', 'b'] } } });
      const broken = await worker.read(BROKEN);
      expect(broken).toEqual(readYaml(BROKEN));
      expect(broken.value).toBeUndefined();
      expect(broken.syntaxErrors[0]).toMatchObject({ line: 4, message: expect.stringMatching(/^YAML syntax error: /) });
      expect(fallbacks).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('refuses a text the yaml library refuses (an alias bomb) with the library\'s message, as reading here does', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');
    const here = (() => {
      try {
        readYaml(bomb);
        return 'read';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(here).toMatch(/alias/i);
    const { YamlWorker } = (await import(new URL('../dist/src/config/yaml-worker.js', import.meta.url).href)) as YamlWorkerModule;
    const fallbacks: string[] = [];
    const worker = new YamlWorker((reason) => fallbacks.push(reason));
    try {
      await expect(worker.read(bomb)).rejects.toThrow(here);
      expect(await worker.read(GOOD)).toEqual(readYaml(GOOD)); // and it goes on reading
      expect(fallbacks).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('reads on the calling thread, and says why, when its thread cannot start', async () => {
    // From the TypeScript sources there is no compiled thread module to start.
    const { YamlWorker } = await import('../src/config/yaml-worker.js');
    const fallbacks: string[] = [];
    const worker = new YamlWorker((reason) => fallbacks.push(reason));
    try {
      expect(await worker.read(GOOD)).toEqual(readYaml(GOOD));
      expect(await worker.read(BROKEN)).toEqual(readYaml(BROKEN));
      expect(fallbacks).toHaveLength(1);
      expect(fallbacks[0]).toMatch(/^cannot read the config on a worker thread \(.+\); reading it on the main thread$/);
    } finally {
      await worker.close();
    }
  });
});
