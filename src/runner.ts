// Runs one check (or one group check) under its timeout. Whatever the plugin does — hang,
// throw, ignore its AbortSignal — the runner returns a result in bounded time.
import { performance } from 'node:perf_hooks';
import { formatDuration } from './config/duration.js';
import { describeError } from './describe-error.js';
import type { CheckContext, CheckPlugin, CheckResult, Logger, Target } from './plugin.js';

const MESSAGE_LIMIT = 1_000;
const DETAIL_LIMIT = 16_384;

class CheckTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${formatDuration(timeoutMs)}`);
    this.name = 'CheckTimeout';
  }
}

export class CheckCancelled extends Error {
  constructor() {
    super('check cancelled: the daemon is stopping');
    this.name = 'CheckCancelled';
  }
}

export interface RunOptions {
  timeoutMs: number;
  log: Logger;
  /** Aborted when the daemon stops: in-flight checks are cut short. */
  stopSignal?: AbortSignal;
}

/**
 * Calls `body` with a signal that aborts at the timeout (or on stop), and stops waiting for it
 * then even if the plugin ignores the signal. Resolves to the body's value or rejects with
 * CheckTimeout / CheckCancelled / the plugin's own error.
 */
async function withDeadline<R>(body: (ctx: CheckContext) => Promise<R>, options: RunOptions): Promise<R> {
  const startedAt = performance.now();
  const controller = new AbortController();
  let rejectOnAbort!: (reason: unknown) => void;
  const aborted = new Promise<never>((_, reject) => (rejectOnAbort = reject));
  const abort = (reason: Error) => {
    controller.abort(reason);
    rejectOnAbort(reason);
  };
  const timer = setTimeout(() => abort(new CheckTimeout(options.timeoutMs)), options.timeoutMs);
  const onStop = () => abort(new CheckCancelled());
  if (options.stopSignal?.aborted) onStop();
  options.stopSignal?.addEventListener('abort', onStop, { once: true });
  try {
    const ctx: CheckContext = { signal: controller.signal, timeoutMs: options.timeoutMs, startedAt, log: options.log };
    return await Promise.race([body(ctx), aborted]);
  } finally {
    clearTimeout(timer);
    options.stopSignal?.removeEventListener('abort', onStop);
  }
}

function failureResult(err: unknown): CheckResult {
  if (err instanceof CheckTimeout) return { status: 'down', message: err.message };
  if (err instanceof CheckCancelled) return { status: 'unknown', message: err.message };
  return { status: 'unknown', message: `check failed: ${describeError(err)}` };
}

/** Keeps a result within bounds and well-formed, whatever the plugin returned. */
function normalize(result: unknown, latencyMs: number): CheckResult {
  if (!result || typeof result !== 'object' || !['up', 'warning', 'down', 'unknown'].includes((result as CheckResult).status)) {
    return { status: 'unknown', message: `check returned an invalid result: ${JSON.stringify(result)?.slice(0, 200)}`, latencyMs };
  }
  const value = result as CheckResult;
  const clean: CheckResult = { status: value.status, latencyMs: value.latencyMs ?? latencyMs };
  if (value.message !== undefined) clean.message = String(value.message).slice(0, MESSAGE_LIMIT);
  if (value.detail !== undefined) clean.detail = String(value.detail).slice(0, DETAIL_LIMIT);
  if (typeof value.weight === 'number' && Number.isFinite(value.weight)) clean.weight = value.weight;
  if (value.perf) clean.perf = value.perf;
  return clean;
}

export async function runCheck(
  plugin: CheckPlugin,
  target: Target,
  checkOptions: Record<string, unknown>,
  options: RunOptions,
): Promise<CheckResult> {
  const started = performance.now();
  try {
    const result = await withDeadline((ctx) => plugin.run(target, checkOptions, ctx), options);
    return normalize(result, performance.now() - started);
  } catch (err) {
    return { ...failureResult(err), latencyMs: performance.now() - started };
  }
}

/** Runs a group check; targets the plugin does not report on get an `unknown` result. */
export async function runGroupCheck(
  plugin: CheckPlugin,
  targets: Target[],
  checkOptions: Record<string, unknown>,
  options: RunOptions,
): Promise<Map<string, CheckResult>> {
  const started = performance.now();
  const results = new Map<string, CheckResult>();
  try {
    const reported = await withDeadline((ctx) => plugin.runGroup!(targets, checkOptions, ctx), options);
    const latencyMs = performance.now() - started;
    for (const target of targets) {
      const result = reported?.get(target.id);
      results.set(target.id, result ? normalize(result, latencyMs) : { status: 'unknown', message: 'the group check reported nothing for this host', latencyMs });
    }
  } catch (err) {
    const failure = { ...failureResult(err), latencyMs: performance.now() - started };
    for (const target of targets) results.set(target.id, failure);
  }
  return results;
}
