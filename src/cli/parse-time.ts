// Time arguments for --since/--until: a duration ago (`7d`, `90m`), `now`, an ISO date or date-time.
import { parseDuration } from '../config/duration-text.js';

export function parseTimeArgument(text: string, now: number = Date.now()): number {
  const trimmed = text.trim();
  if (trimmed === 'now') return now;
  const ago = parseDuration(trimmed);
  if (ago !== undefined) return now - ago;
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    // A bare date means local midnight, as an operator reading a local clock expects.
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? new Date(`${trimmed}T00:00:00`) : new Date(trimmed);
    if (!Number.isNaN(parsed.getTime())) return parsed.getTime();
  }
  throw new Error(`cannot read time ${JSON.stringify(text)}: use a duration ago (7d, 12h, 30m), "now", or a date (2026-11-01, 2026-11-01T08:00)`);
}
