// Small text helpers the importers share: names Vigil accepts, durations written exactly (and
// scaled by --interval-scale), and the time values mon, ldirectord and keepalived write.

/** A name of letters, digits, `_`, `.`, `-` starting with a letter or digit (Vigil's NAME_PATTERN). */
export function slug(text: string, fallback = 'imported'): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '');
  return cleaned || fallback;
}

/** `base`, else `base-2`, `base-3`, … — whichever is not taken yet; marks it taken. */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/** Milliseconds as a Vigil duration with nothing rounded away: 90000 → `1m30s`, 250 → `250ms`. */
export function exactDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return '0s';
  let text = '';
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/** Writes durations, scaled by the import's --interval-scale (at least 1 ms when scaled). */
export class DurationWriter {
  constructor(readonly scale = 1) {}

  write(ms: number): string {
    if (this.scale === 1 || ms === 0) return exactDuration(ms);
    return exactDuration(Math.max(1, ms * this.scale));
  }
}

/** mon's (and Time::Period's) time value: `30s`, `5m`, `1.5h`, `1d`; a bare number is invalid. */
export function parseMonTime(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)([dhms])\s*$/i.exec(text);
  if (!match) return undefined;
  const size = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2]!.toLowerCase() as 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(match[1]) * size);
}

/** keepalived and ldirectord write seconds (keepalived's TIMER may have a fraction). */
export function parseSeconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text.trim())) return undefined;
  return Math.round(Number(text) * 1000);
}

/** Escapes `{` and `}` for script-check arguments, where braces are placeholders. */
export function literalArgument(text: string): string {
  return text.replace(/[{}]/g, (brace) => brace + brace);
}

/**
 * The note for secrets an imported config carries as the old file had them: `settings` as that
 * file named them (`passwd=`, `--secret`), `keys` the check options they became (`password`).
 */
export function inlineSecretsNote(settings: string[], keys: string[], file: string): string {
  const many = settings.length > 1;
  const it = many ? 'them' : 'it';
  const elsewhere = many
    ? `files only Vigil can read (${keys.map((key) => `${key}_file`).join(', ')}) or to the environment (${keys.map((key) => `${key}_env`).join(', ')})`
    : `a file only Vigil can read (${keys[0]}_file) or to ${keys[0]}_env`;
  return `${settings.join(' and ')} ${many ? 'are' : 'is'} written into the config as ${file} had ${it}; move ${it} to ${elsewhere}`;
}

/** The most echo requests one icmp check sends (its `count` option, checks/icmp.ts). */
export const ICMP_MAX_ECHOES = 100;
