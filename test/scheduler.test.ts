import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../src/scheduler.js';

describe('scheduler', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('runs each job at its interval from one timer, keeping its phase', async () => {
    const runs: Array<[string, number]> = [];
    const scheduler = new Scheduler<string>(10, {
      run: async (id) => void runs.push([id, Date.now()]),
      next: () => ({ delayMs: 1_000, from: 'phase' }),
    });
    scheduler.add('a', 'a', 100);
    scheduler.add('b', 'b', 600);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3_050);
    expect(runs).toEqual([['a', 100], ['b', 600], ['a', 1_100], ['b', 1_600], ['a', 2_100], ['b', 2_600]]);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('a job due in more than 24.8 days (interval: 30d) waits: no timer overflow, no busy loop', async () => {
    vi.useRealTimers();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    let ticks = 0;
    const scheduler = new Scheduler<string>(10, {
      run: async () => void ticks++,
      next: () => ({ delayMs: 30 * 86_400_000, from: 'phase' }),
      now: () => (ticks++, Date.now()),
    });
    scheduler.add('monthly', 'monthly', Date.now() + 30 * 86_400_000);
    scheduler.start();
    const before = ticks;
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.off('warning', onWarning);
    void scheduler.stop();
    expect(warnings).toEqual([]);
    expect(ticks - before).toBeLessThan(5); // an overflowed timer fires every millisecond
  });

  it('never runs more than max_concurrent checks at once; the rest wait their turn', async () => {
    let running = 0;
    let peak = 0;
    const scheduler = new Scheduler<number>(3, {
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 100));
        running--;
      },
      next: () => ({ delayMs: 10_000, from: 'phase' }),
    });
    for (let i = 0; i < 10; i++) scheduler.add(`job${i}`, i, 0);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(peak).toBe(3);
    expect(scheduler.totals.completed).toBe(10);
  });

  it('never overlaps runs of one job, and counts the slots a slow run made it miss', async () => {
    let concurrentRuns = 0;
    let overlapped = false;
    const scheduler = new Scheduler<string>(10, {
      run: async () => {
        if (++concurrentRuns > 1) overlapped = true;
        await new Promise((resolve) => setTimeout(resolve, 2_500)); // longer than the interval
        concurrentRuns--;
      },
      next: () => ({ delayMs: 1_000, from: 'phase' }),
    });
    scheduler.add('slow', 'slow', 0);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(6_100);
    expect(overlapped).toBe(false);
    expect(scheduler.get('slow')!.overruns).toBeGreaterThanOrEqual(4);
    expect(scheduler.stats().overruns).toBe(scheduler.get('slow')!.overruns);
  });

  it('when slots are short, a fast re-check and "check now" start before routine checks due earlier', async () => {
    const started: string[] = [];
    let flakyRuns = 0;
    // One slot and 100ms checks: routine checks r1..r4 wait their turn. 'flaky' asks for one fast
    // re-check 10ms after its first run; r4 gets a "check now" while it waits.
    const scheduler = new Scheduler<string>(1, {
      run: async (id) => {
        started.push(`${id}@${Date.now()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      },
      next: (id) => (id === 'flaky' && ++flakyRuns === 1 ? { delayMs: 10, from: 'after' } : { delayMs: 60_000, from: 'phase' }),
    });
    scheduler.add('flaky', 'flaky', 0);
    for (const [i, id] of ['r1', 'r2', 'r3', 'r4'].entries()) scheduler.add(id, id, i + 1);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(150);
    expect(scheduler.stats().waiting).toBe(4); // r2, r3, r4 and flaky's re-check (due at 110)
    scheduler.runAt('r4', Date.now());
    await vi.advanceTimersByTimeAsync(1_000);
    // Without priority: flaky r1 r2 r3 r4 flaky. r4 runs once: "check now" moved it, not copied it.
    expect(started).toEqual(['flaky@0', 'r1@100', 'flaky@200', 'r4@300', 'r2@400', 'r3@500']);
    expect(scheduler.stats().waiting).toBe(0);
  });

  it('"after" scheduling counts from the end of the run (fast re-check)', async () => {
    const starts: number[] = [];
    const scheduler = new Scheduler<string>(10, {
      run: async () => {
        starts.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
      next: () => ({ delayMs: 200, from: 'after' }),
    });
    scheduler.add('x', 'x', 0);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(800);
    expect(starts).toEqual([0, 250, 500, 750]);
  });

  it('removed jobs stop; runAt moves a job forward; stop waits for runs in flight', async () => {
    const runs: string[] = [];
    const scheduler = new Scheduler<string>(10, {
      run: async (id) => {
        runs.push(id);
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
      next: () => ({ delayMs: 10_000, from: 'phase' }),
    });
    scheduler.add('keep', 'keep', 0);
    scheduler.add('drop', 'drop', 5_000);
    scheduler.start();
    scheduler.remove('drop');
    await vi.advanceTimersByTimeAsync(400);
    expect(scheduler.runAt('keep', Date.now())).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    let stopped = false;
    void scheduler.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(300);
    expect(stopped).toBe(true);
    expect(runs).toEqual(['keep', 'keep']);
  });
});
