// Alert deliveries and what alert plugins report: enough to alert on Vigil's own alerting failing.
// Labelled by the configured alert's name (a handful), never by target.
import type client from 'prom-client';
import type { DeliveryOutcome } from '../alerting/delivery-queue.js';
import type { Supervisor } from '../supervisor.js';
import { alertResultCounter, pluginStatusGauge } from './per-alert.js';

export function registerAlertMetrics(supervisor: Supervisor, registers: client.Registry[]): void {
  const attempts = alertResultCounter(
    'vigil_alert_delivery_attempts_total',
    'Alert delivery attempts, by alert and result (ok, failed, timeout); failed ones are retried with backoff',
    registers,
  );
  const deliveries = alertResultCounter(
    'vigil_alert_deliveries_total',
    'Alert deliveries finished, by alert and result: delivered, or gave_up after its retries (the alert is lost)',
    registers,
  );
  supervisor.on('delivery', (outcome: DeliveryOutcome) => {
    attempts.inc({ alert: outcome.alert, result: outcome.attempt });
    if (outcome.delivery) deliveries.inc({ alert: outcome.alert, result: outcome.delivery });
  });

  // The plugin's own verdict (what `vigil track` reads), kept as reported.
  pluginStatusGauge(
    supervisor,
    'vigil_alert_healthy',
    'Health an alert plugin reports of what it manages (ipvs: quorum, table manageable, changes applied): 1 healthy, 0 not',
    (status) => (status.healthy ? 1 : 0),
    registers,
  );
}
