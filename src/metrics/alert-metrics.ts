// Alert deliveries and what alert plugins report: enough to alert on Vigil's own alerting failing.
// Labelled by the configured alert's name (a handful), never by target.
import client from 'prom-client';
import type { DeliveryOutcome } from '../alerting/delivery-queue.js';
import type { PluginStatusEvent, Supervisor } from '../supervisor.js';

export function registerAlertMetrics(supervisor: Supervisor, registers: client.Registry[]): void {
  const attempts = new client.Counter({
    name: 'vigil_alert_delivery_attempts_total',
    help: 'Alert delivery attempts, by alert and result (ok, failed, timeout); failed ones are retried with backoff',
    labelNames: ['alert', 'result'],
    registers,
  });
  const deliveries = new client.Counter({
    name: 'vigil_alert_deliveries_total',
    help: 'Alert deliveries finished, by alert and result: delivered, or gave_up after its retries (the alert is lost)',
    labelNames: ['alert', 'result'],
    registers,
  });
  supervisor.on('delivery', (outcome: DeliveryOutcome) => {
    attempts.inc({ alert: outcome.alert, result: outcome.attempt });
    if (outcome.delivery) deliveries.inc({ alert: outcome.alert, result: outcome.delivery });
  });

  // The plugin's own verdict (what `vigil track` reads), kept as reported: an alert removed by a
  // reload withdraws it, and its series goes.
  const healthy = new Map<string, number>();
  supervisor.on('plugin-status', ({ alert, status }: PluginStatusEvent) => {
    if (status) healthy.set(alert, status.healthy ? 1 : 0);
    else healthy.delete(alert);
  });
  new client.Gauge({
    name: 'vigil_alert_healthy',
    help: 'Health an alert plugin reports of what it manages (ipvs: quorum, table manageable, changes applied): 1 healthy, 0 not',
    labelNames: ['alert'],
    registers,
    collect() {
      this.reset();
      for (const [alert, value] of healthy) this.set({ alert }, value);
    },
  });
}
