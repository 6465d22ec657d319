// `vigil alerts test`: one test alert through a configured alert, from this shell (mon's test
// alert), through the same delivery code the daemon uses. The attempt is recorded in the history
// (kind `test`), so `vigil alerts log` shows it beside the daemon's.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { recordTestAttempt } from '../alerting/alert-store.js';
import { attemptDelivery } from '../alerting/attempt-delivery.js';
import { formatDuration } from '../config/duration-text.js';
import { loadConfig } from '../config/load-config.js';
import { describeError } from '../describe-error.js';
import { openWritableDatabase } from '../history/open-database.js';
import { createLogger } from '../log.js';
import { buildPlan } from '../plan.js';
import type { AlertEvent, AlertServices, Target } from '../plugin.js';

/** How long the CLI waits for the daemon's write in progress before giving up on recording. */
const RECORD_BUSY_TIMEOUT_MS = 5_000;

export async function sendTestAlert(name: string, options: { config: string; target?: string; db?: string }): Promise<void> {
  const loaded = await loadConfig(options.config);
  const plan = buildPlan(loaded);
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
  const at = Date.now();
  // Not a delivery of the daemon's queue: an id of its own, random so that no other test repeats it.
  const deliveryId = `${name}-test-${at}.${randomBytes(12).toString('hex')}`;
  const result = await attemptDelivery(alert, [event], { attempt: 1, deliveryId, digest: false, log, stopSignal: new AbortController().signal, services });
  await alert.plugin.stop?.(alert.options, { ...services, reason: 'shutdown' });
  recordAttempt(options.db ?? loaded.config.history.path, { alert: name, target: target.id, at, durationMs: result.durationMs, ok: result.ok, error: result.error });
  if (!result.ok) throw new Error(`${name} (${alert.type}) failed after ${formatDuration(result.durationMs)}: ${result.error}`);
  console.log(`${name} (${alert.type}): test alert about ${target.id} delivered in ${formatDuration(result.durationMs)}`);
}

/**
 * Adds the attempt to the history's alert attempts. The daemon may be running and writing: the
 * database is in WAL mode and attempt ids are SQLite's, so this waits its turn to write and
 * neither side loses a row. A database that does not exist yet is not created from here (the
 * daemon, perhaps another user, makes it); a record that cannot be written is warned about and
 * leaves the test's own outcome as it is.
 */
function recordAttempt(file: string, attempt: Parameters<typeof recordTestAttempt>[1]): void {
  const warn = (why: string) => void process.stderr.write(`vigil alerts test: the attempt is not in vigil alerts log: ${why}\n`);
  if (!existsSync(file)) return warn(`no history database ${file} yet (has the daemon run?)`);
  try {
    const db = openWritableDatabase(file);
    try {
      db.pragma(`busy_timeout = ${RECORD_BUSY_TIMEOUT_MS}`);
      recordTestAttempt(db, attempt);
    } finally {
      db.close();
    }
  } catch (err) {
    warn(describeError(err));
  }
}
