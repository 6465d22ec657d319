// Hands events to the alert plugins a service routes to, each under a timeout, never blocking
// the checks. (Policy — after/every/periods/retries — sits in front of this; see alerting/.)
import { describeError } from '../describe-error.js';
import type { ActionRecord, AlertEvent, AlertServices, AlertStopContext, Logger, PluginStatus, ResultNotice, RoutedTarget } from '../plugin.js';
import type { AlertPlan } from '../plan.js';

export const ALERT_TIMEOUT_MS = 30_000;

/** What the daemon lends alert plugins (see AlertServices in plugin.ts). */
export interface AlertHost {
  targets(alert: AlertPlan): RoutedTarget[];
  record(alert: string, action: ActionRecord): void;
  reportStatus(alert: string, status: PluginStatus | undefined): void;
}

export class AlertDispatcher {
  private alerts = new Map<string, AlertPlan>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly host?: AlertHost,
  ) {}

  /** Starts alerts that are new or changed, stops those removed or changed. */
  async setAlerts(next: Map<string, AlertPlan>): Promise<void> {
    // A changed set of routed targets counts as a change: the plugin starts again and sees it.
    const same = (a: AlertPlan, b: AlertPlan) =>
      a.plugin === b.plugin && JSON.stringify(a.options) === JSON.stringify(b.options) && a.routedTargets.join('\n') === b.routedTargets.join('\n');
    for (const [name, alert] of this.alerts) {
      const replacement = next.get(name);
      if (!replacement || !same(alert, replacement)) await this.stopAlert(alert, replacement ? 'replaced' : 'removed');
    }
    const previous = this.alerts;
    this.alerts = next;
    for (const [name, alert] of next) {
      const before = previous.get(name);
      if (!before || !same(before, alert)) await this.startAlert(alert);
    }
  }

  dispatch(routes: readonly string[], event: AlertEvent): void {
    for (const name of routes) {
      const alert = this.alerts.get(name);
      if (!alert) continue;
      this.track(this.fire(alert, event));
    }
  }

  /** Hands one check result to the routed alerts that want every result (`observe`). */
  observe(routes: readonly string[], notice: ResultNotice): void {
    for (const name of routes) {
      const alert = this.alerts.get(name);
      if (!alert?.plugin.observe) continue;
      this.track(
        (async () => {
          try {
            await alert.plugin.observe!(notice, alert.options, this.services(alert));
          } catch (err) {
            this.log.error(`alert ${alert.name} (${alert.type}) failed to take a result for ${notice.target.id}: ${describeError(err)}`);
          }
        })(),
      );
    }
  }

  /** Waits for deliveries in flight (at stop), then stops every alert plugin. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    for (const alert of this.alerts.values()) await this.stopAlert(alert, 'shutdown');
    this.alerts = new Map();
  }

  private track(delivery: Promise<void>): void {
    const tracked = delivery.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private services(alert: AlertPlan): AlertServices {
    const host = this.host;
    return {
      name: alert.name,
      log: this.log,
      targets: () => host?.targets(alert) ?? [],
      record: (action) => host?.record(alert.name, action),
      reportStatus: (status) => host?.reportStatus(alert.name, status),
    };
  }

  private async fire(alert: AlertPlan, event: AlertEvent): Promise<void> {
    const signal = AbortSignal.timeout(ALERT_TIMEOUT_MS);
    try {
      await alert.plugin.fire(event, alert.options, { ...this.services(alert), signal, timeoutMs: ALERT_TIMEOUT_MS, attempt: 1 });
      this.log.debug(`alert ${alert.name} delivered ${event.kind} for ${event.target.id}`);
    } catch (err) {
      this.log.error(`alert ${alert.name} (${alert.type}) failed for ${event.target.id}: ${describeError(err)}`);
    }
  }

  private async startAlert(alert: AlertPlan): Promise<void> {
    try {
      await alert.plugin.start?.(alert.options, this.services(alert));
    } catch (err) {
      this.log.error(`alert ${alert.name} (${alert.type}) start failed: ${describeError(err)}`);
    }
  }

  private async stopAlert(alert: AlertPlan, reason: AlertStopContext['reason']): Promise<void> {
    try {
      await alert.plugin.stop?.(alert.options, { ...this.services(alert), reason });
    } catch (err) {
      this.log.error(`alert ${alert.name} (${alert.type}) stop failed: ${describeError(err)}`);
    }
  }
}
