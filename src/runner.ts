// Runs one check (or one group check) under its timeout. Whatever the plugin does — hang,
// throw, ignore its AbortSignal — the runner returns a result in bounded time.
import { performance } from 'node:perf_hooks';
import { formatDuration } from './config/duration.js';
import { setDeadline } from './deadline-timer.js';
import { describeError } from './describe-error.js';
import type { CheckContext, CheckPlugin, CheckResult, Logger, PreviousRuns, Target } from './plugin.js';

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

interface InFlightEntry {
  cancel: () => void;
  previous: InFlightEntry | undefined;
  next: InFlightEntry | undefined;
}

/**
 * The checks in flight, so a stop can cut them all short. A linked list: a listener per check on
 * one shared AbortSignal costs O(checks in flight) per add (EventTarget looks for duplicates), and
 * a Set churned thousands of times a second keeps reallocating its hash table, which the garbage
 * collector then has to promote and sweep (about 850 bytes per check, measured).
 */
export class InFlightChecks {
  private head: InFlightEntry | undefined;
  cancelled = false;

  /** Registers a check's cancel function; pass what it returns to remove() when the check ends. */
  add(cancel: () => void): InFlightEntry | undefined {
    if (this.cancelled) {
      cancel();
      return undefined;
    }
    const entry: InFlightEntry = { cancel, previous: undefined, next: this.head };
    if (this.head) this.head.previous = entry;
    this.head = entry;
    return entry;
  }

  remove(entry: InFlightEntry | undefined): void {
    if (!entry) return;
    if (entry.previous) entry.previous.next = entry.next;
    else if (this.head === entry) this.head = entry.next;
    if (entry.next) entry.next.previous = entry.previous;
    entry.previous = entry.next = undefined;
  }

  cancelAll(): void {
    this.cancelled = true;
    for (let entry = this.head; entry; ) {
      const next = entry.next; // cancel() removes the entry
      entry.cancel();
      entry = next;
    }
    this.head = undefined;
  }
}

export interface RunOptions {
  timeoutMs: number;
  log: Logger;
  /** The daemon's checks in flight: cancelled together when it stops. */
  inFlight?: InFlightChecks;
  /** The job's earlier runs, kept by the supervisor. */
  previous?: PreviousRuns;
  description?: string;
}

const NO_PREVIOUS_RUNS: PreviousRuns = Object.freeze({});

/**
 * A check's context. The AbortSignal is made only when the plugin reads it: at thousands of checks
 * a second, an AbortController and its listener per check cost as much as the rest of the runner.
 */
class RunContext implements CheckContext {
  private controller: AbortController | undefined;
  private listeners: Array<(reason: Error) => void> | undefined;
  private reason: Error | undefined;

  constructor(
    readonly timeoutMs: number,
    readonly startedAt: number,
    readonly log: Logger,
    readonly previous: PreviousRuns,
    readonly description: string | undefined,
  ) {}

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.reason && !this.controller.signal.aborted) this.controller.abort(this.reason);
    return this.controller.signal;
  }

  onAbort(listener: (reason: Error) => void): () => void {
    if (this.reason) {
      listener(this.reason);
      return () => undefined;
    }
    (this.listeners ??= []).push(listener);
    return () => {
      const index = this.listeners?.indexOf(listener) ?? -1;
      if (index >= 0) this.listeners!.splice(index, 1);
    };
  }

  abort(reason: Error): void {
    this.reason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }
}

/**
 * Calls `body` with a signal that aborts at the timeout (or on stop), and stops waiting for it
 * then even if the plugin ignores the signal. Resolves to the body's value or rejects with
 * CheckTimeout / CheckCancelled / the plugin's own error.
 */
async function withDeadline<R>(body: (ctx: CheckContext) => Promise<R>, options: RunOptions): Promise<R> {
  const ctx = new RunContext(options.timeoutMs, performance.now(), options.log, options.previous ?? NO_PREVIOUS_RUNS, options.description);
  // One promise settled by whichever comes first: the check, its timeout, or the daemon's stop.
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    const finish = () => {
      settled = true;
      cancelDeadline();
      options.inFlight?.remove(entry);
    };
    const abort = (reason: Error) => {
      if (settled) return;
      finish();
      ctx.abort(reason);
      reject(reason);
    };
    const cancelDeadline = setDeadline(() => abort(new CheckTimeout(options.timeoutMs)), options.timeoutMs);
    const entry = options.inFlight?.add(() => abort(new CheckCancelled()));
    let running: Promise<R>;
    try {
      running = body(ctx);
    } catch (err) {
      running = Promise.reject(err); // a plugin that throws before returning its promise
    }
    running.then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        finish();
        reject(err);
      },
    );
  });
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

/** A run as a result: what the plugin returned, kept in bounds, or what its error means. */
async function settle(run: () => Promise<unknown>): Promise<CheckResult> {
  const started = performance.now();
  try {
    return normalize(await run(), performance.now() - started);
  } catch (err) {
    return { ...failureResult(err), latencyMs: performance.now() - started };
  }
}

export async function runCheck(
  plugin: CheckPlugin,
  target: Target,
  checkOptions: Record<string, unknown>,
  options: RunOptions,
): Promise<CheckResult> {
  return settle(() => withDeadline((ctx) => plugin.run(target, checkOptions, ctx), options));
}

/**
 * A check run inside another check's run (a part of a list of checks), with its context: its
 * error or malformed result becomes a result exactly as for a check of its own.
 */
export function runWithin(plugin: CheckPlugin, target: Target, checkOptions: Record<string, unknown>, ctx: CheckContext): Promise<CheckResult> {
  return settle(() => plugin.run(target, checkOptions, ctx));
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
