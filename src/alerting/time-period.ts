// Time periods when an alert may fire, with mon's (Time::Period's) meaning: weekdays and hours of
// local time (or of an entry's `time_zone`), the scales ANDed, sub-periods ORed.
// `wd {Mon-Fri} hr {7am-10pm}` is `{ days: Mon-Fri, hours: 7am-10pm }`: Monday to Friday, 07:00
// up to (not including) 22:00.

/** One sub-period: a set of weekdays and a set of minute-of-day ranges; an absent scale is "any". */
export interface PeriodPart {
  /** Weekdays, 0 = Sunday … 6 = Saturday. */
  days?: Set<number>;
  /** Half-open minute-of-day ranges [start, end); a range past midnight is split in two. */
  minutes?: Array<[number, number]>;
  /** IANA zone the days and hours are read in; local time without it. */
  timeZone?: string;
}

/** A period: it matches when any of its parts matches. */
export interface TimePeriod {
  text: string;
  parts: PeriodPart[];
}

export interface PeriodSpec {
  days?: string;
  hours?: string;
  time_zone?: string;
}

/** Whether Node knows `name` as a time zone (`Europe/Berlin`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** `Mon`, `monday`, `THU`, `su`: two or three letters or the whole name. */
function parseDay(word: string): number | string {
  const lower = word.toLowerCase();
  const index = DAY_NAMES.findIndex((name) => lower === name || lower === name.slice(0, 3) || lower === name.slice(0, 2));
  return index >= 0 ? index : `'${word}' is not a weekday (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)`;
}

/** `Mon-Fri`, `Sat Sun`, `Mon,Wed,Fri`, `Fri-Mon` (wraps). Returns the set or a problem. */
export function parseDays(text: string): Set<number> | string {
  const days = new Set<number>();
  const tokens = text.split(/[\s,]+/).filter(Boolean);
  if (!tokens.length) return 'expected weekdays such as Mon-Fri or Sat Sun';
  for (const token of tokens) {
    const [first, last, extra] = token.split('-');
    if (extra !== undefined) return `'${token}' is not a weekday range`;
    const start = parseDay(first!);
    if (typeof start === 'string') return start;
    const end = last === undefined ? start : parseDay(last);
    if (typeof end === 'string') return end;
    for (let day = start; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === end) break;
    }
  }
  return days;
}

/** `7am`, `7:30pm`, `12am` (midnight), `12pm` (noon), `07:00`, `22:30`, `9`, `24:00`. Minutes of the day. */
export function parseClock(text: string): number | string {
  const match = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$/i.exec(text.trim());
  if (!match) return `'${text}' is not a time of day (use 7am, 7:30pm, 07:00 or 22:30)`;
  let hour = Number(match[1]);
  const minute = match[2] === undefined ? 0 : Number(match[2]);
  const meridiem = match[3]?.toLowerCase();
  if (minute > 59) return `'${text}': minutes go up to 59`;
  if (meridiem) {
    if (hour < 1 || hour > 12) return `'${text}': with am/pm the hour is 1 to 12`;
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
  } else if (hour > 24 || (hour === 24 && minute > 0)) return `'${text}': the hour is 0 to 24`;
  return hour * 60 + minute;
}

/** `7am-10pm`, `09:00-17:30 18:00-20:00`, `10pm-6am` (past midnight). */
export function parseHours(text: string): Array<[number, number]> | string {
  const ranges: Array<[number, number]> = [];
  const tokens = text.split(/[\s,]+/).filter(Boolean);
  if (!tokens.length) return 'expected hour ranges such as 7am-10pm or 09:00-17:30';
  for (const token of tokens) {
    const [from, to, extra] = token.split('-');
    if (to === undefined || extra !== undefined) return `'${token}' is not an hour range (write start-end, e.g. 7am-10pm)`;
    const start = parseClock(from!);
    if (typeof start === 'string') return start;
    const end = parseClock(to);
    if (typeof end === 'string') return end;
    if (start === end) return `'${token}' is empty: start and end are the same time`;
    if (start < end) ranges.push([start, end]);
    else ranges.push([start, 1440], [0, end]);
  }
  return ranges;
}

function partFromSpec(spec: PeriodSpec): PeriodPart | string {
  if (spec.days === undefined && spec.hours === undefined) return 'a period needs days, hours, or both';
  const part: PeriodPart = {};
  if (spec.days !== undefined) {
    const days = parseDays(spec.days);
    if (typeof days === 'string') return `days: ${days}`;
    part.days = days;
  }
  if (spec.hours !== undefined) {
    const minutes = parseHours(spec.hours);
    if (typeof minutes === 'string') return `hours: ${minutes}`;
    part.minutes = minutes;
  }
  if (spec.time_zone !== undefined) {
    if (!isTimeZone(spec.time_zone)) return `time_zone: unknown time zone ${JSON.stringify(spec.time_zone)} (expected an IANA name such as Europe/Berlin)`;
    part.timeZone = spec.time_zone;
  }
  return part;
}

