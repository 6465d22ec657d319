// `vigil alerts test`: one test alert through a configured alert, from this shell (mon's test
// alert), through the same delivery code the daemon uses.
import { randomBytes } from 'node:crypto';
import { attemptDelivery } from '../alerting/attempt-delivery.js';
import { formatDuration } from '../config/duration-text.js';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../log.js';
import { buildPlan } from '../plan.js';
import type { AlertEvent, AlertServices, Target } from '../plugin.js';

export async function sendTestAlert(name: string, options: { config: string; target?: string }): Promise<void> {
  const plan = buildPlan(await loadConfig(options.config));
  const alert = plan.alerts.get(name);
  if (!alert) throw new Error(`no alert named '${name}'; defined: ${[...plan.alerts.keys()].join(', ') || '(none)'}`);
  // A plugin that keeps state (the ipvs action keeps the IPVS table) acts on start and stop, with
  // only the targets it is given: started from here, with none, it would empty the live pool.
  if (alert.mode === 'state') {
    throw new Error(`${name} is a '${alert.type}' action that keeps state (the IPVS table), not one that sends messages: a test from here would change the live table. Its state: vigil status, vigil track, vigil actions`);
  }
  const routed = [...plan.targets.values()].filter(({ service }) => service.alerts.includes(name));
  const chosen = options.target ? plan.targets.get(options.target) : (routed[0] ?? plan.targets.values().next().value);
  if (options.target && !chosen) throw new Error(`no target ${options.target}; targets are service/host, e.g. ${[...plan.targets.keys()][0] ?? 'web/10.0.0.1'}`);
  const target: Target = chosen?.target ?? { id: 'test/test', service: 'test', group: 'test', name: 'test', address: '127.0.0.1' };
  const event: AlertEvent = {
    kind: 'test',
    target,
    from: 'unknown',
    to: 'unknown',
    at: new Date(),
    result: { status: 'unknown', message: 'test alert sent with vigil alerts test' },
    groupHosts: chosen?.service.hosts.map((host) => host.name) ?? [target.name],
    description: chosen?.service.description,
  };
  const log = createLogger({ format: 'text', level: 'warn', write: (line) => process.stderr.write(line) });
  // Outside the daemon: no routed targets, and what the plugin records is only logged.
  const services: AlertServices = {
    name,
    log,
    targets: () => [],
    record: (action) => log.info(`${name}: ${action.kind} ${action.ok ? 'ok' : 'failed'}${action.message ? `: ${action.message}` : ''}`),
    reportStatus: () => undefined,
  };
  await alert.plugin.start?.(alert.options, services);
  // Not a delivery of the daemon's queue: an id of its own, random so that no other test repeats it.
  const deliveryId = `${name}-test-${Date.now()}.${randomBytes(12).toString('hex')}`;
  const result = await attemptDelivery(alert, [event], { attempt: 1, deliveryId, digest: false, log, stopSignal: new AbortController().signal, services });
  await alert.plugin.stop?.(alert.options, { ...services, reason: 'shutdown' });
  if (!result.ok) throw new Error(`${name} (${alert.type}) failed after ${formatDuration(result.durationMs)}: ${result.error}`);
  console.log(`${name} (${alert.type}): test alert about ${target.id} delivered in ${formatDuration(result.durationMs)}`);
}
