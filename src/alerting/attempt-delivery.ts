// One attempt at a delivery: the plugin's fire (or fireDigest) under the alert's timeout. Whatever
// the plugin does — hang, ignore its AbortSignal, throw — the attempt ends in bounded time with
// ok or an error message.
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../config/duration.js';
import { describeError } from '../describe-error.js';
import type { AlertEvent, AlertServices, Logger } from '../plugin.js';
import type { AlertPlan } from '../plan.js';

export interface AttemptOutcome {
  ok: boolean;
  error?: string;
  /** Cut at the alert's timeout (a hung action, not one that answered with an error). */
  timedOut?: boolean;
  durationMs: number;
}

export class DeliveryCancelled extends Error {
  constructor() {
    super('cancelled: the daemon is stopping');
  }
}

/**
 * The attempts in flight, per stop signal, to cancel when it fires: one listener on the shared
 * signal rather than one per attempt (past ten in flight Node warns of a listener leak).
 */
const cancelsByStopSignal = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `cancel` when `stopSignal` aborts; returns the function that forgets it. */
function onStop(stopSignal: AbortSignal, cancel: () => void): () => void {
  let cancels = cancelsByStopSignal.get(stopSignal);
  if (!cancels) {
    const set = new Set<() => void>();
    cancelsByStopSignal.set(stopSignal, set);
    stopSignal.addEventListener('abort', () => [...set].forEach((call) => call()), { once: true });
    cancels = set;
  }
  cancels.add(cancel);
  return () => void cancels.delete(cancel);
}

export async function attemptDelivery(
  alert: AlertPlan,
  events: AlertEvent[],
  context: {
    attempt: number;
    /** Unique beyond this database (it carries the history id) and the same on every retry. */
    deliveryId: string;
    historyId?: string;
    digest: boolean;
    log: Logger;
    stopSignal: AbortSignal;
    services: AlertServices;
  },
): Promise<AttemptOutcome> {
  const started = performance.now();
  const timeoutMs = alert.delivery.timeoutMs;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let forgetStop: () => void = () => undefined;
  const cut = new Promise<never>((_, reject) => {
    const abort = (reason: Error) => {
      controller.abort(reason);
      reject(reason);
    };
    timer = setTimeout(() => {
      timedOut = true;
      abort(new Error(`timed out after ${formatDuration(timeoutMs)}`));
    }, timeoutMs);
    if (context.stopSignal.aborted) abort(new DeliveryCancelled());
    else forgetStop = onStop(context.stopSignal, () => abort(new DeliveryCancelled()));
  });
  const ctx = {
    ...context.services,
    signal: controller.signal,
    timeoutMs,
    log: context.log,
    attempt: context.attempt,
    alert: alert.name,
    deliveryId: context.deliveryId,
    historyId: context.historyId,
  };
  try {
    const delivery = context.digest && alert.plugin.fireDigest
      ? alert.plugin.fireDigest(events, alert.options, ctx)
      : Promise.all(events.map((event) => alert.plugin.fire(event, alert.options, ctx)));
    await Promise.race([delivery, cut]);
    return { ok: true, durationMs: performance.now() - started };
  } catch (err) {
    const outcome: AttemptOutcome = { ok: false, error: describeError(err).slice(0, 2_000), durationMs: performance.now() - started };
    if (timedOut) outcome.timedOut = true;
    return outcome;
  } finally {
    clearTimeout(timer);
    forgetStop();
    if (!controller.signal.aborted) controller.abort(new Error('attempt finished'));
  }
}
