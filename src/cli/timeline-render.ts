// Draws `vigil timeline`: one row per target, time running left to right across the terminal,
// each column a slice of the window marked down, maintenance, up, Vigil not running, or not watched.
import type { TimelineRow } from '../history/timeline-query.js';
import { formatShortDuration, formatTime } from './format.js';

export interface TimelineView {
  since: number;
  until: number;
  /** Total width in characters, labels and figures included. */
  width: number;
  ascii?: boolean;
  utc?: boolean;
  /** When Vigil was not running (apart, sorted): the same for every row. */
  notRunning?: Array<[number, number]>;
}

const MARKS = {
  unicode: { down: '█', maintenance: '░', up: '·', notRunning: '╌', unwatched: ' ' },
  ascii: { down: '#', maintenance: 'm', up: '.', notRunning: '-', unwatched: ' ' },
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
function rowBar(row: TimelineRow, since: number, step: number, barWidth: number, marks: Marks, notRunning: NotRunning): string {
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
  // Vigil not running over these columns; down time in the rest of one still shows.
  for (const i of notRunning.columns) if (watched(i)) bar[i] = marks.notRunning;
  const leftOut = notRunning.gaps.length && row.outages.length ? merged([...row.maintenance, ...notRunning.gaps]) : maintenance;
  for (const outage of row.outages) {
    touched(outage, (i, from, to) => {
      const down: Interval = [Math.max(outage[0], from), Math.min(outage[1], to)];
      if (watched(i) && covered(down, leftOut) < down[1] - down[0]) bar[i] = marks.down;
    });
  }
  return bar.join('');
}

type Interval = [number, number];

/** When Vigil was not running, and the columns that shows in: the same for every row. */
interface NotRunning {
  gaps: Interval[];
  columns: number[];
}

/** The columns Vigil was not running for half of at least (a restart's minute is no column's news). */
function notRunningColumns(gaps: Interval[], since: number, step: number, barWidth: number): number[] {
  const columns: number[] = [];
  for (let i = 0; i < barWidth; i++) {
    const from = since + i * step;
    if (covered([from, from + step], gaps) * 2 >= step) columns.push(i);
  }
  return columns;
}

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
  const gaps = view.notRunning ?? [];
  const notRunning: NotRunning = { gaps, columns: gaps.length ? notRunningColumns(gaps, view.since, step, barWidth) : [] };

  const indent = ' '.repeat(labelWidth + 2);
  const lines = [`${indent}${axis(formatTime(view.since, view.utc), formatTime(view.until, view.utc), barWidth)}`];
  for (const row of rows) {
    const label = shortened(row.id, labelWidth).padEnd(labelWidth);
    const bar = rowBar(row, view.since, step, barWidth, marks, notRunning);
    const ratio = availability.get(row.id);
    const figure = ratio === null || ratio === undefined ? '-' : `${(Math.floor(ratio * 100_000) / 1_000).toFixed(3)}%`;
    lines.push(`${label}  ${bar} ${figure.padStart(FIGURE_WIDTH - 1)}`);
  }
  // The legend, its parts wrapped to the width under the bars.
  const parts = [`${marks.down} down`, `${marks.maintenance} maintenance`, `${marks.up} up`];
  if (gaps.length) parts.push(`${marks.notRunning} vigil not running`);
  parts.push('(blank: not watched)', `one column = ${formatShortDuration(step)}`);
  // A part too long to sit under the bars starts further left, so no line passes the width.
  const legendLine = (text: string) => `${' '.repeat(Math.max(0, Math.min(indent.length, view.width - text.length)))}${text}`;
  let legend = '';
  for (const part of parts) {
    if (legend && indent.length + legend.length + 2 + part.length > view.width) {
      lines.push(legendLine(legend));
      legend = part;
    } else legend = legend ? `${legend}  ${part}` : part;
  }
  lines.push(legendLine(legend));
  return lines.join('\n');
}

/**
 * A label cut in the middle when too long: the service's start and the host's end both stay, so
 * `web-http/web2` and `web-http/web3` remain two rows one can tell apart.
 */
function shortened(id: string, width: number): string {
  if (id.length <= width) return id;
  const tail = Math.ceil((width - 1) / 2);
  return `${id.slice(0, width - 1 - tail)}…${id.slice(id.length - tail)}`;
}

/**
 * The window's start and end over the bar, the end's last character at the bar's: the full
 * times when they fit, else without seconds, then without the year, then the start alone.
 */
function axis(start: string, end: string, barWidth: number): string {
  // The seconds are the `:SS` after HH:MM, before a `Z` or a `+01:00` (formatTime's repeated hour).
  const noSeconds = (t: string) => t.replace(/( \d\d:\d\d):\d\d/, '$1');
  const shorter = [(t: string) => t, noSeconds, (t: string) => noSeconds(t).replace(/^\d{4}-/, '')];
  for (const form of shorter) {
    const [a, b] = [form(start), form(end)];
    if (a.length + 1 + b.length <= barWidth) return `${a}${' '.repeat(barWidth - a.length - b.length)}${b}`;
  }
  return shorter[2]!(start).slice(0, barWidth);
}
