// LVS table changes made by `ipvs` alerts, read from what the action already records and reports:
// its action log entries (kind `command`) and the failing count in its status.
import type client from 'prom-client';
import type { ActionEvent, Supervisor } from '../supervisor.js';
import { alertResultCounter, pluginStatusGauge } from './per-alert.js';

export function registerIpvsMetrics(supervisor: Supervisor, registers: client.Registry[]): void {
  // The ipvs action records a failure once, not again at each resync that retries it: this counts
  // failures as news; vigil_ipvs_changes_failing says how many are still failing.
  const changes = alertResultCounter(
    'vigil_ipvs_changes_total',
    'ipvsadm table changes, by ipvs alert and result: applied, or failed (a failure retried at each resync is counted once)',
    registers,
  );
  supervisor.on('action', ({ alert, type, action }: ActionEvent) => {
    if (type !== 'ipvs' || action.kind !== 'command') return;
    changes.inc({ alert, result: action.ok ? 'applied' : 'failed' });
  });

  // Not an ipvs status (no failingChanges): no series.
  pluginStatusGauge(
    supervisor,
    'vigil_ipvs_changes_failing',
    'Table changes an ipvs alert needs that ipvsadm refused at its last sync (retried at each resync)',
    (status) => (typeof status.detail?.failingChanges === 'number' ? status.detail.failingChanges : undefined),
    registers,
  );
}
