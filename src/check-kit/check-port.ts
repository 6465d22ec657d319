// Where a check connects. Its own `port` option wins when set: keepalived's `connect_port` and
// ldirectord's `checkport` check a health port beside the one IPVS forwards to (the real server's
// `10.0.1.11:8080` stays the table's port). Otherwise the host entry's port, then the check's default.
import type { Target } from '../plugin.js';

export function checkPort(target: Pick<Target, 'port'>, ownPort: number | undefined): number | undefined;
export function checkPort(target: Pick<Target, 'port'>, ownPort: number | undefined, defaultPort: number): number;
export function checkPort(target: Pick<Target, 'port'>, ownPort: number | undefined, defaultPort?: number): number | undefined {
  return ownPort ?? target.port ?? defaultPort;
}
