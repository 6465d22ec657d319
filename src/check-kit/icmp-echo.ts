// ICMP echo ("ping") from inside the process, on a raw socket (the raw-socket package): no ping(8)
// to start per check. Needs root or CAP_NET_RAW, as a director's daemon has for ipvsadm anyway.
//
// One socket per address family, shared by every echo in flight, open only while some are: the
// kernel hands each raw ICMP socket a copy of every ICMP packet the host receives, so a socket per
// check would make each reply cost as many copies as there are checks running.
import { lookup } from 'node:dns/promises';
import { isIP, SocketAddress } from 'node:net';
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import { endianness } from 'node:os';
import { setDeadline } from '../deadline-timer.js';
import { requireCommonJs } from '../require-commonjs.js';
import { echoRequest, icmpTypeFilter, readEchoAnswer, type IpFamily } from './icmp-packet.js';

// setsockopt levels and the option (ICMP_FILTER, ICMP6_FILTER: both 1) of <linux/icmp.h>, <netinet/icmp6.h>.
const SOL_RAW = 255;
const IPPROTO_ICMPV6 = 58;
const ICMP_FILTER = 1;

export interface EchoRequest {
  /** An IPv4 or IPv6 address, or a name (looked up once per echo). */
  address: string;
  /** Bytes of payload after the 8-byte ICMP header (ping's default is 56). */
  payloadBytes: number;
  /** How long to wait for the reply after sending. */
  waitMs: number;
  /** Registers what to do when the check is cut (a check passes its context's `onAbort`); the outcome is then `failed`. */
  onAbort?: (listener: (reason: Error) => void) => () => void;
}

export type EchoOutcome =
  | { kind: 'reply'; rttMs: number; from: string }
  /** An ICMP error about our request: `reason` as ping prints it, `from` the router that sent it. */
  | { kind: 'error'; reason: string; from: string }
  | { kind: 'no-reply' }
  /** The echo could not be sent (no route, no permission, a name that does not resolve). */
  | { kind: 'failed'; error: Error };

interface RawSocket {
  setOption(level: number, option: number, value: Buffer, length: number): void;
  on(event: 'message', listener: (packet: Buffer, source: string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  send(buffer: Buffer, offset: number, length: number, address: string, before: () => void, after: (error: Error | null) => void): void;
  close(): void;
}

interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily: number }): RawSocket;
  Protocol: { ICMP: number; ICMPv6: number };
  AddressFamily: { IPv4: number; IPv6: number };
}

let rawSocketModule: RawSocketModule | undefined;

/** Loaded on first use: a daemon without icmp checks never loads the native module. */
function rawSockets(): RawSocketModule {
  try {
    rawSocketModule ??= requireCommonJs('raw-socket') as RawSocketModule;
  } catch (err) {
    // An optional dependency: npm skips it when it cannot build it (no compiler), and only this check needs it.
    throw new Error(`the raw-socket module did not load (${(err as Error).message.split('\n')[0]}): it is built from source by npm install, which needs make, g++ and python3`);
  }
  return rawSocketModule;
}

interface PendingEcho {
  address: string;
  sentAt: number;
  settle(outcome: EchoOutcome): void;
  stopWaiting(): void;
}

/** A raw ICMP socket and the echoes waiting on it, by sequence number. */
class EchoSocket {
  /** Our echoes' identifier: random, so two Vigil processes (or test workers) never take each other's replies. */
  readonly id = randomInt(0x10000);
  private sequence = randomInt(0x10000);
  private readonly pending = new Map<number, PendingEcho>();
  private readonly socket: RawSocket;
  private closed = false;

  constructor(
    private readonly family: IpFamily,
    private readonly onIdle: () => void,
  ) {
    const raw = rawSockets();
    try {
      this.socket = raw.createSocket(family === 4 ? { protocol: raw.Protocol.ICMP, addressFamily: raw.AddressFamily.IPv4 } : { protocol: raw.Protocol.ICMPv6, addressFamily: raw.AddressFamily.IPv6 });
    } catch (err) {
      const message = (err as Error).message;
      const hint = /not permitted/i.test(message) ? ' (an icmp check needs root or CAP_NET_RAW)' : '';
      throw new Error(`cannot open a raw ICMP${family === 6 ? 'v6' : ''} socket: ${message}${hint}`);
    }
    try {
      const filter = icmpTypeFilter(family, endianness());
      this.socket.setOption(family === 4 ? SOL_RAW : IPPROTO_ICMPV6, ICMP_FILTER, filter, filter.length);
    } catch {
      // Only a saving: without the kernel's filter, readEchoAnswer skips what is not ours.
    }
    this.socket.on('message', (packet, source) => this.receive(packet, source));
    // raw-socket closes the socket after an error: every echo waiting on it has failed.
    this.socket.on('error', (error) => this.failAll(error));
  }

