// The keys that say how a target is checked over time: a service's (and `defaults`), and a real
// server's own where it differs from its virtual server's (keepalived: timing in its checker).
import { z } from 'zod';
import { durationSchema, TIMER_MIN_MS } from './duration.js';

/** A check that may run an hour is already a batch job; longer would overflow the runner's timer. */
const CHECK_TIMEOUT_MAX_MS = 3_600_000;

export const checkTimingShape = {
  interval: durationSchema({ minMs: TIMER_MIN_MS }).optional().meta({ description: 'Time between checks while stable (default 5s)' }),
  timeout: durationSchema({ minMs: TIMER_MIN_MS, maxMs: CHECK_TIMEOUT_MAX_MS }).optional().meta({ description: 'A check still running after this is cut and failed (default 3s)' }),
  rise: z.int().min(1).max(1000).optional().meta({ description: 'Consecutive successes to become UP (default 2)' }),
  fall: z.int().min(1).max(1000).optional().meta({ description: 'Consecutive failures to become DOWN (default 3)' }),
  fast_interval: durationSchema({ minMs: TIMER_MIN_MS })
    .optional()
    .meta({ description: 'Re-check interval while a target is changing state (default: the smaller of interval and 1s)' }),
  down_interval: durationSchema({ minMs: TIMER_MIN_MS })
    .optional()
    .meta({ description: "Interval while DOWN (mon's failure_interval; default: interval)" }),
};
