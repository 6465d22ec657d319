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

function overlaps(intervals: Array<[number, number]>, from: number, to: number): boolean {
  return intervals.some(([a, b]) => a < to && b > from);
}

function covers(intervals: Array<[number, number]>, from: number, to: number): boolean {
  let covered = 0;
  for (const [a, b] of intervals) covered += Math.max(0, Math.min(b, to) - Math.max(a, from));
  return covered >= to - from;
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
    let bar = '';
    for (let i = 0; i < barWidth; i++) {
      const from = view.since + i * step;
      const to = from + step;
      if (to <= row.watched[0] || from >= row.watched[1]) bar += marks.unwatched;
      else if (overlaps(row.outages, from, to) && !covers(row.maintenance, from, to)) bar += marks.down;
      else if (overlaps(row.maintenance, from, to)) bar += marks.maintenance;
      else bar += marks.up;
    }
    const ratio = availability.get(row.id);
    const figure = ratio === null || ratio === undefined ? '-' : `${(Math.floor(ratio * 100_000) / 1_000).toFixed(3)}%`;
    lines.push(`${label}  ${bar} ${figure.padStart(FIGURE_WIDTH - 1)}`);
  }
  lines.push(
    `${' '.repeat(labelWidth + 2)}${marks.down} down  ${marks.maintenance} maintenance  ${marks.up} up  (blank: not watched)  one column = ${formatShortDuration(step)}`,
  );
  return lines.join('\n');
}
