// Time arguments for --since/--until: a duration ago (`7d`, `90m`), `now`, or a date / date-time
// in the documented forms, read strictly: `2026-02-30` is an error, not March 2 (as JavaScript's
// lenient Date parser would have it), and trailing words are not guessed at.
import { parseDuration } from '../config/duration-text.js';

const USAGE = 'use a duration ago (7d, 12h, 30m), "now", or a date (2026-11-01, 2026-11-01T08:00, 2026-11-01T08:00Z)';

// YYYY-MM-DD, then optionally [T or space]HH:MM[:SS[.sss]], then optionally Z or ±HH:MM.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseTimeArgument(text: string, now: number = Date.now()): number {
  const trimmed = text.trim();
  if (trimmed === 'now') return now;
  const ago = parseDuration(trimmed);
  if (ago !== undefined) return now - ago;
  const match = DATE_TIME.exec(trimmed);
  if (!match) throw new Error(`cannot read time ${JSON.stringify(text)}: ${USAGE}`);
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const ms = match[7] === undefined ? 0 : Number(match[7].padEnd(3, '0'));
  const zone = match[8];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate(); // day 0 of the next month
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth) {
    throw new Error(`cannot read time ${JSON.stringify(text)}: there is no day ${day} in month ${month} of ${year}`);
  }
  if (hour! > 23 || minute! > 59 || second! > 59) throw new Error(`cannot read time ${JSON.stringify(text)}: no such time of day`);
  if (zone === undefined) {
    // No zone: local time, as an operator reading a local clock expects (a bare date: local midnight,
    // or the day's first instant where the clocks skip midnight). A clock time the clocks skip when
    // daylight saving starts (02:30 on the spring change in Europe/Berlin) is refused, as 2026-02-30
    // is, rather than silently moved an hour on; one they pass twice is its first occurrence.
    const date = new Date(year!, month! - 1, day!, hour, minute, second, ms);
    if (match[4] !== undefined && (date.getHours() !== hour || date.getMinutes() !== minute)) {
      throw new Error(`cannot read time ${JSON.stringify(text)}: there is no such local time (the clocks skip it when daylight saving starts); give the zone (…Z, …+01:00) or a time outside the skipped hour`);
    }
    return date.getTime();
  }
  const utc = Date.UTC(year!, month! - 1, day!, hour, minute, second, ms);
  if (zone === 'Z') return utc;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  return utc - (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
}
