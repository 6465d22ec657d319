// What `--host` means wherever a command names targets — the control commands on the daemon and
// the reports on the history database: the host's name in its group, its address, or its address
// and port (`10.0.0.12`, `web2`, `10.0.0.12:80`, `[2001:db8::12]:80`). And the error a selector
// that matches nothing gets, listing what exists, the same from the daemon and from the database.
export interface HostNames {
  name: string;
  address?: string | null;
  port?: number | null;
}

/** `address:port` or `[v6-address]:port` read apart; undefined for anything else (a name, a bare address). */
export function splitHostPort(text: string): { address: string; port: number } | undefined {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  return match && port >= 1 && port <= 65535 ? { address: match[1]!, port } : undefined;
}

export function hostMatches(host: string, target: HostNames): boolean {
  if (host === target.name || (target.address && host === target.address)) return true;
  const split = splitHostPort(host);
  return split !== undefined && split.address === target.address && split.port === target.port;
}

export interface KnownNames {
  services: string[];
  groups: string[];
  hosts: string[];
}

/** Names for an error message: sorted, without repeats, the first dozen. */
export function listed(values: string[]): string {
  const unique = [...new Set(values)].sort();
  return unique.length > 12 ? `${unique.slice(0, 12).join(', ')}, … (${unique.length})` : unique.join(', ');
}

/** `no target matches service nosuch (services: cache-tcp, web-http)`: what was asked and, for each name given, what exists. */
export function noTargetMatches(selector: { service?: string; group?: string; host?: string }, known: KnownNames): string {
  const asked = (['service', 'group', 'host'] as const)
    .filter((key) => selector[key] !== undefined)
    .map((key) => `${key} ${selector[key]}`)
    .join(', ');
  const hints = [
    selector.service !== undefined && `services: ${listed(known.services)}`,
    selector.group !== undefined && `groups: ${listed(known.groups)}`,
    selector.host !== undefined && `hosts: ${listed(known.hosts)}`,
  ].filter(Boolean);
  return `no target matches ${asked}${hints.length ? ` (${hints.join('; ')})` : ''}`;
}
