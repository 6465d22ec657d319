// How long a check waits for an answer of its own (a banner, a UDP or DNS reply): most of its
// timeout, counted from when the check started, so the check — not the runner's timeout — gets
// to say what it was waiting for, however long the connect before it took.
import { performance } from 'node:perf_hooks';
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
