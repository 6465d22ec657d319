// The history benchmark's measurements: fill a database to a given volume (generate-history.ts),
// then time the real `vigil history` and `vigil availability` commands on it, as an operator runs
// them (a whole process each: start-up, open, query, print), and report the file size.
// bench/ calls this with a million outages and ten million transitions; a test calls it tiny.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { generateHistory, type SyntheticHistoryOptions, type SyntheticHistorySummary } from './generate-history.js';

export interface HistoryBenchmarkOptions extends Omit<SyntheticHistoryOptions, 'file'> {
  file: string;
  /** The `vigil` launcher to time. */
  vigilBin: string;
  /** Keep an existing file made with the same volume instead of generating it again. */
  reuse?: boolean;
  /** Runs of each command; the median and the slowest are reported. */
  runs?: number;
}

export interface CommandTiming {
  command: string;
  medianMs: number;
  maxMs: number;
}

export interface HistoryBenchmarkResult {
  generated?: SyntheticHistorySummary & { seconds: number };
  fileBytes: number;
  commands: CommandTiming[];
}

/** The commands timed: what operators ask most, over the default windows. */
export const BENCHMARK_COMMANDS = [
  ['history'],
  ['history', '--since', '7d', '--service', 'svc042'],
  ['history', '--open'],
  ['availability', '--by', 'service'],
  ['availability', '--service', 'svc042', '--since', '365d'],
  ['availability', '--worst', '20'],
  ['availability', '--json'],
];

/**
 * The environment the commands run in: this one, without NODE_EXTRA_CA_CERTS. Node reads that CA
 * bundle at every start-up (about 0.1 s on the development machine, which sets it for everything);
 * a director does not set it for Vigil, and no history command makes a TLS connection.
 */
function commandEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Wall-clock time of one whole `node ARGS` process, start-up included. */
function timeNode(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: commandEnvironment() });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} failed (${code}): ${stderr.trim()}`));
    });
  });
}

export async function runHistoryBenchmark(options: HistoryBenchmarkOptions): Promise<HistoryBenchmarkResult> {
  const { vigilBin, reuse, runs = 5, ...volume } = options;
  const result: HistoryBenchmarkResult = { fileBytes: 0, commands: [] };
  if (!reuse || !existsSync(options.file)) {
    const started = Date.now();
    const summary = generateHistory(volume);
    result.generated = { ...summary, seconds: (Date.now() - started) / 1000 };
  }
  result.fileBytes = statSync(options.file).size;
  // Node's own start-up first, timed the same way: the floor under every command's figure.
  const timed: Array<[label: string, args: string[]]> = [
    ['node -e 0 (Node start-up alone)', ['-e', '0']],
    ...BENCHMARK_COMMANDS.map((args): [string, string[]] => [`vigil ${args.join(' ')}`, [vigilBin, ...args, '--db', options.file]]),
  ];
  for (const [command, args] of timed) {
    await timeNode(args); // warm the page cache: the figures are for a file in use
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await timeNode(args));
    times.sort((a, b) => a - b);
    result.commands.push({ command, medianMs: times[Math.floor(times.length / 2)]!, maxMs: times.at(-1)! });
  }
  return result;
}
