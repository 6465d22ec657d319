// The names of the alerts a config defines, as `vigil alerts log --alert` means them: those under
// `alerts:` (its includes' too) and those each virtual server makes for its table and its hooks.
import { ipvsAlertName, notifyAlertName, notifyOptionsFor } from '../lvs/virtual-server-options.js';
import { readMergedConfig } from './load-config.js';

const entries = (section: unknown): Array<[string, unknown]> =>
  section !== null && typeof section === 'object' && !Array.isArray(section) ? Object.entries(section) : [];

/** Undefined when the config cannot be read or parsed (the caller falls back to what was recorded). */
export async function configuredAlertNames(file: string): Promise<string[] | undefined> {
  const config = await readMergedConfig(file);
  if (!config) return undefined;
  const names = entries(config.alerts).map(([name]) => name);
  for (const [name, server] of entries(config.virtual_servers)) {
    names.push(ipvsAlertName(name));
    if (server !== null && typeof server === 'object' && notifyOptionsFor(server as Record<string, unknown>)) names.push(notifyAlertName(name));
  }
  return names;
}
