// The supervisor in-process, with a check whose answers the test controls: operator flags
// (disable, maintenance, acknowledge) and the result/transition events other parts build on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { HistoryStore } from '../src/history/history-store.js';
import { createLogger } from '../src/log.js';
import { buildPlan } from '../src/plan.js';
import { Supervisor, type ResultEvent, type TransitionEvent } from '../src/supervisor.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

type Answers = Record<string, { status: 'up' | 'down'; runs: number }>;
const answers = ((globalThis as { __vigilAnswers?: Answers }).__vigilAnswers = {} as Answers);

let tmp: ReturnType<typeof tempDir>;
let history: HistoryStore;
let supervisor: Supervisor;

beforeEach(async () => {
  tmp = tempDir();
  mkdirSync(tmp.path('plugins'));
  tmp.write(
    'plugins/scripted.js',
    `import { defineCheck, z } from 'vigil/plugin';
export default defineCheck({
  type: 'scripted',
  options: z.strictObject({}),
  async run(target) {
    const answer = globalThis.__vigilAnswers[target.name];
    answer.runs++;
    return { status: answer.status, message: 'scripted ' + answer.status };
  },
});
`,
  );
  for (const host of ['a', 'b']) answers[host] = { status: 'up', runs: 0 };
  const file = tmp.write(
    'vigil.yaml',
    `plugin_dirs: [./plugins]
history: { path: ./history.db }
defaults: { interval: 50ms, fast_interval: 20ms, spread: 10ms, rise: 1, fall: 1 }
hostgroups: { pool: [a, b] }
services: { svc: { group: pool, check: { type: scripted } } }
`,
  );
  const log = createLogger({ format: 'text', level: 'error', write: () => undefined });
  history = HistoryStore.open({ path: tmp.path('history.db'), flushIntervalMs: 50, maxQueue: 1000, log });
  supervisor = new Supervisor({ history, log });
  await supervisor.apply(buildPlan(await loadConfig(file)));
  supervisor.start();
});

afterEach(async () => {
  await supervisor.stop(100);
  history.close();
  tmp.cleanup();
});

describe('supervisor', () => {
  it('emits every result and every transition', async () => {
    const results: ResultEvent[] = [];
    const transitions: TransitionEvent[] = [];
    supervisor.on('result', (event: ResultEvent) => results.push(event));
    supervisor.on('transition', (event: TransitionEvent) => transitions.push(event));
    answers.a!.status = 'down';
    await waitFor(() => transitions.find((t) => t.target.id === 'svc/a' && t.transition.to === 'down'), 'a DOWN');
    expect(results.some((r) => r.target.id === 'svc/b' && r.result.status === 'up')).toBe(true);
  });

  it('a disabled target is not probed; enabled again, it is', async () => {
    await waitFor(() => answers.a!.runs > 0 && answers.b!.runs > 0, 'first runs');
    expect(supervisor.setDisabled(supervisor.select({ host: 'a' }), true, 'hardware swap')).toEqual(['svc/a']);
    await new Promise((resolve) => setTimeout(resolve, 100)); // a run in flight may still finish
    const frozen = answers.a!.runs;
    const before = answers.b!.runs;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answers.a!.runs).toBe(frozen);
    expect(answers.b!.runs).toBeGreaterThan(before + 2);
    expect(supervisor.flagsOf('svc/a')?.disabled).toMatchObject({ reason: 'hardware swap' });

    supervisor.setDisabled(['svc/a'], false);
    await waitFor(() => answers.a!.runs > frozen, 'a probed again');
  });

  it('acknowledges only a DOWN target, and the acknowledgement ends with the outage', async () => {
    await waitFor(() => supervisor.states().every((s) => s.machine.state === 'up'), 'all UP');
    expect(supervisor.acknowledge('svc/a', { comment: 'known' })).toBe(false);
    answers.a!.status = 'down';
    await waitFor(() => supervisor.states().find((s) => s.target.id === 'svc/a')?.machine.state === 'down', 'a DOWN');
    expect(supervisor.acknowledge('svc/a', { by: 'ops', comment: 'replacing disk' })).toBe(true);
    expect(supervisor.flagsOf('svc/a')?.acknowledged).toMatchObject({ by: 'ops', comment: 'replacing disk', outageId: 1 });
    answers.a!.status = 'up';
    await waitFor(() => supervisor.flagsOf('svc/a') && !supervisor.flagsOf('svc/a')!.acknowledged, 'the ack cleared on UP');
  });

  it('maintenance is a flag the checks do not stop for', async () => {
    const changed = supervisor.setMaintenance(supervisor.select({ service: 'svc' }), { reason: 'kernel upgrade' });
    expect(changed).toEqual(['svc/a', 'svc/b']);
    const runs = answers.a!.runs;
    await waitFor(() => answers.a!.runs > runs + 2, 'checks continuing in maintenance');
    expect(supervisor.setMaintenance(['svc/a'], undefined)).toEqual(['svc/a']);
    expect(supervisor.flagsOf('svc/a')?.maintenance).toBeUndefined();
    expect(supervisor.select({})).toEqual([]);
  });

  it('a DOWN target removed by a reload and added back starts afresh: its next outage is recorded', async () => {
    const transitions: TransitionEvent[] = [];
    supervisor.on('transition', (event: TransitionEvent) => transitions.push(event));
    answers.a!.status = 'down';
    await waitFor(() => history.openOutage('svc/a'), 'a DOWN with an open outage');
    const file = tmp.path('vigil.yaml');
    const full = readFileSync(file, 'utf8');
    writeFileSync(file, full.replace('[a, b]', '[b]'));
    await supervisor.apply(buildPlan(await loadConfig(file)));
    expect(history.openOutage('svc/a')).toBeUndefined(); // closed: removed from the configuration
    writeFileSync(file, full);
    await supervisor.apply(buildPlan(await loadConfig(file)));
    // Still down: a new outage, from a fresh UNKNOWN → DOWN, not a DOWN state with nothing open.
    await waitFor(() => history.openOutage('svc/a'), 'a new outage opened');
    expect(transitions.filter((t) => t.target.id === 'svc/a').map((t) => `${t.transition.from}→${t.transition.to}`)).toEqual(['unknown→down', 'unknown→down']);
  });
});
