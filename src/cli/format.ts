// Output helpers shared by the CLI commands: aligned tables for people, times in local or UTC.
import { writtenOut } from '../control-characters.js';
/**
 * Texts made once and found again by a number: a report formats tens of thousands of durations and
 * percentages, uncompiled, from a few thousand distinct texts.
 */
class KeptTexts {
  private readonly texts = new Map<number, string>();
  constructor(private readonly make: (key: number) => string) {}

  of(key: number): string {
    let text = this.texts.get(key);
    if (text === undefined) {
      text = this.make(key);
      this.texts.set(key, text);
    }
    return text;
  }
}

export function formatTime(ms: number, utc = false): string {
  const date = new Date(ms);
  if (utc) return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  const pad = (value: number) => String(value).padStart(2, '0');
  const local = (at: Date) => `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  const text = local(date);
  // When the clocks go back, an hour of local times happens twice (02:30 CEST and 02:30 CET in
  // Europe/Berlin): those get their UTC offset, so two rows are told apart and the text pasted
  // into --since means the same instant. Other times stay as they were.
  if (!clocksChangeNear(ms)) return text;
  const shift = (new Date(ms + 43_200_000).getTimezoneOffset() - new Date(ms - 43_200_000).getTimezoneOffset()) * 60_000;
  if (shift > 0 && (local(new Date(ms - shift)) === text || local(new Date(ms + shift)) === text)) {
    const east = -date.getTimezoneOffset();
    return `${text}${east < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(east) / 60))}:${pad(Math.abs(east) % 60)}`;
  }
  return text;
}

/** UTC days (and half a day either side) with a change of the local offset: most days have none. */
const offsetChanges = new Map<number, boolean>();
function clocksChangeNear(ms: number): boolean {
  const day = Math.floor(ms / 86_400_000);
  let changes = offsetChanges.get(day);
  if (changes === undefined) {
    changes = new Date(day * 86_400_000 - 43_200_000).getTimezoneOffset() !== new Date((day + 1) * 86_400_000 + 43_200_000).getTimezoneOffset();
    offsetChanges.set(day, changes);
  }
  return changes;
}

const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * A cell with its control characters written out (`\x1b`, `\n`): cells hold text from probed
 * servers and other users of the control socket, which must not drive the terminal or forge rows.
 */
export function printable(text: string): string {
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROLS, writtenOut);
}

/**
 * Renders rows as columns separated by two spaces; the last column is not padded. Cells hold text
 * from probed servers and other users of the control socket: a table with a control character in
 * a line is drawn again from printable cells (a test per line, not per cell: ten thousand rows).
 */
export function table(headers: string[], rows: string[][]): string {
  const lines = tableLines(headers, rows);
  if (lines.some((line) => CONTROL.test(line))) return tableLines(headers, rows.map((row) => row.map(printable))).join('\n');
  return lines.join('\n');
}

function tableLines(headers: string[], rows: string[][]): string[] {
  // Plain loops: a report can have ten thousand rows, and this runs once, before any JIT warms up.
  const widths = headers.map((header) => header.length);
  for (const row of rows) {
    for (let i = 0; i < widths.length; i++) {
      const length = (row[i] ?? '').length;
      if (length > widths[i]!) widths[i] = length;
    }
  }
  // Padding taken from a list of blank strings, one per length: a lookup where padEnd is a call.
  const blanks = [''];
  for (let length = 1; length <= Math.max(...widths) + 2; length++) blanks.push(blanks[length - 1] + ' ');
  const last = headers.length - 1;
  const line = (cells: string[]) => {
    let text = '';
    for (let i = 0; i < last; i++) {
      const cell = cells[i] ?? '';
      text += cell + blanks[widths[i]! - cell.length + 2];
    }
    return (text + (cells[last] ?? '')).trimEnd();
  };
  const lines = new Array<string>(rows.length + 1);
  lines[0] = line(headers);
  for (let i = 0; i < rows.length; i++) lines[i + 1] = line(rows[i]!);
  return lines;
}

/** Availability as a percentage, truncated (never rounded up to 100%): 0.99995 → `99.995%`. */
export function formatPercent(ratio: number | null): string {
  if (ratio === null) return '-';
  // Whole thousandths of a percent, written with at most three decimals and no trailing zeros
  // (99.9, 100, 0.001).
  return percentTexts.of(Math.floor(ratio * 100_000));
}

const percentTexts = new KeptTexts((thousandths) => {
  const whole = Math.floor(thousandths / 1_000);
  const decimals = thousandths - whole * 1_000;
  if (decimals === 0) return `${whole}%`;
  if (decimals % 100 === 0) return `${whole}.${decimals / 100}%`;
  if (decimals % 10 === 0) return `${whole}.${decimals < 100 ? '0' : ''}${decimals / 10}%`;
  return `${whole}.${decimals < 10 ? '00' : decimals < 100 ? '0' : ''}${decimals}%`;
});

/** How long ago, for people: `4s ago`, `12m ago`. */
export function formatAgo(ms: number, now: number): string {
  return `${formatShortDuration(Math.max(0, now - ms))} ago`;
}

/** A duration rounded for a table: `850ms`, `4.2s`, `12m30s`, `3h5m`, `2d4h`. */
export function formatShortDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  // What the text shows, as one number: minutes and seconds under an hour, hours and minutes under
  // a day, else days and hours.
  return durationTexts.of(seconds < 3_600 ? seconds : seconds < 86_400 ? 3_600 + Math.floor(seconds / 60) : 86_400 + Math.floor(seconds / 3_600));
}

const durationTexts = new KeptTexts((shown) => {
  if (shown < 3_600) return twoUnits(Math.floor(shown / 60), 'm', shown % 60, 's');
  if (shown < 86_400) return twoUnits(Math.floor((shown - 3_600) / 60), 'h', (shown - 3_600) % 60, 'm');
  return twoUnits(Math.floor((shown - 86_400) / 24), 'd', (shown - 86_400) % 24, 'h');
});

/** `12m30s`, `3h`: the second unit left out when it is zero. */
const twoUnits = (first: number, firstUnit: string, second: number, secondUnit: string) => (second ? `${first}${firstUnit}${second}${secondUnit}` : `${first}${firstUnit}`);

/** Latency for a table: `0.42ms`, `12ms`, `1.2s`. */
export function formatLatency(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return '-';
  if (ms < 10) return `${+ms.toFixed(2)}ms`;
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  return `${+(ms / 1000).toFixed(1)}s`;
}

let watchingPipe = false;

/**
 * A reader that goes away (`vigil schema | head`) ends the command quietly with exit 0, as any
 * Unix tool (keeping an exit code already set): process.stdout.write, unlike console.log, raises
 * EPIPE as an unhandled error with a stack trace.
 */
export function quietOnClosedPipe(): void {
  if (watchingPipe) return;
  watchingPipe = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit();
    throw err;
  });
}

/**
 * Prints a report and a newline. Not console.log, which joins the newline to the text before
 * writing it: the joined text is copied whole once more when written, and a report can be
 * megabytes (10,000 availability rows are 5 MB of JSON), where fresh memory for the copy costs
 * more than writing it.
 */
export function printLine(text: string): void {
  quietOnClosedPipe();
  process.stdout.write(text);
  process.stdout.write('\n');
}
