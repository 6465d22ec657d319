// Draws `vigil timeline`: one row per target, time running left to right across the terminal,
// each column a slice of the window marked down, maintenance, up, or not watched.
import type { TimelineRow } from '../history/timeline-query.js';
import { formatShortDuration, formatTime } from './format.js';

export interface TimelineView {
  since: number;
  until: number;
  /** Total width in characters, labels and figures included. */
  width: number;
  ascii?: boolean;
  utc?: boolean;
}

const MARKS = {
  unicode: { down: '█', maintenance: '░', up: '·', unwatched: ' ' },
  ascii: { down: '#', maintenance: 'm', up: '.', unwatched: ' ' },
};

/** Narrowest bar worth drawing. */
export const MIN_BAR_WIDTH = 10;
const FIGURE_WIDTH = 9; // ' 99.999%'

type Marks = (typeof MARKS)['unicode'];

/**
 * One row's columns, as marks. Each interval marks only the columns it touches (found by
 * division, then checked with the same from/to arithmetic for every column), and unwatched
 * columns are only those at the ends: a row costs its intervals, not columns × intervals, so ten
 * thousand rows are drawn in a blink.
 */
function rowBar(row: TimelineRow, since: number, step: number, barWidth: number, marks: Marks): string {
  const columnFrom = (i: number) => since + i * step;
  const touched = ([a, b]: [number, number], visit: (i: number, from: number, to: number) => void) => {
    const first = Math.max(0, Math.floor((a - since) / step) - 1);
    const last = Math.min(barWidth - 1, Math.ceil((b - since) / step));
    for (let i = first; i <= last; i++) {
      const from = columnFrom(i);
      const to = from + step;
      if (a < to && b > from) visit(i, from, to);
    }
  };
  const bar = new Array<string>(barWidth).fill(marks.up);
  const [watchedFrom, watchedTo] = row.watched;
  let watchedFirst = 0;
  while (watchedFirst < barWidth && columnFrom(watchedFirst) + step <= watchedFrom) bar[watchedFirst++] = marks.unwatched;
  let watchedLast = barWidth - 1;
  while (watchedLast >= watchedFirst && columnFrom(watchedLast) >= watchedTo) bar[watchedLast--] = marks.unwatched;
  const watched = (i: number) => i >= watchedFirst && i <= watchedLast;
  // Maintenance first: an outage shows in a column unless maintenance covers its down time there
  // (as availability leaves an outage wholly inside maintenance out).
  const maintenance = merged(row.maintenance);
  for (const period of maintenance) touched(period, (i) => watched(i) && (bar[i] = marks.maintenance));
  for (const outage of row.outages) {
    touched(outage, (i, from, to) => {
      const down: Interval = [Math.max(outage[0], from), Math.min(outage[1], to)];
      if (watched(i) && covered(down, maintenance) < down[1] - down[0]) bar[i] = marks.down;
    });
  }
  return bar.join('');
}

type Interval = [number, number];

/** Sorted, overlaps joined: so time covered twice is not counted twice. */
function merged(intervals: Interval[]): Interval[] {
  const result: Interval[] = [];
  for (const [a, b] of [...intervals].sort((x, y) => x[0] - y[0])) {
    const last = result[result.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else result.push([a, b]);
  }
  return result;
}

/** How much of `[a, b]` the (merged) intervals cover. */
function covered([a, b]: Interval, intervals: Interval[]): number {
  let total = 0;
  for (const [c, d] of intervals) total += Math.max(0, Math.min(b, d) - Math.max(a, c));
  return total;
}

/** `availability` is per row id (0..1, or null when nothing was counted). */
export function renderTimeline(rows: TimelineRow[], availability: Map<string, number | null>, view: TimelineView): string {
  const marks = view.ascii ? MARKS.ascii : MARKS.unicode;
  const longest = Math.max(6, ...rows.map((row) => row.id.length));
  const labelWidth = Math.min(longest, Math.max(12, Math.floor(view.width * 0.35)));
  const barWidth = view.width - labelWidth - 2 - FIGURE_WIDTH;
  if (barWidth < MIN_BAR_WIDTH) throw new Error(`a width of ${view.width} leaves no room for the timeline; use at least ${labelWidth + 2 + FIGURE_WIDTH + MIN_BAR_WIDTH} (--width)`);
  const step = (view.until - view.since) / barWidth;

  const start = formatTime(view.since, view.utc);
  const end = formatTime(view.until, view.utc);
  const axisGap = Math.max(1, barWidth - start.length - end.length);
  const lines = [`${' '.repeat(labelWidth + 2)}${start}${' '.repeat(axisGap)}${end}`];
  for (const row of rows) {
    const label = row.id.length > labelWidth ? `${row.id.slice(0, labelWidth - 1)}…` : row.id.padEnd(labelWidth);
    const bar = rowBar(row, view.since, step, barWidth, marks);
    const ratio = availability.get(row.id);
    const figure = ratio === null || ratio === undefined ? '-' : `${(Math.floor(ratio * 100_000) / 1_000).toFixed(3)}%`;
    lines.push(`${label}  ${bar} ${figure.padStart(FIGURE_WIDTH - 1)}`);
  }
  lines.push(
    `${' '.repeat(labelWidth + 2)}${marks.down} down  ${marks.maintenance} maintenance  ${marks.up} up  (blank: not watched)  one column = ${formatShortDuration(step)}`,
  );
  return lines.join('\n');
}