/** Time::Period's weekday numbers, 1 = Sunday … 7 = Saturday, as names; other words are left to parseDays. */
function monDays(values: string): string {
  return values.trim().replace(/\b[1-7]\b/g, (digit) => DAY_NAMES[Number(digit) - 1]!.slice(0, 3));
}

/** A Time::Period hour: 0-23, 12am, 1am-11am, 12noon, 12pm, 1pm-11pm. */
function monHour(word: string): number {
  const match = /^(\d{1,2})(am|pm|noon)?$/i.exec(word);
  const hour = Number(match?.[1]);
  const suffix = match?.[2]?.toLowerCase();
  if (!match || (suffix ? hour < 1 || hour > 12 || (suffix === 'noon' && hour !== 12) : hour > 23)) {
    throw new MonPeriodError(`'${word}' is not an hour (Time::Period: 0-23, 12am, 1am-11am, 12noon, 12pm, 1pm-11pm)`);
  }
  if (!suffix) return hour;
  return (hour % 12) + (suffix === 'am' ? 0 : 12);
}

/**
 * Time::Period's hour ranges include their last hour: `hr {9am-5pm}` is 09:00 to 17:59, `hr {17}`
 * the hour from 17:00 (checked against libtime-period-perl). As the `hours` form, whose end is
 * excluded: `09:00-18:00`. A range with minutes (`09:00-17:30`) is the `hours` form already.
 */
function monHours(values: string): string {
  const clock = (hour: number) => `${String(hour).padStart(2, '0')}:00`;
  return values
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((token) => {
      if (token.includes(':')) return token; // 09:00-17:30 is not Time::Period's: read as the `hours` form
      const [first, last, extra] = token.split('-');
      if (extra !== undefined) throw new MonPeriodError(`'${token}' is not an hour range`);
      const start = monHour(first!);
      const end = (last === undefined ? start : monHour(last)) + 1;
      if (end % 24 === start) return '00:00-24:00'; // hr {3-2}: round the clock
      return start === 0 && end === 24 ? '00:00-24:00' : `${clock(start)}-${clock(end % 24 === 0 && start !== 0 ? 24 : end % 24)}`;
    })
    .join(' ');
}

/** mon's own form, `wd {Mon-Fri} hr {7am-10pm}, wd {Sat}`: sub-periods split on commas outside braces. */
export function parseMonPeriod(text: string): PeriodSpec[] | string {
  const specs: PeriodSpec[] = [];
  for (const piece of text.split(/,(?![^{]*\})/)) {
    const spec: PeriodSpec = {};
    const rest = piece.replace(/(\w+)\s*\{([^}]*)\}/g, (_, scale: string, values: string) => {
      const key = ({ wd: 'days', weekday: 'days', wday: 'days', hr: 'hours', hour: 'hours' } as const)[scale.toLowerCase() as 'wd'];
      if (!key) throw new MonPeriodError(`scale '${scale}' is not supported (use wd and hr)`);
      spec[key] = key === 'days' ? monDays(values) : monHours(values);
      return '';
    });
    if (rest.trim()) return `cannot read '${rest.trim()}' (expected scale {values}, e.g. wd {Mon-Fri} hr {7am-10pm})`;
    specs.push(spec);
  }
  return specs;
}

class MonPeriodError extends Error {}

/** Builds a period from its config form: a mapping, a list of mappings, or mon's string. */
export function parsePeriod(value: PeriodSpec | PeriodSpec[] | string): TimePeriod | string {
  let specs: PeriodSpec[];
  if (typeof value === 'string') {
    try {
      const parsed = parseMonPeriod(value);
      if (typeof parsed === 'string') return parsed;
      specs = parsed;
    } catch (err) {
      if (err instanceof MonPeriodError) return err.message;
      throw err;
    }
  } else specs = Array.isArray(value) ? value : [value];
  if (!specs.length) return 'a period needs at least one entry';
  const parts: PeriodPart[] = [];
  for (const spec of specs) {
    const part = partFromSpec(spec);
    if (typeof part === 'string') return part;
    parts.push(part);
  }
  return { text: typeof value === 'string' ? value : JSON.stringify(value), parts };
}

/** Weekday (0 = Sunday) and minute of the day of `date`, in local time or in `timeZone`. */
function dayAndMinute(date: Date, timeZone: string | undefined): [day: number, minute: number] {
  if (timeZone === undefined) return [date.getDay(), date.getHours() * 60 + date.getMinutes()];
  let format = ZONE_FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    ZONE_FORMATS.set(timeZone, format);
  }
  let day = 0;
  let minute = 0;
  for (const { type, value } of format.formatToParts(date)) {
    if (type === 'weekday') day = WEEKDAYS_SHORT.indexOf(value);
    else if (type === 'hour') minute += Number(value) * 60;
    else if (type === 'minute') minute += Number(value);
  }
  return [day, minute];
}

const WEEKDAYS_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ZONE_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** True when `date` lies inside the period. */
export function inPeriod(period: TimePeriod, date: Date): boolean {
  return period.parts.some((part) => {
    const [day, minute] = dayAndMinute(date, part.timeZone);
    return (!part.days || part.days.has(day)) && (!part.minutes || part.minutes.some(([start, end]) => minute >= start && minute < end));
  });
}
