// A cap on what a check reads from one connection. Database drivers buffer whatever arrives until
// it makes a whole message, and a port that streams bytes which are not their protocol makes a
// "message" hundreds of megabytes long: the budget drops the connection long before.
import type { Socket } from 'node:net';

export class ReadBudget {
  /** Bytes read so far, over every socket watched. */
  read = 0;
  exceeded = false;

  constructor(readonly limitBytes: number) {}

  /** Counts what `socket` reads; past the limit destroys it (with an error its driver reports). Returns the socket. */
  watch<S extends Socket>(socket: S): S {
    // First in line, so the chunk that crosses the limit is the last one anybody reads.
    socket.prependListener('data', (chunk: Buffer) => {
      this.read += chunk.length;
      if (this.read <= this.limitBytes || this.exceeded) return;
      this.exceeded = true;
      socket.destroy(new Error(`read more than ${this.limitBytes} bytes`));
    });
    return socket;
  }
}
