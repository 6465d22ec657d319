// ICMP echo packets (RFC 792, RFC 4443): building an echo request and reading what comes back on
// a raw socket — an echo reply, or an error (unreachable, time exceeded) that quotes our request.
// Pure functions over buffers; the socket is in icmp-echo.ts.

export type IpFamily = 4 | 6;

const ECHO_REQUEST: Record<IpFamily, number> = { 4: 8, 6: 128 };
const ECHO_REPLY: Record<IpFamily, number> = { 4: 0, 6: 129 };
const ICMP_HEADER_BYTES = 8;

/** Why an ICMP error was sent, by family, type and code: what `ping` would print. */
const ERRORS: Record<IpFamily, Record<number, { name: string; codes: Record<number, string> }>> = {
  4: {
    3: {
      name: 'destination unreachable',
      codes: { 0: 'network unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable', 4: 'fragmentation needed', 9: 'network prohibited', 10: 'host prohibited', 13: 'communication prohibited by filter' },
    },
    11: { name: 'time exceeded', codes: { 0: 'time to live exceeded', 1: 'fragment reassembly time exceeded' } },
    12: { name: 'parameter problem', codes: {} },
  },
  6: {
    1: {
      name: 'destination unreachable',
      codes: { 0: 'no route to destination', 1: 'communication administratively prohibited', 3: 'address unreachable', 4: 'port unreachable', 5: 'source address failed policy', 6: 'reject route' },
    },
    2: { name: 'packet too big', codes: {} },
    3: { name: 'time exceeded', codes: { 0: 'hop limit exceeded', 1: 'fragment reassembly time exceeded' } },
    4: { name: 'parameter problem', codes: {} },
  },
};

/** What an incoming packet means for an echo request we sent (identified by id and sequence). */
export type EchoAnswer =
  | { kind: 'reply'; id: number; sequence: number; payloadBytes: number }
  | { kind: 'error'; id: number; sequence: number; reason: string };

/**
 * The kernel's filter of ICMP types for a raw socket (ICMP_FILTER, ICMP6_FILTER): a set bit blocks
 * that type. Everything but echo replies and the errors readEchoAnswer reads is blocked, so the
 * host's other ICMP traffic (pings to a busy director's addresses, our own requests on loopback)
 * never reaches JavaScript. 32 bits for IPv4, 256 for IPv6, in host byte order.
 */
export function icmpTypeFilter(family: IpFamily, endianness: 'LE' | 'BE'): Buffer {
  const wanted = [ECHO_REPLY[family], ...Object.keys(ERRORS[family]).map(Number)];
  const words = new Uint32Array(family === 4 ? 1 : 8).fill(0xffffffff);
  for (const type of wanted) words[type >> 5]! &= ~(1 << (type & 31));
  const filter = Buffer.alloc(words.length * 4);
  words.forEach((word, i) => (endianness === 'LE' ? filter.writeUInt32LE(word >>> 0, i * 4) : filter.writeUInt32BE(word >>> 0, i * 4)));
  return filter;
}

/** Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit words. */
export function internetChecksum(bytes: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += bytes.readUInt16BE(i);
  if (bytes.length % 2) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * An echo request with `payloadBytes` of payload (a recognisable pattern, as ping's). ICMPv6's
 * checksum covers a pseudo-header only the kernel knows, and Linux fills it in on raw ICMPv6
 * sockets; ICMPv4's is ours to write.
 */
export function echoRequest(family: IpFamily, id: number, sequence: number, payloadBytes: number): Buffer {
  const packet = Buffer.alloc(ICMP_HEADER_BYTES + payloadBytes);
  packet[0] = ECHO_REQUEST[family];
  packet.writeUInt16BE(id, 4);
  packet.writeUInt16BE(sequence, 6);
  for (let i = 0; i < payloadBytes; i++) packet[ICMP_HEADER_BYTES + i] = 0x10 + (i % 0x30);
  if (family === 4) packet.writeUInt16BE(internetChecksum(packet), 2);
  return packet;
}

/** Skips an IPv4 header (raw IPv4 sockets deliver it; raw IPv6 sockets do not). */
function icmpPart(family: IpFamily, packet: Buffer): Buffer | undefined {
  if (family === 6) return packet;
  if (packet.length < 20 || packet[0]! >> 4 !== 4) return undefined;
  return packet.subarray((packet[0]! & 0x0f) * 4);
}

/**
 * Reads a packet from a raw ICMP socket: an echo reply, or an ICMP error quoting an echo request
 * (its IP header and the first 8 bytes of our ICMP header, which carry the id and sequence).
 * Anything else — other hosts' traffic, our own requests seen on loopback — is undefined.
 */
export function readEchoAnswer(family: IpFamily, packet: Buffer): EchoAnswer | undefined {
  const icmp = icmpPart(family, packet);
  if (!icmp || icmp.length < ICMP_HEADER_BYTES) return undefined;
  const type = icmp[0]!;
  if (type === ECHO_REPLY[family]) {
    return { kind: 'reply', id: icmp.readUInt16BE(4), sequence: icmp.readUInt16BE(6), payloadBytes: icmp.length - ICMP_HEADER_BYTES };
  }
  const error = ERRORS[family][type];
  if (!error) return undefined;
  const quoted = family === 4 ? icmpPart(4, icmp.subarray(ICMP_HEADER_BYTES)) : icmp.subarray(ICMP_HEADER_BYTES + 40); // IPv6's header is 40 bytes
  if (!quoted || quoted.length < ICMP_HEADER_BYTES || quoted[0] !== ECHO_REQUEST[family]) return undefined;
  const code = icmp[1]!;
  const reason = error.codes[code] ?? `${error.name} (code ${code})`;
  return { kind: 'error', id: quoted.readUInt16BE(4), sequence: quoted.readUInt16BE(6), reason };
}
