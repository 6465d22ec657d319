// How long a check waits for an answer of its own (a banner, a UDP or DNS reply): most of its
// timeout, counted from when the check started, so the check — not the runner's timeout — gets
// to say what it was waiting for, however long the connect before it took.
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../config/duration.js';
import { setDeadline } from '../deadline-timer.js';
import type { CheckContext } from '../plugin.js';

/** The share of the timeout a check spends waiting itself; the rest is the runner's margin. */
const OWN_SHARE = 0.9;

/** The wait a check announces in its message ("no reply within 270ms"). */
export function answerBudgetMs(ctx: CheckContext): number {
  return Math.max(1, Math.floor(ctx.timeoutMs * OWN_SHARE));
}

/** Milliseconds left of `budgetMs` (counted from the check's start), at least 1. */
export function answerTimeLeftMs(ctx: CheckContext, budgetMs: number = answerBudgetMs(ctx)): number {
  return Math.max(1, Math.round(ctx.startedAt + budgetMs - performance.now()));
}

/**
 * A check's own wait, for checks that go through steps with promises (log in, then query):
 * `expired` rejects with "no answer within 900ms while <step>" when the budget runs out, to race
 * each step against. `step()` names what is being waited for at that moment; cancel() at the end.
 */
export function answerDeadline(ctx: CheckContext, step: () => string): { expired: Promise<never>; cancel(): void } {
  const budgetMs = answerBudgetMs(ctx);
  let cancel = () => {};
  const expired = new Promise<never>((_resolve, reject) => {
    cancel = setDeadline(() => reject(new Error(`no answer within ${formatDuration(budgetMs)} while ${step()}`)), answerTimeLeftMs(ctx, budgetMs));
  });
  expired.catch(() => undefined); // expiring between two steps is not an unhandled rejection
  return { expired, cancel };
}
