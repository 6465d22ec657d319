// The history benchmark's measurements: fill a database to a given volume (generate-history.ts),
// then time the real `vigil history` and `vigil availability` commands on it, as an operator runs
// them (a whole process each: start-up, open, query, print), and report the file size.
// bench/ calls this with a million outages and ten million transitions; a test calls it tiny.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, openSync, statSync } from 'node:fs';
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

// Times `node ARGS` for each command given (argv: JSON of { commands, runs }): one run to warm the
// page cache (the figures are for a file in use), then `runs` timed ones, each a whole process from
// spawn to exit; prints each command's times in ms, sorted, as JSON. Run in a process of its own:
// starting a process costs more the more memory the one starting it holds (fork copies its page
// tables: about 17 ms per 500 MB on the development machine), and the benchmark's own process has
// just written a 600 MB database, where an operator's shell holds a few MB.
const TIMER = `
const { spawnSync } = require('node:child_process');
const { commands, runs } = JSON.parse(process.argv[1]);
const timeOnce = (args) => {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (child.status !== 0) throw new Error('node ' + args.join(' ') + ' failed (' + (child.status ?? child.signal) + '): ' + String(child.stderr).trim());
  return Number(process.hrtime.bigint() - started) / 1e6;
};
const times = commands.map((args) => {
  timeOnce(args);
  return Array.from({ length: runs }, () => timeOnce(args)).sort((a, b) => a - b);
});
process.stdout.write(JSON.stringify(times));
`;

/** Each command's times in ms, sorted: timed by a small process of its own (TIMER). */
function timeCommands(commands: string[][], runs: number): number[][] {
  const timer = spawnSync(process.execPath, ['-e', TIMER, JSON.stringify({ commands, runs })], { encoding: 'utf8', env: commandEnvironment() });
  if (timer.status !== 0) throw new Error(`timing the commands failed: ${timer.stderr.trim()}`);
  return JSON.parse(timer.stdout) as number[][];
}

export function runHistoryBenchmark(options: HistoryBenchmarkOptions): HistoryBenchmarkResult {
  const { vigilBin, reuse, runs = 5, ...volume } = options;
  const result: HistoryBenchmarkResult = { fileBytes: 0, commands: [] };
  if (!reuse || !existsSync(options.file)) {
    const started = Date.now();
    const summary = generateHistory(volume);
    result.generated = { ...summary, seconds: (Date.now() - started) / 1000 };
    // Written to disk before the timing starts: the kernel otherwise writes the new file's few
    // hundred MB back during the first seconds of it, and those commands measure that too.
    const fd = openSync(options.file, 'r+');
    fsyncSync(fd);
    closeSync(fd);
  }
  result.fileBytes = statSync(options.file).size;
  // Node's own start-up first, timed the same way: the floor under every command's figure.
  const timed: Array<[label: string, args: string[]]> = [
    ['node -e 0 (Node start-up alone)', ['-e', '0']],
    ...BENCHMARK_COMMANDS.map((args): [string, string[]] => [`vigil ${args.join(' ')}`, [vigilBin, ...args, '--db', options.file]]),
  ];
  const times = timeCommands(timed.map(([, args]) => args), runs);
  timed.forEach(([command], i) => result.commands.push({ command, medianMs: times[i]![Math.floor(runs / 2)]!, maxMs: times[i]!.at(-1)! }));
  return result;
}
