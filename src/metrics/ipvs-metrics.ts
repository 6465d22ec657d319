// LVS table changes made by `ipvs` alerts, read from what the action already records and reports:
// its action log entries (kind `command`) and the failing count in its status.
import client from 'prom-client';
import type { ActionEvent, PluginStatusEvent, Supervisor } from '../supervisor.js';

export function registerIpvsMetrics(supervisor: Supervisor, registers: client.Registry[]): void {
  // The ipvs action records a failure once, not again at each resync that retries it: this counts
  // failures as news; vigil_ipvs_changes_failing says how many are still failing.
  const changes = new client.Counter({
    name: 'vigil_ipvs_changes_total',
    help: 'ipvsadm table changes, by ipvs alert and result: applied, or failed (a failure retried at each resync is counted once)',
    labelNames: ['alert', 'result'],
    registers,
  });
  supervisor.on('action', ({ alert, type, action }: ActionEvent) => {
    if (type !== 'ipvs' || action.kind !== 'command') return;
    changes.inc({ alert, result: action.ok ? 'applied' : 'failed' });
  });

  const failing = new Map<string, number>();
  supervisor.on('plugin-status', ({ alert, status }: PluginStatusEvent) => {
    const count = status?.detail?.failingChanges;
    if (typeof count === 'number') failing.set(alert, count);
    else failing.delete(alert); // withdrawn (alert removed), or not an ipvs status
  });
  new client.Gauge({
    name: 'vigil_ipvs_changes_failing',
    help: 'Table changes an ipvs alert needs that ipvsadm refused at its last sync (retried at each resync)',
    labelNames: ['alert'],
    registers,
    collect() {
      this.reset();
      for (const [alert, count] of failing) this.set({ alert }, count);
    },
  });
}
