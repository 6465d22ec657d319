// Reads config YAML on a worker thread, for the daemon's reloads. Composing the document of a
// director's 10,000 real servers holds a thread for a fifth of a second or more in one piece; on the
// main thread that is checks started late while a reload runs. The main thread gets the plain value
// back (a structured copy: a few milliseconds); positions for error messages are worked out on the
// main thread only when there is an error to point at (load-config.ts).
//
// If the thread cannot be started or dies, the texts are read on the calling thread instead, and
// `onFallback` hears why: a reload is never refused for want of a thread.
import { Worker } from 'node:worker_threads';
import { describeError } from '../describe-error.js';
import { readYaml, type YamlReader, type YamlValue } from './parse-yaml.js';

/** The thread's answer to one text (yaml-worker-thread.ts). */
type ThreadAnswer = { read: YamlValue } | { refused: string };

interface Pending {
  resolve: (answer: ThreadAnswer) => void;
  reject: (err: Error) => void;
}

/** One thread, one text at a time (loadConfig reads a config's files one after another); `close` ends it. */
export class YamlWorker {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private closed = false;

  constructor(private readonly onFallback: (reason: string) => void) {
    try {
      const worker = new Worker(new URL('./yaml-worker-thread.js', import.meta.url));
      worker.on('message', (answer: ThreadAnswer) => this.takePending()?.resolve(answer));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => this.fail(new Error(`the thread exited (code ${code})`)));
      this.worker = worker;
    } catch (err) {
      onFallback(fallbackReason(err));
    }
  }

  readonly read: YamlReader = async (source) => {
    const answer = await this.ask(source);
    if (!answer) return readYaml(source);
    if ('refused' in answer) throw new Error(answer.refused);
    return answer.read;
  };

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.takePending()?.reject(new Error('closed')); // a read under way finishes here instead
    await worker?.terminate();
  }

  /** The thread's answer; undefined when there is no thread (any more): onFallback has been told. */
  private async ask(source: string): Promise<ThreadAnswer | undefined> {
    const worker = this.worker;
    if (!worker) return undefined;
    try {
      return await new Promise<ThreadAnswer>((resolve, reject) => {
        this.pending = { resolve, reject };
        worker.postMessage(source);
      });
    } catch {
      return undefined;
    }
  }

  private takePending(): Pending | undefined {
    const pending = this.pending;
    this.pending = undefined;
    return pending;
  }

  private fail(err: unknown): void {
    if (this.closed || !this.worker) return; // ended by close(), or told already
    this.worker = undefined;
    this.onFallback(fallbackReason(err));
    this.takePending()?.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function fallbackReason(err: unknown): string {
  return `cannot read the config on a worker thread (${describeError(err)}); reading it on the main thread`;
}
