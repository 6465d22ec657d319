// Durations as operators write them in mon and keepalived configs: `500ms`, `5s`, `2m`, `1.5h`, `1d`, `1m30s`.
// Parsing and formatting only (no zod), so short CLI commands load it cheaply.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;
export const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;

export const DURATION_HINT = 'a duration such as 500ms, 5s, 2m, 1h or 1d';

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) return undefined;
  let total = 0;
  PART.lastIndex = 0;
  for (let m = PART.exec(trimmed); m; m = PART.exec(trimmed)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

/** The shortest readable form: 1500 → `1.5s`, 90000 → `1m30s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join('');
}
