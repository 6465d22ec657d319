import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/plugin.js';
import { TargetStateMachine } from '../src/state-machine.js';

const ok: CheckResult = { status: 'up', message: 'ok' };
const warn: CheckResult = { status: 'warning', message: 'slow' };
const fail: CheckResult = { status: 'down', message: 'connection refused' };
const unknown: CheckResult = { status: 'unknown', message: 'check threw' };

function feed(machine: TargetStateMachine, results: CheckResult[]) {
  return results.map((result, i) => machine.observe(result, 1_000 + i)?.to ?? null);
}

describe('state machine', () => {
  it('assume-up: first success confirms UP, DOWN needs `fall` consecutive failures', () => {
    const machine = new TargetStateMachine({ rise: 2, fall: 3, initialState: 'up' }, 0);
    expect(machine.state).toBe('unknown');
    expect(feed(machine, [ok])).toEqual(['up']);
    expect(feed(machine, [fail, fail, ok, fail, fail])).toEqual([null, null, null, null, null]);
    expect(feed(machine, [fail])).toEqual(['down']);
  });

  it('assume-down (keepalived alpha): first failure confirms DOWN, UP needs `rise` successes', () => {
    const machine = new TargetStateMachine({ rise: 3, fall: 2, initialState: 'down' }, 0);
    expect(feed(machine, [ok, ok])).toEqual([null, null]);
    expect(machine.state).toBe('unknown');
    expect(feed(machine, [ok])).toEqual(['up']);
    const fresh = new TargetStateMachine({ rise: 3, fall: 2, initialState: 'down' }, 0);
    expect(feed(fresh, [fail])).toEqual(['down']);
  });

  it('a broken streak resets the counter (hysteresis)', () => {
    const machine = new TargetStateMachine({ rise: 2, fall: 2, initialState: 'up' }, 0, { state: 'down', since: 0 });
    expect(feed(machine, [ok, fail, ok, fail, ok, ok])).toEqual([null, null, null, null, null, 'up']);
  });

  it('warning counts as up; unknown counts as a failure', () => {
    const machine = new TargetStateMachine({ rise: 1, fall: 2, initialState: 'up' }, 0, { state: 'up', since: 0 });
    expect(feed(machine, [warn, unknown, warn, unknown, unknown])).toEqual([null, null, null, null, 'down']);
  });

  it('reports transitioning while results disagree with the state, for the fast re-check', () => {
    const machine = new TargetStateMachine({ rise: 2, fall: 3, initialState: 'up' }, 0, { state: 'up', since: 0 });
    expect(machine.transitioning).toBe(false);
    machine.observe(fail, 1);
    expect(machine.transitioning).toBe(true);
    machine.observe(ok, 2);
    expect(machine.transitioning).toBe(false);
  });

  it('a transition carries the streak, time and result', () => {
    const machine = new TargetStateMachine({ rise: 2, fall: 2, initialState: 'up' }, 0, { state: 'up', since: 0 });
    machine.observe(fail, 10);
    const transition = machine.observe(fail, 20)!;
    expect(transition).toMatchObject({ from: 'up', to: 'down', at: 20, streak: 2, result: fail });
    expect(machine.since).toBe(20);
  });
});
