// IPVS has one virtual service per protocol + address + port (or per fwmark and address family).
// Two blocks of an ldirectord.cf or keepalived.conf for the same one would set up and change the
// same service, and Vigil rejects two virtual servers for it: the importers keep the first block,
// report the later ones as problems in the source and do not merge their real servers.
import { isIP } from 'node:net';
import { printedIpv6 } from '../lvs/ipvs-table.js';

export type VirtualServiceKey = { protocol: string; address: string; port: number } | { fwmark: number; ipv6: boolean };

export interface FirstBlock {
  line: number;
  file?: string;
}

/** `tcp 192.0.2.10:80`, `fwmark 7`, `fwmark 7 (IPv6)`: the service as ipvsadm names it. */
export function virtualServiceText(key: VirtualServiceKey): string {
  if ('fwmark' in key) return `fwmark ${key.fwmark}${key.ipv6 ? ' (IPv6)' : ''}`;
  return `${key.protocol} ${isIP(key.address) === 6 ? `[${key.address}]` : key.address}:${key.port}`;
}

/** One spelling per address, so `2001:db8::a` and `2001:0db8::a` are the same service. */
function canonical(key: VirtualServiceKey): string {
  if ('fwmark' in key) return `fwm|${key.fwmark}|${key.ipv6 ? 6 : 4}`;
  return `${key.protocol}|${isIP(key.address) === 6 ? printedIpv6(key.address) : key.address}|${key.port}`;
}

/** The first block seen for each virtual service. */
export class VirtualServiceBlocks {
  private readonly first = new Map<string, FirstBlock>();

  /** The earlier block for the same service, or undefined (and `block` is recorded as the first). */
  earlierBlock(key: VirtualServiceKey, block: FirstBlock): FirstBlock | undefined {
    const id = canonical(key);
    const earlier = this.first.get(id);
    if (!earlier) this.first.set(id, block);
    return earlier;
  }
}
