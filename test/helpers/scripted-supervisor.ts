// The real supervisor and alert engine in-process, with a check whose answers the test scripts
// per host and alert plugins that record what they receive — so policy tests can drive exact
// sequences of results and assert exactly which alerts went out.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config/load-config.js';
import { HistoryRecorder } from '../../src/history/history-recorder.js';
import { HistoryStore } from '../../src/history/history-store.js';
import { createLogger } from '../../src/log.js';
import { buildPlan } from '../../src/plan.js';
import type { AlertEvent } from '../../src/plugin.js';
import { Supervisor } from '../../src/supervisor.js';
import { tempDir } from './temp-dir.js';

export interface HostScript {
  /** Statuses still to answer, in order; the last one repeats. */
  sequence: Array<'up' | 'down'>;
  runs: number;
  failures: number;
  consecutive: number;
  /** A fixed message for failures (default: one that counts them). */
  failureMessage?: string;
  /** The detail of failures (default: one naming the host). */
  failureDetail?: string;
}

export interface Recorded {
  alert: string;
  attempt: number;
  event: AlertEvent;
}

interface Shared {
  hosts: Record<string, HostScript>;
  recorded: Recorded[];
  /** Per alert name: how many more attempts fail; -1 fails forever. */
  failures: Record<string, number>;
  /** Alert names whose fire never settles and ignores its signal. */
  hang: Set<string>;
}

export const shared: Shared = ((globalThis as { __vigilTest?: Shared }).__vigilTest ??= {
  hosts: {},
  recorded: [],
  failures: {},
  hang: new Set(),
});

const SCRIPTED_CHECK = `import { defineCheck, z } from 'vigil/plugin';
export default defineCheck({
  type: 'scripted',
  options: z.strictObject({}),
  async run(target) {
    const host = globalThis.__vigilTest.hosts[target.name];
    const status = host.sequence.length > 1 ? host.sequence.shift() : host.sequence[0];
    host.runs++;
    if (status === 'down') {
      host.failures++;
      host.consecutive++;
      return { status, message: host.failureMessage ?? 'failure #' + host.consecutive + ' (total ' + host.failures + ')', detail: host.failureDetail ?? 'scripted detail for ' + target.name };
    }
    host.consecutive = 0;
    return { status, message: 'answered ok' };
  },
});
`;

const recordingAlert = (type: string, mode: string) => `import { defineAlert, z } from 'vigil/plugin';
export default defineAlert({
  type: '${type}',
  mode: '${mode}',
  options: z.strictObject({}),
  async fire(event, options, ctx) {
    const test = globalThis.__vigilTest;
    if (test.hang.has(ctx.alert)) return new Promise(() => undefined);
    const failing = test.failures[ctx.alert] ?? 0;
    if (failing !== 0) {
      if (failing > 0) test.failures[ctx.alert] = failing - 1;
      throw new Error('scripted delivery failure');
    }
    test.recorded.push({ alert: ctx.alert, attempt: ctx.attempt, event });
  },
  async fireDigest(events, options, ctx) {
    for (const event of events) globalThis.__vigilTest.recorded.push({ alert: ctx.alert, attempt: ctx.attempt, event: { ...event, digest: events.length } });
  },
});
`;

export interface ScriptedRun {
  supervisor: Supervisor;
  history: HistoryStore;
  dir: string;
  file: string;
  logLines: string[];
  /** Kinds each alert received for a target, in order. */
  kinds(alert: string, target?: string): string[];
  events(alert: string, target?: string): AlertEvent[];
  /** Stops the supervisor and closes the history (keeps the directory). */
  stop(): Promise<void>;
  /** Starts a fresh supervisor on the same config and database (a daemon restart). */
  restart(): Promise<void>;
  /** Applies `config` (the YAML after `plugin_dirs` and `history`, as for startScripted): a reload. */
  reload(config: string): Promise<void>;
  /**
   * A crash and a restart: the database as it was on disk at this moment (what was committed so
   * far) is what the new supervisor finds; nothing the stop would have saved. `whileDown` runs
   * when the old supervisor has stopped and the new one has not started.
   */
  crashAndRestart(whileDown?: () => void): Promise<void>;
  cleanup(): Promise<void>;
  attempts(): Array<{ alert: string; target: string; kind: string; attempt: number; ok: number; error: string | null; next_at: number | null }>;
}

