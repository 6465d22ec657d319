// Hands events to the alert plugins a service routes to, each under a timeout, never blocking
// the checks. (Policy — after/every/periods/retries — sits in front of this; see alerting/.)
import { describeError } from '../describe-error.js';
import type { AlertEvent, Logger } from '../plugin.js';
import type { AlertPlan } from '../plan.js';

export const ALERT_TIMEOUT_MS = 30_000;

export class AlertDispatcher {
  private alerts = new Map<string, AlertPlan>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  /** Starts alerts that are new or changed, stops those removed or changed. */
  async setAlerts(next: Map<string, AlertPlan>): Promise<void> {
    const same = (a: AlertPlan, b: AlertPlan) => a.plugin === b.plugin && JSON.stringify(a.options) === JSON.stringify(b.options);
    for (const [name, alert] of this.alerts) {
      const replacement = next.get(name);
      if (!replacement || !same(alert, replacement)) await this.call(alert, 'stop');
    }
    const previous = this.alerts;
    this.alerts = next;
    for (const [name, alert] of next) {
      const before = previous.get(name);
      if (!before || !same(before, alert)) await this.call(alert, 'start');
    }
  }

  dispatch(routes: readonly string[], event: AlertEvent): void {
    for (const name of routes) {
      const alert = this.alerts.get(name);
      if (!alert) continue;
      const delivery = this.fire(alert, event).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** Waits for deliveries in flight (at stop), then stops every alert plugin. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    for (const alert of this.alerts.values()) await this.call(alert, 'stop');
    this.alerts = new Map();
  }

  private async fire(alert: AlertPlan, event: AlertEvent): Promise<void> {
    const signal = AbortSignal.timeout(ALERT_TIMEOUT_MS);
    try {
      await alert.plugin.fire(event, alert.options, { signal, timeoutMs: ALERT_TIMEOUT_MS, log: this.log, attempt: 1 });
      this.log.debug(`alert ${alert.name} delivered ${event.kind} for ${event.target.id}`);
    } catch (err) {
      this.log.error(`alert ${alert.name} (${alert.type}) failed for ${event.target.id}: ${describeError(err)}`);
    }
  }

  private async call(alert: AlertPlan, hook: 'start' | 'stop'): Promise<void> {
    try {
      await alert.plugin[hook]?.(alert.options, { log: this.log });
    } catch (err) {
      this.log.error(`alert ${alert.name} (${alert.type}) ${hook} failed: ${describeError(err)}`);
    }
  }
}
