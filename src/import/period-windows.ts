// mon's exclude_period (`wd {Sat} hr {1am-3am}`: do not run the monitor then) as Vigil
// maintenance windows: a cron expression for each start and how long it lasts.
import { parsePeriod } from '../alerting/time-period.js';
import { exactDuration } from './import-text.js';

export interface CronWindow {
  cron: string;
  duration: string;
}

/** The windows covering a mon period, or a string saying why it cannot be read. */
export function periodToWindows(text: string): CronWindow[] | string {
  const period = parsePeriod(text);
  if (typeof period === 'string') return period;
  const windows: CronWindow[] = [];
  for (const part of period.parts) {
    const days = part.days ? [...part.days].sort((a, b) => a - b) : [];
    const dayField = days.length === 0 || days.length === 7 ? '*' : days.join(',');
    for (const [start, end] of part.minutes ?? [[0, 1440]]) {
      windows.push({ cron: `${start % 60} ${Math.floor(start / 60) % 24} * * ${dayField}`, duration: exactDuration((end - start) * 60_000) });
    }
  }
  return windows;
}