/** `config` is the YAML after `plugin_dirs` and `history`; hosts named in `hosts` start answering up. */
export async function startScripted(config: string, hosts: string[]): Promise<ScriptedRun> {
  const tmp = tempDir();
  mkdirSync(tmp.path('plugins'));
  tmp.write('plugins/scripted.js', SCRIPTED_CHECK);
  tmp.write('plugins/record.js', recordingAlert('record', 'notify'));
  tmp.write('plugins/record-state.js', recordingAlert('record-state', 'state'));
  const withPrefix = (yaml: string) => `plugin_dirs: [./plugins]\nhistory: { path: ./history.db, flush_interval: 20ms }\n${yaml}`;
  const file = tmp.write('vigil.yaml', withPrefix(config));
  shared.recorded.length = 0;
  shared.failures = {};
  shared.hang.clear();
  for (const host of hosts) shared.hosts[host] = { sequence: ['up'], runs: 0, failures: 0, consecutive: 0 };
  const logLines: string[] = [];
  const log = createLogger({ format: 'text', level: 'debug', write: (line) => void logLines.push(line) });

  const run = {} as ScriptedRun;
  let recorder: HistoryRecorder | undefined;
  const open = async () => {
    run.history = HistoryStore.open({ path: tmp.path('history.db'), flushIntervalMs: 20, maxQueue: 10_000, log });
    run.supervisor = new Supervisor({ history: run.history, log, memorySaveMs: 100 });
    recorder = new HistoryRecorder(run.supervisor, run.history); // flags kept across a restart, as in the daemon
    await run.supervisor.apply(buildPlan(await loadConfig(file)));
    run.supervisor.start();
  };
  let running = false;
  Object.assign(run, {
    dir: tmp.dir,
    file,
    logLines,
    kinds: (alert: string, target?: string) => run.events(alert, target).map((event) => event.kind),
    events: (alert: string, target?: string) =>
      shared.recorded.filter((r) => r.alert === alert && (!target || r.event.target.id === target)).map((r) => r.event),
    async stop() {
      if (!running) return;
      running = false;
      await run.supervisor.stop(100);
      recorder?.stop();
      run.history.close();
    },
    async restart() {
      await run.stop();
      await open();
      running = true;
    },
    async reload(yaml: string) {
      tmp.write('vigil.yaml', withPrefix(yaml));
      await run.supervisor.apply(buildPlan(await loadConfig(file)));
    },
    async crashAndRestart(whileDown?: () => void) {
      await run.history.db.backup(tmp.path('crashed.db')); // what was committed; the queue is lost
      await run.stop();
      whileDown?.();
      for (const suffix of ['', '-wal', '-shm']) rmSync(tmp.path(`history.db${suffix}`), { force: true });
      renameSync(tmp.path('crashed.db'), tmp.path('history.db'));
      await open();
      running = true;
    },
    async cleanup() {
      await run.stop();
      tmp.cleanup();
    },
    attempts() {
      if (running) run.history.flush();
      const db = new Database(tmp.path('history.db'), { readonly: true });
      try {
        return db.prepare('SELECT alert, target, kind, attempt, ok, error, next_at FROM alert_attempts ORDER BY id').all() as never;
      } finally {
        db.close();
      }
    },
  });
  await open();
  running = true;
  return run;
}

/** Sets what a host answers next: a sequence, the last entry repeating. */
export function script(host: string, ...sequence: Array<'up' | 'down'>): void {
  shared.hosts[host]!.sequence = sequence;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
