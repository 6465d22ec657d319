// ldirectord (like mon) accepts host names and service names where ipvsadm needs numbers; it
// resolves them when it starts. The importer resolves them once, at import, and says so.
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

let services: Map<string, number> | undefined;

/** Port of a service name from /etc/services (`http` → 80), or of a number. */
export function portNumber(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const port = Number(text);
    return port <= 65535 ? port : undefined;
  }
  if (!services) {
    services = new Map();
    try {
      for (const line of readFileSync('/etc/services', 'utf8').split('\n')) {
        const [name, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
        const port = Number(portProto?.split('/')[0]);
        if (!name || !Number.isInteger(port)) continue;
        for (const key of [name, ...aliases]) if (!services.has(key)) services.set(key, port);
      }
    } catch {
      // no /etc/services: names stay unresolved
    }
  }
  return services.get(text);
}

/** An IP address for a host (as written, when it already is one). */
export async function ipAddress(host: string, ipv6 = false): Promise<string | undefined> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return bare;
  try {
    return (await lookup(bare, { family: ipv6 ? 6 : 4 })).address;
  } catch {
    return undefined;
  }
}
