// Per-target gauges, computed at scrape time from the supervisor's states: nothing between scrapes,
// and a target removed by a reload is gone from the next scrape (each collect starts from reset).
import client from 'prom-client';
import type { Supervisor, TargetFlags } from '../supervisor.js';
import type { TargetState } from '../plugin.js';

type Entry = { target: { service: string; name: string }; machine: { state: TargetState }; service: { disabled: boolean }; flags: TargetFlags };

const isDisabled = ({ flags, service }: Entry) => !!flags.disabled || service.disabled;

/** A gauge of one series per target `value` gives a number for; the rest have none. */
function perTarget(supervisor: Supervisor, name: string, help: string, value: (entry: Entry) => number | undefined, registers: client.Registry[]): void {
  new client.Gauge({
    name,
    help,
    labelNames: ['service', 'host'],
    registers,
    collect() {
      this.reset();
      for (const entry of supervisor.states()) {
        const v = value(entry);
        if (v !== undefined) this.set({ service: entry.target.service, host: entry.target.name }, v);
      }
    },
  });
}

export function registerTargetMetrics(supervisor: Supervisor, registers: client.Registry[]): void {
  // Only targets with a verdict: one not decided yet (unknown) or not checked (disabled) has no
  // series, so `vigil_target_up == 0` means "checked and found down", never "not known".
  perTarget(supervisor, 'vigil_target_up', 'Target state: 1 up, 0 down; no series while unknown or disabled', (entry) =>
    isDisabled(entry) || entry.machine.state === 'unknown' ? undefined : entry.machine.state === 'up' ? 1 : 0, registers);
  // Sparse (only the targets flagged): 10,000 targets cost no extra series.
  perTarget(supervisor, 'vigil_target_disabled', 'One series (1) per target not being checked: vigil disable, or its service disabled', (entry) =>
    isDisabled(entry) ? 1 : undefined, registers);
  perTarget(supervisor, 'vigil_target_in_maintenance', 'One series (1) per target in maintenance: still checked, no actions fire', (entry) =>
    entry.flags.maintenance ? 1 : undefined, registers);
}
