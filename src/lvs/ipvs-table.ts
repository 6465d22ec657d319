// The IPVS table as ipvsadm speaks it: parses `ipvsadm -S -n` (the machine-friendly form) and
// builds the argument arrays that add, edit and delete services and destinations.
import { isIP } from 'node:net';

export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';

/** How a virtual service is addressed: protocol + address:port, or a firewall mark. */
export type VirtualServiceKey = { protocol: IpvsProtocol; address: string; port: number } | { protocol: 'fwmark'; fwmark: number };

/** ipvsadm's forwarding methods: -g (gatewaying, "Route", DR), -m (masquerading, NAT), -i (ipip, "Tunnel"). */
export type Forwarding = 'dr' | 'nat' | 'tunnel';

export interface ServiceSettings {
  scheduler: string;
  /** Persistence timeout in seconds (`-p`); absent = not persistent. */
  persistent?: number;
  /** Persistence netmask (`-M`), only meaningful with persistence. */
  netmask?: string;
  /** Scheduler flags (`-b`), e.g. `sh-fallback,sh-port`. */
  schedulerFlags?: string;
  /** One-packet scheduling (`-o`, UDP). */
  onePacket?: boolean;
}

export interface IpvsDestination {
  address: string;
  port: number;
  forwarding: Forwarding;
  weight: number;
}

export interface IpvsService extends ServiceSettings {
  key: VirtualServiceKey;
  destinations: IpvsDestination[];
}

const FORWARDING_FLAG: Record<Forwarding, string> = { dr: '-g', nat: '-m', tunnel: '-i' };
const FLAG_FORWARDING: Record<string, Forwarding> = { '-g': 'dr', '-m': 'nat', '-i': 'tunnel' };
const PROTOCOL_FLAG: Record<IpvsProtocol, string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };
const FLAG_PROTOCOL: Record<string, IpvsProtocol> = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp' };

/** `addr:port`, IPv6 in brackets and spelled as ipvsadm prints it back, so config and table compare. */
export function formatEndpoint(address: string, port: number): string {
  return isIP(address) === 6 ? `[${printedIpv6(address)}]:${port}` : `${address}:${port}`;
}

/**
 * An IPv6 address as `ipvsadm -S -n` lists it: the kernel keeps 16 bytes and inet_ntop prints them
 * in lower case, the longest run of zero groups as `::`, an IPv4-mapped address dotted. A config
 * may say `2001:DB8:0::A`; the table says `2001:db8::a`, and the two must be one service.
 */
