// Durations as operators write them in mon and keepalived configs: `500ms`, `5s`, `2m`, `1.5h`, `1d`, `1m30s`.
import { z } from 'zod';
import { DURATION_HINT, formatDuration, parseDuration, WHOLE } from './duration-text.js';

export { DURATION_HINT, formatDuration, parseDuration } from './duration-text.js';

/** Bounds for a duration that drives a timer: `0s` would spin, a month would overflow Node's timers. */
export interface DurationBounds {
  minMs?: number;
  maxMs?: number;
}

/** The shortest interval, timeout or retry wait: short enough for tests, long enough not to spin. */
export const TIMER_MIN_MS = 10;

/** Zod type for a duration option: accepts the string form, yields milliseconds. */
export function durationSchema({ minMs, maxMs }: DurationBounds = {}) {
  return z
    .string({ error: `expected ${DURATION_HINT}` })
    .regex(WHOLE, { error: (issue) => `expected ${DURATION_HINT}, got ${JSON.stringify(issue.input)}` })
    .transform((text, ctx) => {
      const ms = parseDuration(text)!;
      if (minMs !== undefined && ms < minMs) ctx.addIssue({ code: 'custom', message: `expected at least ${formatDuration(minMs)}, got ${JSON.stringify(text)}` });
      if (maxMs !== undefined && ms > maxMs) ctx.addIssue({ code: 'custom', message: `expected at most ${formatDuration(maxMs)}, got ${JSON.stringify(text)}` });
      return ms;
    })
    .meta({ description: DURATION_HINT });
}
