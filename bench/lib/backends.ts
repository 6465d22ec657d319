// Starts benchmark backends in their own processes, spread over addresses in 127.0.0.0/8.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const serverScript = fileURLToPath(new URL('../backend-server.js', import.meta.url));

export type BackendKind = 'http' | 'tcp' | 'udp' | 'dns';

export interface Backends {
  /** address:port of each listener. */
  endpoints: string[];
  stop(endpoint: string): Promise<void>;
  start(endpoint: string): Promise<void>;
  /** Epoch ms of the first and last request the endpoint's current listener answered (0: none yet). */
  servedAt(endpoint: string): Promise<{ first: number; last: number }>;
  /** Requests answered so far, over all backend processes. */
  served(): Promise<number>;
  close(): Promise<void>;
}

/** `count` endpoints: 127.<block>.x.y, port `port`, served by `processes` backend processes. */
export function endpointList(count: number, block: number, port: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.${block}.${Math.floor(i / 250)}.${(i % 250) + 1}:${port}`);
}

export async function startBackends(kind: BackendKind, endpoints: string[], processes = 2): Promise<Backends> {
  const children: Array<{ child: ChildProcess; lines: readline.Interface; endpoints: Set<string> }> = [];
  const per = Math.ceil(endpoints.length / processes);
  for (let i = 0; i < processes && i * per < endpoints.length; i++) {
    const mine = endpoints.slice(i * per, (i + 1) * per);
    const child = spawn(process.execPath, [serverScript, kind, ...mine], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: child.stdout! });
    children.push({ child, lines, endpoints: new Set(mine) });
    const [first] = (await once(lines, 'line')) as [string];
    if (first !== 'ready') throw new Error(`backend did not start: ${first}`);
  }
  const command = async (verb: string, endpoint: string) => {
    const owner = children.find((c) => c.endpoints.has(endpoint));
    if (!owner) throw new Error(`no backend serves ${endpoint}`);
    owner.child.stdin!.write(`${verb} ${endpoint}\n`);
    for (;;) {
      const [line] = (await once(owner.lines, 'line')) as [string];
      if (line === `${verb} ${endpoint} done`) return;
    }
  };
  const servedAt = async (endpoint: string) => {
    const owner = children.find((c) => c.endpoints.has(endpoint));
    if (!owner) throw new Error(`no backend serves ${endpoint}`);
    owner.child.stdin!.write(`served ${endpoint}\n`);
    for (;;) {
      const [line] = (await once(owner.lines, 'line')) as [string];
      const [verb, which, first, last] = line.split(' ');
      if (verb === 'served' && which === endpoint) return { first: Number(first), last: Number(last) };
    }
  };
  const served = async () => {
    let total = 0;
    for (const owner of children) {
      owner.child.stdin!.write('count\n');
      for (;;) {
        const [line] = (await once(owner.lines, 'line')) as [string];
        if (line.startsWith('count ')) {
          total += Number(line.slice(6));
          break;
        }
      }
    }
    return total;
  };
  return {
    endpoints,
    served,
    stop: (endpoint) => command('stop', endpoint),
    start: (endpoint) => command('start', endpoint),
    servedAt,
    async close() {
      for (const { child } of children) {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
    },
  };
}
