// Starts and stops alert plugins as plans come and go: a new or changed alert is started, a
// removed or changed one stopped. A plugin whose start or stop throws is logged, not fatal.
import { describeError } from '../describe-error.js';
import type { Logger } from '../plugin.js';
import type { AlertPlan } from '../plan.js';

const sameAlert = (a: AlertPlan, b: AlertPlan) => a.plugin === b.plugin && JSON.stringify(a.options) === JSON.stringify(b.options);

export class AlertLifecycle {
  private alerts = new Map<string, AlertPlan>();

  constructor(private readonly log: Logger) {}

  get(name: string): AlertPlan | undefined {
    return this.alerts.get(name);
  }

  async setAlerts(next: Map<string, AlertPlan>): Promise<void> {
    for (const [name, alert] of this.alerts) {
      const replacement = next.get(name);
      if (!replacement || !sameAlert(alert, replacement)) await this.call(alert, 'stop');
    }
    const previous = this.alerts;
    this.alerts = next;
    for (const [name, alert] of next) {
      const before = previous.get(name);
      if (!before || !sameAlert(before, alert)) await this.call(alert, 'start');
    }
  }

  async stopAll(): Promise<void> {
    for (const alert of this.alerts.values()) await this.call(alert, 'stop');
    this.alerts = new Map();
  }

  private async call(alert: AlertPlan, hook: 'start' | 'stop'): Promise<void> {
    try {
      await alert.plugin[hook]?.(alert.options, { log: this.log });
    } catch (err) {
      this.log.error(`alert ${alert.name} (${alert.type}) ${hook} failed: ${describeError(err)}`);
    }
  }
}
