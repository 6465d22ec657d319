// Turns a `virtual_servers:` entry, as written, into the options of the `ipvs` alert that keeps
// its table and of the `notify` alert that runs its keepalived-style hooks. Works on the raw
// input so the plugins parse the same text the operator wrote (durations, aliases, commands).
import { formatDuration } from '../config/duration.js';
import { joinHostPort } from '../config/host-entry.js';
import { lvsDefaultsShape, lvsSettingsShape } from './ipvs-options.js';
import { formatServiceKey, parseEndpoint } from './ipvs-table.js';

type Raw = Record<string, unknown>;

export const ipvsAlertName = (virtualServer: string) => `virtual_servers.${virtualServer}`;
export const notifyAlertName = (virtualServer: string) => `virtual_servers.${virtualServer}.notify`;

/** The host name a real server entry gets (and so its target id `name/host`). */
export function realServerName(entry: unknown): string {
  if (typeof entry === 'string') return entry.trim();
  const object = entry as { name?: string; address: string; port?: number };
  return object.name ?? joinHostPort(object.address, object.port);
}

/** `tcp 192.0.2.10:80` or `fwmark 7` from `virtual`/`protocol`/`fwmark`. */
export function serviceKeyText(raw: Raw): string {
  if (typeof raw.fwmark === 'number') return `fwmark ${raw.fwmark}`;
  const endpoint = parseEndpoint(String(raw.virtual))!;
  return formatServiceKey({ protocol: (raw.protocol as 'tcp' | 'udp' | 'sctp' | undefined) ?? 'tcp', address: endpoint.address, port: endpoint.port! });
}

/** Options for the `ipvs` alert. `detectionWindowMs` is the default panic window. */
export function ipvsOptionsFor(raw: Raw, lvsDefaults: Raw, detectionWindowMs: number): Raw {
  const options: Raw = { service: serviceKeyText(raw) };
  for (const key of Object.keys(lvsSettingsShape)) if (raw[key] !== undefined) options[key] = raw[key];
  for (const key of Object.keys(lvsDefaultsShape)) if (options[key] === undefined && lvsDefaults[key] !== undefined) options[key] = lvsDefaults[key];
  const panic = (raw.panic_guard ?? {}) as Raw;
  options.panic_guard = { ...panic, window: panic.window ?? formatDuration(detectionWindowMs) };
  return options;
}

/** Options for the `notify` alert, or undefined when no hook is configured. */
export function notifyOptionsFor(raw: Raw): Raw | undefined {
  const hosts: Record<string, Raw> = {};
  for (const entry of (raw.real_servers as unknown[]) ?? []) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { notify_up, notify_down } = entry as Raw;
    if (notify_up !== undefined || notify_down !== undefined) hosts[realServerName(entry)] = { notify_up, notify_down };
  }
  if (raw.notify_up === undefined && raw.notify_down === undefined && !Object.keys(hosts).length) return undefined;
  const options: Raw = {};
  if (raw.notify_up !== undefined) options.notify_up = raw.notify_up;
  if (raw.notify_down !== undefined) options.notify_down = raw.notify_down;
  if (Object.keys(hosts).length) options.hosts = hosts;
  if (raw.omega === true) options.omega = true;
  return options;
}
