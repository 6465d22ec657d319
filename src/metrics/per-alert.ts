// Series labelled by the configured alert's name (a handful, never by target): the counters of
// what alerts did, and gauges of what their plugins last reported.
import client from 'prom-client';
import type { PluginStatus } from '../plugin.js';
import type { PluginStatusEvent, Supervisor } from '../supervisor.js';

/** A counter by alert and result. */
export function alertResultCounter(name: string, help: string, registers: client.Registry[]): client.Counter<'alert' | 'result'> {
  return new client.Counter({ name, help, labelNames: ['alert', 'result'], registers });
}

/**
 * A gauge with one series per alert: `value` of the status its plugin last reported (undefined: no
 * series). An alert removed by a reload withdraws its status, and its series goes.
 */
export function pluginStatusGauge(
  supervisor: Supervisor,
  name: string,
  help: string,
  value: (status: PluginStatus) => number | undefined,
  registers: client.Registry[],
): void {
  const values = new Map<string, number>();
  supervisor.on('plugin-status', ({ alert, status }: PluginStatusEvent) => {
    const current = status === undefined ? undefined : value(status);
    if (current === undefined) values.delete(alert);
    else values.set(alert, current);
  });
  new client.Gauge({
    name,
    help,
    labelNames: ['alert'],
    registers,
    collect() {
      this.reset();
      for (const [alert, current] of values) this.set({ alert }, current);
    },
  });
}
