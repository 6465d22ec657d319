// Durations as operators write them in mon and keepalived configs: `500ms`, `5s`, `2m`, `1.5h`, `1d`, `1m30s`.
import { z } from 'zod';
import { DURATION_HINT, parseDuration, WHOLE } from './duration-text.js';

export { DURATION_HINT, formatDuration, parseDuration } from './duration-text.js';

/** Zod type for a duration option: accepts the string form, yields milliseconds. */
export function durationSchema() {
  return z
    .string({ error: `expected ${DURATION_HINT}` })
    .regex(WHOLE, { error: (issue) => `expected ${DURATION_HINT}, got ${JSON.stringify(issue.input)}` })
    .transform((text) => parseDuration(text)!)
    .meta({ description: DURATION_HINT });
}
