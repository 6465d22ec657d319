// `npm run bench [-- scenario...] [--quick] [--out FILE]`: runs the benchmarks, prints a table per
// scenario and writes every figure, with the machine it was measured on, to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runFailover } from './scenarios/failover.js';
import { runHistoryScenario } from './scenarios/history.js';
import { runScale, type ScaleOptions } from './scenarios/scale.js';
import { runVsMon } from './scenarios/vs-mon.js';

type Row = Record<string, string | number | null>;

interface Scenario {
  name: string;
  description: string;
  run(quick: boolean): Promise<Row[]>;
}

const scale = (kind: ScaleOptions['kind'], targets: number, quickTargets: number, targetsPerEndpoint: number): Scenario => ({
  name: `scale-${kind}`,
  description: `${targets} ${kind} targets at 2s: checks run vs scheduled, start lag, event-loop delay, CPU per 1000 checks, peak RSS; a reload under that load`,
  async run(quick) {
    const result = await runScale({ kind, targets: quick ? quickTargets : targets, intervalMs: 2_000, windowMs: quick ? 4_000 : 30_000, targetsPerEndpoint });
    return [result as unknown as Row];
  },
});

// History runs last: writing and then deleting its 600 MB database disturbs what runs after it.
export const SCENARIOS: Scenario[] = [
  scale('http', 10_000, 200, 10),
  scale('tcp', 20_000, 200, 20),
  scale('dns', 10_000, 200, 10),
  scale('icmp', 10_000, 200, 1),
  scale('script', 500, 20, 1),
  scale('mysql', 100, 10, 1),
  scale('pgsql', 100, 10, 1),
  {
    name: 'failover',
    description: 'interval 1s, fall 2, fast re-check 250ms: kill-to-removal and restart-to-re-add, idle and under the scale-http load',
    async run(quick) {
      const trials = quick ? 3 : 20;
      return [
        (await runFailover({ trials, loadTargets: 0 })) as unknown as Row,
        (await runFailover({ trials, loadTargets: quick ? 200 : 10_000 })) as unknown as Row,
      ];
    },
  },
  {
    name: 'vs-mon',
    description: "the same HTTP targets checked by Debian's mon (http.monitor) and by Vigil: CPU per check, checks run vs scheduled, kill-to-alert",
    run: (quick) =>
      runVsMon(quick ? { services: 20, intervalS: 1, windowMs: 5_000, alertTrials: 2 } : { services: 1_000, intervalS: 5, windowMs: 30_000, alertTrials: 5 }),
  },
  {
    name: 'history',
    description: 'write throughput of the daemon\'s history path; vigil history / availability on 1,000,000 outages and 10,000,000 transitions',
    run: (quick) =>
      runHistoryScenario(
        quick
          ? { outages: 2_000, transitions: 20_000, targets: 200, writeTransitions: 20_000 }
          : { outages: 1_000_000, transitions: 10_000_000, targets: 10_000, writeTransitions: 200_000 },
      ),
  },
];

function format(value: string | number | null): string {
  if (value === null) return 'never';
  if (typeof value !== 'number') return value;
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3);
}

function printTable(rows: Row[]): void {
  for (const row of rows) {
    const keys = Object.keys(row);
    const width = Math.max(...keys.map((key) => key.length));
    for (const key of keys) console.log(`  ${key.padEnd(width)}  ${format(row[key] ?? null)}`);
    console.log('');
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? args[outIndex + 1] : undefined;
  const wanted = args.filter((arg, i) => !arg.startsWith('--') && (outIndex < 0 || i !== outIndex + 1));
  const unknown = wanted.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(', ')}; available: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    date: new Date().toISOString(),
  };
  console.log(`vigil bench on ${machine.cores} cores (${machine.cpu}), Node ${machine.node}${quick ? ', quick mode' : ''}\n`);
  const results: Record<string, Row[]> = {};
  for (const scenario of SCENARIOS.filter((s) => !wanted.length || wanted.includes(s.name))) {
    console.log(`== ${scenario.name}: ${scenario.description}`);
    const started = Date.now();
    try {
      results[scenario.name] = await scenario.run(quick);
      printTable(results[scenario.name]!);
    } catch (err) {
      console.log(`  failed: ${(err as Error).stack ?? err}\n`);
      results[scenario.name] = [{ error: String(err) }];
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = out ?? `${dir}latest.json`;
  writeFileSync(file, `${JSON.stringify({ machine, quick, results }, null, 2)}\n`);
  console.log(`figures written to ${file}`);
}

await main();
