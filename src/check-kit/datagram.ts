// One datagram out, one back, on a connected UDP socket (dgram-as-promised): the kernel reports
// an ICMP "port unreachable" for a connected socket as ECONNREFUSED, so a closed port is seen at
// once instead of as a timeout. Shared by the udp and dns checks; user plugins may use it too.
import { isIP } from 'node:net';
import DgramAsPromised from 'dgram-as-promised';
import { setDeadline } from '../deadline-timer.js';

export interface DatagramRequest {
  address: string;
  port: number;
  /** What to send; a function is given the socket's local address and port (SIP puts them in its Via). */
  payload: Buffer | ((local: { address: string; port: number }) => Buffer);
  /** How long to wait for the reply. */
  waitMs: number;
  /** Aborting stops waiting (the outcome is then an error). */
  signal?: AbortSignal;
  /** Local address to send from. */
  sourceAddress?: string;
}

export type DatagramOutcome =
  | { kind: 'reply'; reply: Buffer }
  | { kind: 'no-reply' }
  /** The port is closed: an ICMP port unreachable came back. */
  | { kind: 'unreachable' }
  | { kind: 'error'; error: Error };

export async function exchangeDatagram(request: DatagramRequest): Promise<DatagramOutcome> {
  const socket = DgramAsPromised.createSocket(isIP(request.address) === 6 ? 'udp6' : 'udp4');
  const onAbort = () => socket.close().catch(() => undefined); // recv() then resolves to undefined
  request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (request.sourceAddress) await socket.bind({ address: request.sourceAddress, port: 0 });
    await new Promise<void>((resolve, reject) => {
      socket.socket.once('error', reject);
      socket.socket.connect(request.port, request.address, () => {
        socket.socket.off('error', reject);
        resolve();
      });
    });
    // Sent on the raw socket: dgram-as-promised's send() passes a port, which a connected socket refuses.
    const payload = typeof request.payload === 'function' ? request.payload(socket.socket.address()) : request.payload;
    await new Promise<void>((resolve, reject) => socket.socket.send(payload, (err) => (err ? reject(err) : resolve())));
    // Our own deadline, not the socket's timer: a reply that came in while the event loop was held
    // up is read before the wait counts as unanswered (deadline-timer.ts).
    let unanswered = false;
    const cancelDeadline = setDeadline(() => {
      unanswered = true;
      onAbort();
    }, request.waitMs);
    const packet = await socket.recv().finally(cancelDeadline);
    if (packet) return { kind: 'reply', reply: packet.msg };
    return unanswered ? { kind: 'no-reply' } : { kind: 'error', error: new Error('aborted') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') return { kind: 'unreachable' };
    return { kind: 'error', error: err as Error };
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
    socket.destroy();
    socket.socket.on('error', () => undefined); // a late ICMP error after we stopped listening
    try {
      socket.socket.close();
    } catch {
      // already closed by an abort
    }
  }
}