  send(address: string, payloadBytes: number, waitMs: number, settle: (outcome: EchoOutcome) => void): () => void {
    this.sequence = (this.sequence + 1) & 0xffff;
    const sequence = this.sequence;
    const stopWaiting = setDeadline(() => this.finish(sequence, { kind: 'no-reply' }), waitMs);
    const echo: PendingEcho = { address, sentAt: performance.now(), settle, stopWaiting };
    this.pending.set(sequence, echo);
    const packet = echoRequest(this.family, this.id, sequence, payloadBytes);
    this.socket.send(
      packet, 0, packet.length, address,
      () => (echo.sentAt = performance.now()), // the moment it leaves, not when it was queued
      (error) => {
        if (error) this.finish(sequence, { kind: 'failed', error });
      },
    );
    return () => this.finish(sequence, undefined);
  }

  private receive(packet: Buffer, source: string): void {
    const answer = readEchoAnswer(this.family, packet);
    if (!answer || answer.id !== this.id) return;
    const echo = this.pending.get(answer.sequence);
    if (!echo) return; // late: already given up on
    if (answer.kind === 'reply') {
      // Another host answering our id and sequence is not our target answering. Both are in the
      // kernel's form (inet_ntop): the source as received, the target's address made so at send.
      if (source !== echo.address) return;
      this.finish(answer.sequence, { kind: 'reply', rttMs: performance.now() - echo.sentAt, from: source });
    } else {
      this.finish(answer.sequence, { kind: 'error', reason: answer.reason, from: source });
    }
  }

  /** Settles one echo (undefined: dropped unanswered, by an abort) and closes the socket when none is left. */
  private finish(sequence: number, outcome: EchoOutcome | undefined): void {
    const echo = this.pending.get(sequence);
    if (!echo) return;
    this.pending.delete(sequence);
    echo.stopWaiting();
    if (outcome) echo.settle(outcome);
    if (!this.pending.size) this.close();
  }

  private failAll(error: Error): void {
    for (const sequence of [...this.pending.keys()]) this.finish(sequence, { kind: 'failed', error });
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onIdle();
    try {
      this.socket.close();
    } catch {
      // already closed by raw-socket after an error
    }
  }
}

const sockets = new Map<IpFamily, EchoSocket>();

function socketFor(family: IpFamily): EchoSocket {
  let socket = sockets.get(family);
  if (!socket) {
    const created: EchoSocket = new EchoSocket(family, () => {
      if (sockets.get(family) === created) sockets.delete(family);
    });
    socket = created;
    sockets.set(family, socket);
  }
  return socket;
}

/** The address as the kernel reports a reply's source (`0:0::1` is `::1`). */
function canonical(address: string, family: IpFamily): string {
  return new SocketAddress({ address, family: family === 4 ? 'ipv4' : 'ipv6' }).address;
}

/**
 * Sends one echo request and waits for its reply, an ICMP error about it, or `waitMs`. Throws when
 * no raw socket can be opened (no root or CAP_NET_RAW, or the raw-socket module did not build).
 */
export async function sendEcho(request: EchoRequest): Promise<EchoOutcome> {
  let address: string;
  let family: IpFamily;
  try {
    const literalFamily = isIP(request.address);
    const resolved = literalFamily ? { address: request.address, family: literalFamily } : await lookup(request.address);
    family = resolved.family as IpFamily;
    address = canonical(resolved.address, family);
  } catch (err) {
    return { kind: 'failed', error: err as Error };
  }
  // A socket that cannot be opened (no CAP_NET_RAW) is Vigil's problem, not the target's: thrown.
  const socket = socketFor(family);
  return new Promise<EchoOutcome>((resolve) => {
    let stopListening = () => {};
    const drop = socket.send(address, request.payloadBytes, request.waitMs, (outcome) => {
      stopListening();
      resolve(outcome);
    });
    stopListening = request.onAbort?.((reason) => {
      drop();
      resolve({ kind: 'failed', error: reason });
    }) ?? stopListening;
  });
}
