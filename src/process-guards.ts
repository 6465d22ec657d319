// The daemon's last line of defence: an error nobody caught — a promise a plugin rejected and
// forgot, a socket of a plugin emitting 'error' with no listener, a throw in a plugin's timer — is
// logged with its stack, as the bug it is, and the daemon keeps checking and managing LVS.
//
// Node's default for both is to exit. For an uncaughtException the docs advise exiting because
// the process may be in an undefined state; we deliberately do not. The usual cause is one
// plugin's object (a socket nobody listens to), which costs that plugin a result at most; an LVS
// director whose checker exits keeps sending traffic to dead servers and fails nothing over until
// someone restarts it, which is worse. The error line says what happened so it gets fixed.
import type { Logger } from './plugin.js';

const BLAME = 'a bug in a check or alert plugin (or in Vigil); the daemon keeps running';

function stackOf(reason: unknown): string {
  if (reason instanceof Error) return reason.stack ?? `${reason.name}: ${reason.message}`;
  try {
    return `a non-Error value: ${JSON.stringify(reason)}`;
  } catch {
    return `a non-Error value: ${String(reason)}`;
  }
}

/** Installs the handlers; returns a function that removes them. */
export function guardProcess(log: Logger): () => void {
  const onRejection = (reason: unknown) => {
    log.error(`unhandled promise rejection, ${BLAME}: ${stackOf(reason)}`, { event: 'unhandled-rejection' });
  };
  const onException = (err: unknown) => {
    log.error(`uncaught exception, ${BLAME}: ${stackOf(err)}`, { event: 'uncaught-exception' });
  };
  // A log reader that went away (EPIPE on stdout) must not stop the checker, nor loop through
  // onException, which would write to the same broken stream.
  const onOutputError = () => undefined;
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  process.stdout.on('error', onOutputError);
  process.stderr.on('error', onOutputError);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    process.stdout.off('error', onOutputError);
    process.stderr.off('error', onOutputError);
  };
}
