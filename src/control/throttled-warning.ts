// A warning about something a client can do over and over (connect past the limit, send nothing):
// logged at once, then at most once a minute with how many were left out, so a flood of clients
// cannot flood the log too.
import type { Logger } from '../plugin.js';

export const WARNING_INTERVAL_MS = 60_000;

export function throttledWarning(log: Logger, everyMs = WARNING_INTERVAL_MS, now = Date.now): (message: string) => void {
  let lastAt = -Infinity;
  let leftOut = 0;
  return (message) => {
    const at = now();
    if (at - lastAt < everyMs) {
      leftOut++;
      return;
    }
    log.warn(leftOut ? `${message} (and ${leftOut} more like it since the last such warning)` : message);
    lastAt = at;
    leftOut = 0;
  };
}
