// Starts and stops alert plugins as plans come and go: a new or changed alert is started, a
// removed or changed one stopped (with the reason). Lends each plugin the daemon's services
// (its routed targets, the action log, status reporting). A plugin whose hook throws is logged,
// not fatal.
import { describeError } from '../describe-error.js';
import type { ActionRecord, AlertServices, AlertStopContext, Logger, PluginStatus, ResultNotice, RoutedTarget } from '../plugin.js';
import type { AlertPlan, TargetPlan } from '../plan.js';

/** What the daemon lends alert plugins (see AlertServices in plugin.ts). */
export interface AlertHost {
  targets(alert: AlertPlan): RoutedTarget[];
  record(alert: string, action: ActionRecord): void;
  reportStatus(alert: string, status: PluginStatus | undefined): void;
}

type Targets = ReadonlyMap<string, TargetPlan>;

/** Where a routed target is and its configured weight: a plugin that keeps a pool (ipvs) reads them at start. */
const endpointOf = (targets: Targets, id: string) => {
  const target = targets.get(id)?.target;
  return target && `${target.address}|${target.port ?? ''}|${target.weight ?? ''}`;
};

// A changed set of routed targets counts as a change: the plugin starts again and sees it. So does
// a routed target that kept its name but moved (address, port) or changed weight: otherwise the
// LVS table would keep the old destination and weight.
const sameAlert = (a: AlertPlan, b: AlertPlan, before: Targets, after: Targets) =>
  a.plugin === b.plugin &&
  JSON.stringify(a.options) === JSON.stringify(b.options) &&
  a.routedTargets.join('\n') === b.routedTargets.join('\n') &&
  b.routedTargets.every((id) => endpointOf(before, id) === endpointOf(after, id));

export class AlertLifecycle {
  private alerts = new Map<string, AlertPlan>();
  private targets: Targets = new Map();

  constructor(
    private readonly log: Logger,
    private readonly host: AlertHost,
  ) {}

  get(name: string): AlertPlan | undefined {
    return this.alerts.get(name);
  }

  async setAlerts(next: Map<string, AlertPlan>, targets: Targets): Promise<void> {
    const restart = new Set<string>();
    for (const [name, alert] of this.alerts) {
      const replacement = next.get(name);
      if (replacement && sameAlert(alert, replacement, this.targets, targets)) continue;
      if (replacement) restart.add(name);
      await this.stop(alert, replacement ? 'replaced' : 'removed');
    }
    const previous = this.alerts;
    this.alerts = next;
    this.targets = targets;
    for (const [name, alert] of next) {
      if (!previous.has(name) || restart.has(name)) await this.start(alert);
    }
  }

  async stopAll(): Promise<void> {
    for (const alert of this.alerts.values()) await this.stop(alert, 'shutdown');
    this.alerts = new Map();
  }

  /** The services a plugin's hooks receive in their context. */
  services(alert: AlertPlan): AlertServices {
    return {
      name: alert.name,
      log: this.log,
      targets: () => this.host.targets(alert),
      record: (action) => this.host.record(alert.name, action),
      reportStatus: (status) => this.host.reportStatus(alert.name, status),
    };
  }

  /** Hands one check result to an alert that wants every result (`observe`). */
  observe(name: string, notice: ResultNotice): void {
    const alert = this.alerts.get(name);
    if (!alert?.plugin.observe) return;
    const fail = (err: unknown) => this.log.error(`alert ${alert.name} (${alert.type}) failed to take a result for ${notice.target.id}: ${describeError(err)}`);
    try {
      void Promise.resolve(alert.plugin.observe(notice, alert.options, this.services(alert))).catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  private async start(alert: AlertPlan): Promise<void> {
    try {
      await alert.plugin.start?.(alert.options, this.services(alert));
    } catch (err) {
      this.log.error(`alert ${alert.name} (${alert.type}) start failed: ${describeError(err)}`);
    }
  }

  private async stop(alert: AlertPlan, reason: AlertStopContext['reason']): Promise<void> {
    try {
      await alert.plugin.stop?.(alert.options, { ...this.services(alert), reason });
    } catch (err) {
      this.log.error(`alert ${alert.name} (${alert.type}) stop failed: ${describeError(err)}`);
    }
  }
}
