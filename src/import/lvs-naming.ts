// Pieces ldirectord and keepalived imports share: a virtual server's name, the forwarding method
// most of its real servers use, and persistence written as a duration.
import { isIP } from 'node:net';
import { exactDuration, slug, uniqueName } from './import-text.js';

/** `tcp-192.0.2.10-80`, `udp-2001-db8--10-53`, `fwmark-7`. */
export function virtualServerName(key: { protocol: string; address: string; port: number } | { fwmark: number }, taken: Set<string>, preferred?: string): string {
  if (preferred) return uniqueName(slug(preferred, 'vs'), taken);
  if ('fwmark' in key) return uniqueName(`fwmark-${key.fwmark}`, taken);
  return uniqueName(slug(`${key.protocol}-${key.address.replace(/:/g, '-')}-${key.port}`, 'vs'), taken);
}

/** `192.0.2.10:80`, `[2001:db8::10]:80`. */
export function endpointText(address: string, port: number | undefined): string {
  if (port === undefined) return address;
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The forwarding most real servers use (ties: the first one's), and whether they all agree. */
export function commonForwarding(methods: string[]): { method: string; unanimous: boolean } {
  const counts = new Map<string, number>();
  for (const method of methods) counts.set(method, (counts.get(method) ?? 0) + 1);
  let method = methods[0] ?? 'dr';
  for (const [candidate, count] of counts) if (count > (counts.get(method) ?? 0)) method = candidate;
  return { method, unanimous: counts.size <= 1 };
}

/** Persistence seconds as Vigil writes it: 360 → `6m`. */
export function persistence(seconds: number): string {
  return exactDuration(seconds * 1000);
}
