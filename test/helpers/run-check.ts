// Runs a check plugin once, in process, the way the daemon does (options parsed by the plugin's
// schema, the runner's timeout), for tests of the built-in checks.
import { createLogger } from '../../src/log.js';
import type { CheckPlugin, CheckResult, Target } from '../../src/plugin.js';
import { runCheck, runGroupCheck } from '../../src/runner.js';

export const quietLog = createLogger({ format: 'text', level: 'error', write: () => undefined });

export function makeTarget(address: string, port?: number, fields: Partial<Target> = {}): Target {
  const name = port === undefined ? address : `${address}:${port}`;
  const target: Target = { id: `test/${name}`, service: 'test', group: 'testgroup', name, address, ...fields };
  if (port !== undefined) target.port = port;
  return target;
}

export function runOnce(plugin: CheckPlugin, target: Target, options: Record<string, unknown>, timeoutMs = 2_000): Promise<CheckResult> {
  return runCheck(plugin, target, plugin.options.parse(options) as Record<string, unknown>, { timeoutMs, log: quietLog });
}

export function runGroupOnce(plugin: CheckPlugin, targets: Target[], options: Record<string, unknown>, timeoutMs = 2_000): Promise<Map<string, CheckResult>> {
  return runGroupCheck(plugin, targets, plugin.options.parse(options) as Record<string, unknown>, { timeoutMs, log: quietLog });
}