export function printedIpv6(address: string): string {
  const text = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (!mapped) return text;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return `::ffff:${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Parses `addr:port` or `[v6]:port`; the port may be missing (undefined). */
export function parseEndpoint(text: string): { address: string; port?: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:[\]\s]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) return undefined;
  if (bracketed && isIP(match[1]!) !== 6) return undefined;
  if (!bracketed && isIP(match[1]!) !== 4) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && !(port >= 0 && port <= 65535)) return undefined;
  return { address: match[1]!, port };
}

/** `tcp 192.0.2.10:80`, `udp [2001:db8::1]:53`, `fwmark 7`: the form used in options and logs. */
export function parseServiceKey(text: string): VirtualServiceKey | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 2) return `expected "tcp|udp|sctp ADDRESS:PORT" or "fwmark N", got ${JSON.stringify(text)}`;
  const [protocol, where] = [parts[0]!.toLowerCase(), parts[1]!];
  if (protocol === 'fwmark') {
    const mark = Number(where);
    if (!Number.isInteger(mark) || mark < 1 || mark > 0xffffffff) return `fwmark must be a whole number 1-4294967295, got ${JSON.stringify(where)}`;
    return { protocol: 'fwmark', fwmark: mark };
  }
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') return `protocol must be tcp, udp, sctp or fwmark, got ${JSON.stringify(parts[0])}`;
  const endpoint = parseEndpoint(where);
  if (!endpoint || endpoint.port === undefined) return `expected an IP address with a port (192.0.2.10:80, [2001:db8::1]:80), got ${JSON.stringify(where)}`;
  return { protocol, address: endpoint.address, port: endpoint.port };
}

export function formatServiceKey(key: VirtualServiceKey): string {
  return key.protocol === 'fwmark' ? `fwmark ${key.fwmark}` : `${key.protocol} ${formatEndpoint(key.address, key.port)}`;
}

export function sameKey(a: VirtualServiceKey, b: VirtualServiceKey): boolean {
  return formatServiceKey(a) === formatServiceKey(b);
}

/** The `<svc>` part of an ipvsadm command line. */
export function serviceArgs(key: VirtualServiceKey): string[] {
  return key.protocol === 'fwmark' ? ['-f', String(key.fwmark)] : [PROTOCOL_FLAG[key.protocol], formatEndpoint(key.address, key.port)];
}

function settingArgs(settings: ServiceSettings): string[] {
  const args = ['-s', settings.scheduler];
  if (settings.persistent !== undefined) args.push('-p', String(settings.persistent));
  if (settings.persistent !== undefined && settings.netmask) args.push('-M', settings.netmask);
  if (settings.schedulerFlags) args.push('-b', settings.schedulerFlags);
  if (settings.onePacket) args.push('-o');
  return args;
}

export const commands = {
  addService: (key: VirtualServiceKey, settings: ServiceSettings) => ['-A', ...serviceArgs(key), ...settingArgs(settings)],
  editService: (key: VirtualServiceKey, settings: ServiceSettings) => ['-E', ...serviceArgs(key), ...settingArgs(settings)],
  deleteService: (key: VirtualServiceKey) => ['-D', ...serviceArgs(key)],
  addDestination: (key: VirtualServiceKey, dest: IpvsDestination) => ['-a', ...destinationArgs(key, dest)],
  editDestination: (key: VirtualServiceKey, dest: IpvsDestination) => ['-e', ...destinationArgs(key, dest)],
  deleteDestination: (key: VirtualServiceKey, dest: Pick<IpvsDestination, 'address' | 'port'>) => ['-d', ...serviceArgs(key), '-r', formatEndpoint(dest.address, dest.port)],
  save: () => ['-S', '-n'],
};

function destinationArgs(key: VirtualServiceKey, dest: IpvsDestination): string[] {
  return [...serviceArgs(key), '-r', formatEndpoint(dest.address, dest.port), FORWARDING_FLAG[dest.forwarding], '-w', String(dest.weight)];
}

/**
 * The port IPVS will really store for a destination: for gatewaying and tunnelling on a
 * non-fwmark service ipvsadm forces it to the service port; a missing port means the service's.
 */
export function effectiveDestinationPort(key: VirtualServiceKey, forwarding: Forwarding, port: number | undefined): number {
  if (key.protocol !== 'fwmark' && (forwarding === 'dr' || forwarding === 'tunnel')) return key.port;
  if (port !== undefined) return port;
  return key.protocol === 'fwmark' ? 0 : key.port;
}

export function destinationId(dest: Pick<IpvsDestination, 'address' | 'port'>): string {
  return formatEndpoint(dest.address, dest.port);
}

export class IpvsParseError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    reason: string,
  ) {
    super(`ipvsadm -S -n line ${lineNumber}: ${reason}: ${line}`);
    this.name = 'IpvsParseError';
  }
}

/** Parses `ipvsadm -S -n` output into services with their destinations. */
export function parseSave(text: string): IpvsService[] {
  const services: IpvsService[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const fail = (reason: string): never => {
      throw new IpvsParseError(index + 1, line, reason);
    };
    const tokens = line.split(/\s+/);
    const command = tokens[0];
    if (command !== '-A' && command !== '-a') fail('expected -A or -a');
    let key: VirtualServiceKey | undefined;
    const settings: ServiceSettings = { scheduler: 'wlc' };
    let real: { address: string; port?: number } | undefined;
    let forwarding: Forwarding = 'dr';
    let weight = 1;
    for (let i = 1; i < tokens.length; i++) {
      const token = tokens[i]!;
      const value = () => tokens[++i] ?? fail(`${token} needs a value`);
      if (token in FLAG_PROTOCOL) {
        const endpoint = parseEndpoint(value());
        if (!endpoint || endpoint.port === undefined) fail('bad service address');
        key = { protocol: FLAG_PROTOCOL[token]!, address: endpoint!.address, port: endpoint!.port! };
      } else if (token === '-f') {
        const mark = Number(value());
        if (!Number.isInteger(mark)) fail('bad fwmark');
        key = { protocol: 'fwmark', fwmark: mark };
      } else if (token === '-s') settings.scheduler = value();
      else if (token === '-p') settings.persistent = Number(value());
      else if (token === '-M') settings.netmask = value();
      else if (token === '-b') settings.schedulerFlags = value();
      else if (token === '-o') settings.onePacket = true;
      else if (token === '--pe') value(); // persistence engine: not managed, tolerated
      else if (token === '-r') real = parseEndpoint(value()) ?? fail('bad real server address');
      else if (token in FLAG_FORWARDING) forwarding = FLAG_FORWARDING[token]!;
      else if (token === '-w') weight = Number(value());
      else if (token === '-x' || token === '-y') value(); // thresholds: not saved by ipvsadm, tolerated
      else fail(`unexpected ${JSON.stringify(token)}`);
    }
    if (!key) fail('no service address');
    if (command === '-A') {
      services.push({ key: key!, ...settings, destinations: [] });
      return;
    }
    const service = services.find((candidate) => sameKey(candidate.key, key!));
    if (!service) fail('destination before its service');
    if (!real) fail('no -r real server');
    if (!Number.isInteger(weight) || weight < 0) fail('bad weight');
    service!.destinations.push({ address: real!.address, port: real!.port ?? 0, forwarding, weight });
  });
  return services;
}
